"""The model's hyperparameters: one typed object that travels to the Trainer and the Tuner in
their custom_config (components/custom_config.py)."""

import dataclasses
from collections.abc import Mapping
from typing import Any

# Written by the Trainer beside its logs: the values a model was actually trained with.
HYPERPARAMETERS_FILE = "hyperparameters.json"


@dataclasses.dataclass(frozen=True)
class HParams:
    """Everything that shapes training; the defaults are the Iris reference model.

    The pipeline hands train_steps and eval_steps to TFX as the Trainer's TrainArgs and
    EvalArgs, which is where run_fn reads them (fn_args.train_steps).
    """

    hidden_units: tuple[int, ...] = (10, 10)
    learning_rate: float = 0.01
    batch_size: int = 20
    eval_batch_size: int = 50
    train_steps: int = 1000
    eval_steps: int = 5
    # Training steps Keras runs per call of its compiled training function: one call per step
    # costs the Iris DNN more in Python than the step itself. The weights are the same.
    steps_per_execution: int = 50
    seed: int = 42

    def __post_init__(self) -> None:
        if not self.hidden_units or any(units < 1 for units in self.hidden_units):
            raise ValueError(f"hidden_units must be positive layer sizes, got {self.hidden_units}")
        if not 0 < self.learning_rate < 1:
            raise ValueError(f"learning_rate must be in (0, 1), got {self.learning_rate}")
        for name in (
            "batch_size",
            "eval_batch_size",
            "train_steps",
            "eval_steps",
            "steps_per_execution",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")

    def to_json_dict(self) -> dict[str, Any]:
        """The JSON-serialisable form the Trainer's and the Tuner's custom_config carry
        (see components/custom_config.py)."""
        values = dataclasses.asdict(self)
        values["hidden_units"] = list(self.hidden_units)
        return values

    @classmethod
    def from_json_dict(cls, values: Mapping[str, Any]) -> "HParams":
        """Rebuild the object to_json_dict wrote; an unknown key is an error, not ignored."""
        values = dict(values)
        unknown = set(values) - {field.name for field in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"unknown hyperparameters: {sorted(unknown)}")
        if "hidden_units" in values:
            values["hidden_units"] = tuple(values["hidden_units"])
        return cls(**values)

    def with_tuned(self, tuned: Mapping[str, Any]) -> "HParams":
        """A copy with the values a Tuner chose (`units_<layer>`, `learning_rate`) applied."""
        hidden_units = tuple(
            int(tuned.get(f"units_{layer}", units)) for layer, units in enumerate(self.hidden_units)
        )
        learning_rate = float(tuned.get("learning_rate", self.learning_rate))
        return dataclasses.replace(self, hidden_units=hidden_units, learning_rate=learning_rate)
