"""The custom_config contract between the pipeline and the code its components run.

TFX hands a component's custom_config, a JSON object, to our code: Transform's to
preprocessing_fn, the Trainer's to run_fn, the Tuner's to tuner_fn. What each gets, under which
key and in which form, is declared here once: `component_custom_config` writes it (called by
create_pipeline in pipeline/pipeline.py) and the readers below take it apart, each failing with
the key that is missing and who should have written it.

Transform:        dataset_spec, code_fingerprint
Trainer:          dataset_spec, code_fingerprint, hyperparameters, model_type
Tuner:            dataset_spec, code_fingerprint, hyperparameters, model_type, tuner
"""

from collections.abc import Mapping
from typing import Any

from components.dataset_spec import DatasetSpec
from components.hyperparameters import HParams

# What each column is to the model: DatasetSpec.to_json() (see pipeline/schemas/dataset.py).
DATASET_SPEC_KEY = "dataset_spec"
# The fingerprint of the code the component runs (pipeline/code_fingerprint.py). Read by no
# one: it is there so that TFX's cache key, which holds custom_config, changes with the code.
CODE_FINGERPRINT_KEY = "code_fingerprint"
# HParams.to_json_dict(): the configured hyperparameters (a Tuner's best ones override them).
HYPERPARAMETERS_KEY = "hyperparameters"
# "auto", "dnn" or "wide_deep" (see components/model.py, choose_model_type).
MODEL_TYPE_KEY = "model_type"
# The Tuner's own settings: {"max_trials": <int>}.
TUNER_KEY = "tuner"
TUNER_MAX_TRIALS = "max_trials"

# Who receives each key, for the error a reader raises when it is missing.
_RECEIVERS = {
    DATASET_SPEC_KEY: "Transform, the Trainer and the Tuner",
    HYPERPARAMETERS_KEY: "the Trainer and the Tuner",
    MODEL_TYPE_KEY: "the Trainer and the Tuner",
    TUNER_KEY: "the Tuner",
}


class CustomConfigError(ValueError):
    """A component's custom_config lacks what its code reads, or holds it in another form."""


def component_custom_config(
    spec: DatasetSpec,
    code_fingerprint: str,
    *,
    hyperparameters: HParams | None = None,
    model_type: str | None = None,
    tuner_max_trials: int | None = None,
) -> dict[str, Any]:
    """The custom_config of a component that runs our code: Transform's with the dataset's spec
    and its code's fingerprint; the Trainer's also with `hyperparameters` and `model_type`;
    the Tuner's also with `tuner_max_trials`."""
    if (hyperparameters is None) != (model_type is None):
        raise ValueError("hyperparameters and model_type go together: a model is trained with both")
    if tuner_max_trials is not None and hyperparameters is None:
        raise ValueError("tuner_max_trials needs hyperparameters and model_type: the Tuner trains")
    written: dict[str, Any] = {
        DATASET_SPEC_KEY: spec.to_json(),
        CODE_FINGERPRINT_KEY: code_fingerprint,
    }
    if hyperparameters is not None:
        written[HYPERPARAMETERS_KEY] = hyperparameters.to_json_dict()
        written[MODEL_TYPE_KEY] = model_type
    if tuner_max_trials is not None:
        written[TUNER_KEY] = {TUNER_MAX_TRIALS: tuner_max_trials}
    return written


def dataset_spec_from(custom_config: Mapping[str, Any] | None) -> DatasetSpec:
    """The dataset's spec Transform, the Trainer or the Tuner was given."""
    return DatasetSpec.from_json(_required(custom_config, DATASET_SPEC_KEY))


def hyperparameters_from(custom_config: Mapping[str, Any] | None) -> HParams:
    """The hyperparameters the Trainer or the Tuner was given; an unknown one is an error."""
    values = _required(custom_config, HYPERPARAMETERS_KEY)
    if not isinstance(values, Mapping):
        raise CustomConfigError(
            f"custom_config[{HYPERPARAMETERS_KEY!r}] is {values!r}; expected an object of "
            "hyperparameters as HParams.to_json_dict() writes it"
        )
    try:
        return HParams.from_json_dict(values)
    except ValueError as error:  # an unknown name, or a value out of its range
        raise CustomConfigError(f"custom_config[{HYPERPARAMETERS_KEY!r}]: {error}") from None


def model_type_from(custom_config: Mapping[str, Any] | None) -> str:
    """Which model the Trainer or the Tuner builds: "auto", "dnn" or "wide_deep"."""
    return _required(custom_config, MODEL_TYPE_KEY)


def tuner_max_trials_from(custom_config: Mapping[str, Any] | None) -> int:
    """How many hyperparameter sets the Tuner tries."""
    tuner_settings = _required(custom_config, TUNER_KEY)
    if not isinstance(tuner_settings, Mapping) or TUNER_MAX_TRIALS not in tuner_settings:
        raise CustomConfigError(
            f"custom_config[{TUNER_KEY!r}] is {tuner_settings!r}; expected "
            f'{{"{TUNER_MAX_TRIALS}": <number of trials>}}, as component_custom_config writes it'
        )
    return int(tuner_settings[TUNER_MAX_TRIALS])


def _required(custom_config: Mapping[str, Any] | None, key: str) -> Any:
    """custom_config[key], or an error naming the key and who should have written it."""
    if not custom_config or key not in custom_config:
        given = f"keys {sorted(custom_config)}" if custom_config else "no custom_config"
        raise CustomConfigError(
            f"custom_config has no {key!r} (it was given {given}): create_pipeline "
            f"(pipeline/pipeline.py) writes it for {_RECEIVERS[key]} with "
            "components.custom_config.component_custom_config; a pipeline built another way "
            "must give it too"
        )
    return custom_config[key]
