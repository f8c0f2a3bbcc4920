"""The code the pipeline's components run: preprocessing, model, training, tuning, export.

TFX 1.16 and tf.Transform 1.16 need Keras 2 (the tf-keras package). TensorFlow 2.16 picks
Keras 3 for `tf.keras` unless TF_USE_LEGACY_KERAS is set before TensorFlow is first
imported, so it is set here: every process that runs our code (the runner, Beam workers,
Airflow tasks, tests) imports this package before it touches TensorFlow through it.
"""

import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")


def __getattr__(name: str):
    """`components.ValidatedStatistics`: the import path a Kubeflow step finds the gate's
    artifact type by (see ValidatedStatistics), imported only when asked for."""
    if name == "ValidatedStatistics":
        from components.validation_gate.component import ValidatedStatistics

        return ValidatedStatistics
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
