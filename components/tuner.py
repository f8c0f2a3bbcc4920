"""Tuner entry point: a KerasTuner random search over layer sizes and learning rate."""

import keras_tuner
import tensorflow_transform as tft
from tfx.components.trainer.fn_args_utils import FnArgs
from tfx.components.tuner.component import TunerFnResult

from components import data
from components.custom_config import (
    dataset_spec_from,
    hyperparameters_from,
    model_type_from,
    tuner_max_trials_from,
)
from components.hyperparameters import HParams
from components.model import skip_autograph_of_tf_keras


def search_space(base: HParams) -> keras_tuner.HyperParameters:
    """Per-layer units and a log-scale learning rate, named as HParams.with_tuned expects."""
    space = keras_tuner.HyperParameters()
    for layer in range(len(base.hidden_units)):
        space.Choice(f"units_{layer}", [4, 8, 10, 16])
    space.Choice("learning_rate", [0.003, 0.01, 0.03])
    return space


def tuner_fn(fn_args: FnArgs) -> TunerFnResult:
    """Build the search; TFX runs it and hands the best values to the Trainer."""
    skip_autograph_of_tf_keras()
    spec = dataset_spec_from(fn_args.custom_config)
    model_type = model_type_from(fn_args.custom_config)
    base = hyperparameters_from(fn_args.custom_config)
    max_trials = tuner_max_trials_from(fn_args.custom_config)
    tf_transform_output = tft.TFTransformOutput(fn_args.transform_graph_path)

    def build(tuned: keras_tuner.HyperParameters):
        return data.model_from_transform(
            spec, base.with_tuned(tuned.values), tf_transform_output, model_type
        )

    tuner = keras_tuner.RandomSearch(
        build,
        objective=keras_tuner.Objective("val_accuracy", direction="max"),
        max_trials=max_trials,
        hyperparameters=search_space(base),
        seed=base.seed,
        directory=fn_args.working_dir,
        project_name="random_search",
    )
    return TunerFnResult(
        tuner=tuner,
        fit_kwargs={
            "x": data.make_dataset(
                fn_args.train_files,
                fn_args.data_accessor,
                tf_transform_output,
                spec.label,
                base.batch_size,
                base.seed,
            ),
            "validation_data": data.make_dataset(
                fn_args.eval_files,
                fn_args.data_accessor,
                tf_transform_output,
                spec.label,
                base.eval_batch_size,
                base.seed,
            ),
            "steps_per_epoch": fn_args.train_steps,
            "validation_steps": fn_args.eval_steps,
        },
    )
