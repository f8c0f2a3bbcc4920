"""The pipeline graph: which nodes exist, what feeds what, and what each node is given; built
from inputs made in memory (create_pipeline reads no file), and from the real ones the way each
runner builds it."""

import builtins
import dataclasses
import io
import json
import os

import pytest

from components.checked_csv_example_gen.component import Executor, TfxReaderExecutor
from components.dataset_spec import DatasetSpecError
from components.hyperparameters import HParams
from pipeline import nodes
from pipeline.code_fingerprint import code_fingerprint
from pipeline.config import PipelineConfig
from pipeline.inputs import (
    PREPROCESSING_FN,
    TRAINER_RUN_FN,
    TUNER_FN,
    ResolvedInputs,
    resolve_inputs,
)
from pipeline.pipeline import beam_pipeline_args, create_pipeline
from tests.conftest import CURATED_SCHEMA, DEFAULT_NODES, IRIS_SPEC

# A schema that exists nowhere and fingerprints of no code: create_pipeline must not look.
INPUTS = ResolvedInputs(
    schema_path="/no/such/folder/schema.pbtxt",
    schema_fingerprint="sha256:schema",
    dataset_spec=IRIS_SPEC,
    preprocessing_code_fingerprint="sha256:preprocessing",
    trainer_code_fingerprint="sha256:trainer",
    tuner_code_fingerprint="sha256:tuner",
    served_version="1800000000",
)


def nodes_of(config: PipelineConfig, inputs: ResolvedInputs = INPUTS) -> dict:
    """Node id -> node of the pipeline create_pipeline builds."""
    return {c.id: c for c in create_pipeline(config, inputs).components}


def graph(config: PipelineConfig, inputs: ResolvedInputs = INPUTS) -> dict[str, set[str]]:
    """Node id -> ids of the nodes it reads from."""
    return {
        c.id: {u.id for u in c.upstream_nodes} for c in create_pipeline(config, inputs).components
    }


def custom_config_of(node) -> dict:
    return json.loads(node.exec_properties["custom_config"])


@pytest.fixture
def no_file_can_be_opened(monkeypatch):
    """Opening any file while the pipeline is built fails the test, naming the file."""

    def refuse(path, *args, **kwargs):
        raise AssertionError(f"create_pipeline opened {path}")

    monkeypatch.setattr(builtins, "open", refuse)
    monkeypatch.setattr(io, "open", refuse)


@pytest.fixture(scope="module")
def default_graph():
    return graph(PipelineConfig(output_dir="/tmp/unused"))


def test_every_component_is_wired(default_graph):
    assert set(default_graph) == DEFAULT_NODES


def test_edges_follow_the_data(default_graph):
    assert default_graph == {
        "CsvExampleGen": set(),
        "ImportSchemaGen": set(),
        # Read from the serving directory, so it depends on no node of the run.
        "ServingBaseline": set(),
        "StatisticsGen": {"CsvExampleGen"},
        "SchemaGen": {"StatisticsGen"},
        # The curated schema, not the inferred one, drives validation, Transform and training.
        "ExampleValidator": {"StatisticsGen", "ImportSchemaGen"},
        "ValidationGate": {
            "ExampleValidator",
            "ImportSchemaGen",
            "StatisticsGen",
            "ServingBaseline",
        },
        # Nothing is transformed or trained before the gate has passed the data.
        "Transform": {"CsvExampleGen", "ImportSchemaGen", "ValidationGate"},
        "Trainer": {"Transform", "ImportSchemaGen"},
        "Evaluator": {"CsvExampleGen", "Trainer", "ServingBaseline"},
        # The gate's validated statistics are kept beside the pushed model.
        "Pusher": {"Trainer", "Evaluator", "ValidationGate"},
    }


