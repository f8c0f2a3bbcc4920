"""The Airflow DAG built from the config: same nodes and edges as the local pipeline; the shipped
DAG file's config from PIPELINE_* variables and the file PIPELINE_CONFIG names, its default
paths in the project folder PIPELINE_PROJECT_DIR (else the config file's folder) names."""

import json
import os
import runpy
import shutil

import pytest
from tfx.dsl.components.base import base_driver
from tfx.orchestration import data_types
from tfx.types import Channel
from tfx.types.standard_artifacts import Schema

from pipeline.cli.exit_codes import BadInputError
from pipeline.config import PipelineConfig
from pipeline.inputs import resolve_inputs
from pipeline.pipeline import create_pipeline
from pipeline.runners.airflow import ComponentScopedNamesDriver, create_airflow_dag
from pipeline.settings import config_from_environment
from tests.conftest import DEFAULT_NODES, REPO_ROOT


def test_dag_has_one_task_per_node_with_the_local_edges(tmp_path):
    config = PipelineConfig(output_dir=str(tmp_path))
    dag = create_airflow_dag(config)
    components = create_pipeline(config, resolve_inputs(config)).components
    local = {c.id: {u.id for u in c.upstream_nodes} for c in components}
    assert dag.dag_id == "iris"
    assert set(dag.task_dict) == DEFAULT_NODES
    assert {task_id: task.upstream_task_ids for task_id, task in dag.task_dict.items()} == local
    assert dag.schedule_interval is None


def test_dag_settings_can_be_overridden(tmp_path):
    dag = create_airflow_dag(PipelineConfig(output_dir=str(tmp_path)), schedule="@daily")
    assert dag.schedule_interval == "@daily"


def test_output_artifact_names_are_scoped_by_component(tmp_path):
    pipeline_info = data_types.PipelineInfo(
        pipeline_name="iris", pipeline_root=str(tmp_path), run_id="run-1"
    )
    outputs = ComponentScopedNamesDriver(metadata_handle=None)._prepare_output_artifacts(
        input_artifacts={},
        output_dict={"schema": Channel(type=Schema)},
        exec_properties={},
        execution_id=7,
        pipeline_info=pipeline_info,
        component_info=data_types.ComponentInfo(
            component_type="SchemaGen", component_id="SchemaGen", pipeline_info=pipeline_info
        ),
    )
    (schema,) = outputs["schema"]
    assert schema.name == "SchemaGen.schema:run-1"  # ImportSchemaGen's: ImportSchemaGen.schema:...
    assert schema.uri == str(tmp_path / "SchemaGen" / "schema" / "7")


def test_only_components_with_the_plain_driver_get_scoped_names(tmp_path):
    config = PipelineConfig(output_dir=str(tmp_path))
    # Each task calls TFX's launcher through a partial that carries the component.
    drivers = {
        task_id: task.python_callable.keywords["component"].driver_class
        for task_id, task in create_airflow_dag(config).task_dict.items()
    }
    assert drivers["SchemaGen"] is ComponentScopedNamesDriver
    assert drivers["ImportSchemaGen"] is ComponentScopedNamesDriver
    assert drivers["CsvExampleGen"] is not ComponentScopedNamesDriver
    assert base_driver.BaseDriver not in drivers.values()


def load_dag_file() -> dict:
    """The globals of the shipped DAG file, loaded as Airflow loads it from its dags folder."""
    return runpy.run_path(str(REPO_ROOT / "pipeline" / "runners" / "airflow_dag.py"))


@pytest.fixture
def without_pipeline_variables(monkeypatch):
    for name in [name for name in os.environ if name.startswith("PIPELINE_")]:
        monkeypatch.delenv(name)
    return monkeypatch


def trainer_steps(dag) -> int:
    trainer = dag.task_dict["Trainer"].python_callable.keywords["component"]
    return json.loads(trainer.exec_properties["train_args"])["num_steps"]


