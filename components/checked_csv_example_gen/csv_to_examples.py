"""CSV files to serialized tf.Examples: the examples TFX's CsvExampleGen makes, made faster, as
a Beam pipeline that distributes on any runner.

TFX sends every row of a CSV file through seven Beam steps (read, parse, infer types, build a
tf.Example, choose its split, serialize, reshuffle, write), each paying Beam's cost per element:
about 70 s for a million rows here. Here Beam's elements are ranges of a file (file_ranges): a
large file is cut into ranges of about RANGE_BYTES at line ends, unless a quoted field in it
holds a line break (then it is read whole, so that no row is cut). Each range is read twice:
once for its column types, inferred by TFX's own rule (tfx_bsl's _InferValueType) on each
chunk's distinct values and merged over all ranges, then to encode it chunk by chunk,
column-wise, with tfx_bsl's C++ encoder, each example written to the split TFX's hash chooses,
one gzipped TFRecord file per range and split. The examples are those TFX writes, each in the
same split; read in the order of the files' names, in file order (TFX's own pipeline
reshuffles each split: in the same order for small files, not for a million rows);
tests/components/checked_csv_example_gen/test_csv_to_examples.py compares the two.

One difference is deliberate: a byte-order mark before the header (Excel's "CSV UTF-8") is
dropped, where TFX makes it part of the first column's name (read_column_names).
"""

import csv
import dataclasses
import io
import itertools
import os
import uuid
from collections.abc import Iterable, Iterator

import apache_beam as beam
import numpy as np
import pyarrow as pa
import tensorflow as tf
from apache_beam.io.filesystems import FileSystems
from tfx.components.example_gen import base_example_gen_executor, write_split
from tfx.dsl.io import fileio
from tfx.proto import example_gen_pb2
from tfx_bsl.coders import csv_decoder, example_coder

from components.checked_csv_example_gen import csv_checks

# Rows parsed and encoded at a time: memory stays flat however large the file.
ROWS_PER_CHUNK = 50_000
# The size of the ranges a large file is read in, one Beam element (and one output file per
# split) each: enough work per element that Beam's cost per element is nothing, and a 1 GB
# file is 16 units of work for a cluster's workers.
RANGE_BYTES = 64 * 1024 * 1024
# Bytes read from a file at a time (then cut at the last line end and decoded at once).
READ_BLOCK_BYTES = 4 * 1024 * 1024

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


@dataclasses.dataclass(frozen=True)
class FileRange:
    """The rows of a CSV file whose first line starts in bytes [start, end) (end None: to the
    end of the file); `index` is its place among all the ranges read, in file order."""

    path: str
    start: int
    end: int | None
    index: int


def file_ranges(
    csv_files: list[str],
    whole_files: Iterable[str] = (),
    range_bytes: int = RANGE_BYTES,
) -> list[FileRange]:
    """`csv_files` as ranges of about `range_bytes`, in file order. A file of `whole_files` (a
    quoted field in it holds a line break, so a line end may be inside a row) or one no larger
    than `range_bytes` is one range. ValueError if a file of `whole_files` is not one of
    `csv_files`: cut into ranges, its rows would be cut too."""
    whole_files = set(whole_files)
    if unknown := whole_files.difference(csv_files):
        raise ValueError(f"files to read whole that are not read: {', '.join(sorted(unknown))}")
    ranges: list[FileRange] = []
    for path in csv_files:
        size = fileio.stat(path).length
        if path in whole_files or size <= range_bytes:
            ranges.append(FileRange(path, 0, None, len(ranges)))
            continue
        for start in range(0, size, range_bytes):
            end = start + range_bytes if start + range_bytes < size else None
            ranges.append(FileRange(path, start, end, len(ranges)))
    return ranges


def _line_blocks(f, end: int | None) -> Iterator[bytes]:
    """The bytes of `f` from its position, READ_BLOCK_BYTES or so at a time, each block ending
    at a line end (or the file's end), up to the line that starts before `end` and includes it."""
    position = f.tell()
    rest = b""
    while end is None or position < end:
        wanted = READ_BLOCK_BYTES if end is None else min(READ_BLOCK_BYTES, end - position)
        block = f.read(max(wanted, 1))
        if not block:
            break
        position += len(block)
        if end is not None and position >= end:
            if not block.endswith(b"\n"):
                block += f.readline()  # the range's last line, to its end
            yield rest + block
            return
        last_line_end = block.rfind(b"\n")
        if last_line_end < 0:
            rest += block
            continue
        yield rest + block[: last_line_end + 1]
        rest = block[last_line_end + 1 :]
    if rest:
        yield rest


