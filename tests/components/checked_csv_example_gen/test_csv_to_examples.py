"""Our CsvExampleGen executor writes exactly the examples TFX's writes: same features and
values, same split for every row, and (on files this small, which TFX's reshuffle leaves in
order) the same order."""

import glob
import os

import apache_beam as beam
import pytest
import tensorflow as tf
from tfx.components.example_gen.csv_example_gen import executor as tfx_csv_executor
from tfx.dsl.components.base import base_beam_executor
from tfx.proto import example_gen_pb2
from tfx.types import standard_artifacts, standard_component_specs
from tfx.utils import io_utils, proto_utils

from components.checked_csv_example_gen import csv_to_examples
from components.checked_csv_example_gen.component import (
    CheckedCsvExampleGen,
    Executor,
    TfxReaderExecutor,
)
from components.checked_csv_example_gen.csv_checks import check_csv_folder
from components.checked_csv_example_gen.csv_to_examples import (
    ColumnType,
    FileRange,
    encode_chunk,
    encoded_examples,
    file_ranges,
    infer_column_types,
    read_column_names,
    read_range_chunks,
    split_counts,
    write_split_examples,
)
from tests.conftest import REPO_ROOT

# Every kind of cell TFX's type rule and its csv module treat specially.
TRICKY_CSV = (
    "count,size,name,empty,huge,arabic_digits,label\n"
    '1,2.5,"Smith, J.",,1,\u0661\u0662,a\n'
    ',3,"two\nlines",,99999999999999999999,1,b\n'
    "3, 4.25 ,caf\u00e9,,-5,2,a\n"
    "\n"
    "-4,1e3,,,7,3,c\n"
    '+5,,"say ""hi""",,8,4,a\n'
    "6,-0.0,x,,9,5,b\n"
    "7,1e300,y,,10,6,c\n"
)


IRIS_NAMES = ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]


def excel_csv(text: str) -> bytes:
    """`text` as Excel saves "CSV UTF-8": a byte-order mark first, Windows line endings."""
    return b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8")


def example_gen_exec_properties(data_root: str) -> dict:
    """The execution properties the pipeline's ExampleGen runs with: TFX's defaults (gzipped
    TFRecords of tf.Examples), the CSV files of `data_root`, 2/3 train and 1/3 eval."""
    component = CheckedCsvExampleGen(
        input_base=data_root,
        input_config=example_gen_pb2.Input(
            splits=[example_gen_pb2.Input.Split(name="single_split", pattern="*.csv")]
        ),
        output_config=example_gen_pb2.Output(
            split_config=example_gen_pb2.SplitConfig(
                splits=[
                    example_gen_pb2.SplitConfig.Split(name="train", hash_buckets=2),
                    example_gen_pb2.SplitConfig.Split(name="eval", hash_buckets=1),
                ]
            )
        ),
    )
    return dict(component.exec_properties)


def run_example_gen(executor, data_root: str, output_uri: str) -> dict[str, list[bytes]]:
    """Run an ExampleGen executor over `data_root` as the pipeline does and read back each
    split's records in the order they were written."""
    examples = standard_artifacts.Examples()
    examples.uri = output_uri
    executor.Do(
        {},
        {standard_component_specs.EXAMPLES_KEY: [examples]},
        example_gen_exec_properties(data_root),
    )
    assert examples.get_string_custom_property("file_format") == "tfrecords_gzip"
    records = {}
    for split in ("train", "eval"):
        files = sorted(glob.glob(os.path.join(output_uri, f"Split-{split}", "*.gz")))
        dataset = tf.data.TFRecordDataset(files, compression_type="GZIP")
        records[split] = [record.numpy() for record in dataset]
    return records


def assert_same_examples(data_root: str, tmp_path) -> dict[str, list[tf.train.Example]]:
    tfx_records = run_example_gen(
        tfx_csv_executor.Executor(), data_root, str(tmp_path / "tfx_examples")
    )
    our_records = run_example_gen(Executor(), data_root, str(tmp_path / "our_examples"))
    parsed = {}
    for split in ("train", "eval"):
        theirs = [tf.train.Example.FromString(record) for record in tfx_records[split]]
        ours = [tf.train.Example.FromString(record) for record in our_records[split]]
        assert len(ours) == len(theirs), split
        assert ours == theirs, split  # same examples, same order
        parsed[split] = ours
    return parsed


@pytest.mark.parametrize(
    "data_root", [os.path.join("data", "iris"), os.path.join("data", "penguins")]
)
def test_the_sample_data_gives_tfxs_examples_in_tfxs_order(data_root, tmp_path):
    parsed = assert_same_examples(os.path.join(REPO_ROOT, data_root), tmp_path)
    assert sum(len(examples) for examples in parsed.values()) in (150, 344)


