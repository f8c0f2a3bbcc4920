"""One pipeline.toml drives a local run, a Kubeflow compile and the Airflow DAG file to the same
pipeline: the same nodes, edges and exec properties, whichever front end read the file."""

import json
import runpy
import textwrap

from pipeline import nodes
from pipeline.cli import build_parser
from pipeline.cli.run import config_from_args
from pipeline.config import PipelineConfig
from pipeline.runners.kubeflow import kubeflow_pipeline
from pipeline.runners.local import local_pipeline
from pipeline.settings import KUBEFLOW, settings_from_args
from tests.conftest import CURATED_SCHEMA, REPO_ROOT

AIRFLOW_DAG_FILE = REPO_ROOT / "pipeline" / "runners" / "airflow_dag.py"


def write_config_file(tmp_path):
    """A config file setting something of every kind, none of it the defaults."""
    serving_data = tmp_path / "serving"
    serving_data.mkdir()
    path = tmp_path / "pipeline.toml"
    path.write_text(
        textwrap.dedent(
            f"""\
            pipeline_name = "iris-nightly"
            data_root = "{REPO_ROOT / "data" / "iris"}"
            schema_path = "{CURATED_SCHEMA}"
            serving_data_root = "{serving_data}"
            output_dir = "{tmp_path / "outputs"}"
            accuracy_threshold = 0.8
            max_metric_drop = 0.05
            allowed_anomaly_kinds = ["FEATURE_TYPE_LOW_FRACTION_PRESENT"]
            enable_tuner = true
            tuner_trials = 2
            enable_cache = false
            beam_args = ["--direct_num_workers=2"]

            [hyperparameters]
            train_steps = 300
            learning_rate = 0.02
            hidden_units = [16, 8]
            """
        )
    )
    return path


def the_pipelines_each_front_end_builds(config_file, monkeypatch):
    """(local, Kubeflow, Airflow) tfx Pipelines, each built from the file by its front end."""
    monkeypatch.delenv("PIPELINE_CONFIG", raising=False)
    parser = build_parser()
    local_config = config_from_args(parser.parse_args(["run", "--config", str(config_file)]), {})
    kubeflow_args = parser.parse_args(["compile-kubeflow", "--config", str(config_file)])
    kubeflow_config = settings_from_args(kubeflow_args, KUBEFLOW, environ={}).config()
    # The DAG file reads its settings from the environment when Airflow parses it.
    monkeypatch.setenv("PIPELINE_CONFIG", str(config_file))
    airflow_dag = runpy.run_path(str(AIRFLOW_DAG_FILE))
    from pipeline.runners.airflow import airflow_pipeline

    return (
        local_pipeline(local_config, local_config.metadata_path),
        kubeflow_pipeline(kubeflow_config),
        airflow_pipeline(airflow_dag["CONFIG"]),
    )


def exec_properties_by_node(tfx_pipeline) -> dict[str, dict]:
    return {component.id: dict(component.exec_properties) for component in tfx_pipeline.components}


def test_one_config_file_gives_every_front_end_the_same_pipeline(tmp_path, monkeypatch):
    local, kubeflow, airflow = the_pipelines_each_front_end_builds(
        write_config_file(tmp_path), monkeypatch
    )

    for built in (local, kubeflow, airflow):
        assert built.pipeline_info.pipeline_name == "iris-nightly"
        assert built.enable_cache is False
        # The workers' image, named by the pipeline (pipeline.beam_pipeline_args).
        assert built.beam_pipeline_args == [
            "--direct_num_workers=2",
            f"--sdk_container_image={PipelineConfig().container_image}",
        ]
    graphs = [
        {c.id: sorted(u.id for u in c.upstream_nodes) for c in built.components}
        for built in (local, kubeflow, airflow)
    ]
    assert graphs[0] == graphs[1] == graphs[2]
    assert {nodes.TUNER, nodes.SERVING_EXAMPLE_GEN} <= set(graphs[0])

    local_properties, kubeflow_properties, airflow_properties = map(
        exec_properties_by_node, (local, kubeflow, airflow)
    )
    # The one difference, by design: on Kubeflow what a scheduled run varies is a pipeline
    # parameter, with the config's value as its default.
    for node_id, key in (
        (nodes.EXAMPLE_GEN, "input_base"),
        (nodes.TRAINER, "train_args"),
        (nodes.EVALUATOR, "blessing_threshold"),
    ):
        parameter = kubeflow_properties[node_id].pop(key)
        local_value = local_properties[node_id][key]
        assert airflow_properties[node_id].pop(key) == local_value
        assert parameter.default == (
            json.dumps(json.loads(local_value)) if key == "train_args" else local_value
        )
    assert airflow_properties == kubeflow_properties
    assert {
        node_id: {
            key: value for key, value in properties.items() if key in airflow_properties[node_id]
        }
        for node_id, properties in local_properties.items()
    } == airflow_properties

    # And the file's values are the ones in the nodes.
    trainer = local_properties[nodes.TRAINER]
    assert '"num_steps": 300' in trainer["train_args"]
    assert '"hidden_units": [16, 8]' in trainer["custom_config"]
    assert local_properties[nodes.VALIDATION_GATE]["allowed_anomaly_kinds"] == (
        "FEATURE_TYPE_LOW_FRACTION_PRESENT"
    )
    assert '"max_trials": 2' in local_properties[nodes.TUNER]["custom_config"]
