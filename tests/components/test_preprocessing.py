"""preprocessing_fn through tf.Transform's Beam implementation, on rows with known answers."""

import tempfile

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_transform as tft
import tensorflow_transform.beam as tft_beam
from tensorflow_transform.tf_metadata import dataset_metadata, schema_utils

from components import features
from components.preprocessing import preprocessing_fn

RAW_FEATURE_SPEC = {
    **{key: tf.io.FixedLenFeature([1], tf.float32) for key in features.NUMERIC_FEATURE_KEYS},
    features.LABEL_KEY: tf.io.FixedLenFeature([1], tf.string),
}
# Species counts 3, 2, 1: the vocabulary orders by frequency, so the ids are known.
ROWS = [
    {
        "sepal_length": [5.0],
        "sepal_width": [3.0],
        "petal_length": [1.0],
        "petal_width": [0.2],
        "species": [b"virginica"],
    },
    {
        "sepal_length": [6.0],
        "sepal_width": [3.0],
        "petal_length": [4.0],
        "petal_width": [1.4],
        "species": [b"setosa"],
    },
    {
        "sepal_length": [7.0],
        "sepal_width": [2.0],
        "petal_length": [5.0],
        "petal_width": [2.0],
        "species": [b"virginica"],
    },
    {
        "sepal_length": [8.0],
        "sepal_width": [4.0],
        "petal_length": [6.0],
        "petal_width": [2.4],
        "species": [b"versicolor"],
    },
    {
        "sepal_length": [4.0],
        "sepal_width": [3.0],
        "petal_length": [2.0],
        "petal_width": [0.5],
        "species": [b"virginica"],
    },
    {
        "sepal_length": [6.0],
        "sepal_width": [3.0],
        "petal_length": [3.0],
        "petal_width": [1.3],
        "species": [b"setosa"],
    },
]


@pytest.fixture(scope="module")
def transformed():
    """(transformed rows, TFTransformOutput) of ROWS through AnalyzeAndTransformDataset."""
    metadata = dataset_metadata.DatasetMetadata(
        schema_utils.schema_from_feature_spec(RAW_FEATURE_SPEC)
    )
    output_dir = tempfile.mkdtemp()
    with tft_beam.Context(temp_dir=tempfile.mkdtemp()):
        (rows, _), transform_fn = (ROWS, metadata) | tft_beam.AnalyzeAndTransformDataset(
            preprocessing_fn
        )
        _ = transform_fn | tft_beam.WriteTransformFn(output_dir)
    return rows, tft.TFTransformOutput(output_dir)


def test_features_are_z_scores_with_population_std(transformed):
    rows, _ = transformed
    sepal_length = np.array([row["sepal_length"][0] for row in ROWS])
    # mean 6, population std sqrt(10/6): 5.0 -> -0.7746, 8.0 -> 1.5492
    expected = (sepal_length - 6.0) / np.sqrt(10 / 6)
    got = [row[features.transformed_name("sepal_length")] for row in rows]
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    np.testing.assert_allclose(got[:2], [-0.774597, 0.0], atol=1e-5)
    sepal_width = [row[features.transformed_name("sepal_width")] for row in rows]
    # mean 3, population std sqrt(2/6)
    np.testing.assert_allclose(
        sepal_width, np.array([0, 0, -1, 1, 0, 0]) / np.sqrt(2 / 6), rtol=1e-5
    )


def test_every_numeric_feature_has_zero_mean_and_unit_variance(transformed):
    rows, _ = transformed
    for key in features.NUMERIC_FEATURE_KEYS:
        values = np.array([row[features.transformed_name(key)] for row in rows])
        assert values.mean() == pytest.approx(0.0, abs=1e-6)
        assert values.std() == pytest.approx(1.0, abs=1e-5)


def test_species_maps_to_vocabulary_ids_by_frequency(transformed):
    rows, tf_transform_output = transformed
    assert tf_transform_output.vocabulary_by_name(features.LABEL_VOCABULARY_NAME) == [
        b"virginica",
        b"setosa",
        b"versicolor",
    ]
    label_ids = [row[features.transformed_name(features.LABEL_KEY)] for row in rows]
    assert label_ids == [0, 1, 0, 2, 0, 1]


def test_outputs_are_only_the_transformed_features(transformed):
    rows, _ = transformed
    expected = {features.transformed_name(k) for k in features.NUMERIC_FEATURE_KEYS}
    expected.add(features.transformed_name(features.LABEL_KEY))
    assert set(rows[0]) == expected
