"""ServingBaseline: the model being served and the statistics of the data it was trained on,
read from the serving directory, as the Evaluator's baseline and the gate's drift baseline.

TFX finds such baselines with Resolver nodes (ML Metadata queries), which open-source Kubeflow
Pipelines does not run: its backend refuses resolver executors. This is an ordinary
component, so local, Airflow, open-source Kubeflow and Vertex AI runs all find their baselines
the same way. Before the first push nothing is served, and both outputs are left empty: the
Evaluator then has no baseline (components/evaluator/) and the gate
compares no drift.
"""

from absl import logging
from tfx.dsl.component.experimental.annotations import OutputArtifact, Parameter
from tfx.dsl.component.experimental.decorators import component
from tfx.types.standard_artifacts import Model
from tfx.utils import io_utils

from components.artifact_files import STATISTICS_FILE, copy_split_files
from components.serving_directory import SAVED_MODEL_FILE, served_version
from components.validation_gate.component import ValidatedStatistics

# TFX's layout of a Model artifact: the SavedModel the Evaluator loads is in this folder.
SERVING_MODEL_DIR = "Format-Serving"
# Custom properties of both outputs, for whoever reads the run back: "" when nothing is served.
SERVED_VERSION_PROPERTY = "served_version"
SERVED_PATH_PROPERTY = "served_path"
PUSHED_FROM_PROPERTY = "pushed_from_model_uri"


@component
def ServingBaseline(  # noqa: N802 - TFX names a component after its function
    model: OutputArtifact[Model],
    statistics: OutputArtifact[ValidatedStatistics],
    serving_model_dir: Parameter[str],
    served_version_when_built: Parameter[str] = "",
) -> None:
    """Copy the version served from `serving_model_dir` into `model` (as a Trainer lays out
    its model), and the statistics kept beside it into `statistics`.

    `served_version_when_built` is only a cache key: the version served when the pipeline was
    built, read by the local and Airflow runners, so that this runs again (and with it the
    Evaluator) after a push, and is a cache hit otherwise. Kubeflow compiles one spec for many
    runs, so there it is empty and the task is never cached (pipeline/runners/kubeflow.py).
    """
    import os

    served = served_version(serving_model_dir)
    if served is None:
        logging.info("No model is served from %s yet: no baseline.", serving_model_dir)
        for artifact in (model, statistics):
            for name in (SERVED_VERSION_PROPERTY, SERVED_PATH_PROPERTY, PUSHED_FROM_PROPERTY):
                artifact.set_string_custom_property(name, "")
        return
    if served_version_when_built and served.version != served_version_when_built:
        logging.warning(
            "Version %s was served when the pipeline was built, %s is now; comparing with %s.",
            served_version_when_built,
            served.version,
            served.version,
        )
    io_utils.copy_dir(served.path, os.path.join(model.uri, SERVING_MODEL_DIR))
    if not copy_split_files(served.training_statistics_path, statistics.uri, STATISTICS_FILE):
        logging.warning(
            "Version %s has no training statistics beside it (pushed by another Pusher?): "
            "no drift is measured.",
            served.path,
        )
    record = served.push_record()
    for artifact in (model, statistics):
        artifact.set_string_custom_property(SERVED_VERSION_PROPERTY, served.version)
        artifact.set_string_custom_property(SERVED_PATH_PROPERTY, served.path)
        artifact.set_string_custom_property(
            PUSHED_FROM_PROPERTY, record.model_uri if record else ""
        )


def holds_model(model_uri: str) -> bool:
    """Whether a ServingBaseline's (or any Trainer's) Model artifact holds a SavedModel."""
    import os

    import tensorflow as tf

    return tf.io.gfile.exists(os.path.join(model_uri, SERVING_MODEL_DIR, SAVED_MODEL_FILE))