def test_tricky_cells_give_tfxs_examples(tmp_path):
    data_root = tmp_path / "data"
    data_root.mkdir()
    (data_root / "tricky.csv").write_text(TRICKY_CSV, encoding="utf-8")
    parsed = assert_same_examples(str(data_root), tmp_path)
    examples = [example for split in parsed.values() for example in split]
    assert len(examples) == 7  # the blank line is no row; the quoted newline is in one
    by_name = {
        example.features.feature["name"].bytes_list.value[0].decode(): example
        for example in examples
        if example.features.feature["name"].bytes_list.value
    }
    assert by_name["two\nlines"].features.feature["count"].int64_list.value == []
    assert by_name['say "hi"'].features.feature["count"].int64_list.value == [5]
    assert by_name["café"].features.feature["size"].float_list.value == [4.25]
    assert by_name["y"].features.feature["size"].float_list.value == [float("inf")]  # float32
    # A column empty everywhere is a feature without values of any type, as TFX makes it.
    assert not by_name["x"].features.feature["empty"].HasField("kind")


def test_the_pipelines_configuration_is_written_by_csv_to_examples():
    exec_properties = example_gen_exec_properties("/data")
    assert Executor().writes_examples_itself(exec_properties)
    assert not TfxReaderExecutor().writes_examples_itself(exec_properties)
    by_feature = {
        **exec_properties,
        standard_component_specs.OUTPUT_CONFIG_KEY: proto_utils.proto_to_json(
            example_gen_pb2.Output(
                split_config=example_gen_pb2.SplitConfig(
                    splits=[example_gen_pb2.SplitConfig.Split(name="all", hash_buckets=1)],
                    partition_feature_name="species",
                )
            )
        ),
    }
    assert not Executor().writes_examples_itself(by_feature)  # TFX's pipeline does


def test_the_tfx_reader_setting_writes_through_tfxs_pipeline(tmp_path):
    iris = os.path.join(REPO_ROOT, "data", "iris")
    ours = run_example_gen(Executor(), iris, str(tmp_path / "ours"))
    tfx_reader = run_example_gen(TfxReaderExecutor(), iris, str(tmp_path / "tfx_reader"))
    # TFX's pipeline serializes without sorting the features; the examples are equal.
    for split in ("train", "eval"):
        assert [tf.train.Example.FromString(r) for r in tfx_reader[split]] == [
            tf.train.Example.FromString(r) for r in ours[split]
        ]


def test_column_types_follow_tfxs_rule():
    rows = [["1", "2.5", "a", "", "99999999999999999999", "\u0661"]]
    assert infer_column_types(rows, 6) == [
        ColumnType.INT,
        ColumnType.FLOAT,
        ColumnType.STRING,
        ColumnType.UNKNOWN,
        ColumnType.STRING,  # beyond 64 bits
        ColumnType.STRING,  # digits other than ASCII's, as bytes
    ]


def test_encoded_examples_are_serialized_deterministically():
    rows = [["2", "b", "0.5"], ["", "a", ""]]
    types = [ColumnType.INT, ColumnType.STRING, ColumnType.FLOAT]
    for record in encode_chunk(rows, ["z", "m", "a"], types):
        example = tf.train.Example.FromString(record)
        # The bytes TFX hashes to choose a row's split.
        assert record == example.SerializeToString(deterministic=True)


def test_read_column_names_splits_the_header_as_tfx_does_without_the_byte_order_mark(tmp_path):
    plain, excel = tmp_path / "plain.csv", tmp_path / "excel.csv"
    plain.write_text('"quoted, name",b , c\n1,2,3\n', encoding="utf-8")
    excel.write_bytes(excel_csv('"quoted, name",b , c\n1,2,3\n'))
    # Quotes are not parsed and inner spaces stay, as in TFX; the line's ends are stripped.
    assert read_column_names(str(plain)) == ['"quoted', ' name"', "b ", " c"]
    assert read_column_names(str(plain)) == io_utils.load_csv_column_names(str(plain))
    assert read_column_names(str(excel)) == ['"quoted', ' name"', "b ", " c"]
    assert io_utils.load_csv_column_names(str(excel))[0] == '\ufeff"quoted'  # what TFX reads


