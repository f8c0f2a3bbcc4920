"""Evaluator: TFX's Evaluator, given no baseline when ServingBaseline found no model served,
and blessing on a threshold that is an execution parameter of its own.

TFX's threshold is a field deep in the eval_config proto, and a Kubeflow pipeline parameter
can only be a whole execution parameter: `blessing_threshold` is one, the lower bound of the
gating metric (accuracy, or AUC for a binary label) that the executor writes into the
eval_config before evaluating.

On every Beam worker, the model is loaded only once the worker has checked that its tf.keras
is Keras 2 (worker_keras.py): a worker image without TF_USE_LEGACY_KERAS=1 fails the run with
a message that says so.
"""

from typing import Any

import tensorflow_model_analysis as tfma
from tfx import types
from tfx.components import Evaluator as TfxEvaluator
from tfx.components.evaluator import executor as evaluator_executor
from tfx.dsl.components.base import base_component, executor_spec
from tfx.orchestration import data_types
from tfx.types import standard_artifacts, standard_component_specs
from tfx.types.component_spec import ExecutionParameter
from tfx.utils import json_utils, proto_utils

from components.evaluator import worker_keras
from components.serving_baseline.component import holds_model

BLESSING_THRESHOLD_KEY = "blessing_threshold"


class EvaluatorSpec(standard_component_specs.EvaluatorSpec):
    PARAMETERS = {
        **standard_component_specs.EvaluatorSpec.PARAMETERS,
        BLESSING_THRESHOLD_KEY: ExecutionParameter(type=float),
    }


def with_blessing_threshold(eval_config_json: str, threshold: float) -> str:
    """The eval_config with every value threshold's lower bound set to `threshold`: the
    pipeline's eval_config gates on one metric, with one (pipeline/evaluation.py)."""
    eval_config = tfma.EvalConfig()
    proto_utils.json_to_proto(eval_config_json, eval_config)
    value_thresholds = [
        per_slice.threshold.value_threshold
        for metrics_spec in eval_config.metrics_specs
        for metric in metrics_spec.metrics
        for per_slice in metric.per_slice_thresholds
        if per_slice.threshold.HasField("value_threshold")
    ]
    if len(value_thresholds) != 1:
        raise ValueError(
            f"blessing_threshold sets the one value threshold of the eval_config, which has "
            f"{len(value_thresholds)}"
        )
    value_thresholds[0].lower_bound.value = threshold
    return proto_utils.proto_to_json(eval_config)


class Executor(evaluator_executor.Executor):
    """An empty baseline is no baseline: TFX's Evaluator then blesses on the absolute
    threshold alone, as it does when a resolver finds no blessed model. A Beam worker with
    Keras 3 fails the run with Keras3WorkerError."""

    def Do(  # noqa: N802 - TFX's executor interface
        self,
        input_dict: dict[str, list[types.Artifact]],
        output_dict: dict[str, list[types.Artifact]],
        exec_properties: dict[str, Any],
    ) -> None:
        baseline = input_dict.get(standard_component_specs.BASELINE_MODEL_KEY)
        if baseline and not holds_model(baseline[0].uri):
            input_dict = {
                key: artifacts
                for key, artifacts in input_dict.items()
                if key != standard_component_specs.BASELINE_MODEL_KEY
            }
        threshold = exec_properties.get(BLESSING_THRESHOLD_KEY)
        exec_properties = {
            **exec_properties,
            standard_component_specs.EVAL_CONFIG_KEY: with_blessing_threshold(
                exec_properties[standard_component_specs.EVAL_CONFIG_KEY], float(threshold)
            ),
            # Where TFX's Evaluator finds custom_eval_shared_model; this component takes no
            # module of its own.
            standard_component_specs.MODULE_PATH_KEY: worker_keras.__name__,
        }
        with worker_keras.keras_3_workers_named():
            super().Do(input_dict, output_dict, exec_properties)


class Evaluator(TfxEvaluator):
    """tfx.components.Evaluator(examples, model, baseline_model, eval_config), blessing on
    `blessing_threshold` (a float, or a RuntimeParameter), whose baseline_model may be an
    empty ServingBaseline model."""

    SPEC_CLASS = EvaluatorSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(Executor)

    def __init__(
        self,
        examples: types.BaseChannel,
        model: types.BaseChannel,
        baseline_model: types.BaseChannel,
        eval_config: tfma.EvalConfig,
        blessing_threshold: float | data_types.RuntimeParameter,
    ):
        spec = EvaluatorSpec(
            examples=examples,
            model=model,
            baseline_model=baseline_model,
            eval_config=eval_config,
            blessing_threshold=blessing_threshold,
            fairness_indicator_thresholds=json_utils.dumps(None),
            example_splits=json_utils.dumps(None),
            evaluation=types.Channel(type=standard_artifacts.ModelEvaluation),
            blessing=types.Channel(type=standard_artifacts.ModelBlessing),
        )
        base_component.BaseComponent.__init__(self, spec=spec)
