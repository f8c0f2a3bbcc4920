"""How fast the Trainer trained, kept beside its logs: the first epoch (which includes
tracing the training function) apart from the steady state of the later ones."""

import json
import os
import statistics
import time
from typing import Any

import tensorflow as tf
import tf_keras as keras

TRAINING_SPEED_FILE = "training_speed.json"


class TrainingSpeed(keras.callbacks.Callback):
    """Times each epoch's training steps, validation excluded."""

    def __init__(self, batch_size: int, steps_per_epoch: int) -> None:
        super().__init__()
        self.batch_size = batch_size
        self.steps_per_epoch = steps_per_epoch
        self.epoch_seconds: list[float] = []
        self._epoch_started: float | None = None

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        self._epoch_started = time.perf_counter()

    def on_test_begin(self, logs=None) -> None:
        self._end_epoch_timing()

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        self._end_epoch_timing()  # an epoch without validation

    def _end_epoch_timing(self) -> None:
        if self._epoch_started is not None:
            self.epoch_seconds.append(time.perf_counter() - self._epoch_started)
            self._epoch_started = None

    def result(self) -> dict[str, Any]:
        """Seconds of the first epoch; milliseconds per step and examples per second of the
        median later epoch (of the only one when there is one)."""
        steady = statistics.median(self.epoch_seconds[1:] or self.epoch_seconds)
        return {
            "epochs": len(self.epoch_seconds),
            "steps_per_epoch": self.steps_per_epoch,
            "batch_size": self.batch_size,
            "first_epoch_seconds": round(self.epoch_seconds[0], 3),
            "training_seconds": round(sum(self.epoch_seconds), 3),
            "ms_per_step": round(1000 * steady / self.steps_per_epoch, 4),
            "examples_per_second": round(self.batch_size * self.steps_per_epoch / steady, 1),
        }

    def write(self, model_run_dir: str) -> None:
        with tf.io.gfile.GFile(os.path.join(model_run_dir, TRAINING_SPEED_FILE), "w") as f:
            json.dump(self.result(), f, indent=2)