def test_the_pipeline_is_built_from_its_inputs_alone(no_file_can_be_opened):
    """No schema on disk, no code read: every value a node gets from files comes from INPUTS."""
    assert not os.path.exists(INPUTS.schema_path)
    config = PipelineConfig(output_dir="/tmp/unused", data_root="/no/such/data")
    built = nodes_of(config)
    assert set(built) == {
        nodes.EXAMPLE_GEN,
        nodes.STATISTICS_GEN,
        nodes.SCHEMA_GEN,
        nodes.IMPORT_SCHEMA_GEN,
        nodes.EXAMPLE_VALIDATOR,
        nodes.SERVING_BASELINE,
        nodes.VALIDATION_GATE,
        nodes.TRANSFORM,
        nodes.TRAINER,
        nodes.EVALUATOR,
        nodes.PUSHER,
    }
    assert {u.id for u in built[nodes.TRANSFORM].upstream_nodes} == {
        nodes.EXAMPLE_GEN,
        nodes.IMPORT_SCHEMA_GEN,
        nodes.VALIDATION_GATE,
    }
    assert built[nodes.EXAMPLE_GEN].exec_properties["input_base"] == "/no/such/data"
    schema_properties = built[nodes.IMPORT_SCHEMA_GEN].exec_properties
    assert schema_properties["schema_file"] == "/no/such/folder/schema.pbtxt"
    assert schema_properties["schema_fingerprint"] == "sha256:schema"
    assert built[nodes.TRANSFORM].exec_properties["preprocessing_fn"] == PREPROCESSING_FN
    assert custom_config_of(built[nodes.TRANSFORM]) == {
        "dataset_spec": IRIS_SPEC.to_json(),
        "code_fingerprint": "sha256:preprocessing",
    }
    assert built[nodes.TRAINER].exec_properties["run_fn"] == TRAINER_RUN_FN
    assert custom_config_of(built[nodes.TRAINER]) == {
        "hyperparameters": HParams().to_json_dict(),
        "dataset_spec": IRIS_SPEC.to_json(),
        "model_type": "auto",
        "code_fingerprint": "sha256:trainer",
    }
    # A multi-class label: the Evaluator blesses on accuracy, not AUC.
    eval_config = json.loads(built[nodes.EVALUATOR].exec_properties["eval_config"])
    metrics = {m["class_name"]: m for m in eval_config["metrics_specs"][0]["metrics"]}
    accuracy = metrics["SparseCategoricalAccuracy"]["per_slice_thresholds"][0]["threshold"]
    assert accuracy["value_threshold"] == {"lower_bound": config.accuracy_threshold}
    assert "AUC" not in metrics
    assert built[nodes.SERVING_BASELINE].exec_properties == {
        "serving_model_dir": config.serving_model_dir,
        "served_version_when_built": "1800000000",
    }


@pytest.mark.parametrize(
    "field, node_id, enable_tuner",
    [
        ("preprocessing_code_fingerprint", nodes.TRANSFORM, False),
        ("trainer_code_fingerprint", nodes.TRAINER, False),
        ("tuner_code_fingerprint", nodes.TUNER, True),
    ],
)
def test_a_code_fingerprint_change_reaches_only_its_components_custom_config(
    field, node_id, enable_tuner
):
    """An edit to a component's code changes its cache key, and no other component's."""
    config = PipelineConfig(output_dir="/tmp/unused", enable_tuner=enable_tuner)
    before = {id_: custom_config_of(n) for id_, n in nodes_of(config).items() if _has_code(n)}
    edited = dataclasses.replace(INPUTS, **{field: "sha256:edited"})
    after = {
        id_: custom_config_of(n) for id_, n in nodes_of(config, edited).items() if _has_code(n)
    }
    assert before[node_id]["code_fingerprint"] == getattr(INPUTS, field)
    assert after[node_id] == {**before[node_id], "code_fingerprint": "sha256:edited"}
    assert {id_: c for id_, c in after.items() if id_ != node_id} == {
        id_: c for id_, c in before.items() if id_ != node_id
    }


def _has_code(node) -> bool:
    """Whether the node runs our code, and so carries a custom_config."""
    return node.id in {nodes.TRANSFORM, nodes.TUNER, nodes.TRAINER}


def test_the_gate_feeds_transform_no_artifact():
    """Transform waits for the gate but reads none of its outputs, so that a gate re-run
    (a new drift baseline each run) leaves Transform's and the Trainer's cache valid."""
    transform = nodes_of(PipelineConfig(output_dir="/tmp/unused"))["Transform"]
    producers = {channel.producer_component_id for channel in transform.inputs.values()}
    assert "ValidationGate" not in producers
    assert "ValidationGate" in {node.id for node in transform.upstream_nodes}


