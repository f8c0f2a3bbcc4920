"""The Evaluator's model, loaded on each Beam worker only once the worker has checked that its
tf.keras is Keras 2.

TFMA loads the Trainer's Keras 2 SavedModel with tf.keras on every worker. A worker whose
environment lacks TF_USE_LEGACY_KERAS=1 has Keras 3 there, and fails deep in TFMA with "File
format not supported ... Keras 3 only supports V3 `.keras` files", which names neither the
worker nor the fix. `custom_eval_shared_model` is TFX's hook for the Evaluator's model (the
executor names this module as its module_path): it wraps the function TFMA pickles to the
workers to load the model, so that the check runs where the model is loaded.

A portable runner (Beam's job service, Flink, Spark) fails the job in the driver with an error
of its own, the workers' tracebacks deep in its text: `keras_3_workers_named` re-raises it with
the workers' message first.
"""

import contextlib
import functools
import importlib.metadata
import os
import re
import socket
from collections.abc import Callable, Iterator
from typing import Any

import tensorflow as tf
import tensorflow_model_analysis as tfma

KERAS_3_WORKERS = "the Beam workers run Keras 3"
# The worker's whole message, in a failed job's error text (Beam may add its step after it).
KERAS_3_WORKERS_MESSAGE = re.compile(rf"{re.escape(KERAS_3_WORKERS)}[^\n]*")


class Keras3WorkerError(RuntimeError):
    """A Beam worker's tf.keras is Keras 3, which cannot load the Keras 2 models TFX writes."""


def keras_3_worker_message(model_path: str) -> str:
    """What is wrong, where, and what to do."""
    return (
        f"{KERAS_3_WORKERS}: TF_USE_LEGACY_KERAS=1 must be set in every Beam worker's "
        "environment before it imports TensorFlow (the worker image's ENV, as in this "
        "project's Dockerfile; the environment of the worker pool that starts the SDK "
        f"workers). Worker {socket.gethostname()} (pid {os.getpid()}) has keras "
        f"{importlib.metadata.version('keras')} as tf.keras and cannot load the Keras 2 "
        f"SavedModel {model_path}"
    )


def require_keras_2(model_path: str) -> None:
    """Raise Keras3WorkerError unless this process's tf.keras is Keras 2 (the tf_keras
    package), about to load the model at `model_path`."""
    # The function TFMA loads Keras models with: tf.keras's own __name__ depends on how it
    # was first imported (it can be "tensorflow.keras").
    if tf.keras.models.load_model.__module__.partition(".")[0] != "tf_keras":
        raise Keras3WorkerError(keras_3_worker_message(model_path))


def construct_with_keras_2(construct_fn: Callable[[], Any], model_path: str) -> Any:
    """TFMA's `construct_fn` (it loads the model at `model_path`), once this worker has
    checked that it has Keras 2."""
    require_keras_2(model_path)
    return construct_fn()


def custom_eval_shared_model(
    eval_saved_model_path: str, model_name: str, eval_config: tfma.EvalConfig | None, **options: Any
) -> tfma.types.EvalSharedModel:
    """TFX's hook for the Evaluator's model: TFMA's default one, whose loader checks the
    worker's Keras before loading."""
    shared_model = tfma.default_eval_shared_model(
        eval_saved_model_path=eval_saved_model_path,
        model_name=model_name,
        eval_config=eval_config,
        **options,
    )
    loader = shared_model.model_loader
    # A partial of a module-level function: pickled by name, so the workers import this module.
    loader.construct_fn = functools.partial(
        construct_with_keras_2, loader.construct_fn, eval_saved_model_path
    )
    return shared_model


@contextlib.contextmanager
def keras_3_workers_named() -> Iterator[None]:
    """Re-raise a failure of the Beam job run inside as Keras3WorkerError when a worker failed
    the check: a runner whose workers are other processes (Beam's job service, Flink, Spark)
    raises an error of its own ("Pipeline job-... failed in state FAILED: Error running
    pipeline."), with the workers' tracebacks further down its text."""
    try:
        yield
    except Keras3WorkerError:
        raise
    except Exception as error:
        if worker_message := KERAS_3_WORKERS_MESSAGE.search(str(error)):
            raise Keras3WorkerError(worker_message.group()) from error
        raise
