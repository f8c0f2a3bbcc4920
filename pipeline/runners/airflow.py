"""Build the pipeline as an Airflow DAG (TFX's AirflowDagRunner) from the same config."""

import datetime
from typing import Any

from tfx.dsl.components.base import base_driver

from pipeline.config import PipelineConfig


class ComponentScopedNamesDriver(base_driver.BaseDriver):
    """BaseDriver that names output artifacts `<component id>.<output key>:<run id>`.

    Airflow runs components through TFX's older launcher, whose driver names artifacts
    `<output key>:<run id>`; ML Metadata requires (type, name) to be unique, so SchemaGen's
    and ImportSchemaGen's `schema` outputs in one run collide. Inputs are resolved by event
    keys, not names, so only the names change.
    """

    def _prepare_output_artifacts(
        self,
        input_artifacts,
        output_dict,
        exec_properties,
        execution_id,
        pipeline_info,
        component_info,
    ):
        outputs = super()._prepare_output_artifacts(
            input_artifacts,
            output_dict,
            exec_properties,
            execution_id,
            pipeline_info,
            component_info,
        )
        for artifacts in outputs.values():
            for artifact in artifacts:
                artifact.name = f"{component_info.component_id}.{artifact.name}"
        return outputs


def airflow_pipeline(config: PipelineConfig):
    """The tfx Pipeline create_airflow_dag turns into a DAG for `config`: local paths made
    absolute (what ML Metadata stores does not depend on where Airflow started), ML Metadata
    in a SQLite file under the output directory, and artifact names scoped by component."""
    from tfx.orchestration import metadata

    from pipeline.inputs import resolve_inputs
    from pipeline.pipeline import create_pipeline

    config = config.with_absolute_paths()
    tfx_pipeline = create_pipeline(
        config,
        resolve_inputs(config),
        metadata.sqlite_metadata_connection_config(config.metadata_path),
    )
    for component in tfx_pipeline.components:
        if component.driver_class is base_driver.BaseDriver:
            component.driver_class = ComponentScopedNamesDriver
    return tfx_pipeline


def create_airflow_dag(config: PipelineConfig, **dag_settings: Any):
    """The Airflow DAG of the pipeline `config` describes; `dag_settings` go to airflow's DAG
    (schedule, start_date, ...).

    Blessing gates the push without tfx.dsl.Cond (which this runner ignores): the Pusher
    reads the Evaluator's blessing and pushes nothing when the model is not blessed.
    """
    from tfx.orchestration.airflow.airflow_dag_runner import (
        AirflowDagRunner,
        AirflowPipelineConfig,
    )

    settings = {
        "schedule": None,
        "start_date": datetime.datetime(2025, 1, 1),
        "catchup": False,
        **dag_settings,
    }
    return AirflowDagRunner(AirflowPipelineConfig(airflow_dag_config=settings)).run(
        airflow_pipeline(config)
    )
