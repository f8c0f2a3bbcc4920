"""Trainer entry point: datasets in, fitted model out, exported with its serving signatures."""

import dataclasses
import json
import math
import os

import tensorflow as tf
import tensorflow_transform as tft
import tf_keras as keras
from absl import logging
from tfx.components.trainer.fn_args_utils import FnArgs

from components import data, export
from components.custom_config import dataset_spec_from, hyperparameters_from, model_type_from
from components.hyperparameters import HYPERPARAMETERS_FILE, HParams
from components.model import skip_autograph_of_tf_keras
from components.training_speed import TrainingSpeed

# Training is split into up to this many epochs so the logs hold a learning curve, not one point.
MAX_LOGGED_EPOCHS = 10


def resolve_hyperparameters(fn_args: FnArgs) -> HParams:
    """The configured hyperparameters, overridden by the Tuner's best ones when it ran."""
    hparams = hyperparameters_from(fn_args.custom_config)
    if fn_args.hyperparameters:
        tuned = fn_args.hyperparameters.get("values", fn_args.hyperparameters)
        hparams = hparams.with_tuned(tuned)
    return hparams


def run_fn(fn_args: FnArgs) -> None:
    """Train the model the dataset's spec calls for and export it to
    `fn_args.serving_model_dir`."""
    skip_autograph_of_tf_keras()
    spec = dataset_spec_from(fn_args.custom_config)
    hparams = resolve_hyperparameters(fn_args)
    logging.info("Training with %s", hparams)
    keras.utils.set_random_seed(hparams.seed)
    # Same data and config give the same weights, hence the same evaluation, run after run.
    tf.config.experimental.enable_op_determinism()

    tf_transform_output = tft.TFTransformOutput(fn_args.transform_graph_path)
    train_dataset = data.make_dataset(
        fn_args.train_files,
        fn_args.data_accessor,
        tf_transform_output,
        spec.label,
        hparams.batch_size,
        hparams.seed,
    )
    eval_dataset = data.make_dataset(
        fn_args.eval_files,
        fn_args.data_accessor,
        tf_transform_output,
        spec.label,
        hparams.eval_batch_size,
        hparams.seed,
    )
    model = data.model_from_transform(
        spec, hparams, tf_transform_output, model_type_from(fn_args.custom_config)
    )
    tf.io.gfile.makedirs(fn_args.model_run_dir)  # a local path or a gs://, s3:// URI
    # gcd keeps epochs * steps_per_epoch exactly equal to train_steps.
    epochs = math.gcd(fn_args.train_steps, MAX_LOGGED_EPOCHS)
    steps_per_epoch = fn_args.train_steps // epochs
    training_speed = TrainingSpeed(hparams.batch_size, steps_per_epoch)
    model.fit(
        train_dataset,
        epochs=epochs,
        steps_per_epoch=steps_per_epoch,
        validation_data=eval_dataset,
        validation_steps=fn_args.eval_steps,
        callbacks=[keras.callbacks.TensorBoard(log_dir=fn_args.model_run_dir), training_speed],
        verbose=2,
    )
    training_speed.write(fn_args.model_run_dir)
    # Kept with the run's logs so anyone can see which values (configured or tuned) were used.
    # The steps are TFX's TrainArgs and EvalArgs, which a Kubeflow run may set per run.
    used = {
        **dataclasses.asdict(hparams),
        "train_steps": fn_args.train_steps,
        "eval_steps": fn_args.eval_steps,
    }
    with tf.io.gfile.GFile(os.path.join(fn_args.model_run_dir, HYPERPARAMETERS_FILE), "w") as f:
        json.dump(used, f, indent=2)
    export.export_serving_model(model, spec, tf_transform_output, fn_args.serving_model_dir)
