"""HParams: the typed hyperparameters that travel in the Trainer's and the Tuner's custom_config
(as components/custom_config.py writes and reads them)."""

import json

import pytest

from components.hyperparameters import HParams


def test_round_trips_through_json():
    hparams = HParams(hidden_units=(16, 8), learning_rate=0.003, batch_size=32, seed=7)
    values = json.loads(json.dumps(hparams.to_json_dict()))
    assert values["hidden_units"] == [16, 8]
    assert HParams.from_json_dict(values) == hparams


def test_values_left_out_are_the_reference_models():
    assert HParams.from_json_dict({"batch_size": 32}) == HParams(
        hidden_units=(10, 10), learning_rate=0.01, batch_size=32
    )


def test_unknown_key_is_an_error_naming_it():
    with pytest.raises(ValueError, match="dropout"):
        HParams.from_json_dict({"dropout": 0.5})


def test_tuned_values_override_layer_sizes_and_learning_rate():
    tuned = HParams().with_tuned({"units_0": 16, "units_1": 4, "learning_rate": 0.03})
    assert tuned.hidden_units == (16, 4)
    assert tuned.learning_rate == 0.03
    assert tuned.batch_size == HParams().batch_size


@pytest.mark.parametrize(
    "bad",
    [
        {"hidden_units": ()},
        {"hidden_units": (10, 0)},
        {"learning_rate": 0},
        {"batch_size": 0},
        {"train_steps": 0},
        {"eval_steps": -1},
    ],
)
def test_invalid_values_are_rejected_naming_the_field(bad):
    (field,) = bad
    with pytest.raises(ValueError, match=field):
        HParams(**bad)
