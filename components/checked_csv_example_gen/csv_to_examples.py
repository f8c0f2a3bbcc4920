"""CSV files to serialized tf.Examples: the examples TFX's CsvExampleGen makes, made faster.

TFX sends every row of a CSV file through seven Beam steps (read, parse, infer types, build a
tf.Example, choose its split, serialize, reshuffle, write), each paying Beam's cost per element:
about 70 s for a million rows here. Here a file is read once for its column types, inferred by
TFX's own rule (tfx_bsl's _InferValueType) on each chunk's distinct values, then again to encode
it chunk by chunk, column-wise, with tfx_bsl's C++ encoder, and each example is written to the
split TFX's hash chooses. The examples are those TFX writes, each in the same split, in file
order (TFX's own pipeline reshuffles each split: in the same order for small files, not for a
million rows); tests/components/checked_csv_example_gen/test_csv_to_examples.py compares the two.

One difference is deliberate: a byte-order mark before the header (Excel's "CSV UTF-8") is
dropped, where TFX makes it part of the first column's name (read_column_names).
"""

import csv
import itertools
import os
from collections.abc import Iterable, Iterator

import apache_beam as beam
import numpy as np
import pyarrow as pa
import tensorflow as tf
from tfx.components.example_gen import base_example_gen_executor, write_split
from tfx.dsl.io import fileio
from tfx.proto import example_gen_pb2
from tfx_bsl.coders import csv_decoder, example_coder

from components.checked_csv_example_gen import csv_checks

# Rows parsed and encoded at a time: memory stays flat however large the file.
ROWS_PER_CHUNK = 50_000

ColumnType = csv_decoder.ColumnType
# The UTF-8 byte-order mark Excel's "CSV UTF-8" writes first, as bytes; no part of a name.
BYTE_ORDER_MARK = csv_checks.BYTE_ORDER_MARK.encode("utf-8")


def read_column_names(path: str) -> list[str]:
    """The column names in the first line of the CSV file at `path`, split on commas as TFX's
    io_utils.load_csv_column_names splits them (quotes are not parsed), without the
    byte-order mark that function keeps in the first name."""
    with fileio.open(path, "rb") as f:  # the filesystems TFX's reader opens
        line = f.readline()
    return line.removeprefix(BYTE_ORDER_MARK).decode("utf-8").strip().split(",")


def shared_column_names(csv_files: list[str]) -> list[str]:
    """The column names (read_column_names) of every one of `csv_files`; ValueError if there is
    no file, or a file's header differs from the first's (TFX's reader refuses those too)."""
    if not csv_files:
        raise ValueError("no CSV files to read; expected at least one, with a header row")
    column_names = read_column_names(csv_files[0])
    for path in csv_files[1:]:
        names = read_column_names(path)
        if names != column_names:
            raise ValueError(
                f"{path}, line 1: the columns {', '.join(names)} differ from {csv_files[0]}'s "
                f"{', '.join(column_names)}; every CSV file needs the same header"
            )
    return column_names


def read_csv_chunks(path: str, num_columns: int) -> Iterator[list[list[str]]]:
    """The data rows of the CSV file at `path` (header skipped, blank lines dropped, quoted
    newlines kept), `ROWS_PER_CHUNK` at a time. ValueError on a row of the wrong width."""
    with beam.io.filesystems.FileSystems.open(path) as f:  # as TFX opens it
        f.readline()  # the header, as TFX skips it
        chunk: list[list[str]] = []
        for row in csv.reader(line.decode("utf-8") for line in f):
            if not row:
                continue
            if len(row) != num_columns:
                raise ValueError(f"Invalid CSV line in {path}: {row}")
            chunk.append(row)
            if len(chunk) == ROWS_PER_CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk


def infer_column_types(rows: list[list[str]], num_columns: int) -> list[ColumnType]:
    """Each column's type over `rows` by TFX's rule: INT if every non-empty value is a 64-bit
    integer, else FLOAT if every one is a number, else STRING; UNKNOWN if all are empty.

    The rule is applied to the values as UTF-8 bytes, as TFX applies it."""
    types = []
    for column in range(num_columns):
        distinct = {row[column] for row in rows}
        inferred = ColumnType.UNKNOWN
        for value in distinct:
            inferred = max(inferred, csv_decoder._InferValueType(value.encode()))  # noqa: SLF001
            if inferred == ColumnType.STRING:
                break
        types.append(inferred)
    return types