def test_tuner_feeds_the_trainer_when_enabled():
    edges = graph(PipelineConfig(output_dir="/tmp/unused", enable_tuner=True))
    assert edges["Tuner"] == {"Transform", "ImportSchemaGen"}
    assert edges["Trainer"] == {"Transform", "ImportSchemaGen", "Tuner"}


def test_the_tuner_gets_the_trainers_settings_and_its_trials():
    config = PipelineConfig(output_dir="/tmp/unused", enable_tuner=True, tuner_trials=3)
    built = nodes_of(config)
    assert custom_config_of(built[nodes.TUNER]) == {
        **custom_config_of(built[nodes.TRAINER]),
        "code_fingerprint": "sha256:tuner",
        "tuner": {"max_trials": 3},
    }
    assert built[nodes.TUNER].exec_properties["tuner_fn"] == TUNER_FN


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
    gate = nodes_of(config)["ValidationGate"]
    assert gate.exec_properties["allowed_anomaly_kinds"] == (
        "FEATURE_TYPE_LOW_FRACTION_PRESENT,FLOAT_TYPE_BIG_FLOAT"
    )


def test_tfx_csv_reader_switches_examplegen_to_tfxs_beam_pipeline():
    def example_gen_executor(config: PipelineConfig) -> type:
        return nodes_of(config)["CsvExampleGen"].executor_spec.executor_class

    assert example_gen_executor(PipelineConfig(output_dir="/tmp/unused")) is Executor
    stock = PipelineConfig(output_dir="/tmp/unused", tfx_csv_reader=True)
    assert example_gen_executor(stock) is TfxReaderExecutor
    assert not TfxReaderExecutor.writes_common_configuration_itself


def test_beam_options_name_the_image_as_the_workers_unless_they_say_how_workers_get_tfx():
    def args(*beam_args: str) -> list[str]:
        config = PipelineConfig(
            output_dir="/tmp/unused", beam_args=beam_args, container_image="img:1"
        )
        return beam_pipeline_args(config)

    assert args() == []  # in memory: TFX stages nothing
    assert args("--runner=PortableRunner") == [
        "--runner=PortableRunner",
        "--sdk_container_image=img:1",
    ]
    for own in (
        "--setup_file=./setup.py",
        "--extra_package=dist/x.tar.gz",
        "--sdk_container_image=b",
    ):
        assert args("--direct_num_workers=2", own) == ["--direct_num_workers=2", own]
    pipeline = create_pipeline(
        PipelineConfig(output_dir="/tmp/unused", beam_args=("--direct_num_workers=2",)),
        INPUTS,
    )
    assert pipeline.beam_pipeline_args == [
        "--direct_num_workers=2",
        f"--sdk_container_image={PipelineConfig().container_image}",
    ]


def test_hyperparameters_and_steps_reach_the_trainer():
    config = PipelineConfig(
        output_dir="/tmp/unused", hyperparameters=HParams(train_steps=77), model_type="dnn"
    )
    trainer = nodes_of(config)["Trainer"]
    assert custom_config_of(trainer)["hyperparameters"]["train_steps"] == 77
    assert custom_config_of(trainer)["model_type"] == "dnn"
    assert json.loads(trainer.exec_properties["train_args"]) == {"num_steps": 77}


def test_outputs_live_under_the_output_dir():
    tfx_pipeline = create_pipeline(PipelineConfig(output_dir="gs://bucket/out"), INPUTS)
    assert tfx_pipeline.pipeline_info.pipeline_root == "gs://bucket/out/tfx"
    pusher = next(c for c in tfx_pipeline.components if c.id == "Pusher")
    destination = json.loads(pusher.exec_properties["push_destination"])
    assert destination["filesystem"]["base_directory"] == "gs://bucket/out/serving_model/iris"


def test_building_the_pipeline_touches_no_storage(tmp_path):
    create_pipeline(PipelineConfig(output_dir=str(tmp_path / "out")), INPUTS)
    assert list(tmp_path.iterdir()) == []


