"""The dataset a run trains on: its schema (curated, or inferred before a pipeline's first run and
kept for it: pipeline/schemas/kept.py) and what each column is to the model
(components/dataset_spec)."""

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
from components.validation_gate.drift import guard_against_drift
from pipeline.config import DATA_FILE_PATTERN, SPLIT_HASH_BUCKETS, PipelineConfig


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


def dataset_spec(config: PipelineConfig, schema_text: str, path: str | None = None) -> DatasetSpec:
    """What each column is to the model, from the schema alone (read from `path`, by default
    the config's schema): every decision that needed the statistics was recorded in the schema
    when it was inferred."""
    return infer_dataset_spec(
        parse_schema(schema_text, path or config.schema_path),
        config.label,
        exclude=config.excluded_columns,
        overrides=dict(config.feature_overrides),
    )


def infer_schema_text(config: PipelineConfig) -> tuple[str, DatasetSpec]:
    """The schema inferred from the run's data, as text, and the dataset's spec."""
    return inferred_schema(
        config.data_root,
        config.label,
        exclude=config.excluded_columns,
        overrides=dict(config.feature_overrides),
    )


def write_inferred_schema(
    data_root: str,
    path: str,
    label: str,
    exclude: tuple[str, ...] = (),
    overrides: dict[str, str] | None = None,
) -> DatasetSpec:
    """Write the schema `inferred_schema` gives to `path`; return the dataset's spec."""
    text, spec = inferred_schema(data_root, label, exclude, overrides)
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return spec


def inferred_schema(
    data_root: str,
    label: str,
    exclude: tuple[str, ...] = (),
    overrides: dict[str, str] | None = None,
) -> tuple[str, DatasetSpec]:
    """A schema inferred from the statistics of the examples ExampleGen makes of the data, as
    SchemaGen infers one, with what the statistics decided about each column recorded in it
    (see record_decisions_in_schema) and drift and skew thresholds on every feature and the
    label (see guard_against_drift); as text, with the dataset's spec."""
    import tensorflow_data_validation as tfdv

    try:
        statistics = examples_statistics(data_root)
        columns = csv_column_names(data_root)
    except DatasetSpecError:
        raise
    except ValueError as error:  # the files' headers differ, or a row has too many fields
        raise DatasetSpecError(f"cannot infer a schema from {data_root}: {error}") from None
    inferred = _in_column_order(tfdv.infer_schema(statistics, infer_feature_shape=True), columns)
    dataset_statistics = statistics.datasets[0]
    spec = infer_dataset_spec(
        inferred, label, dataset_statistics, exclude=exclude, overrides=overrides
    )
    rows = dataset_statistics.num_examples
    split_rows = round(rows * min(SPLIT_HASH_BUCKETS.values()) / sum(SPLIT_HASH_BUCKETS.values()))
    recorded = guard_against_drift(
        record_decisions_in_schema(inferred, spec, dataset_statistics), spec, split_rows
    )
    header = (
        f"# Inferred from {data_root} with label {label!r}, {rows} rows. Review and tighten it "
        "(value ranges,\n# domains), then pass it with --schema or save it as schema.pbtxt "
        "beside the data. The drift and skew\n# thresholds are sized for splits of about "
        f"{split_rows} rows (components/validation_gate/drift.py): much smaller\n# batches "
        "are noisier and may need looser ones.\n"
    )
    return header + text_format.MessageToString(recorded), spec


def csv_column_names(data_root: str) -> list[str]:
    """The columns of the CSV files in `data_root`, as their (first) header names them."""
    from components.checked_csv_example_gen.csv_to_examples import read_column_names

    return read_column_names(_csv_files(data_root)[0])


def _csv_files(data_root: str) -> list[str]:
    """The data files of `data_root`, local or on an object store."""
    import tensorflow as tf  # for gfile: gs://, s3:// and the other filesystems TF reads

    files = sorted(tf.io.gfile.glob(os.path.join(data_root, DATA_FILE_PATTERN)))
    if not files:
        raise DatasetSpecError(
            f"{data_root}: no file matches {DATA_FILE_PATTERN} to infer a schema"
        )
    return files


def _in_column_order(schema: schema_pb2.Schema, columns: list[str]) -> schema_pb2.Schema:
    """`schema` with its features, and the string domains named after them, in the order of
    the CSV's columns (TFDV lists them alphabetically): the model takes its inputs in that
    order, as it does with a schema SchemaGen inferred."""
    position = {name: index for index, name in enumerate(columns)}
    ordered = schema_pb2.Schema()
    ordered.CopyFrom(schema)
    for field in (ordered.feature, ordered.string_domain):
        items = sorted(field, key=lambda item: position.get(item.name, len(position)))
        del field[:]
        field.extend(items)
    return ordered


def examples_statistics(data_root: str):
    """TFDV statistics of the tf.Examples CsvExampleGen makes of the CSV files in `data_root`
    (all rows, one dataset), as StatisticsGen computes them.

    From the examples rather than from TFDV's own CSV reader, which differs in two ways: a
    missing value is an absent feature to it but a feature with no values in the examples
    (inferred from the former, every row with a missing value would fail validation), and it
    keeps a byte-order mark in the first column's name."""
    import tempfile

    import tensorflow as tf
    import tensorflow_data_validation as tfdv

    from components.checked_csv_example_gen.csv_to_examples import encoded_examples

    csv_files = _csv_files(data_root)
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "examples.tfrecord")
        with tf.io.TFRecordWriter(path) as writer:
            for record in encoded_examples(csv_files):
                writer.write(record)
        return tfdv.generate_statistics_from_tfrecord(data_location=path)


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


def describe_spec(spec: DatasetSpec) -> str:
    """The spec in a few lines, for the run's terminal output."""
    lines = [f"label {spec.label} ({spec.label_type}): {', '.join(spec.label_classes)}"]
    for feature in spec.features:
        detail = feature.kind if feature.encoding is None else f"{feature.kind}, {feature.encoding}"
        lines.append(f"    {feature.name}: {detail}")
    return "\n".join(lines)
