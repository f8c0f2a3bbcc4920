"""The Iris columns: which are features, which is the label, and how transformed ones are named."""

NUMERIC_FEATURE_KEYS = ("sepal_length", "sepal_width", "petal_length", "petal_width")
LABEL_KEY = "species"
# Written by tf.Transform next to the transform graph; maps species name <-> class index.
LABEL_VOCABULARY_NAME = "species"
NUM_CLASSES = 3


def transformed_name(key: str) -> str:
    """Name of the transformed feature made from raw column `key`."""
    return f"{key}_xf"