def test_metadata_connection_comes_from_the_runner():
    assert create_pipeline(PipelineConfig(), INPUTS).metadata_connection_config is None


# resolve_inputs: the files, read once.


def test_resolve_inputs_reads_the_schema_and_fingerprints_the_user_code():
    inputs = resolve_inputs(PipelineConfig(schema_path=str(CURATED_SCHEMA)))
    assert inputs.schema_path == str(CURATED_SCHEMA)
    assert inputs.dataset_spec == IRIS_SPEC
    assert inputs.preprocessing_code_fingerprint == code_fingerprint(PREPROCESSING_FN)
    assert inputs.trainer_code_fingerprint == code_fingerprint(TRAINER_RUN_FN)
    assert inputs.tuner_code_fingerprint == code_fingerprint(TUNER_FN)
    assert inputs.trainer_code_fingerprint != inputs.preprocessing_code_fingerprint


def test_without_a_schema_resolving_says_where_one_comes_from():
    with pytest.raises(DatasetSpecError, match="the pipeline takes its features from a schema"):
        resolve_inputs(PipelineConfig(output_dir="/tmp/unused", schema_path=None))


def test_a_schema_that_is_not_there_is_named(tmp_path):
    missing = tmp_path / "schema.pbtxt"
    with pytest.raises(DatasetSpecError, match=f"cannot read the schema {missing}"):
        resolve_inputs(PipelineConfig(schema_path=str(missing)))


def test_an_edited_schema_is_imported_again(tmp_path):
    """ImportSchemaGen's cache key holds the schema file's content, not only its path."""
    schema = tmp_path / "schema.pbtxt"

    def fingerprint() -> str:
        config = PipelineConfig(output_dir="/tmp/unused", schema_path=str(schema))
        node = nodes_of(config, resolve_inputs(config))["ImportSchemaGen"]
        assert node.exec_properties["schema_file"] == str(schema)
        return node.exec_properties["schema_fingerprint"]

    curated = CURATED_SCHEMA.read_text()
    schema.write_text(curated)
    before = fingerprint()
    schema.write_text(curated.replace("min: 3.0", "min: 4.0", 1))
    assert fingerprint() != before
    schema.write_text(curated)
    assert fingerprint() == before


# The runners: each builds the pipeline it runs from the same config.


def test_every_runner_builds_the_same_graph_from_one_config(tmp_path):
    from pipeline.runners.airflow import ComponentScopedNamesDriver, airflow_pipeline
    from pipeline.runners.kubeflow import kubeflow_pipeline
    from pipeline.runners.local import local_pipeline

    config = PipelineConfig(output_dir=str(tmp_path), schema_path=str(CURATED_SCHEMA))
    built = {
        "local": local_pipeline(config, config.metadata_path),
        "kubeflow": kubeflow_pipeline(config),
        "airflow": airflow_pipeline(config),
    }
    graphs = {
        runner: {c.id: {u.id for u in c.upstream_nodes} for c in tfx_pipeline.components}
        for runner, tfx_pipeline in built.items()
    }
    assert graphs["local"] == graphs["kubeflow"] == graphs["airflow"]
    assert set(graphs["local"]) == DEFAULT_NODES
    metadata = {
        runner: tfx_pipeline.metadata_connection_config for runner, tfx_pipeline in built.items()
    }
    assert metadata["local"].sqlite.filename_uri == str(tmp_path / "metadata.sqlite")
    assert metadata["airflow"] == metadata["local"]
    assert metadata["kubeflow"] is None  # Kubeflow brings its own

    def node(runner: str, node_id: str):
        return next(c for c in built[runner].components if c.id == node_id)

    baseline = {runner: node(runner, nodes.SERVING_BASELINE).exec_properties for runner in built}
    assert {properties["serving_model_dir"] for properties in baseline.values()} == {
        str(tmp_path / "serving_model" / "iris")
    }
    # Nothing is served yet; and a compiled spec serves many runs, so it is never given one.
    assert {properties["served_version_when_built"] for properties in baseline.values()} == {""}
    assert node("airflow", nodes.SCHEMA_GEN).driver_class is ComponentScopedNamesDriver
    assert node("local", nodes.SCHEMA_GEN).driver_class is not ComponentScopedNamesDriver
