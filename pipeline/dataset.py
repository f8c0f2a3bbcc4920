"""The dataset a run trains on: its schema (curated, or inferred before the run and written out
for the user to curate) and what each column is to the model (components/dataset_spec)."""

import dataclasses
import hashlib
import json
import os

from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2

from components.dataset_spec import (
    KINDS,
    DatasetSpec,
    DatasetSpecError,
    infer_dataset_spec,
    record_decisions_in_schema,
)
from pipeline.config import DATA_FILE_PATTERN, PipelineConfig

# Under the output directory: the schema a run inferred, written for the user to review, tighten
# and pass back with --schema (or commit beside the data).
INFERRED_SCHEMA_FILE = os.path.join("dataset", "schema.pbtxt")


def read_schema_text(path: str) -> str:
    """The text of a schema file, local or on an object store."""
    if "://" not in path:  # without TensorFlow, so that a local run can check it at once
        try:
            with open(path, encoding="utf-8") as f:
                return f.read()
        except OSError as error:
            raise DatasetSpecError(f"cannot read the schema {path}: {error.strerror}") from None
    import tensorflow as tf  # for gfile: gs://, s3:// and the other filesystems TF reads

    try:
        with tf.io.gfile.GFile(path) as f:
            return f.read()
    except tf.errors.OpError as error:
        raise DatasetSpecError(f"cannot read the schema {path}: {error.message}") from None


def parse_schema(text: str, path: str) -> schema_pb2.Schema:
    try:
        return text_format.Parse(text, schema_pb2.Schema())
    except text_format.ParseError as error:
        raise DatasetSpecError(f"{path} is not a schema in text format: {error}") from None


def schema_fingerprint(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def dataset_spec(config: PipelineConfig, schema_text: str) -> DatasetSpec:
    """What each column is to the model, from the schema alone: every decision that needed the
    statistics was recorded in the schema when it was inferred."""
    return infer_dataset_spec(
        parse_schema(schema_text, config.schema_path),
        config.label,
        exclude=config.excluded_columns,
        overrides=dict(config.feature_overrides),
    )


def infer_schema_for_run(config: PipelineConfig) -> tuple[PipelineConfig, DatasetSpec]:
    """For a run without a curated schema: write one inferred from the data under the output
    directory; return the config that uses it, and the dataset's spec."""
    path = os.path.join(config.output_dir, INFERRED_SCHEMA_FILE)
    spec = write_inferred_schema(
        config.data_root,
        path,
        config.label,
        exclude=config.excluded_columns,
        overrides=dict(config.feature_overrides),
    )
    return dataclasses.replace(config, schema_path=path), spec


def write_inferred_schema(
    data_root: str,
    path: str,
    label: str,
    exclude: tuple[str, ...] = (),
    overrides: dict[str, str] | None = None,
) -> DatasetSpec:
    """Infer a schema from the data's statistics as SchemaGen does, record in it what the
    statistics decided about each column (see record_decisions_in_schema), write it to `path`,
    and return the dataset's spec."""
    import tensorflow_data_validation as tfdv

    statistics = tfdv.generate_statistics_from_csv(
        data_location=os.path.join(data_root, DATA_FILE_PATTERN)
    )
    _as_example_gen_writes_missing_values(statistics)
    inferred = tfdv.infer_schema(statistics, infer_feature_shape=True)
    dataset_statistics = statistics.datasets[0]
    spec = infer_dataset_spec(
        inferred, label, dataset_statistics, exclude=exclude, overrides=overrides
    )
    recorded = record_decisions_in_schema(inferred, spec, dataset_statistics)
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(
            f"# Inferred from {data_root} with label {label!r}. Review and tighten it (value "
            "ranges, domains,\n# drift and skew thresholds), then pass it with --schema or "
            "save it as schema.pbtxt beside the data.\n"
        )
        f.write(text_format.MessageToString(recorded))
    return spec


# In a features file, what a column can be declared as: a kind, or left out of the model.
EXCLUDED = "exclude"


def read_features_file(path: str) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """(overrides, excluded columns) from a features file: a JSON object mapping a column to
    "numeric", "categorical" or "exclude", e.g. {"zip": "categorical", "row_id": "exclude"}.
    Whether the columns exist is checked against the schema when the run starts."""
    try:
        with open(path, encoding="utf-8") as f:
            declared = json.load(f)
    except OSError as error:
        raise DatasetSpecError(f"features file {path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise DatasetSpecError(
            f"features file {path}, line {error.lineno}: not valid JSON ({error.msg})"
        ) from None
    allowed = (*KINDS, EXCLUDED)
    if not isinstance(declared, dict):
        raise DatasetSpecError(
            f'features file {path}: expected a JSON object such as {{"zip": "categorical"}}'
        )
    for column, kind in declared.items():
        if kind not in allowed:
            raise DatasetSpecError(
                f"features file {path}: column {column!r} is {kind!r}; expected one of "
                f"{', '.join(allowed)}"
            )
    overrides = tuple((column, kind) for column, kind in declared.items() if kind != EXCLUDED)
    excluded = tuple(column for column, kind in declared.items() if kind == EXCLUDED)
    return overrides, excluded


def _as_example_gen_writes_missing_values(statistics) -> None:
    """Make statistics computed from CSV describe the tf.Examples CsvExampleGen makes of it.

    A missing CSV value is a missing feature to TFDV's CSV reader, but CsvExampleGen writes it
    as a feature with no values. SchemaGen, seeing the latter, infers the column present in
    every example with 0 or 1 values; from the former TFDV would infer exactly one value when
    present, which every row with a missing value then violates (FEATURE_TYPE_LOW_NUMBER_VALUES).
    """
    for dataset in statistics.datasets:
        for feature in dataset.features:
            kind = feature.WhichOneof("stats")
            if kind not in ("num_stats", "string_stats"):
                continue
            common = getattr(feature, kind).common_stats
            if common.num_missing:
                common.num_non_missing += int(common.num_missing)
                common.num_missing = 0
                common.min_num_values = 0


def describe_spec(spec: DatasetSpec) -> str:
    """The spec in a few lines, for the run's terminal output."""
    lines = [f"label {spec.label} ({spec.label_type}): {', '.join(spec.label_classes)}"]
    for feature in spec.features:
        detail = feature.kind if feature.encoding is None else f"{feature.kind}, {feature.encoding}"
        lines.append(f"    {feature.name}: {detail}")
    return "\n".join(lines)
