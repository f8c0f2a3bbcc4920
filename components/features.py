"""How transformed features are named, and how the dataset's spec reaches the code that
Transform, the Trainer and the Tuner run (as JSON in their custom_config)."""

from collections.abc import Mapping
from typing import Any

from components.dataset_spec import DatasetSpec

# In custom_config: the DatasetSpec, as JSON (see pipeline/schemas/dataset.py).
DATASET_SPEC_KEY = "dataset_spec"
# In the Trainer's and the Tuner's custom_config: "auto", "dnn" or "wide_deep".
MODEL_TYPE_KEY = "model_type"


def transformed_name(key: str) -> str:
    """Name of the transformed feature made from raw column `key`."""
    return f"{key}_xf"


def missing_indicator_name(key: str) -> str:
    """Name of the 0/1 feature that flags a row whose numeric column `key` had no value."""
    return f"{key}_missing_xf"


def label_vocabulary_name(spec: DatasetSpec) -> str:
    """The vocabulary file Transform writes for a text label (the label column's name, which
    no feature's vocabulary can take)."""
    return spec.label


def spec_from_custom_config(custom_config: Mapping[str, Any] | None) -> DatasetSpec:
    """The DatasetSpec a component was given; a clear error when the pipeline gave none."""
    if not custom_config or DATASET_SPEC_KEY not in custom_config:
        raise ValueError(
            f"custom_config has no {DATASET_SPEC_KEY!r}: the pipeline passes the dataset's spec "
            "to Transform, the Trainer and the Tuner (see pipeline/pipeline.py)"
        )
    return DatasetSpec.from_json(custom_config[DATASET_SPEC_KEY])
