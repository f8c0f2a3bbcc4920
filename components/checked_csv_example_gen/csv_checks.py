"""Checks a folder of CSV files the way CsvExampleGen will read it, and says what is wrong in
terms of files, lines and columns.

CsvExampleGen's own errors for these cases name neither (e.g. "Invalid CSV line: [...]" from a
Beam worker, or a failure far downstream on an empty dataset). Plain Python, no TensorFlow:
the local runner calls it before the minute-long TFX start, the executor calls it on any
filesystem TFX can read.
"""

import csv
import fnmatch
import os
from collections.abc import Callable, Iterable, Iterator
from typing import IO, NamedTuple

# More bad lines than this are counted, not listed.
MAX_LISTED_PROBLEMS = 5
# What Excel's "CSV UTF-8" puts before the header: the byte-order mark, decoded. It marks the
# encoding and is no part of the first column's name.
BYTE_ORDER_MARK = "\ufeff"
# How other tools write a missing value. CsvExampleGen reads only an empty field as missing;
# one of these in a column of numbers makes the whole column text.
MISSING_VALUE_MARKERS = frozenset({"NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None", "?"})


class CsvDataError(ValueError):
    """The input CSV files cannot become examples."""


class CsvFile(NamedTuple):
    """What check_csv_rows found in one file."""

    header: list[str]
    rows: int
    # Whether a quoted field holds a line break: then a line end may be inside a row, and the
    # file cannot be read in ranges cut at line ends.
    has_multiline_rows: bool


class CsvFolder(NamedTuple):
    """What check_csv_folder found in a folder."""

    rows: int
    files: tuple[str, ...]  # the files checked, in name order
    files_with_multiline_rows: tuple[str, ...]


def check_csv_folder(
    data_root: str,
    pattern: str = "*.csv",
    list_dir: Callable[[str], Iterable[str]] = os.listdir,
    open_file: Callable[[str, str], IO] | None = None,
) -> CsvFolder:
    """Raise CsvDataError naming the file, line and column of the first problems found in the
    files of `data_root` matching `pattern`; return the number of data rows, the files, and
    those with a row across lines.

    Every file needs a header row of distinct, non-empty column names, the same in every file,
    and every non-blank line as many fields as the header; together the files need a row.
    `list_dir` and `open_file(path, mode)` default to the local filesystem.
    """
    open_file = open_file or _open_local
    try:
        names = sorted(name for name in list_dir(data_root) if fnmatch.fnmatch(name, pattern))
    except FileNotFoundError:
        raise CsvDataError(f"{data_root}: no such folder; expected a folder of CSV files") from None
    if not names:
        raise CsvDataError(
            f"{data_root}: no file matches {pattern}; expected CSV files with a header row"
        )
    first_header: tuple[str, list[str]] | None = None
    rows = 0
    multiline_files = []
    for name in names:
        path = os.path.join(data_root, name)
        try:
            with open_file(path, "r") as f:
                header, file_rows, multiline = check_csv_rows(path, f)
        except UnicodeDecodeError:
            with open_file(path, "rb") as f:
                line = _first_line_not_utf8(f)
            raise CsvDataError(
                f"{path}, line {line}: not UTF-8 text; save the file as UTF-8"
            ) from None
        if first_header is None:
            first_header = (path, header)
        elif header != first_header[1]:
            raise CsvDataError(
                f"{path}, line 1: the columns {', '.join(header)} differ from "
                f"{first_header[0]}'s {', '.join(first_header[1])}; every CSV file needs the "
                "same header"
            )
        rows += file_rows
        if multiline:
            multiline_files.append(path)
    if rows == 0:
        raise CsvDataError(
            f"{data_root}: {', '.join(names)} "
            f"{'has' if len(names) == 1 else 'have'} a header but no data rows"
        )
    return CsvFolder(
        rows, tuple(os.path.join(data_root, name) for name in names), tuple(multiline_files)
    )


def _open_local(path: str, mode: str) -> IO:
    if "b" in mode:
        return open(path, mode)  # noqa: SIM115 - the caller closes it
    return open(path, mode, newline="", encoding="utf-8-sig")  # noqa: SIM115