def merge_column_types(per_chunk: Iterable[list[ColumnType]]) -> list[ColumnType] | None:
    """The types over all chunks: the highest each column took (INT < FLOAT < STRING)."""
    merged = None
    for types in per_chunk:
        merged = (
            list(types)
            if merged is None
            else [max(a, b) for a, b in zip(merged, types, strict=True)]
        )
    return merged


def encode_chunk(
    rows: list[list[str]], column_names: list[str], types: list[ColumnType]
) -> list[bytes]:
    """The rows as serialized tf.Examples, with the features TFX's csv executor gives them: a
    one-value list of the column's type, an empty list for an empty cell, and a feature with
    no list for a column empty in every row."""
    arrays, names = [], []
    for column, (name, column_type) in enumerate(zip(column_names, types, strict=True)):
        if column_type == ColumnType.UNKNOWN:
            continue  # added below: the encoder has no type for it
        cells = [row[column] for row in rows]
        present = np.fromiter((cell != "" for cell in cells), dtype=bool, count=len(cells))
        offsets = np.zeros(len(cells) + 1, dtype=np.int64)
        np.cumsum(present, out=offsets[1:])
        values = [cell for cell in cells if cell]
        if column_type == ColumnType.INT:
            flat = pa.array([int(value) for value in values], pa.int64())
        elif column_type == ColumnType.FLOAT:
            # Parsed as Python floats, then rounded to float32 as a FloatList stores them.
            flat = pa.array(np.array([float(value) for value in values]).astype(np.float32))
        else:
            flat = pa.array([value.encode() for value in values], pa.large_binary())
        arrays.append(pa.LargeListArray.from_arrays(pa.array(offsets), flat))
        names.append(name)
    unknown = [name for name, t in zip(column_names, types, strict=True) if t == ColumnType.UNKNOWN]
    if arrays:
        encoded = example_coder.RecordBatchToExamples(pa.RecordBatch.from_arrays(arrays, names))
    else:
        encoded = [b""] * len(rows)
    serialized = []
    for record in encoded:
        example = tf.train.Example.FromString(record)
        for name in unknown:
            example.features.feature[name].Clear()
        serialized.append(example.SerializeToString(deterministic=True))
    return serialized


def encoded_examples(csv_files: list[str]) -> Iterator[bytes]:
    """Every data row of `csv_files`, in file order, as the serialized tf.Example TFX's
    CsvExampleGen makes of it, with the column types inferred over all the files.

    The files are read twice: once for the types, then to encode. ValueError as
    shared_column_names raises it, or on a row of the wrong width."""
    column_names = shared_column_names(csv_files)
    types = merge_column_types(
        infer_column_types(chunk, len(column_names))
        for path in csv_files
        for chunk in read_csv_chunks(path, len(column_names))
    )
    for path in csv_files:
        for chunk in read_csv_chunks(path, len(column_names)):
            yield from encode_chunk(chunk, column_names, types)


def write_split_examples(
    csv_files: list[str],
    split_config: example_gen_pb2.SplitConfig,
    split_dirs: list[str],
) -> list[int]:
    """Write the rows of `csv_files` as gzipped TFRecords of serialized tf.Examples, each row
    into the split of `split_config` TFX's ExampleGen would put it in (one directory of
    `split_dirs` per split, in order); return each split's number of rows."""
    buckets = list(itertools.accumulate(split.hash_buckets for split in split_config.splits))
    counts = [0] * len(split_dirs)
    writers = []
    for split_dir in split_dirs:
        fileio.makedirs(split_dir)
        path = os.path.join(split_dir, f"{write_split.DEFAULT_FILE_NAME}-00000-of-00001.gz")
        writers.append(tf.io.TFRecordWriter(path, options="GZIP"))
    try:
        for record in encoded_examples(csv_files):
            # TFX's own choice of split: a hash of the deterministic serialization.
            split = base_example_gen_executor._PartitionFn(  # noqa: SLF001
                record, len(buckets), buckets, split_config
            )
            writers[split].write(record)
            counts[split] += 1
    finally:
        for writer in writers:
            writer.close()
    return counts