@pytest.mark.parametrize("executor_class", [Executor, TfxReaderExecutor])
def test_an_excel_csv_gives_the_examples_of_the_same_rows_saved_plainly(executor_class, tmp_path):
    iris_text = (REPO_ROOT / "data" / "iris" / "iris.csv").read_text(encoding="utf-8")
    assert "\r" not in iris_text and not iris_text.startswith("\ufeff")
    (tmp_path / "excel").mkdir()
    (tmp_path / "excel" / "iris.csv").write_bytes(excel_csv(iris_text))
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "iris.csv").write_text(iris_text, encoding="utf-8")
    excel = run_example_gen(executor_class(), str(tmp_path / "excel"), str(tmp_path / "out_excel"))
    # The reference: TFX's own executor on the file without a mark or carriage returns.
    plain = run_example_gen(
        tfx_csv_executor.Executor(), str(tmp_path / "plain"), str(tmp_path / "out_plain")
    )
    for split in ("train", "eval"):
        examples = [tf.train.Example.FromString(record) for record in excel[split]]
        assert examples == [tf.train.Example.FromString(record) for record in plain[split]]
        for example in examples:
            assert sorted(example.features.feature) == sorted(IRIS_NAMES)
            species = example.features.feature["species"].bytes_list.value
            assert species[0] in (b"setosa", b"versicolor", b"virginica")  # no "\r" at the end
    assert sum(len(excel[split]) for split in ("train", "eval")) == 150


def test_encoded_examples_types_columns_over_all_files_in_file_order(tmp_path):
    (tmp_path / "a.csv").write_bytes(excel_csv("size,name\n1,x\n2,\n"))
    (tmp_path / "b.csv").write_text("size,name\n2.5,y\n", encoding="utf-8")
    files = [str(tmp_path / "a.csv"), str(tmp_path / "b.csv")]
    examples = [tf.train.Example.FromString(record) for record in encoded_examples(files)]
    # size is FLOAT in both files, as b.csv makes it; the rows keep their files' order.
    assert [list(e.features.feature["size"].float_list.value) for e in examples] == [
        [1.0],
        [2.0],
        [2.5],
    ]
    assert [list(e.features.feature["name"].bytes_list.value) for e in examples] == [
        [b"x"],
        [],
        [b"y"],
    ]
    (tmp_path / "c.csv").write_text("size,label\n3,z\n", encoding="utf-8")
    with pytest.raises(ValueError) as raised:
        list(encoded_examples([*files, str(tmp_path / "c.csv")]))
    assert str(raised.value) == (
        f"{tmp_path}/c.csv, line 1: the columns size, label differ from {tmp_path}/a.csv's "
        "size, name; every CSV file needs the same header"
    )


class SmallRangeExecutor(Executor):
    """Our executor reading files in ranges of 700 bytes: Iris's 3,858 bytes are 6 ranges."""

    range_bytes = 700


def test_files_read_in_ranges_give_tfxs_examples_in_tfxs_order(tmp_path):
    iris = os.path.join(REPO_ROOT, "data", "iris")
    ranged = run_example_gen(SmallRangeExecutor(), iris, str(tmp_path / "ranged"))
    tfx_records = run_example_gen(tfx_csv_executor.Executor(), iris, str(tmp_path / "tfx"))
    for split in ("train", "eval"):
        assert [tf.train.Example.FromString(r) for r in ranged[split]] == [
            tf.train.Example.FromString(r) for r in tfx_records[split]
        ]
        shards = sorted(os.listdir(tmp_path / "ranged" / f"Split-{split}"))
        assert shards == [f"data_tfrecord-{index:05d}-of-00006.gz" for index in range(6)]
    assert sorted(os.listdir(tmp_path / "ranged")) == ["Split-eval", "Split-train"]  # no staging


@pytest.mark.long  # each of the two workers imports TFX: about a minute
def test_ranges_read_by_several_beam_workers_give_the_same_examples(tmp_path):
    # Beam's multi-process runner, two worker processes: each range may go to either.
    two_workers = base_beam_executor.BaseBeamExecutor.Context(
        beam_pipeline_args=["--direct_running_mode=multi_processing", "--direct_num_workers=2"]
    )
    penguins = os.path.join(REPO_ROOT, "data", "penguins")
    distributed = run_example_gen(
        SmallRangeExecutor(two_workers), penguins, str(tmp_path / "distributed")
    )
    in_process = run_example_gen(Executor(), penguins, str(tmp_path / "in_process"))
    assert distributed == in_process
    assert len(os.listdir(tmp_path / "distributed" / "Split-train")) > 10


