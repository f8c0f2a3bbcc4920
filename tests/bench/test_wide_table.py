"""The generated wide table: the same bytes for the same seed, 100 feature columns of the
declared kinds, and a label of four classes that follows the columns it is said to."""

import csv
import re

import pytest

import bench.wide_table
from bench.wide_table import (
    CATEGORICAL_CARDINALITIES,
    CATEGORICAL_COLUMNS,
    CLASSES,
    LABEL_CATEGORICAL_COLUMNS,
    LABEL_COLUMN,
    LABEL_NUMERIC_COLUMNS,
    NUMERIC_COLUMNS,
    code,
    write_wide_table_csv,
)

ROWS = 6_000


@pytest.fixture(scope="module")
def table(tmp_path_factory) -> list[dict[str, str]]:
    path = tmp_path_factory.mktemp("wide") / "data.csv"
    write_wide_table_csv(str(path), ROWS, seed=0)
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def class_shares(rows: list[dict[str, str]]) -> dict[str, float]:
    return {name: sum(row[LABEL_COLUMN] == name for row in rows) / len(rows) for name in CLASSES}


def rows_by_value(rows: list[dict[str, str]], column: str) -> dict[str, list[dict[str, str]]]:
    grouped: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        grouped.setdefault(row[column], []).append(row)
    return grouped


def test_the_same_seed_gives_the_same_bytes_and_another_seed_others(tmp_path, monkeypatch):
    # Chunks of 200 rows: the 500 rows cross chunk boundaries.
    monkeypatch.setattr(bench.wide_table, "CHUNK_ROWS", 200)
    first, again, other = (tmp_path / name for name in ("first.csv", "again.csv", "other.csv"))
    write_wide_table_csv(str(first), 500, seed=3)
    write_wide_table_csv(str(again), 500, seed=3)
    write_wide_table_csv(str(other), 500, seed=4)
    assert first.read_bytes() == again.read_bytes()
    assert first.read_bytes() != other.read_bytes()


def test_100_feature_columns_70_numbers_and_30_codes_of_3_to_50_values_then_the_label(table):
    assert list(table[0]) == [*NUMERIC_COLUMNS, *CATEGORICAL_COLUMNS, LABEL_COLUMN]
    assert (len(NUMERIC_COLUMNS), len(CATEGORICAL_COLUMNS)) == (70, 30)
    assert len(table) == ROWS
    cardinalities = list(CATEGORICAL_CARDINALITIES.values())
    assert (min(cardinalities), max(cardinalities)) == (3, 50)
    # Fractional numbers, which the inferred schema makes FLOAT features.
    number = re.compile(r"-?\d+\.\d{4}")
    numbers = {row[column] for row in table for column in NUMERIC_COLUMNS}
    assert all(number.fullmatch(value) for value in numbers)
    for column, cardinality in CATEGORICAL_CARDINALITIES.items():
        # 6,000 rows over at most 50 values: every value appears, and no other.
        assert {row[column] for row in table} == {code(v) for v in range(cardinality)}, column
    assert code(7) == "v07"  # text, never read as a number


def test_numbers_have_centres_and_spreads_of_their_own(table):
    means = [sum(float(row[c]) for row in table) / len(table) for c in NUMERIC_COLUMNS[:10]]
    assert len({round(mean) for mean in means}) == 10
    assert max(abs(mean) for mean in means) > 10


def test_the_label_takes_four_classes_none_rare(table):
    shares = class_shares(table)
    assert set(shares) == set(CLASSES)
    # Classes 0 to 2 are each favoured by one of code_00's three values as well.
    assert all(0.15 < share < 0.35 for share in shares.values()), shares


def test_the_label_follows_its_numeric_columns(table):
    for k, column in enumerate(LABEL_NUMERIC_COLUMNS):
        ordered = sorted(table, key=lambda row, column=column: float(row[column]))
        low, high = ordered[: ROWS // 2], ordered[ROWS // 2 :]
        # Class k's score rises with this column: far more common in its upper half.
        assert class_shares(high)[CLASSES[k]] > class_shares(low)[CLASSES[k]] + 0.25, column
    # A column the label does not depend on leaves the classes as they are.
    ordered = sorted(table, key=lambda row: float(row[NUMERIC_COLUMNS[-1]]))
    low, high = class_shares(ordered[: ROWS // 2]), class_shares(ordered[ROWS // 2 :])
    assert all(abs(high[name] - low[name]) < 0.03 for name in CLASSES)


def test_the_label_follows_its_categorical_columns(table):
    overall = class_shares(table)
    for column in LABEL_CATEGORICAL_COLUMNS:
        by_value = rows_by_value(table, column)
        for value in range(CATEGORICAL_CARDINALITIES[column]):
            favoured = CLASSES[value % len(CLASSES)]
            # The class this value favours is more common among its rows than overall.
            shares = class_shares(by_value[code(value)])
            assert shares[favoured] > overall[favoured] + 0.05, (column, value)
    # A column the label does not depend on leaves the classes as they are.
    for rows in rows_by_value(table, CATEGORICAL_COLUMNS[1]).values():
        assert all(abs(class_shares(rows)[name] - overall[name]) < 0.04 for name in CLASSES)
