"""The Airflow DAG built from the config: same nodes and edges as the local pipeline."""

from tfx.dsl.components.base import base_driver
from tfx.orchestration import data_types
from tfx.types import Channel
from tfx.types.standard_artifacts import Schema

from pipeline.config import PipelineConfig
from pipeline.pipeline import create_pipeline
from pipeline.runners.airflow import ComponentScopedNamesDriver, create_airflow_dag
from tests.conftest import DEFAULT_NODES


def test_dag_has_one_task_per_node_with_the_local_edges(tmp_path):
    config = PipelineConfig(output_dir=str(tmp_path))
    dag = create_airflow_dag(config)
    local = {c.id: {u.id for u in c.upstream_nodes} for c in create_pipeline(config).components}
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