def read_range_chunks(file_range: FileRange, num_columns: int) -> Iterator[list[list[str]]]:
    """The data rows of `file_range` (a file's header skipped, blank lines dropped, quoted
    newlines kept), `ROWS_PER_CHUNK` at a time. ValueError on a row of the wrong width."""
    path = file_range.path
    with FileSystems.open(path) as f:  # as TFX opens it
        if file_range.start == 0:
            f.readline()  # the header, as TFX skips it
        else:
            # The line the range starts in belongs to the range before, unless it starts here.
            f.seek(file_range.start - 1)
            f.readline()
        # No newline translation: a quoted "\r\n" stays in its field as the file has it (the
        # csv module ends a row at either ending).
        lines = itertools.chain.from_iterable(
            io.StringIO(block.decode("utf-8"), newline="\n")
            for block in _line_blocks(f, file_range.end)
        )
        chunk: list[list[str]] = []
        for row in csv.reader(lines):
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


def merge_column_types(per_chunk: Iterable[list[ColumnType] | None]) -> list[ColumnType] | None:
    """The types over all chunks: the highest each column took (INT < FLOAT < STRING); None
    for chunks without rows (None)."""
    merged = None
    for types in per_chunk:
        if types is None:
            continue
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
    arrays = []
    for column, column_type in enumerate(types):
        cells = [row[column] for row in rows]
        if column_type == ColumnType.UNKNOWN:
            # A null list: the encoder writes the feature with no list of any type.
            arrays.append(pa.nulls(len(cells), pa.large_list(pa.int64())))
            continue
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
    encoded = example_coder.RecordBatchToExamples(
        pa.RecordBatch.from_arrays(arrays, list(column_names))
    )
    # The encoder's map order varies; TFX hashes the deterministic (sorted) serialization.
    return [
        tf.train.Example.FromString(record).SerializeToString(deterministic=True)
        for record in encoded
    ]


def encoded_examples(csv_files: list[str]) -> Iterator[bytes]:
    """Every data row of `csv_files`, in file order, as the serialized tf.Example TFX's
    CsvExampleGen makes of it, with the column types inferred over all the files, in this
    process by the functions the pipeline's ExampleGen runs on Beam (write_split_examples).

    The files are read twice: once for the types, then to encode. ValueError as
    shared_column_names raises it, or on a row of the wrong width."""
    column_names = shared_column_names(csv_files)
    whole = [FileRange(path, 0, None, index) for index, path in enumerate(csv_files)]
    types = merge_column_types(range_column_types(r, len(column_names)) for r in whole)
    for file_range in whole:
        for chunk in read_range_chunks(file_range, len(column_names)):
            yield from encode_chunk(chunk, column_names, types)


def range_column_types(file_range: FileRange, num_columns: int) -> list[ColumnType] | None:
    """The column types over the rows of `file_range`; None if it holds none."""
    return merge_column_types(
        infer_column_types(chunk, num_columns)
        for chunk in read_range_chunks(file_range, num_columns)
    )


class MergeColumnTypes(beam.CombineFn):
    """The column types over every range (merge_column_types)."""

    def create_accumulator(self) -> list[ColumnType] | None:
        return None

    def add_input(self, accumulator, types):
        return merge_column_types([accumulator, types])

    def merge_accumulators(self, accumulators):
        return merge_column_types(accumulators)

    def extract_output(self, accumulator):
        return accumulator


def shard_name(index: int, count: int) -> str:
    """The file name of the `index`th of `count` ranges' examples, as TFX names its shards
    (write_split.DEFAULT_FILE_NAME): names sort in range order."""
    return f"{write_split.DEFAULT_FILE_NAME}-{index:05d}-of-{count:05d}.gz"


