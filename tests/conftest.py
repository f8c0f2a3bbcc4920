"""Shared test fixtures. Importing `components` first pins Keras 2 before TensorFlow loads."""

import csv
import pathlib

import pytest

import components  # noqa: F401 - sets TF_USE_LEGACY_KERAS before any test imports TensorFlow
from components.dataset_spec import NUMERIC, DatasetSpec, FeatureSpec
from tests.pipeline_runs import REPO_ROOT, Run, run_pipeline

IRIS_CSV = REPO_ROOT / "data" / "iris" / "iris.csv"
CURATED_SCHEMA = REPO_ROOT / "data" / "iris" / "schema.pbtxt"
IRIS_FEATURES = ("sepal_length", "sepal_width", "petal_length", "petal_width")
# What the curated schema makes of the Iris columns (tests/components/test_dataset_spec.py
# checks that it does).
IRIS_SPEC = DatasetSpec(
    label="species",
    label_type="string",
    label_classes=("setosa", "versicolor", "virginica"),
    features=tuple(FeatureSpec(name, NUMERIC, "FLOAT") for name in IRIS_FEATURES),
)
# The node ids of the pipeline the default PipelineConfig builds.
DEFAULT_NODES = frozenset(
    {
        "CsvExampleGen",
        "StatisticsGen",
        "SchemaGen",
        "ImportSchemaGen",
        "ExampleValidator",
        "ServingBaseline",
        "ValidationGate",
        "Transform",
        "Trainer",
        "Evaluator",
        "Pusher",
    }
)


@pytest.fixture(scope="session")
def iris_rows() -> list[dict[str, str]]:
    """The 150 raw rows of the sample data, as the CSV has them."""
    with IRIS_CSV.open(newline="") as f:
        return list(csv.DictReader(f))


# The sample data's first run and two cached reruns, in one output directory shared by every
# end-to-end test module (the pipeline takes about a minute per run).
@pytest.fixture(scope="session")
def output_dir(tmp_path_factory) -> pathlib.Path:
    return tmp_path_factory.mktemp("e2e") / "outputs"


@pytest.fixture(scope="session")
def first_run(output_dir) -> Run:
    return run_pipeline(output_dir)


@pytest.fixture(scope="session")
def cached_reruns(first_run, output_dir) -> tuple[Run, Run]:
    return run_pipeline(output_dir), run_pipeline(output_dir)


def serialized_examples(rows: list[dict[str, str]]):
    """The raw features of `rows` as serialized tf.Examples, without the label."""
    import tensorflow as tf  # here, so that `components` above is imported first

    examples = []
    for row in rows:
        feature = {
            key: tf.train.Feature(float_list=tf.train.FloatList(value=[float(row[key])]))
            for key in IRIS_FEATURES
        }
        examples.append(
            tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()
        )
    return tf.constant(examples)
