"""Predict with a pushed model: rows from CSV or JSONL, checked against what the model takes,
then served through its serving_default signature as serialized tf.Examples."""

import csv
import dataclasses
import json
import math
import os
import time
from collections.abc import Iterator
from typing import Any

from components.signatures import SERVING_INFO_FILE, SERVING_SIGNATURE

BATCH_SIZE = 1024
# Where Pusher writes each pipeline's model versions unless a run is given a serving root.
DEFAULT_SERVING_SUBDIR = "serving_model"


class BadRowError(ValueError):
    """A row the model cannot take; the message names the file, line and field."""

    def __init__(self, path: str, line: int, field: str | None, problem: str) -> None:
        self.path, self.line, self.field, self.problem = path, line, field, problem
        where = f"{path} line {line}" + (f", field '{field}'" if field else "")
        super().__init__(f"{where}: {problem}")


@dataclasses.dataclass
class Prediction:
    line: int
    class_name: str  # the predicted class as text (a whole-number label's class id, as text)
    probabilities: dict[str, float]
    label: str | None  # the row's own label, when the input has that column


@dataclasses.dataclass
class PredictResult:
    model_dir: str
    predictions: list[Prediction]
    skipped: list[BadRowError]
    seconds: float  # reading and checking the rows, building examples, calling the model

    @property
    def rows_per_second(self) -> float:
        return len(self.predictions) / self.seconds if self.seconds else math.inf


def default_serving_root(output_dir: str) -> str:
    """The folder holding, side by side, a folder of pushed model versions per pipeline, when
    runs are not given a serving root."""
    return os.path.join(output_dir, DEFAULT_SERVING_SUBDIR)


def default_serving_model_dir(output_dir: str, pipeline_name: str) -> str:
    """Where Pusher writes `pipeline_name`'s model versions when a run is not given a serving
    root (PipelineConfig's `serving_model_dir` without `serving_root`)."""
    return os.path.join(default_serving_root(output_dir), pipeline_name)


def latest_pushed_model(serving_model_dir: str) -> str:
    """The highest-numbered version under `serving_model_dir`, as TF Serving would serve it."""
    versions = []
    if os.path.isdir(serving_model_dir):
        versions = [
            int(name)
            for name in os.listdir(serving_model_dir)
            if name.isdigit()
            and os.path.exists(os.path.join(serving_model_dir, name, "saved_model.pb"))
        ]
    if not versions:
        raise FileNotFoundError(
            f"no pushed model in {serving_model_dir}: run the pipeline first, or pass --model-dir"
        )
    return os.path.join(serving_model_dir, str(max(versions)))


def read_serving_info(model_dir: str) -> dict[str, Any]:
    """The features, label and classes the export recorded beside the SavedModel."""
    path = os.path.join(model_dir, SERVING_INFO_FILE)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} is missing: {model_dir} was not exported by this project")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def read_rows(path: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, row) for each data row of a CSV (with header) or JSONL file."""
    # utf-8-sig: a byte-order mark (Excel's "CSV UTF-8") is not part of the first field's name.
    with open(path, newline="", encoding="utf-8-sig") as f:
        if path.endswith((".jsonl", ".json")):
            for line, text in enumerate(f, start=1):
                if not text.strip():
                    continue
                try:
                    row = json.loads(text)
                except json.JSONDecodeError as error:
                    raise BadRowError(path, line, None, f"not valid JSON ({error.msg})") from None
                if not isinstance(row, dict):
                    raise BadRowError(path, line, None, "expected a JSON object per line")
                yield line, row
        else:
            reader = csv.DictReader(f)
            for row in reader:
                if None in row:  # csv puts values beyond the header under the key None
                    raise BadRowError(
                        path,
                        reader.line_num,
                        None,
                        f"{len(reader.fieldnames) + len(row[None])} values, the header has "
                        f"{len(reader.fieldnames)}",
                    )
                yield reader.line_num, row


def to_example(row: dict[str, Any], info: dict[str, Any], path: str, line: int):
    """A tf.Example of the row's features; BadRowError for a missing, extra or malformed one."""
    import tensorflow as tf

    expected = info["features"]
    unexpected = sorted(set(row) - set(expected) - {info["label"], *info.get("excluded", [])})
    if unexpected:
        raise BadRowError(
            path, line, unexpected[0], f"unexpected field (the model takes {', '.join(expected)})"
        )
    optional = set(info.get("optional", []))
    feature = {}
    for name, dtype in expected.items():
        value = row.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if name in optional:
                continue  # the model imputes it, as it did for missing values in training
            raise BadRowError(path, line, name, "missing value")
        if dtype == "string":
            feature[name] = tf.train.Feature(
                bytes_list=tf.train.BytesList(value=[str(value).encode()])
            )
            continue
        number = _number(value)
        if number is None:
            raise BadRowError(path, line, name, f"{value!r} is not a number")
        if dtype == "int64":
            if number != int(number):
                raise BadRowError(path, line, name, f"{value!r} is not a whole number")
            feature[name] = tf.train.Feature(int64_list=tf.train.Int64List(value=[int(number)]))
        else:
            feature[name] = tf.train.Feature(float_list=tf.train.FloatList(value=[number]))
    return tf.train.Example(features=tf.train.Features(feature=feature))


def _number(value: Any) -> float | None:
    """`value` as a finite number, or None (booleans and NaN are not numbers here)."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def predict(model_dir: str, input_path: str, skip_bad_rows: bool = False) -> PredictResult:
    """Classify every row of `input_path`; a bad row raises BadRowError unless skipped."""
    import tensorflow as tf

    info = read_serving_info(model_dir)
    model = tf.saved_model.load(model_dir)
    serve = model.signatures[SERVING_SIGNATURE]
    started = time.monotonic()
    examples, lines, labels, skipped = [], [], [], []
    for line, row in read_rows(input_path):
        try:
            examples.append(to_example(row, info, input_path, line).SerializeToString())
        except BadRowError as error:
            if not skip_bad_rows:
                raise
            skipped.append(error)
            continue
        lines.append(line)
        label = row.get(info["label"])
        labels.append(None if label is None else str(label))
    predictions = []
    for start in range(0, len(examples), BATCH_SIZE):
        outputs = serve(examples=tf.constant(examples[start : start + BATCH_SIZE]))
        names = [
            value.decode() if isinstance(value, bytes) else str(value)
            for value in outputs.get("class_name", outputs.get("class_id")).numpy()
        ]
        for offset, probabilities in enumerate(outputs["probabilities"].numpy()):
            index = start + offset
            predictions.append(
                Prediction(
                    line=lines[index],
                    class_name=names[offset],
                    probabilities={
                        name: float(p)
                        for name, p in zip(info["classes"], probabilities, strict=True)
                    },
                    label=labels[index],
                )
            )
    return PredictResult(model_dir, predictions, skipped, time.monotonic() - started)


def write_predictions(result: PredictResult, output, as_jsonl: bool) -> None:
    """Predictions as CSV (line, class_name, one probability column per class, label) or JSONL."""
    if as_jsonl:
        for prediction in result.predictions:
            output.write(json.dumps(dataclasses.asdict(prediction)) + "\n")
        return
    classes = list(result.predictions[0].probabilities) if result.predictions else []
    writer = csv.writer(output, lineterminator="\n")
    writer.writerow(["line", "class_name", *[f"probability_{c}" for c in classes], "label"])
    for p in result.predictions:
        writer.writerow(
            [p.line, p.class_name, *[f"{p.probabilities[c]:.6f}" for c in classes], p.label or ""]
        )