class WriteRangeExamples(beam.DoFn):
    """Encodes a range's rows and writes each example into the split TFX's ExampleGen would put
    it in: a gzipped TFRecord file per split that gets rows, written in `staging_dir` under a
    name of the attempt's own, then moved into the split's directory whole (a retried range
    replaces it with the same bytes). Counts each split's examples in Beam's metrics."""

    def __init__(
        self,
        column_names: list[str],
        split_config: example_gen_pb2.SplitConfig,
        split_dirs: list[str],
        staging_dir: str,
        num_ranges: int,
    ) -> None:
        self.column_names = column_names
        self.split_config = split_config
        self.split_dirs = split_dirs
        self.staging_dir = staging_dir
        self.num_ranges = num_ranges
        self.buckets = list(itertools.accumulate(s.hash_buckets for s in split_config.splits))
        self.counters = [
            beam.metrics.Metrics.counter("CsvToExamples", f"examples-{split.name}")
            for split in split_config.splits
        ]

    def process(self, file_range: FileRange, types: list[ColumnType]) -> None:
        name = shard_name(file_range.index, self.num_ranges)
        # A name of this attempt's own: a runner may run two attempts of a range at once.
        attempt = uuid.uuid4().hex
        staged = [
            os.path.join(self.staging_dir, f"{split}-{name}.{attempt}")
            for split in range(len(self.buckets))
        ]
        writers: dict[int, tf.io.TFRecordWriter] = {}
        counts = [0] * len(self.buckets)
        try:
            for chunk in read_range_chunks(file_range, len(self.column_names)):
                for record in encode_chunk(chunk, self.column_names, types):
                    # TFX's own choice of split: a hash of the deterministic serialization.
                    split = base_example_gen_executor._PartitionFn(  # noqa: SLF001
                        record, len(self.buckets), self.buckets, self.split_config
                    )
                    if split not in writers:
                        writers[split] = tf.io.TFRecordWriter(staged[split], options="GZIP")
                    writers[split].write(record)
                    counts[split] += 1
        finally:
            for writer in writers.values():
                writer.close()
        for split in writers:
            fileio.rename(staged[split], os.path.join(self.split_dirs[split], name), True)
            self.counters[split].inc(counts[split])


def write_split_examples(
    pipeline: beam.Pipeline,
    csv_files: list[str],
    split_config: example_gen_pb2.SplitConfig,
    split_dirs: list[str],
    staging_dir: str,
    whole_files: Iterable[str] = (),
    range_bytes: int = RANGE_BYTES,
) -> None:
    """Add to `pipeline` the writing of the rows of `csv_files` as gzipped TFRecords of
    serialized tf.Examples, each row into the split of `split_config` TFX's ExampleGen would
    put it in (one directory of `split_dirs` per split, in order), through files staged in
    `staging_dir` (split_counts reads the result's counts). The files are read in ranges
    (file_ranges: `whole_files` are not cut)."""
    column_names = shared_column_names(csv_files)
    ranges = file_ranges(csv_files, whole_files, range_bytes)
    for split_dir in split_dirs:
        fileio.makedirs(split_dir)  # also a split no row falls in
    fileio.makedirs(staging_dir)
    # Reshuffled so that a runner hands the ranges to different workers.
    distributed = (
        pipeline
        | "FileRanges" >> beam.Create(ranges, reshuffle=False)
        | "DistributeRanges" >> beam.Reshuffle()
    )
    types = (
        distributed
        | "InferColumnTypes" >> beam.Map(range_column_types, len(column_names))
        | "MergeColumnTypes" >> beam.CombineGlobally(MergeColumnTypes())
    )
    _ = distributed | "EncodeAndWrite" >> beam.ParDo(
        WriteRangeExamples(column_names, split_config, split_dirs, staging_dir, len(ranges)),
        beam.pvalue.AsSingleton(types),
    )


def split_counts(
    result: beam.runners.runner.PipelineResult, split_config: example_gen_pb2.SplitConfig
) -> dict[str, int] | None:
    """Each split's examples, from the metrics of a finished pipeline that
    write_split_examples wrote; None where the runner does not report them."""
    try:
        counters = result.metrics().query(
            beam.metrics.MetricsFilter().with_namespace("CsvToExamples")
        )["counters"]
    except (NotImplementedError, KeyError):
        return None
    if not counters:
        return None
    by_name = {
        counter.key.metric.name: counter.attempted
        if counter.committed is None
        else counter.committed
        for counter in counters
    }
    return {split.name: by_name.get(f"examples-{split.name}", 0) for split in split_config.splits}
