"""Reading and checking rows for `predict`, before any model is involved, and finding the
pushed model to predict with."""

import json
from unittest import mock

import pytest

from components.signatures import SERVING_INFO_FILE
from pipeline.cli import main
from pipeline.cli.exit_codes import BadInputError
from pipeline.cli.predict import check_writable, pushed_model_dir
from pipeline.config import PipelineConfig
from pipeline.records.metadata import local_metadata_path
from pipeline.serving.predict import (
    BadRowError,
    default_serving_model_dir,
    latest_pushed_model,
    read_rows,
    to_example,
)
from tests.pipeline.records.metadata_store import RecordedNode, record_run

INFO = {
    "features": {
        "petal_length": "float32",
        "petal_width": "float32",
        "sepal_length": "float32",
        "sepal_width": "float32",
    },
    "label": "species",
    "classes": ["versicolor", "setosa", "virginica"],
}
GOOD = {"sepal_length": "5.1", "sepal_width": "3.5", "petal_length": "1.4", "petal_width": "0.2"}


def test_a_good_row_becomes_a_tf_example_of_its_features():
    example = to_example({**GOOD, "species": "setosa"}, INFO, "in.csv", 2)
    values = {k: tuple(v.float_list.value) for k, v in example.features.feature.items()}
    # Stored as float32; the label is not a model input.
    assert set(values) == set(INFO["features"])
    for name, expected in [("sepal_length", 5.1), ("sepal_width", 3.5), ("petal_length", 1.4)]:
        assert values[name] == (pytest.approx(expected, rel=1e-6),)


@pytest.mark.parametrize(
    "row, field, problem",
    [
        ({**GOOD, "petal_width": ""}, "petal_width", "missing value"),
        ({k: v for k, v in GOOD.items() if k != "sepal_width"}, "sepal_width", "missing value"),
        ({**GOOD, "sepal_length": "abc"}, "sepal_length", "'abc' is not a number"),
        ({**GOOD, "sepal_length": "nan"}, "sepal_length", "'nan' is not a number"),
        ({**GOOD, "petal_length": True}, "petal_length", "True is not a number"),
        ({**GOOD, "colour": "blue"}, "colour", "unexpected field"),
    ],
)
def test_a_bad_row_names_file_line_field_and_problem(row, field, problem):
    with pytest.raises(BadRowError) as raised:
        to_example(row, INFO, "in.csv", 7)
    assert (raised.value.path, raised.value.line, raised.value.field) == ("in.csv", 7, field)
    assert raised.value.problem.startswith(problem)
    assert str(raised.value).startswith(f"in.csv line 7, field '{field}': {problem}")


