"""One analysis for every vocabulary gives what tft.compute_and_apply_vocabulary gives column
by column: the same ids and the same files, through tf.Transform's Beam implementation."""

import os
import tempfile

import pytest
import tensorflow as tf
import tensorflow_transform as tft
import tensorflow_transform.beam as tft_beam
from tensorflow_transform.tf_metadata import dataset_metadata, schema_utils

from components.vocabularies import (
    compute_and_apply_vocabularies,
    vocabulary_lines,
)

TOP_K = 3
OOV_BUCKETS = 2
COLUMNS = ["colour", "size code", "empty", "text"]
# colour: ties (b and c twice, a once) and more values than the top k; "size code": a name
# with a space; empty: no value at all; text: a line break and a carriage return, which a
# text file cannot hold, and the empty value.
ROWS = [
    {"colour": b"b", "size code": b"7", "empty": b"", "text": b"x"},
    {"colour": b"c", "size code": b"7", "empty": b"", "text": b"two\nlines"},
    {"colour": b"a", "size code": b"8", "empty": b"", "text": b""},
    {"colour": b"c", "size code": b"7", "empty": b"", "text": b"x"},
    {"colour": b"b", "size code": b"9", "empty": b"", "text": b"carriage\r"},
    {"colour": b"d", "size code": b"8", "empty": b"", "text": b"y"},
    {"colour": b"e", "size code": b"9", "empty": b"", "text": b""},
]


def ours(inputs):
    return compute_and_apply_vocabularies(
        {name: inputs[name] for name in COLUMNS}, TOP_K, OOV_BUCKETS
    )


def tfts(inputs):
    return {
        name: tft.compute_and_apply_vocabulary(
            inputs[name], top_k=TOP_K, num_oov_buckets=OOV_BUCKETS, vocab_filename=name
        )
        for name in COLUMNS
    }


def analyze_and_transform(preprocessing_fn):
    """(transformed rows, TFTransformOutput) of ROWS."""
    feature_spec = {name: tf.io.FixedLenFeature([], tf.string) for name in COLUMNS}
    metadata = dataset_metadata.DatasetMetadata(schema_utils.schema_from_feature_spec(feature_spec))
    output_dir = tempfile.mkdtemp()
    with tft_beam.Context(temp_dir=tempfile.mkdtemp(), force_tf_compat_v1=False):
        (rows, _), transform_fn = (ROWS, metadata) | tft_beam.AnalyzeAndTransformDataset(
            preprocessing_fn
        )
        _ = transform_fn | tft_beam.WriteTransformFn(output_dir)
    return rows, tft.TFTransformOutput(output_dir)


@pytest.fixture(scope="module")
def both():
    return analyze_and_transform(ours), analyze_and_transform(tfts)


def test_the_ids_are_tfts(both):
    (our_rows, _), (tft_rows, _) = both
    assert our_rows == tft_rows
    # Vocabulary c, b, e: most frequent first, ties by the larger value first; "a" and "d",
    # beyond the top 3, fall in the out-of-vocabulary buckets 3 and 4.
    colours = [row["colour"] for row in our_rows]
    assert colours[:2] == [1, 0] and colours[3:5] == [0, 1] and colours[6] == 2
    assert {colours[2], colours[5]} <= {3, 4}


def test_the_files_are_tfts_under_the_same_names(both):
    (_, our_output), (_, tft_output) = both
    for name in COLUMNS:
        ours_path = our_output.vocabulary_file_by_name(name)
        assert ours_path is not None, name
        assert os.path.basename(ours_path) == os.path.basename(
            tft_output.vocabulary_file_by_name(name)
        )
        with open(ours_path, "rb") as f, open(tft_output.vocabulary_file_by_name(name), "rb") as g:
            assert f.read() == g.read(), name
        assert our_output.vocabulary_size_by_name(name) == tft_output.vocabulary_size_by_name(name)
    assert our_output.vocabulary_by_name("colour") == [b"c", b"b", b"e"]
    assert our_output.vocabulary_by_name("empty") == [b"49d0cd50-04bb-48c0-bc6f-5b575dce351a"]
    assert our_output.vocabulary_by_name("text") == [b"x", b"y"]


def test_vocabulary_lines_order_as_tft_does():
    assert vocabulary_lines([(2, b"b"), (3, b"a"), (2, b"c")]) == [b"a", b"c", b"b"]
    assert vocabulary_lines([]) == [b"49d0cd50-04bb-48c0-bc6f-5b575dce351a"]