def _first_line_not_utf8(lines: Iterable[bytes]) -> int:
    for number, line in enumerate(lines, start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            return number
    return 0


def check_csv_rows(path: str, text: Iterable[str]) -> CsvFile:
    """The header of one file, its number of data rows and whether one spans lines; CsvDataError
    on a missing or bad header, or on lines whose field count differs from the header's.

    A byte-order mark before the header is dropped: `text` may come from an open that keeps it
    (TFX's fileio.open, which takes no encoding, on an object store)."""
    reader = csv.reader(_without_byte_order_mark(text))
    header = next(reader, None)
    if header is None:
        raise CsvDataError(
            f"{path} is empty; expected a header row naming the columns, then one row per example"
        )
    _check_header(path, header)
    problems = []
    rows = 0
    multiline = False
    last_line = reader.line_num
    markers = _MissingValueMarkers(header)
    for row in reader:
        multiline = multiline or reader.line_num > last_line + 1
        last_line = reader.line_num
        if not row:  # CsvExampleGen skips blank lines
            continue
        rows += 1
        if len(row) != len(header):
            problems.append(
                f"line {reader.line_num}: {len(row)} field{'s' if len(row) != 1 else ''}, "
                f"the header has {len(header)}"
            )
        else:
            markers.add(row, reader.line_num)
    if problems:
        listed = "\n".join(f"  {problem}" for problem in problems[:MAX_LISTED_PROBLEMS])
        more = len(problems) - MAX_LISTED_PROBLEMS
        raise CsvDataError(
            f"{path}: {len(problems)} line{'s' if len(problems) != 1 else ''} with the wrong "
            f"number of fields (header: {', '.join(header)}):\n{listed}"
            + (f"\n  ... and {more} more" if more > 0 else "")
        )
    markers.check(path)
    return CsvFile(header, rows, multiline)


def _without_byte_order_mark(lines: Iterable[str]) -> Iterator[str]:
    """The lines, the first without a leading byte-order mark (one further on is text)."""
    lines = iter(lines)
    first = next(lines, None)
    if first is None:
        return
    yield first.removeprefix(BYTE_ORDER_MARK)
    yield from lines


class _MissingValueMarkers:
    """Finds columns of numbers that mark missing values with a word ("NA", "null", ...)."""

    def __init__(self, header: list[str]) -> None:
        self.header = header
        self.has_number = [False] * len(header)
        self.is_text = [False] * len(header)  # a value neither a number nor a marker
        self.found: list[list[tuple[int, str]]] = [[] for _ in header]

    def add(self, row: list[str], line: int) -> None:
        for column, value in enumerate(row):
            if self.is_text[column] or not value:
                continue
            if value in MISSING_VALUE_MARKERS:
                self.found[column].append((line, value))
                continue
            try:
                float(value)
            except ValueError:
                self.is_text[column] = True
            else:
                self.has_number[column] = True

    def check(self, path: str) -> None:
        for column, name in enumerate(self.header):
            found = self.found[column]
            if found and self.has_number[column] and not self.is_text[column]:
                lines = ", ".join(str(line) for line, _ in found[:MAX_LISTED_PROBLEMS])
                extra = len(found) - MAX_LISTED_PROBLEMS
                more = f" and {extra} more" if extra > 0 else ""
                tokens = ", ".join(sorted({repr(token) for _, token in found}))
                raise CsvDataError(
                    f"{path}: column {name!r} holds numbers, and {tokens} on "
                    f"line{'s' if len(found) > 1 else ''} {lines}{more}; CsvExampleGen reads only "
                    "an empty field as a missing value, so the column would become text. Leave "
                    "missing values empty."
                )


def _check_header(path: str, header: list[str]) -> None:
    for position, name in enumerate(header, start=1):
        if not name.strip():
            raise CsvDataError(f"{path}, line 1: column {position} has no name")
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        if name in seen:
            raise CsvDataError(
                f"{path}, line 1: the column name {name!r} appears twice "
                f"(columns {seen[name]} and {position}); column names must be distinct"
            )
        seen[name] = position
