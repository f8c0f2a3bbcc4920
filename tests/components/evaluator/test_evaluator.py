"""The Evaluator has no baseline before the first push, and blesses on its own threshold
parameter."""

import json

import pytest
import tensorflow_model_analysis as tfma
from tfx.types import standard_component_specs
from tfx.utils import proto_utils

from components.evaluator.component import Executor, with_blessing_threshold
from pipeline.evaluation import create_eval_config
from tests.components.atomic_pusher.test_atomic_pusher import push, trained_model
from tests.components.serving_baseline.test_serving_baseline import find_baseline
from tests.conftest import IRIS_SPEC


def test_the_evaluator_has_no_baseline_when_nothing_is_served_and_the_runs_threshold(
    tmp_path, monkeypatch
):
    empty_model, _ = find_baseline(tmp_path, tmp_path / "serving", "empty")
    push(tmp_path, trained_model(tmp_path, "served"), "pushed")
    served_model, _ = find_baseline(tmp_path, tmp_path / "serving", "served")
    seen = []
    monkeypatch.setattr(
        "tfx.components.evaluator.executor.Executor.Do",
        lambda self, input_dict, output_dict, exec_properties: seen.append(
            (set(input_dict), json.loads(exec_properties["eval_config"]))
        ),
    )
    candidate = {standard_component_specs.MODEL_KEY: [trained_model(tmp_path, "candidate")]}
    # Compiled with 0.9; the run's parameter says 0.95.
    properties = {
        "eval_config": proto_utils.proto_to_json(create_eval_config(IRIS_SPEC, 0.9, 0.0)),
        "blessing_threshold": 0.95,
    }
    for baseline in (empty_model, served_model):
        Executor().Do(
            {**candidate, standard_component_specs.BASELINE_MODEL_KEY: [baseline]}, {}, properties
        )
    assert [inputs for inputs, _ in seen] == [
        {standard_component_specs.MODEL_KEY},
        {standard_component_specs.MODEL_KEY, standard_component_specs.BASELINE_MODEL_KEY},
    ]
    for _, eval_config in seen:
        accuracy = eval_config["metrics_specs"][0]["metrics"][1]
        assert accuracy["class_name"] == "SparseCategoricalAccuracy"
        value = accuracy["per_slice_thresholds"][0]["threshold"]["value_threshold"]
        assert value["lower_bound"] == 0.95


def test_the_blessing_threshold_parameter_is_the_gating_metrics_lower_bound():
    built = proto_utils.proto_to_json(create_eval_config(IRIS_SPEC, 0.9, 0.0))
    thresholds = [
        threshold["threshold"]
        for spec in json.loads(with_blessing_threshold(built, 0.97))["metrics_specs"]
        for metric in spec["metrics"]
        for threshold in metric.get("per_slice_thresholds", [])
    ]
    assert [t["value_threshold"]["lower_bound"] for t in thresholds] == [0.97]
    # The change threshold against the served model is left as it was.
    assert (
        thresholds[0]["change_threshold"]
        == json.loads(built)["metrics_specs"][0]["metrics"][1]["per_slice_thresholds"][0][
            "threshold"
        ]["change_threshold"]
    )


def test_an_eval_config_without_one_value_threshold_is_refused():
    no_threshold = proto_utils.proto_to_json(tfma.EvalConfig(model_specs=[tfma.ModelSpec()]))
    with pytest.raises(ValueError, match="which has 0"):
        with_blessing_threshold(no_threshold, 0.9)
