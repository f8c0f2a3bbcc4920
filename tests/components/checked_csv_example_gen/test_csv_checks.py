"""The CSV checks name the file, line and column of what CsvExampleGen could not read."""

import pytest
from tfx.dsl.io import fileio

from components.checked_csv_example_gen.csv_checks import (
    CsvDataError,
    check_csv_folder,
    check_csv_rows,
)

HEADER = "sepal_length,sepal_width,petal_length,petal_width,species\n"
ROW = "5.1,3.5,1.4,0.2,setosa\n"
NAMES = ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]


def excel_csv(text: str) -> bytes:
    """`text` as Excel saves "CSV UTF-8": a byte-order mark first, Windows line endings."""
    return b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8")


def folder_with(tmp_path, **files: str):
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return str(tmp_path)


def error_of(folder: str) -> str:
    with pytest.raises(CsvDataError) as raised:
        check_csv_folder(folder)
    return str(raised.value)


def test_good_files_give_their_row_count_skipping_blank_lines_and_other_files(tmp_path):
    folder = folder_with(
        tmp_path,
        **{"a.csv": HEADER + ROW + "\n" + ROW, "b.csv": HEADER + ROW, "schema.pbtxt": "x"},
    )
    assert check_csv_folder(folder).rows == 3


def test_a_quoted_field_may_hold_commas_and_newlines(tmp_path):
    folder = folder_with(tmp_path, **{"a.csv": 'id,note\n1,"a, b\nc"\n2,plain\n'})
    assert check_csv_folder(folder).rows == 2


def test_wrong_field_counts_are_listed_by_line(tmp_path):
    rows = ROW * 2 + "5.0,3.6,1.4,0.2,setosa,extra\n" + ROW + "4.9,3.0\n"
    message = error_of(folder_with(tmp_path, **{"iris.csv": HEADER + rows}))
    assert message == (
        f"{tmp_path}/iris.csv: 2 lines with the wrong number of fields (header: sepal_length, "
        "sepal_width, petal_length, petal_width, species):\n"
        "  line 4: 6 fields, the header has 5\n"
        "  line 6: 2 fields, the header has 5"
    )


def test_more_than_five_bad_lines_are_counted(tmp_path):
    message = error_of(folder_with(tmp_path, **{"iris.csv": HEADER + "1,2\n" * 8}))
    assert message.startswith(f"{tmp_path}/iris.csv: 8 lines with the wrong number of fields")
    assert message.count("  line ") == 5
    assert message.endswith("  ... and 3 more")


def test_an_empty_file(tmp_path):
    assert error_of(folder_with(tmp_path, **{"iris.csv": ""})) == (
        f"{tmp_path}/iris.csv is empty; expected a header row naming the columns, "
        "then one row per example"
    )


def test_a_header_without_rows(tmp_path):
    assert error_of(folder_with(tmp_path, **{"iris.csv": HEADER})) == (
        f"{tmp_path}: iris.csv has a header but no data rows"
    )


def test_an_empty_folder_and_a_missing_one(tmp_path):
    assert error_of(folder_with(tmp_path, **{"notes.txt": "x"})) == (
        f"{tmp_path}: no file matches *.csv; expected CSV files with a header row"
    )
    assert error_of(str(tmp_path / "absent")) == (
        f"{tmp_path}/absent: no such folder; expected a folder of CSV files"
    )


def test_duplicate_and_missing_column_names(tmp_path):
    duplicate = "sepal_length,sepal_width,sepal_length\n1,2,3\n"
    assert error_of(folder_with(tmp_path, **{"iris.csv": duplicate})) == (
        f"{tmp_path}/iris.csv, line 1: the column name 'sepal_length' appears twice "
        "(columns 1 and 3); column names must be distinct"
    )
    assert error_of(folder_with(tmp_path, **{"iris.csv": "a,,c\n1,2,3\n"})) == (
        f"{tmp_path}/iris.csv, line 1: column 2 has no name"
    )


def test_files_with_different_headers(tmp_path):
    folder = folder_with(tmp_path, **{"a.csv": "x,y\n1,2\n", "b.csv": "x,z\n1,2\n"})
    assert error_of(folder) == (
        f"{tmp_path}/b.csv, line 1: the columns x, z differ from {tmp_path}/a.csv's x, y; "
        "every CSV file needs the same header"
    )


def test_text_that_is_not_utf8(tmp_path):
    latin1_row = "5.1,3.5,1.4,0.2,sétosa\n".encode("latin-1")
    (tmp_path / "iris.csv").write_bytes((HEADER + ROW * 3).encode() + latin1_row)
    assert error_of(str(tmp_path)) == (
        f"{tmp_path}/iris.csv, line 5: not UTF-8 text; save the file as UTF-8"
    )


def test_a_word_for_missing_in_a_column_of_numbers_is_named_with_its_lines(tmp_path):
    rows = ["5.1,3.5,1.4,0.2,setosa", "NA,3.0,1.3,0.2,setosa", "4.7,NA,1.3,0.2,setosa"]
    rows += ["4.6,3.1,1.5,null,setosa"] * 7
    folder = folder_with(tmp_path, **{"a.csv": HEADER + "\n".join(rows) + "\n"})
    assert error_of(folder) == (
        f"{folder}/a.csv: column 'sepal_length' holds numbers, and 'NA' on line 3; "
        "CsvExampleGen reads only an empty field as a missing value, so the column would "
        "become text. Leave missing values empty."
    )
    (tmp_path / "a.csv").write_text(HEADER + "\n".join(rows[:1] + rows[3:]) + "\n")
    assert "column 'petal_width' holds numbers, and 'null' on lines 3, 4, 5, 6, 7 and 2 more;" in (
        error_of(folder)
    )


def test_words_for_missing_are_fine_in_text_columns_and_empty_fields_anywhere(tmp_path):
    text = HEADER + "5.1,,1.4,0.2,NA\n4.9,3.0,1.4,0.2,setosa\n,3.2,1.3,0.2,?\n"
    assert check_csv_folder(folder_with(tmp_path, **{"a.csv": text})).rows == 3


def test_an_excel_csv_has_the_header_without_its_byte_order_mark(tmp_path):
    (tmp_path / "iris.csv").write_bytes(excel_csv(HEADER + ROW + ROW))
    path = str(tmp_path / "iris.csv")
    # Local files, and TFX's fileio.open (the executor's, on any filesystem), which keeps the
    # mark in the text it reads.
    assert check_csv_folder(str(tmp_path)).rows == 2
    assert check_csv_folder(str(tmp_path), list_dir=fileio.listdir, open_file=fileio.open).rows == 2
    with fileio.open(path, "r") as f:
        assert check_csv_rows(path, f) == (NAMES, 2, False)
    (tmp_path / "iris.csv").write_bytes(excel_csv("sepal_length,sepal_length\n1,2\n"))
    assert error_of(str(tmp_path)) == (
        f"{tmp_path}/iris.csv, line 1: the column name 'sepal_length' appears twice "
        "(columns 1 and 2); column names must be distinct"
    )


def test_files_with_and_without_a_byte_order_mark_have_the_same_header(tmp_path):
    (tmp_path / "a.csv").write_bytes(excel_csv(HEADER + ROW))
    (tmp_path / "b.csv").write_text(HEADER + ROW + ROW, encoding="utf-8")
    assert check_csv_folder(str(tmp_path)).rows == 3
    assert check_csv_folder(str(tmp_path), list_dir=fileio.listdir, open_file=fileio.open).rows == 3
