"""Reading and checking rows for `predict`, before any model is involved, and finding the
pushed model to predict with."""

import pytest

from pipeline.cli import main
from pipeline.cli.exit_codes import BadInputError
from pipeline.cli.predict import serving_model_dir
from pipeline.serving.predict import BadRowError, latest_pushed_model, read_rows, to_example
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


def pushed(output_dir, *names: str) -> None:
    for name in names:
        (output_dir / "serving_model" / name / "17").mkdir(parents=True)


def test_the_named_pipelines_models_are_taken(tmp_path):
    pushed(tmp_path, "churn", "iris")
    assert serving_model_dir(str(tmp_path), "iris") == str(tmp_path / "serving_model" / "iris")


def test_without_metadata_the_only_pipeline_with_pushed_models_is_taken(tmp_path):
    pushed(tmp_path, "churn")
    assert serving_model_dir(str(tmp_path), None) == str(tmp_path / "serving_model" / "churn")


def test_without_metadata_several_pipelines_need_a_name(tmp_path):
    pushed(tmp_path, "churn", "iris")
    with pytest.raises(BadInputError) as raised:
        serving_model_dir(str(tmp_path), None)
    assert str(raised.value) == (
        f"{tmp_path} holds the runs of 2 pipelines (churn, iris): "
        "choose one with --pipeline-name NAME"
    )


def test_without_metadata_or_models_there_is_nothing_to_predict_with(tmp_path):
    with pytest.raises(BadInputError, match="no pushed model in .*run the pipeline first"):
        serving_model_dir(str(tmp_path), None)


def test_the_pipeline_ml_metadata_records_wins_over_other_folders(tmp_path):
    # A folder of models copied in from elsewhere is not a pipeline of this output directory.
    pushed(tmp_path, "churn", "copied")
    record_run(tmp_path, {"Pusher": RecordedNode()}, pipeline_name="churn")
    assert serving_model_dir(str(tmp_path), None) == str(tmp_path / "serving_model" / "churn")


def test_predict_without_a_model_names_where_it_looked(tmp_path, capsys):
    rows = tmp_path / "rows.csv"
    rows.write_text("a\n1\n")
    record_run(tmp_path, {"Pusher": RecordedNode()}, pipeline_name="churn")
    assert main(["predict", "--output-dir", str(tmp_path), "--input", str(rows)]) == 2
    assert capsys.readouterr().err == (
        f"error: no pushed model in {tmp_path / 'serving_model' / 'churn'}: run the pipeline "
        "first, or pass --model-dir\n"
    )
