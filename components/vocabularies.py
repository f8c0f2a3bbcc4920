"""Every categorical column's vocabulary from one analysis over the data, the files
tft.vocabulary writes.

tft.vocabulary gives each column a Beam subgraph of its own (counting, merging, the top k and
a file write: about a dozen stages), so a table's analysis grows column by column; with those
and an analyzer per numeric column, Transform took 2 s a column of a 100-column table on 2
cores, whatever its rows (206 s at 2,000 rows; 36 s with this and preprocessing's z-scores of
all columns at once). tf.Transform packs combiners (the means and variances of z-scores) into
one pass, but not vocabularies (tensorflow/transform#180). Here one Beam analyzer counts
every (column, value) pair at once, takes each column's top k and writes each column's file
as tft.vocabulary writes it: values most frequent first, ties by the larger value first, the
empty value and values holding a line break left out (they cannot be lines of a file; they
map to the out-of-vocabulary buckets), and a placeholder value when a column has none.
"""

import collections
import os
from collections.abc import Iterable, Iterator

import apache_beam as beam
import numpy as np
import tensorflow as tf
import tensorflow_transform as tft
import tensorflow_transform.beam as tft_beam


def empty_vocabulary_value() -> bytes:
    """What tft.vocabulary writes for a vocabulary without a value, so that a lookup table
    built from the file is never empty."""
    return tft.analyzers.get_empy_vocabulary_dummy_value(tf.string)[1]


def compute_and_apply_vocabularies(
    columns: dict[str, tf.Tensor], top_k: int, num_oov_buckets: int
) -> dict[str, tf.Tensor]:
    """Each of `columns` ([batch] strings, by name) as ids in its vocabulary of the `top_k`
    most frequent values, as tft.compute_and_apply_vocabulary(top_k=top_k,
    num_oov_buckets=num_oov_buckets, vocab_filename=name) maps it, its file written under
    `name` (tf_transform_output.vocabulary_file_by_name(name) finds it)."""
    if not columns:
        return {}
    names = list(columns)
    paths = tft.experimental.ptransform_analyzer(
        inputs=[columns[name] for name in names],
        ptransform=CountVocabularies(names, top_k),
        output_dtypes=[tf.string] * len(names),
        output_shapes=[[]] * len(names),
        # Each output is a file (an asset of the transform graph), this its content until
        # the analysis has run.
        output_asset_default_values=[empty_vocabulary_value()] * len(names),
        name="vocabularies",
    )
    ids = {}
    for name, path in zip(names, paths, strict=True):
        tft.annotate_asset(name, vocabulary_file_name(name))
        ids[name] = tft.apply_vocabulary(columns[name], path, num_oov_buckets=num_oov_buckets)
    return ids


def vocabulary_file_name(name: str) -> str:
    """The file name of column `name`'s vocabulary, as tft.vocabulary names it."""
    return tft.analyzers.sanitized_vocab_filename(filename=name)


def batch_counts(batch: tuple[np.ndarray, ...]) -> Iterator[tuple[tuple[int, bytes], int]]:
    """((column, value), count) for each value of each column of one batch, without the values
    tft.vocabulary leaves out of a text file: the empty one and those holding a line break."""
    for column, values in enumerate(batch):
        for value, count in collections.Counter(values.tolist()).items():
            if value and b"\n" not in value and b"\r" not in value:
                yield (column, value), count


def vocabulary_lines(counted: Iterable[tuple[int, bytes]]) -> list[bytes]:
    """The values of one column's vocabulary, as counted ((count, value) pairs, the top k),
    in tft.vocabulary's order: the largest pair first."""
    values = [value for _, value in sorted(counted, reverse=True)]
    return values or [empty_vocabulary_value()]


class CountVocabularies(tft_beam.experimental.PTransformAnalyzer):
    """The Beam analysis behind compute_and_apply_vocabularies: batches of the columns in,
    one vocabulary file per column out (its path, a PCollection each)."""

    def __init__(self, names: list[str], top_k: int) -> None:
        super().__init__()
        self.names = names
        self.top_k = top_k

    def expand(self, batches: beam.PCollection) -> tuple[beam.PCollection, ...]:
        top_per_column = (
            batches
            | "CountPerBatch" >> beam.FlatMap(batch_counts)
            | "CountPerValue" >> beam.CombinePerKey(sum)
            | "ByColumn" >> beam.MapTuple(lambda key, count: (key[0], (count, key[1])))
            | "TopPerColumn" >> beam.combiners.Top.LargestPerKey(self.top_k)
            | "AllColumns" >> beam.combiners.ToDict()
        )
        written = top_per_column | "WriteFiles" >> beam.FlatMap(self._write_files).with_outputs(
            *[str(column) for column in range(len(self.names))]
        )
        return tuple(written[str(column)] for column in range(len(self.names)))

    def _write_files(self, top_per_column: dict[int, list]) -> Iterator[beam.pvalue.TaggedOutput]:
        directory = os.path.join(self.base_temp_dir, "vocabularies")
        tf.io.gfile.makedirs(directory)
        for column, name in enumerate(self.names):
            path = os.path.join(directory, vocabulary_file_name(name))
            lines = vocabulary_lines(top_per_column.get(column, []))
            with tf.io.gfile.GFile(path, "wb") as f:
                f.write(b"".join(line + b"\n" for line in lines))
            yield beam.pvalue.TaggedOutput(str(column), np.array(path.encode()))
