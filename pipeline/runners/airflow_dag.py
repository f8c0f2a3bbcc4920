"""The Iris pipeline as an Airflow DAG: copy this file into Airflow's dags folder.

The Airflow environment needs this project installed (requirements.lock, then the project)
and, because importing TensorFlow takes longer than Airflow's default 30 s,
AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT raised (e.g. 600). Settings, read when Airflow parses
this file: IRIS_DATA_ROOT, IRIS_SCHEMA (a curated schema, or the one a local pipeline kept,
<output dir>/schema/<pipeline name>/schema.pbtxt), IRIS_LABEL, IRIS_EXCLUDE (comma-separated
columns), IRIS_SERVING_DATA (serving requests to check skew against; unset: no skew check),
IRIS_OUTPUT_DIR, IRIS_TRAIN_STEPS, IRIS_ACCURACY_THRESHOLD; by default the sample data and
./outputs of the project checkout.
"""

import os
import pathlib

import pipeline  # noqa: F401 - sets TF_USE_LEGACY_KERAS before TensorFlow is imported
from components.hyperparameters import HParams
from pipeline.config import PipelineConfig
from pipeline.runners.airflow import create_airflow_dag

_PROJECT_ROOT = pathlib.Path(pipeline.__file__).resolve().parent.parent

DAG = create_airflow_dag(
    PipelineConfig(
        data_root=os.environ.get("IRIS_DATA_ROOT", str(_PROJECT_ROOT / "data" / "iris")),
        schema_path=os.environ.get(
            "IRIS_SCHEMA", str(_PROJECT_ROOT / "data" / "iris" / "schema.pbtxt")
        ),
        label=os.environ.get("IRIS_LABEL", PipelineConfig().label),
        excluded_columns=tuple(
            column for column in os.environ.get("IRIS_EXCLUDE", "").split(",") if column
        ),
        serving_data_root=os.environ.get("IRIS_SERVING_DATA") or None,
        output_dir=os.environ.get("IRIS_OUTPUT_DIR", str(_PROJECT_ROOT / "outputs")),
        hyperparameters=HParams(
            train_steps=int(os.environ.get("IRIS_TRAIN_STEPS", HParams().train_steps))
        ),
        accuracy_threshold=float(
            os.environ.get("IRIS_ACCURACY_THRESHOLD", PipelineConfig().accuracy_threshold)
        ),
    )
)
