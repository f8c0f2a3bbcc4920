"""The Evaluator has no baseline before the first push, blesses on its own threshold
parameter, and a Beam worker with Keras 3 fails it with a message that says what to set."""

import importlib
import importlib.metadata
import json
import os
import subprocess
import sys

import pytest
import tensorflow as tf
import tensorflow_model_analysis as tfma
import tf_keras
from tfx.types import standard_component_specs
from tfx.types.standard_component_specs import MODEL_KEY
from tfx.utils import proto_utils

from components.evaluator import worker_keras
from components.evaluator.component import Executor, with_blessing_threshold
from pipeline.evaluation import create_eval_config
from tests.components.atomic_pusher.test_atomic_pusher import push, trained_model
from tests.components.serving_baseline.test_serving_baseline import find_baseline
from tests.conftest import IRIS_SPEC, REPO_ROOT


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


def iris_properties() -> dict:
    """The Evaluator's execution properties as the pipeline compiles them for Iris."""
    return {
        "eval_config": proto_utils.proto_to_json(create_eval_config(IRIS_SPEC, 0.9, 0.0)),
        "blessing_threshold": 0.9,
    }


def keras_2_model(directory) -> str:
    """A Keras 2 SavedModel that sums its two inputs, saved as the Trainer saves its model
    (components/export.py), without the signatures."""
    model = tf_keras.Sequential(
        [tf_keras.Input(shape=(2,)), tf_keras.layers.Dense(1, kernel_initializer="ones")]
    )
    model.save(str(directory), save_format="tf")
    return str(directory)


def test_tfx_finds_the_model_hook_in_the_module_the_executor_names(tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr(
        "tfx.components.evaluator.executor.Executor.Do",
        lambda self, input_dict, output_dict, exec_properties: seen.append(exec_properties),
    )
    Executor().Do({MODEL_KEY: [trained_model(tmp_path, "candidate")]}, {}, iris_properties())
    module = importlib.import_module(seen[0][standard_component_specs.MODULE_PATH_KEY])
    assert module.custom_eval_shared_model is worker_keras.custom_eval_shared_model


def test_the_workers_loader_loads_the_model_on_keras_2(tmp_path):
    path = keras_2_model(tmp_path / "Format-Serving")
    eval_config = tfma.EvalConfig(model_specs=[tfma.ModelSpec(label_key="label")])
    shared_model = worker_keras.custom_eval_shared_model(path, "", eval_config)
    construct_fn = shared_model.model_loader.construct_fn
    assert construct_fn.func is worker_keras.construct_with_keras_2
    model = shared_model.model_loader.load()
    assert model(tf.constant([[1.0, 2.0], [3.0, -1.5]])).numpy().tolist() == [[3.0], [1.5]]


def test_a_worker_with_keras_3_says_to_set_tf_use_legacy_keras(tmp_path):
    path = keras_2_model(tmp_path / "Format-Serving")
    # A worker whose environment lacks the variable: TFMA, unpickled first, imports TensorFlow
    # before anything of ours can set it.
    worker = (
        "import sys\n"
        "import tensorflow_model_analysis as tfma\n"
        "from components.evaluator import worker_keras\n"
        "eval_config = tfma.EvalConfig(model_specs=[tfma.ModelSpec(label_key='label')])\n"
        "shared_model = worker_keras.custom_eval_shared_model(sys.argv[1], '', eval_config)\n"
        "try:\n"
        "    shared_model.model_loader.load()\n"
        "except worker_keras.Keras3WorkerError as error:\n"
        "    print(error)\n"
        "    sys.exit(3)\n"
    )
    environment = {k: v for k, v in os.environ.items() if k != "TF_USE_LEGACY_KERAS"}
    process = subprocess.run(
        [sys.executable, "-c", worker, path],
        cwd=REPO_ROOT, env=environment, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert process.returncode == 3, process.stderr
    message = process.stdout.strip()
    assert message.startswith(
        "the Beam workers run Keras 3: TF_USE_LEGACY_KERAS=1 must be set in every Beam "
        "worker's environment before it imports TensorFlow (the worker image's ENV"
    )
    keras_version = importlib.metadata.version("keras")
    assert keras_version.startswith("3.")
    assert message.endswith(
        f"has keras {keras_version} as tf.keras and cannot load the Keras 2 SavedModel {path}"
    )


def failing_job(worker_traceback: str):
    """TFX's Do as a portable runner fails it: the job's error first, then the workers'."""

    def do(self, input_dict, output_dict, exec_properties):
        raise RuntimeError(
            "Pipeline job-7 failed in state FAILED: Error running pipeline.\n"
            f"Traceback (most recent call last):\n  File ...\n{worker_traceback}\n"
        )

    return do


def test_a_failed_job_whose_worker_had_keras_3_fails_with_the_workers_message(
    tmp_path, monkeypatch
):
    worker_message = worker_keras.keras_3_worker_message("/outputs/Trainer/model/5/Format-Serving")
    monkeypatch.setattr(
        "tfx.components.evaluator.executor.Executor.Do",
        failing_job(
            f"components.evaluator.worker_keras.Keras3WorkerError: {worker_message} "
            "[while running 'ExtractPredictions/Inference']"
        ),
    )
    candidate = {MODEL_KEY: [trained_model(tmp_path, "candidate")]}
    with pytest.raises(worker_keras.Keras3WorkerError) as raised:
        Executor().Do(candidate, {}, iris_properties())
    assert str(raised.value) == f"{worker_message} [while running 'ExtractPredictions/Inference']"
    assert str(raised.value.__cause__).startswith("Pipeline job-7 failed in state FAILED")


def test_a_failed_job_for_another_reason_keeps_its_error(tmp_path, monkeypatch):
    monkeypatch.setattr(
        "tfx.components.evaluator.executor.Executor.Do",
        failing_job("ValueError: no examples in the eval split"),
    )
    candidate = {MODEL_KEY: [trained_model(tmp_path, "candidate")]}
    with pytest.raises(RuntimeError, match="no examples in the eval split") as raised:
        Executor().Do(candidate, {}, iris_properties())
    assert type(raised.value) is RuntimeError
