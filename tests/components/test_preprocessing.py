"""preprocessing_fn through tf.Transform's Beam implementation, on rows with known answers:
the Iris columns, and a mixed table with missing values, text and whole-number columns."""

import functools
import tempfile

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_transform as tft
import tensorflow_transform.beam as tft_beam
from tensorflow_transform.tf_metadata import dataset_metadata, schema_utils

from components import features
from components.custom_config import component_custom_config
from components.dataset_spec import (
    CATEGORICAL,
    EMBEDDING,
    NUMERIC,
    ONE_HOT,
    DatasetSpec,
    FeatureSpec,
)
from components.preprocessing import preprocessing_fn
from tests.conftest import IRIS_FEATURES, IRIS_SPEC

RAW_FEATURE_SPEC = {
    **{key: tf.io.FixedLenFeature([1], tf.float32) for key in IRIS_FEATURES},
    "species": tf.io.FixedLenFeature([1], tf.string),
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


def analyze_and_transform(rows, raw_feature_spec, spec: DatasetSpec):
    """(transformed rows, TFTransformOutput) of `rows` through AnalyzeAndTransformDataset."""
    metadata = dataset_metadata.DatasetMetadata(
        schema_utils.schema_from_feature_spec(raw_feature_spec)
    )
    output_dir = tempfile.mkdtemp()
    # Transform's custom_config as the pipeline writes it.
    fn = functools.partial(
        preprocessing_fn, custom_config=component_custom_config(spec, "sha256:preprocessing")
    )
    with tft_beam.Context(temp_dir=tempfile.mkdtemp()):
        (transformed_rows, _), transform_fn = (
            rows,
            metadata,
        ) | tft_beam.AnalyzeAndTransformDataset(fn)
        _ = transform_fn | tft_beam.WriteTransformFn(output_dir)
    return transformed_rows, tft.TFTransformOutput(output_dir)


@pytest.fixture(scope="module")
def transformed():
    return analyze_and_transform(ROWS, RAW_FEATURE_SPEC, IRIS_SPEC)


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
    for key in IRIS_FEATURES:
        values = np.array([row[features.transformed_name(key)] for row in rows])
        assert values.mean() == pytest.approx(0.0, abs=1e-6)
        assert values.std() == pytest.approx(1.0, abs=1e-5)


def test_species_maps_to_vocabulary_ids_by_frequency(transformed):
    rows, tf_transform_output = transformed
    assert tf_transform_output.vocabulary_by_name("species") == [
        b"virginica",
        b"setosa",
        b"versicolor",
    ]
    label_ids = [row[features.transformed_name("species")] for row in rows]
    assert label_ids == [0, 1, 0, 2, 0, 1]


def test_outputs_are_only_the_transformed_features(transformed):
    rows, _ = transformed
    expected = {features.transformed_name(k) for k in IRIS_FEATURES}
    expected.add(features.transformed_name("species"))
    assert set(rows[0]) == expected


# A table as CsvExampleGen gives it with an inferred schema: columns that may be missing
# arrive as lists of 0 or 1 values.
MIXED_SPEC = DatasetSpec(
    label="grade",
    label_type="integer",
    label_classes=("1", "2", "3"),
    features=(
        FeatureSpec("weight", NUMERIC, "FLOAT"),
        FeatureSpec("rooms", CATEGORICAL, "INT", ONE_HOT, 3),
        FeatureSpec("colour", CATEGORICAL, "BYTES", ONE_HOT, 2),
        FeatureSpec("city", CATEGORICAL, "BYTES", EMBEDDING, 400),
    ),
)
MIXED_FEATURE_SPEC = {
    "weight": tf.io.VarLenFeature(tf.float32),
    "rooms": tf.io.VarLenFeature(tf.int64),
    "colour": tf.io.VarLenFeature(tf.string),
    "city": tf.io.FixedLenFeature([1], tf.string),
    "grade": tf.io.FixedLenFeature([1], tf.int64),
    "row_id": tf.io.FixedLenFeature([1], tf.int64),  # excluded: not in the spec
}
MIXED_ROWS = [
    {"weight": [2.0], "rooms": [3], "colour": [b"red"], "city": [b"Oslo"], "grade": [3]},
    {"weight": [], "rooms": [1], "colour": [b"red"], "city": [b"Oslo"], "grade": [1]},
    {"weight": [4.0], "rooms": [], "colour": [], "city": [b"Lima"], "grade": [2]},
    {"weight": [6.0], "rooms": [3], "colour": [b"blue"], "city": [b"Oslo"], "grade": [3]},
]
for number, row in enumerate(MIXED_ROWS):
    row["row_id"] = [number]


@pytest.fixture(scope="module")
def mixed():
    return analyze_and_transform(MIXED_ROWS, MIXED_FEATURE_SPEC, MIXED_SPEC)


def test_a_missing_number_is_imputed_with_the_mean_and_flagged(mixed):
    rows, _ = mixed
    # weight 2, 4, 6 present: mean 4, population std sqrt(8/3); the missing one gets z = 0.
    weights = [row["weight_xf"] for row in rows]
    np.testing.assert_allclose(weights, np.array([-2, 0, 0, 2]) / np.sqrt(8 / 3), rtol=1e-5)
    assert [row["weight_missing_xf"] for row in rows] == [0.0, 1.0, 0.0, 0.0]


def test_categories_map_to_vocabulary_ids_and_missing_ones_to_the_oov_bucket(mixed):
    rows, tf_transform_output = mixed
    # rooms 3 twice, then 1: ids by frequency; the missing value takes the OOV id (2).
    assert tf_transform_output.vocabulary_by_name("rooms") == [b"3", b"1"]
    assert [row["rooms_xf"] for row in rows] == [0, 1, 2, 0]
    assert tf_transform_output.vocabulary_by_name("colour") == [b"red", b"blue"]
    assert [row["colour_xf"] for row in rows] == [0, 0, 2, 1]
    assert [row["city_xf"] for row in rows] == [0, 0, 1, 0]


def test_a_whole_number_label_maps_to_its_rank_among_the_classes(mixed):
    rows, _ = mixed
    assert [row["grade_xf"] for row in rows] == [2, 0, 1, 2]


def test_excluded_columns_produce_nothing(mixed):
    rows, _ = mixed
    assert set(rows[0]) == {
        "weight_xf",
        "weight_missing_xf",
        "rooms_xf",
        "colour_xf",
        "city_xf",
        "grade_xf",
    }


def test_columns_missing_in_different_rows_each_get_their_own_mean_and_deviation():
    spec = DatasetSpec(
        label="grade",
        label_type="integer",
        label_classes=("1", "2"),
        features=(
            FeatureSpec("a", NUMERIC, "FLOAT"),
            FeatureSpec("b", NUMERIC, "INT"),
            FeatureSpec("c", NUMERIC, "FLOAT"),
        ),
    )
    feature_spec = {
        "a": tf.io.VarLenFeature(tf.float32),
        "b": tf.io.VarLenFeature(tf.int64),
        "c": tf.io.FixedLenFeature([1], tf.float32),
        "grade": tf.io.FixedLenFeature([1], tf.int64),
    }
    rows = [
        {"a": [1.0], "b": [], "c": [0.0], "grade": [1]},
        {"a": [], "b": [10], "c": [1.0], "grade": [2]},
        {"a": [3.0], "b": [20], "c": [2.0], "grade": [1]},
        {"a": [5.0], "b": [], "c": [3.0], "grade": [2]},
    ]
    transformed_rows, _ = analyze_and_transform(rows, feature_spec, spec)
    # a: 1, 3, 5 present (mean 3, std sqrt(8/3)); b: 10, 20 (mean 15, std 5); c: all four.
    np.testing.assert_allclose(
        [row["a_xf"] for row in transformed_rows],
        np.array([-2, 0, 0, 2]) / np.sqrt(8 / 3),
        rtol=1e-5,
    )
    np.testing.assert_allclose([row["b_xf"] for row in transformed_rows], [0, -1, 1, 0], rtol=1e-5)
    np.testing.assert_allclose(
        [row["c_xf"] for row in transformed_rows],
        (np.arange(4) - 1.5) / np.sqrt(1.25),
        rtol=1e-5,
    )
    assert [row["a_missing_xf"] for row in transformed_rows] == [0.0, 1.0, 0.0, 0.0]
    assert [row["b_missing_xf"] for row in transformed_rows] == [1.0, 0.0, 0.0, 1.0]
