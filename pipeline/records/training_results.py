"""What the Trainer left behind: learning curves from its TensorBoard logs, the hyperparameters
it used, and the signatures of the SavedModel it exported."""

import json
import os
from typing import Any

from components.hyperparameters import HYPERPARAMETERS_FILE

SERVING_MODEL_SUBDIR = "Format-Serving"  # where TFX's Trainer puts the SavedModel in `model`
EPOCH_TAG_PREFIX = "epoch_"  # Keras' TensorBoard callback logs per-epoch values as epoch_<name>


def read_training_curves(model_run_uri: str) -> dict[str, dict[str, list[float]]]:
    """Per-epoch values Keras logged, by phase ("train", "validation") and metric ("loss",
    "accuracy"), in epoch order."""
    import tensorflow as tf

    curves: dict[str, dict[str, dict[int, float]]] = {}
    for phase in ("train", "validation"):
        for path in sorted(tf.io.gfile.glob(os.path.join(model_run_uri, phase, "events.out.*"))):
            for event in tf.compat.v1.train.summary_iterator(path):
                for value in event.summary.value:
                    if value.tag.startswith(EPOCH_TAG_PREFIX):
                        metric = value.tag.removeprefix(EPOCH_TAG_PREFIX)
                        number = float(tf.make_ndarray(value.tensor))
                        curves.setdefault(phase, {}).setdefault(metric, {})[event.step] = number
    return {
        phase: {metric: [by_epoch[e] for e in sorted(by_epoch)] for metric, by_epoch in m.items()}
        for phase, m in curves.items()
    }


def read_hyperparameters(model_run_uri: str) -> dict[str, Any] | None:
    """The hyperparameters the Trainer used (configured, or the Tuner's best)."""
    return _read_json(model_run_uri, HYPERPARAMETERS_FILE)


def read_training_speed(model_run_uri: str) -> dict[str, Any] | None:
    """How fast the Trainer trained (see components/training_speed.py), if it recorded it."""
    from components.training_speed import TRAINING_SPEED_FILE

    return _read_json(model_run_uri, TRAINING_SPEED_FILE)


def _read_json(model_run_uri: str, file_name: str) -> dict[str, Any] | None:
    """A JSON file the Trainer wrote beside its logs; None if it did not write it."""
    import tensorflow as tf

    path = os.path.join(model_run_uri, file_name)
    if not tf.io.gfile.exists(path):
        return None
    return json.loads(tf.io.gfile.GFile(path).read())


def read_saved_model_info(saved_model_dir: str) -> dict[str, Any]:
    """A SavedModel's signatures (inputs and outputs with dtype and shape) and the TensorFlow
    version that wrote it."""
    import tensorflow as tf
    from tensorflow.core.protobuf import saved_model_pb2

    saved_model = saved_model_pb2.SavedModel.FromString(
        tf.io.gfile.GFile(os.path.join(saved_model_dir, "saved_model.pb"), "rb").read()
    )
    meta_graph = saved_model.meta_graphs[0]

    def describe(tensors) -> dict[str, str]:
        return {
            name: f"{tf.dtypes.as_dtype(info.dtype).name} "
            f"{[None if d.size == -1 else d.size for d in info.tensor_shape.dim]}"
            for name, info in sorted(tensors.items())
        }

    return {
        "signatures": {
            name: {"inputs": describe(signature.inputs), "outputs": describe(signature.outputs)}
            for name, signature in sorted(meta_graph.signature_def.items())
            if not name.startswith("__")
        },
        "tensorflow_version": meta_graph.meta_info_def.tensorflow_version or None,
    }