def test_csv_rows_carry_their_file_line_numbers(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("a,b\n1,2\n3,4\n")
    assert list(read_rows(str(path))) == [(2, {"a": "1", "b": "2"}), (3, {"a": "3", "b": "4"})]


def test_csv_rows_of_an_excel_file_are_keyed_by_the_plain_names(tmp_path):
    # Excel's "CSV UTF-8": a byte-order mark first, Windows line endings.
    path = tmp_path / "rows.csv"
    path.write_bytes(b"\xef\xbb\xbfsepal_length,species\r\n5.1,setosa\r\n4.9,virginica\r\n")
    assert list(read_rows(str(path))) == [
        (2, {"sepal_length": "5.1", "species": "setosa"}),
        (3, {"sepal_length": "4.9", "species": "virginica"}),
    ]
    jsonl = tmp_path / "rows.jsonl"
    jsonl.write_bytes(b'\xef\xbb\xbf{"sepal_length": 5.1}\r\n')
    assert list(read_rows(str(jsonl))) == [(1, {"sepal_length": 5.1})]


def test_csv_row_with_more_values_than_the_header_is_an_error(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("a,b\n1,2\n3,4,5\n")
    with pytest.raises(BadRowError, match=r"rows.csv line 3: 3 values, the header has 2"):
        list(read_rows(str(path)))


def test_jsonl_rows_and_bad_json(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text('{"a": 1.5}\n\n{"a": 2}\n[1, 2]\n')
    rows = read_rows(str(path))
    assert next(rows) == (1, {"a": 1.5})
    assert next(rows) == (3, {"a": 2})
    with pytest.raises(BadRowError, match="line 4: expected a JSON object per line"):
        next(rows)


def test_latest_pushed_model_is_the_highest_complete_version(tmp_path):
    for version, complete in [("100", True), ("250", True), ("300", False), ("tmp", True)]:
        (tmp_path / version).mkdir()
        if complete:
            (tmp_path / version / "saved_model.pb").write_bytes(b"")
    assert latest_pushed_model(str(tmp_path)) == str(tmp_path / "250")


def test_no_pushed_model_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="run the pipeline first"):
        latest_pushed_model(str(tmp_path / "serving_model"))


# Which pipeline's models `predict` takes when it is given no --model-dir.


def pushed(output_dir, *names: str, version: str = "17") -> None:
    """A complete model version in the default serving folder of each pipeline of `names`."""
    for name in names:
        (output_dir / "serving_model" / name / version).mkdir(parents=True)
        (output_dir / "serving_model" / name / version / "saved_model.pb").write_bytes(b"")


def record_push(output_dir, destination, pipeline_name: str = "churn", run_id: str = "r1"):
    """A run of `pipeline_name` whose Pusher pushed a model to `destination`, as TFX records it."""
    properties = {
        "pushed": 1,
        "pushed_destination": str(destination),
        "pushed_version": destination.name,
    }
    pusher = RecordedNode(
        outputs={"pushed_model": str(destination)},
        output_properties={"pushed_model": properties},
    )
    record_run(output_dir, {"Pusher": pusher}, pipeline_name=pipeline_name, run_id=run_id)


def test_default_serving_folders_are_where_the_config_puts_them(tmp_path):
    config = PipelineConfig(output_dir=str(tmp_path), pipeline_name="churn")
    assert default_serving_model_dir(str(tmp_path), "churn") == config.serving_model_dir
    assert local_metadata_path(str(tmp_path)) == config.metadata_path


def test_without_metadata_the_named_pipelines_latest_model_is_taken(tmp_path):
    pushed(tmp_path, "churn", "iris")
    pushed(tmp_path, "iris", version="18")
    assert pushed_model_dir(str(tmp_path), "iris") == str(tmp_path / "serving_model/iris/18")


def test_without_metadata_the_only_pipeline_with_pushed_models_is_taken(tmp_path):
    pushed(tmp_path, "churn")
    assert pushed_model_dir(str(tmp_path), None) == str(tmp_path / "serving_model" / "churn/17")


def test_without_metadata_several_pipelines_need_a_name(tmp_path):
    pushed(tmp_path, "churn", "iris")
    with pytest.raises(BadInputError) as raised:
        pushed_model_dir(str(tmp_path), None)
    assert str(raised.value) == (
        f"{tmp_path} holds the runs of 2 pipelines (churn, iris): "
        "choose one with --pipeline-name NAME"
    )


def test_without_metadata_a_pipeline_name_cannot_leave_the_serving_folder(tmp_path):
    with pytest.raises(BadInputError, match=r"--pipeline-name \.\./x: expected lowercase"):
        pushed_model_dir(str(tmp_path), "../x")


def test_without_metadata_or_models_there_is_nothing_to_predict_with(tmp_path):
    with pytest.raises(BadInputError, match="no pushed model in .*run the pipeline first"):
        pushed_model_dir(str(tmp_path), None)


def test_with_metadata_the_model_is_where_the_run_pushed_it(tmp_path):
    # A run given --serving-root pushed outside the output directory; an older model in the
    # default folder, and a folder of models copied in, are not what the pipeline last pushed.
    pushed(tmp_path, "churn", "copied", version="99")
    destination = tmp_path / "elsewhere" / "churn" / "1796000000"
    destination.mkdir(parents=True)
    (destination / "saved_model.pb").write_bytes(b"")
    record_push(tmp_path / "outputs", tmp_path / "serving_model/churn/99", run_id="r1")
    record_push(tmp_path / "outputs", destination, run_id="r2")
    record_run(tmp_path / "outputs", {"Pusher": RecordedNode()}, "churn", run_id="r3")
    assert pushed_model_dir(str(tmp_path / "outputs"), None) == str(destination)


def test_with_metadata_a_deleted_pushed_model_is_named(tmp_path):
    record_push(tmp_path, tmp_path / "gone" / "17")
    with pytest.raises(BadInputError) as raised:
        pushed_model_dir(str(tmp_path), "churn")
    assert str(raised.value) == (
        f"run 1 (r1) of pipeline churn pushed model version 17 to {tmp_path / 'gone' / '17'}, "
        "which holds no saved_model.pb any more: pass --model-dir"
    )


def test_predict_without_a_pushed_model_says_no_run_pushed_one(tmp_path, capsys):
    rows = tmp_path / "rows.csv"
    rows.write_text("a\n1\n")
    pushed(tmp_path, "churn")  # not this output directory's record: ML Metadata is
    record_run(tmp_path, {"Pusher": RecordedNode()}, pipeline_name="churn")
    assert main(["predict", "--output-dir", str(tmp_path), "--input", str(rows)]) == 2
    assert capsys.readouterr().err == (
        f"error: no run of pipeline churn under {tmp_path} pushed a model (ML Metadata records "
        "none): run the pipeline until its model is blessed, or pass --model-dir\n"
    )


# Bad --input and --output are bad input (exit 2), found before predicting.


def test_an_input_that_is_a_directory_is_bad_input(tmp_path, capsys):
    args = ["predict", "--model-dir", str(tmp_path / "model"), "--input", str(tmp_path)]
    info_file = tmp_path / "model" / SERVING_INFO_FILE
    info_file.parent.mkdir(parents=True)
    info_file.write_text(json.dumps(INFO))
    with mock.patch("tensorflow.saved_model.load"):
        assert main(args) == 2
    assert capsys.readouterr().err == (
        f"error: --input {tmp_path}: cannot read it (Is a directory); expected a CSV file with "
        "a header row, or a JSONL file\n"
    )


def test_an_unwritable_output_is_bad_input_before_predicting(tmp_path, capsys):
    rows = tmp_path / "rows.csv"
    rows.write_text("a\n1\n")
    output = tmp_path / "no-such-folder" / "predictions.csv"
    args = ["predict", "--model-dir", str(tmp_path), "--input", str(rows), "--output", str(output)]
    with mock.patch("pipeline.serving.predict.predict") as predict:
        assert main(args) == 2
    predict.assert_not_called()
    assert capsys.readouterr().err == (
        f"error: --output {output}: cannot write to it (No such file or directory)\n"
    )


def test_checking_the_output_leaves_no_file_and_keeps_an_existing_one(tmp_path):
    check_writable(str(tmp_path / "new.csv"))
    assert not (tmp_path / "new.csv").exists()
    (tmp_path / "old.csv").write_text("kept\n")
    check_writable(str(tmp_path / "old.csv"))
    assert (tmp_path / "old.csv").read_text() == "kept\n"
