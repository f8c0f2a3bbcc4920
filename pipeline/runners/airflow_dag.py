"""The pipeline as an Airflow DAG: copy this file into Airflow's dags folder.

The Airflow environment needs this project installed (requirements.lock, then the project)
and, because importing TensorFlow takes longer than Airflow's default 30 s,
AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT raised (e.g. 600). The run's settings are read when Airflow
parses this file: PIPELINE_* environment variables over the TOML file PIPELINE_CONFIG names
(README, Settings; pipeline/settings.py declares them). The schema (PIPELINE_SCHEMA_PATH) is a
curated one, or the one a local run kept, <output dir>/schema/<pipeline name>/schema.pbtxt.

Relative default paths (data/iris, outputs) are in the project folder, which is named, never
guessed from where the package is installed: PIPELINE_PROJECT_DIR (an absolute path: the
checkout, or /pipeline in the Docker image), else the folder of the PIPELINE_CONFIG file, where
the file's own relative paths already are. With neither, importing this file fails naming
PIPELINE_PROJECT_DIR, and Airflow shows that among its DAG import errors.
"""

import os

# Importing the package (here, first) sets TF_USE_LEGACY_KERAS before TensorFlow is imported.
from pipeline.errors import BadInputError
from pipeline.runners.airflow import create_airflow_dag
from pipeline.settings import AIRFLOW, CONFIG_ENV_VAR, config_from_environment, settings_of

PROJECT_DIR_ENV_VAR = "PIPELINE_PROJECT_DIR"


def project_dir(environ) -> str:
    """The folder relative default paths are in: $PIPELINE_PROJECT_DIR, else the folder of the
    $PIPELINE_CONFIG file; bad input when neither names one."""
    if environ.get(PROJECT_DIR_ENV_VAR):
        folder = environ[PROJECT_DIR_ENV_VAR]
        if not os.path.isabs(folder):
            raise BadInputError(
                f"environment variable {PROJECT_DIR_ENV_VAR}={folder!r}: expected an absolute "
                "path (Airflow parses this DAG file from a working directory of its own)"
            )
        if not os.path.isdir(folder):
            raise BadInputError(
                f"environment variable {PROJECT_DIR_ENV_VAR}={folder!r}: no such folder"
            )
        return folder
    if environ.get(CONFIG_ENV_VAR):
        return os.path.dirname(os.path.abspath(environ[CONFIG_ENV_VAR]))
    relative_defaults = ", ".join(
        setting.default
        for setting in settings_of(AIRFLOW)
        if setting.is_path and isinstance(setting.default, str)
    )
    raise BadInputError(
        f"the Airflow DAG file {__file__} has no project folder for its relative default paths "
        f"({relative_defaults}): set {PROJECT_DIR_ENV_VAR} to it (an absolute path, e.g. the "
        f"project's checkout), or {CONFIG_ENV_VAR} to a config file in it"
    )


CONFIG = config_from_environment(os.environ, default_root=project_dir(os.environ))
DAG = create_airflow_dag(CONFIG)
