"""The pipeline under Airflow: the shipped DAG file in a throwaway AIRFLOW_HOME with SQLite,
run with `airflow dags test`, checked through Airflow's task states, ML Metadata and the
pushed model."""

import os
import pathlib
import shutil
import sqlite3
import subprocess
import sys

import pytest
import tensorflow as tf

from pipeline.records.metadata import open_store
from tests.conftest import DEFAULT_NODES, REPO_ROOT, serialized_examples

pytestmark = [pytest.mark.e2e, pytest.mark.airflow, pytest.mark.long]

AIRFLOW = str(pathlib.Path(sys.executable).parent / "airflow")


def run_dag(tmp_path_factory, **settings: str):
    """(process, AIRFLOW_HOME, output dir) of one `airflow dags test iris` run of the shipped
    DAG file, with PIPELINE_* `settings` in its environment."""
    airflow_home = tmp_path_factory.mktemp("airflow_home")
    output_dir = tmp_path_factory.mktemp("airflow_outputs")
    (airflow_home / "dags").mkdir()
    shutil.copy(
        REPO_ROOT / "pipeline" / "runners" / "airflow_dag.py", airflow_home / "dags" / "iris_dag.py"
    )
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(airflow_home / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        # Importing TensorFlow in the DAG file takes longer than Airflow's default 30 s.
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "600",
        # The DAG file's relative default paths (the sample data) are in the checkout.
        "PIPELINE_PROJECT_DIR": str(REPO_ROOT),
        "PIPELINE_OUTPUT_DIR": str(output_dir),
        **settings,
    }
    migrate = subprocess.run(
        [AIRFLOW, "db", "migrate"], env=env, capture_output=True, text=True, timeout=300
    )
    assert migrate.returncode == 0, migrate.stderr
    process = subprocess.run(
        [AIRFLOW, "dags", "test", "iris", "2025-06-01"],
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    return process, airflow_home, output_dir


@pytest.fixture(scope="module")
def airflow_run(tmp_path_factory):
    return run_dag(tmp_path_factory)


def task_states(airflow_home: pathlib.Path) -> dict[str, str]:
    with sqlite3.connect(airflow_home / "airflow.db") as db:
        return dict(db.execute("SELECT task_id, state FROM task_instance WHERE dag_id='iris'"))


def test_every_task_succeeds(airflow_run):
    process, airflow_home, _ = airflow_run
    assert process.returncode == 0, process.stdout[-3000:] + process.stderr[-3000:]
    assert task_states(airflow_home) == {node: "success" for node in DEFAULT_NODES}


def test_ml_metadata_records_one_execution_per_node_as_a_local_run_does(airflow_run):
    _, _, output_dir = airflow_run
    store = open_store(str(output_dir / "metadata.sqlite"))
    executions = store.get_executions()
    by_node = {e.properties["component_id"].string_value: e for e in executions}
    assert len(executions) == len(DEFAULT_NODES)
    assert set(by_node) == DEFAULT_NODES
    states = {node: e.properties["state"].string_value for node, e in by_node.items()}
    assert states == {node: "complete" for node in DEFAULT_NODES}


def test_blessed_model_is_pushed_and_classifies_by_species_name(airflow_run, iris_rows):
    _, _, output_dir = airflow_run
    versions = list((output_dir / "serving_model" / "iris").iterdir())
    assert len(versions) == 1 and versions[0].name.isdigit()
    store = open_store(str(output_dir / "metadata.sqlite"))
    (blessing,) = store.get_artifacts_by_type("ModelBlessing")
    assert blessing.custom_properties["blessed"].int_value == 1
    (pushed,) = store.get_artifacts_by_type("PushedModel")
    assert pushed.custom_properties["pushed_destination"].string_value == str(versions[0])

    model = tf.saved_model.load(str(versions[0]))
    outputs = model.signatures["serving_default"](examples=serialized_examples(iris_rows))
    names = [name.decode() for name in outputs["class_name"].numpy()]
    correct = sum(name == row["species"] for name, row in zip(names, iris_rows, strict=True))
    assert correct / len(iris_rows) >= 0.9


def test_blessing_gates_the_push_without_tfx_cond(tmp_path_factory):
    # 20 steps cannot classify every eval row; a threshold of 1.0 demands exactly that.
    process, airflow_home, output_dir = run_dag(
        tmp_path_factory, PIPELINE_TRAIN_STEPS="20", PIPELINE_ACCURACY_THRESHOLD="1.0"
    )
    assert process.returncode == 0, process.stdout[-3000:] + process.stderr[-3000:]
    assert task_states(airflow_home) == {node: "success" for node in DEFAULT_NODES}
    store = open_store(str(output_dir / "metadata.sqlite"))
    (blessing,) = store.get_artifacts_by_type("ModelBlessing")
    assert blessing.custom_properties["blessed"].int_value == 0
    (pushed,) = store.get_artifacts_by_type("PushedModel")
    assert pushed.custom_properties["pushed"].int_value == 0
    assert not (output_dir / "serving_model").exists()