def test_ranges_cut_at_line_ends_hold_each_row_once(tmp_path, monkeypatch):
    # Blocks of 5 bytes: lines longer than a block are carried over into the next one.
    monkeypatch.setattr(csv_to_examples, "READ_BLOCK_BYTES", 5)
    path = tmp_path / "data.csv"
    rows = [f"{n},{'é€😀x'[: n % 5]}" for n in range(120)]
    text = "a,b\n" + "\n".join(rows[:60]) + "\n\n" + "\n".join(rows[60:])  # no final newline
    path.write_bytes(excel_csv(text))  # a byte-order mark, "\r\n" line ends
    size = path.stat().st_size
    whole = [
        row for chunk in read_range_chunks(FileRange(str(path), 0, None, 0), 2) for row in chunk
    ]
    assert whole == [row.split(",") for row in rows]
    # Every range size, so that ranges start on, just after and just before a line end.
    for range_bytes in [*range(1, 40), 97, 512, size - 1]:
        ranges = file_ranges([str(path)], range_bytes=range_bytes)
        assert ranges[-1].end is None and len(ranges) == -(-size // range_bytes)
        read = [
            row
            for file_range in ranges
            for chunk in read_range_chunks(file_range, 2)
            for row in chunk
        ]
        assert read == whole, range_bytes
    assert file_ranges([str(path)], range_bytes=size) == [FileRange(str(path), 0, None, 0)]


def test_split_counts_are_the_examples_written(tmp_path):
    split_config = example_gen_pb2.SplitConfig(
        splits=[
            example_gen_pb2.SplitConfig.Split(name="train", hash_buckets=2),
            example_gen_pb2.SplitConfig.Split(name="eval", hash_buckets=1),
        ]
    )
    split_dirs = [str(tmp_path / "train"), str(tmp_path / "eval")]
    with beam.Pipeline() as pipeline:
        write_split_examples(
            pipeline,
            [str(REPO_ROOT / "data" / "iris" / "iris.csv")],
            split_config,
            split_dirs,
            str(tmp_path / "staging"),
            range_bytes=1000,
        )
    written = [
        sum(1 for _ in tf.data.TFRecordDataset(glob.glob(f"{d}/*"), compression_type="GZIP"))
        for d in split_dirs
    ]
    assert sum(written) == 150
    assert split_counts(pipeline.result, split_config) == {"train": written[0], "eval": written[1]}
    assert os.listdir(tmp_path / "staging") == []  # every staged file moved


def test_a_file_with_a_row_across_lines_is_one_range(tmp_path):
    data_root = tmp_path / "data"
    data_root.mkdir()
    (data_root / "a.csv").write_text("id,text\n" + '1,"two\nlines"\n' * 50, encoding="utf-8")
    (data_root / "b.csv").write_text("id,text\n" + "2,one line\n" * 50, encoding="utf-8")
    checked = check_csv_folder(str(data_root))
    files = [str(data_root / "a.csv"), str(data_root / "b.csv")]
    assert checked == (100, tuple(files), (files[0],))
    ranges = file_ranges(list(checked.files), checked.files_with_multiline_rows, range_bytes=100)
    assert ranges[0] == FileRange(files[0], 0, None, 0)
    assert [r.path for r in ranges[1:]] == [files[1]] * 6 and ranges[-1].index == 6
    rows = [row for r in ranges for chunk in read_range_chunks(r, 2) for row in chunk]
    assert rows == [["1", "two\nlines"]] * 50 + [["2", "one line"]] * 50
    with pytest.raises(ValueError, match="files to read whole that are not read: .*a.csv"):
        file_ranges(files[1:], checked.files_with_multiline_rows)


@pytest.mark.parametrize(
    "name, content",
    [("tricky.csv", TRICKY_CSV.encode("utf-8")), ("excel.csv", excel_csv(TRICKY_CSV))],
)
def test_small_ranges_of_awkward_files_give_the_examples_of_whole_files(name, content, tmp_path):
    data_root = tmp_path / "data"
    data_root.mkdir()
    (data_root / name).write_bytes(content)  # a quoted line break: read whole
    (data_root / "plain.csv").write_text(  # cut into 700-byte ranges
        "count,size,name,empty,huge,arabic_digits,label\n"
        + "".join(f"{n},{n}.5,caf\u00e9 {n},,{n},{n},a\n" for n in range(40)),
        encoding="utf-8",
    )
    ranged = run_example_gen(SmallRangeExecutor(), str(data_root), str(tmp_path / "ranged"))
    # The reference: one range per file, which the tests above compare with TFX's executor.
    whole = run_example_gen(Executor(), str(data_root), str(tmp_path / "whole"))
    assert ranged == whole
    assert sum(len(records) for records in ranged.values()) == 47
    assert len(os.listdir(tmp_path / "ranged" / "Split-train")) == 3  # 1 + 2 ranges
