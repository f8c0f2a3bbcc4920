"""The custom_config contract: what the pipeline writes for Transform, the Trainer and the Tuner,
what their code reads back through JSON, and the error when a key is missing."""

import json

import pytest

from components.custom_config import (
    CustomConfigError,
    component_custom_config,
    dataset_spec_from,
    hyperparameters_from,
    model_type_from,
    tuner_max_trials_from,
)
from components.hyperparameters import HParams
from tests.conftest import IRIS_SPEC

HPARAMS = HParams(hidden_units=(16, 8), learning_rate=0.003)


@pytest.fixture(scope="module")
def written() -> dict[str, dict]:
    """Each component's custom_config through JSON, as TFX stores it and hands it to the code."""
    configs = {
        "Transform": component_custom_config(IRIS_SPEC, "sha256:preprocessing"),
        "Trainer": component_custom_config(
            IRIS_SPEC, "sha256:trainer", hyperparameters=HPARAMS, model_type="wide_deep"
        ),
        "Tuner": component_custom_config(
            IRIS_SPEC,
            "sha256:tuner",
            hyperparameters=HPARAMS,
            model_type="dnn",
            tuner_max_trials=6,
        ),
    }
    return {component: json.loads(json.dumps(config)) for component, config in configs.items()}


def test_each_component_gets_the_keys_of_the_contract(written):
    assert written["Transform"] == {
        "dataset_spec": IRIS_SPEC.to_json(),
        "code_fingerprint": "sha256:preprocessing",
    }
    assert written["Trainer"] == {
        "dataset_spec": IRIS_SPEC.to_json(),
        "code_fingerprint": "sha256:trainer",
        "hyperparameters": {
            "hidden_units": [16, 8],
            "learning_rate": 0.003,
            "batch_size": 20,
            "eval_batch_size": 50,
            "train_steps": 1000,
            "eval_steps": 5,
            "steps_per_execution": 50,
            "seed": 42,
        },
        "model_type": "wide_deep",
    }
    assert written["Tuner"] == {
        **written["Trainer"],
        "code_fingerprint": "sha256:tuner",
        "model_type": "dnn",
        "tuner": {"max_trials": 6},
    }


def test_the_readers_give_back_what_was_written(written):
    assert dataset_spec_from(written["Transform"]) == IRIS_SPEC
    assert dataset_spec_from(written["Trainer"]) == IRIS_SPEC
    assert hyperparameters_from(written["Trainer"]) == HPARAMS
    assert model_type_from(written["Trainer"]) == "wide_deep"
    assert model_type_from(written["Tuner"]) == "dnn"
    assert tuner_max_trials_from(written["Tuner"]) == 6


@pytest.mark.parametrize(
    "reader, component, key, receivers",
    [
        (hyperparameters_from, "Transform", "hyperparameters", "the Trainer and the Tuner"),
        (model_type_from, "Transform", "model_type", "the Trainer and the Tuner"),
        (tuner_max_trials_from, "Trainer", "tuner", "the Tuner"),
    ],
)
def test_a_missing_key_is_named_with_who_writes_it(written, reader, component, key, receivers):
    with pytest.raises(CustomConfigError) as raised:
        reader(written[component])
    message = str(raised.value)
    assert message.startswith(f"custom_config has no {key!r} (it was given ")
    assert f"create_pipeline (pipeline/pipeline.py) writes it for {receivers}" in message


def test_without_a_dataset_spec_the_error_says_what_was_given_instead(written):
    with pytest.raises(CustomConfigError, match=r"it was given no custom_config\): create_"):
        dataset_spec_from(None)
    with pytest.raises(
        CustomConfigError,
        match=r"no 'dataset_spec' \(it was given keys \['code_fingerprint'\]\): create_pipeline "
        r"\(pipeline/pipeline.py\) writes it for Transform, the Trainer and the Tuner",
    ):
        dataset_spec_from({"code_fingerprint": "sha256:preprocessing"})


def test_malformed_values_are_errors_naming_the_expected_form(written):
    with pytest.raises(CustomConfigError, match=r'expected \{"max_trials": <number of trials>\}'):
        tuner_max_trials_from({**written["Tuner"], "tuner": {"trials": 6}})
    with pytest.raises(CustomConfigError, match="expected an object of hyperparameters"):
        hyperparameters_from({**written["Trainer"], "hyperparameters": [10, 10]})
    with pytest.raises(
        CustomConfigError, match=r"custom_config\['hyperparameters'\]: unknown hyperparameters"
    ):
        hyperparameters_from({**written["Trainer"], "hyperparameters": {"dropout": 0.5}})
    with pytest.raises(
        CustomConfigError,
        match=r"custom_config\['hyperparameters'\]: learning_rate must be in \(0, 1\), got 2",
    ):
        hyperparameters_from({**written["Trainer"], "hyperparameters": {"learning_rate": 2}})


def test_the_writer_refuses_a_training_config_half_given():
    with pytest.raises(ValueError, match="hyperparameters and model_type go together"):
        component_custom_config(IRIS_SPEC, "sha256:x", hyperparameters=HPARAMS)
    with pytest.raises(ValueError, match="tuner_max_trials needs hyperparameters"):
        component_custom_config(IRIS_SPEC, "sha256:x", tuner_max_trials=3)
