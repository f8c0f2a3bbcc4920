"""How the features Transform writes are named: what preprocessing, the model, the input
pipeline and the serving signatures agree on."""

from components.dataset_spec import DatasetSpec


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
