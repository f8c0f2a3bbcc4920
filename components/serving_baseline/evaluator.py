"""Evaluator: TFX's, given no baseline when ServingBaseline found no model served."""

from typing import Any

from tfx import types
from tfx.components import Evaluator as TfxEvaluator
from tfx.components.evaluator import executor as evaluator_executor
from tfx.dsl.components.base import executor_spec
from tfx.types import standard_component_specs

from components.serving_baseline.component import holds_model


class Executor(evaluator_executor.Executor):
    """An empty baseline is no baseline: TFX's Evaluator then blesses on the absolute
    thresholds alone, as it does when a resolver finds no blessed model."""

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
        super().Do(input_dict, output_dict, exec_properties)


class Evaluator(TfxEvaluator):
    """tfx.components.Evaluator whose baseline_model may be an empty ServingBaseline model."""

    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(Executor)