def test_the_dag_file_builds_its_config_from_pipeline_variables(
    tmp_path, without_pipeline_variables
):
    without_pipeline_variables.setenv("PIPELINE_PROJECT_DIR", str(REPO_ROOT))
    without_pipeline_variables.setenv("PIPELINE_OUTPUT_DIR", str(tmp_path))
    without_pipeline_variables.setenv("PIPELINE_NAME", "iris-nightly")
    without_pipeline_variables.setenv("PIPELINE_TRAIN_STEPS", "20")
    without_pipeline_variables.setenv("PIPELINE_ACCURACY_THRESHOLD", "1.0")
    without_pipeline_variables.setenv("PIPELINE_ALLOWED_ANOMALY_KINDS", "FLOAT_TYPE_BIG_FLOAT")
    dag_file = load_dag_file()
    config, dag = dag_file["CONFIG"], dag_file["DAG"]
    assert dag.dag_id == "iris-nightly"
    assert trainer_steps(dag) == 20
    assert config.accuracy_threshold == 1.0
    assert config.allowed_anomaly_kinds == ("FLOAT_TYPE_BIG_FLOAT",)
    assert config.output_dir == str(tmp_path)
    # Unset, the data and schema are the sample in the folder PIPELINE_PROJECT_DIR names.
    assert config.data_root == str(REPO_ROOT / "data" / "iris")
    assert config.schema_path == str(REPO_ROOT / "data" / "iris" / "schema.pbtxt")


def test_the_dag_file_reads_the_file_pipeline_config_names_under_the_variables(
    tmp_path, without_pipeline_variables
):
    config_file = tmp_path / "pipeline.toml"
    config_file.write_text(
        'output_dir = "outputs"\npipeline_name = "from-file"\n'
        "[hyperparameters]\ntrain_steps = 30\nseed = 3\n"
    )
    without_pipeline_variables.setenv("PIPELINE_CONFIG", str(config_file))
    without_pipeline_variables.setenv("PIPELINE_PROJECT_DIR", str(REPO_ROOT))
    without_pipeline_variables.setenv("PIPELINE_TRAIN_STEPS", "40")
    dag_file = load_dag_file()
    config, dag = dag_file["CONFIG"], dag_file["DAG"]
    assert dag.dag_id == "from-file"
    assert config.output_dir == str(tmp_path / "outputs")  # relative to the file's folder
    assert config.data_root == str(REPO_ROOT / "data" / "iris")  # a default: the project's
    assert config.hyperparameters.seed == 3
    assert trainer_steps(dag) == 40  # the variable over the file


def test_without_a_project_folder_the_config_files_folder_holds_the_default_paths(
    tmp_path, without_pipeline_variables
):
    shutil.copytree(REPO_ROOT / "data" / "iris", tmp_path / "data" / "iris")
    config_file = tmp_path / "pipeline.toml"
    config_file.write_text('pipeline_name = "beside-its-data"\n')
    without_pipeline_variables.setenv("PIPELINE_CONFIG", str(config_file))
    config = load_dag_file()["CONFIG"]
    assert config.data_root == str(tmp_path / "data" / "iris")
    assert config.schema_path == str(tmp_path / "data" / "iris" / "schema.pbtxt")
    assert config.output_dir == str(tmp_path / "outputs")


def test_without_a_project_folder_or_a_config_file_the_dag_file_names_the_variable_to_set(
    without_pipeline_variables,
):
    with pytest.raises(BadInputError, match=r"set PIPELINE_PROJECT_DIR to it") as raised:
        load_dag_file()
    assert "relative default paths (data/iris" in str(raised.value)
    assert "airflow_dag.py" in str(raised.value)


@pytest.mark.parametrize(
    ("folder", "expected"), [("data", "expected an absolute path"), ("/no/such", "no such folder")]
)
def test_a_project_folder_that_is_not_one_stops_the_dag_file_naming_it(
    folder, expected, without_pipeline_variables
):
    without_pipeline_variables.setenv("PIPELINE_PROJECT_DIR", folder)
    with pytest.raises(BadInputError, match=f"PIPELINE_PROJECT_DIR='{folder}': {expected}"):
        load_dag_file()


def test_without_settings_the_dag_runs_on_the_checkouts_sample_into_its_outputs():
    config = config_from_environment({}, default_root=str(REPO_ROOT))
    assert config.pipeline_name == "iris"
    assert config.data_root == str(REPO_ROOT / "data" / "iris")
    assert config.schema_path == str(REPO_ROOT / "data" / "iris" / "schema.pbtxt")
    assert config.output_dir == str(REPO_ROOT / "outputs")
    assert config.hyperparameters.train_steps == 1000


def test_a_bad_variable_stops_the_dag_file_naming_it(without_pipeline_variables):
    without_pipeline_variables.setenv("PIPELINE_PROJECT_DIR", str(REPO_ROOT))
    without_pipeline_variables.setenv("PIPELINE_TRAIN_STEPS", "twenty")
    with pytest.raises(BadInputError, match="PIPELINE_TRAIN_STEPS='twenty': expected a whole"):
        load_dag_file()
