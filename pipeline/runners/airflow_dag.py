"""The pipeline as an Airflow DAG: copy this file into Airflow's dags folder.

The Airflow environment needs this project installed (requirements.lock, then the project)
and, because importing TensorFlow takes longer than Airflow's default 30 s,
AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT raised (e.g. 600). The run's settings are read when Airflow
parses this file: PIPELINE_* environment variables over the TOML file PIPELINE_CONFIG names
(README, Settings; pipeline/settings.py declares them). Relative default paths are in the
project's checkout, so by default it runs on the sample data into its outputs/. The schema
(PIPELINE_SCHEMA_PATH) is a curated one, or the one a local run kept,
<output dir>/schema/<pipeline name>/schema.pbtxt.
"""

import os
import pathlib

# First: importing the package sets TF_USE_LEGACY_KERAS before TensorFlow is imported.
import pipeline
from pipeline.runners.airflow import create_airflow_dag
from pipeline.settings import config_from_environment

_PROJECT_ROOT = pathlib.Path(pipeline.__file__).resolve().parent.parent

CONFIG = config_from_environment(os.environ, default_root=str(_PROJECT_ROOT))
DAG = create_airflow_dag(CONFIG)
