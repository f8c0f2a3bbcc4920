"""The pipeline graph: which nodes exist and what feeds what."""

import json

import pytest

from components.checked_csv_example_gen.component import Executor, TfxReaderExecutor
from components.dataset_spec import DatasetSpecError
from components.hyperparameters import HParams
from pipeline.code_fingerprint import code_fingerprint
from pipeline.config import PipelineConfig
from pipeline.pipeline import create_pipeline
from tests.conftest import CURATED_SCHEMA, DEFAULT_NODES, IRIS_SPEC


def graph(config: PipelineConfig) -> dict[str, set[str]]:
    """Node id -> ids of the nodes it reads from."""
    tfx_pipeline = create_pipeline(config)
    return {c.id: {u.id for u in c.upstream_nodes} for c in tfx_pipeline.components}


@pytest.fixture(scope="module")
def default_graph():
    return graph(PipelineConfig(output_dir="/tmp/unused"))


def test_every_component_is_wired(default_graph):
    assert set(default_graph) == DEFAULT_NODES


def test_edges_follow_the_data(default_graph):
    assert default_graph == {
        "CsvExampleGen": set(),
        "ImportSchemaGen": set(),
        "drift_baseline_resolver": set(),
        "latest_blessed_model_resolver": set(),
        "StatisticsGen": {"CsvExampleGen"},
        "SchemaGen": {"StatisticsGen"},
        # The curated schema, not the inferred one, drives validation, Transform and training.
        "ExampleValidator": {"StatisticsGen", "ImportSchemaGen"},
        "ValidationGate": {
            "ExampleValidator",
            "ImportSchemaGen",
            "StatisticsGen",
            "drift_baseline_resolver",
        },
        # Nothing is transformed or trained before the gate has passed the data.
        "Transform": {"CsvExampleGen", "ImportSchemaGen", "ValidationGate"},
        "Trainer": {"Transform", "ImportSchemaGen"},
        "Evaluator": {"CsvExampleGen", "Trainer", "latest_blessed_model_resolver"},
        "Pusher": {"Trainer", "Evaluator"},
    }


def test_the_gate_feeds_transform_no_artifact():
    """Transform waits for the gate but reads none of its outputs, so that a gate re-run
    (a new drift baseline each run) leaves Transform's and the Trainer's cache valid."""
    transform = next(
        c
        for c in create_pipeline(PipelineConfig(output_dir="/tmp/unused")).components
        if c.id == "Transform"
    )
    producers = {channel.producer_component_id for channel in transform.inputs.values()}
    assert "ValidationGate" not in producers
    assert "ValidationGate" in {node.id for node in transform.upstream_nodes}


def test_without_a_schema_the_pipeline_says_where_one_comes_from():
    with pytest.raises(DatasetSpecError, match="the pipeline takes its features from a schema"):
        create_pipeline(PipelineConfig(output_dir="/tmp/unused", schema_path=None))


def test_tuner_feeds_the_trainer_when_enabled():
    edges = graph(PipelineConfig(output_dir="/tmp/unused", enable_tuner=True))
    assert edges["Tuner"] == {"Transform", "ImportSchemaGen"}
    assert edges["Trainer"] == {"Transform", "ImportSchemaGen", "Tuner"}


def test_serving_data_gets_its_own_statistics_for_the_gate():
    edges = graph(PipelineConfig(output_dir="/tmp/unused", serving_data_root="/data/serving"))
    assert edges["ServingStatisticsGen"] == {"ServingExampleGen"}
    assert "ServingStatisticsGen" in edges["ValidationGate"]
    assert set(edges) == DEFAULT_NODES | {"ServingExampleGen", "ServingStatisticsGen"}


def test_allowed_anomaly_kinds_reach_the_gate():
    config = PipelineConfig(
        output_dir="/tmp/unused",
        allowed_anomaly_kinds=("FEATURE_TYPE_LOW_FRACTION_PRESENT", "FLOAT_TYPE_BIG_FLOAT"),
    )
    gate = next(c for c in create_pipeline(config).components if c.id == "ValidationGate")
    assert gate.exec_properties["allowed_anomaly_kinds"] == (
        "FEATURE_TYPE_LOW_FRACTION_PRESENT,FLOAT_TYPE_BIG_FLOAT"
    )


def test_tfx_csv_reader_switches_examplegen_to_tfxs_beam_pipeline():
    def example_gen_executor(config: PipelineConfig) -> type:
        components = create_pipeline(config).components
        return next(c for c in components if c.id == "CsvExampleGen").executor_spec.executor_class

    assert example_gen_executor(PipelineConfig(output_dir="/tmp/unused")) is Executor
    stock = PipelineConfig(output_dir="/tmp/unused", tfx_csv_reader=True)
    assert example_gen_executor(stock) is TfxReaderExecutor
    assert not TfxReaderExecutor.writes_common_configuration_itself


def test_hyperparameters_and_steps_reach_the_trainer():
    config = PipelineConfig(output_dir="/tmp/unused", hyperparameters=HParams(train_steps=77))
    trainer = next(c for c in create_pipeline(config).components if c.id == "Trainer")
    custom_config = json.loads(trainer.exec_properties["custom_config"])
    assert custom_config == {
        **config.hyperparameters.to_custom_config(),
        "dataset_spec": IRIS_SPEC.to_json(),
        "model_type": "auto",
        "code_fingerprint": code_fingerprint("components.trainer.run_fn"),
    }
    assert json.loads(trainer.exec_properties["train_args"]) == {"num_steps": 77}
    assert trainer.exec_properties["run_fn"] == "components.trainer.run_fn"


def test_outputs_live_under_the_output_dir():
    config = PipelineConfig(output_dir="gs://bucket/out")
    tfx_pipeline = create_pipeline(config)
    assert tfx_pipeline.pipeline_info.pipeline_root == "gs://bucket/out/tfx"
    pusher = next(c for c in tfx_pipeline.components if c.id == "Pusher")
    destination = json.loads(pusher.exec_properties["push_destination"])
    assert destination["filesystem"]["base_directory"] == "gs://bucket/out/serving_model/iris"


def test_building_the_pipeline_touches_no_storage(tmp_path):
    create_pipeline(PipelineConfig(output_dir=str(tmp_path / "out")))
    assert list(tmp_path.iterdir()) == []


def test_metadata_connection_comes_from_the_runner():
    assert create_pipeline(PipelineConfig()).metadata_connection_config is None


def test_an_edited_schema_is_imported_again(tmp_path):
    """ImportSchemaGen's cache key holds the schema file's content, not only its path."""
    schema = tmp_path / "schema.pbtxt"

    def fingerprint() -> str:
        config = PipelineConfig(output_dir="/tmp/unused", schema_path=str(schema))
        node = next(c for c in create_pipeline(config).components if c.id == "ImportSchemaGen")
        assert node.exec_properties["schema_file"] == str(schema)
        return node.exec_properties["schema_fingerprint"]

    curated = CURATED_SCHEMA.read_text()
    schema.write_text(curated)
    before = fingerprint()
    schema.write_text(curated.replace("min: 3.0", "min: 4.0", 1))
    assert fingerprint() != before
    schema.write_text(curated)
    assert fingerprint() == before
