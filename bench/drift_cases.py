"""The data cases of the drift calibration (bench/drift_calibration.py), as pure functions of CSV
rows: bootstrap resamples of the original rows (nothing changed, the gate should pass them) and
real shifts (units, means, a new category, the label's class shares: the gate should stop them).

A row is a dict of column -> CSV cell, as csv.DictReader gives it; an empty cell is a missing
value, and every function leaves missing values missing. Randomness comes from the
random.Random passed in, so a seeded generator gives the same case every time.
"""

import random
import statistics
from collections import Counter

Row = dict[str, str]

# A new category replaces the value of this fraction of the rows.
NEW_CATEGORY_FRACTION = 0.05
# The label case moves one class's share by this much (30 points).
CLASS_SHARE_CHANGE = 0.30


def bootstrap_resample(rows: list[Row], generator: random.Random) -> list[Row]:
    """As many rows as `rows`, drawn from them with replacement: data that did not change."""
    return [dict(row) for row in generator.choices(rows, k=len(rows))]


def scale_column(rows: list[Row], column: str, factor: int) -> list[Row]:
    """`rows` with every value of the numeric `column` multiplied by `factor` (a change of
    units, e.g. 10 for cm to mm); whole numbers stay whole numbers."""
    whole = is_whole_number_column(rows, column)
    return [_with_value(row, column, lambda cell: _times(cell, factor, whole)) for row in rows]


def shift_column_mean(rows: list[Row], column: str) -> list[Row]:
    """`rows` with the numeric `column`'s mean moved up by one standard deviation (the
    population one over the non-missing values, as TFDV's statistics report it): every value
    plus that deviation, rounded to a whole number for a column of whole numbers, so that it
    stays one (a fraction would make it a FLOAT column, a type change rather than drift)."""
    whole = is_whole_number_column(rows, column)
    deviation = statistics.pstdev(float(value) for value in column_values(rows, column))
    if whole:
        shift = round(deviation)
        return [_with_value(row, column, lambda cell: str(int(cell) + shift)) for row in rows]
    return [_with_value(row, column, lambda cell: repr(float(cell) + deviation)) for row in rows]


def add_new_category(
    rows: list[Row],
    column: str,
    generator: random.Random,
    fraction: float = NEW_CATEGORY_FRACTION,
) -> tuple[list[Row], str]:
    """`rows` with the categorical `column` set to a value it never takes in `fraction` of the
    rows (chosen among those where it is not missing), and that value: one more than the
    greatest for whole numbers, a new word for text."""
    new_value = unseen_value(rows, column)
    present = [index for index, row in enumerate(rows) if row[column] != ""]
    count = round(fraction * len(rows))
    if count > len(present):
        raise ValueError(
            f"column {column!r} has a value in {len(present)} of {len(rows)} rows; cannot give "
            f"{count} of them a new category"
        )
    changed = set(generator.sample(present, count))
    shifted = [
        {**row, column: new_value} if index in changed else dict(row)
        for index, row in enumerate(rows)
    ]
    return shifted, new_value


def shift_class_share(
    rows: list[Row],
    label: str,
    generator: random.Random,
    change: float = CLASS_SHARE_CHANGE,
) -> tuple[list[Row], str, float]:
    """As many rows as `rows`, resampled with replacement within each class of `label` so that
    its most frequent class (the first by name on a tie) has its share plus `change` (minus
    when that would pass 1) and the other classes share the rest in their original
    proportions; with that class and its new share. Each class's count is rounded (largest
    remainders), so the share is within 1/len(rows) of the target."""
    by_class: dict[str, list[Row]] = {}
    for row in rows:
        by_class.setdefault(row[label], []).append(row)
    counts = Counter({value: len(members) for value, members in by_class.items()})
    target = min(counts, key=lambda value: (-counts[value], value))
    share = counts[target] / len(rows)
    new_share = share + change if share + change <= 1 else share - change
    if new_share < 0:
        raise ValueError(
            f"label {label!r}: class {target!r} has share {share:.3f}; it cannot move by "
            f"{change} either way"
        )
    target_count = round(new_share * len(rows))
    others = {value: count for value, count in counts.items() if value != target}
    new_counts = {target: target_count, **_apportion(len(rows) - target_count, others)}
    resampled = [
        dict(row)
        for value, count in new_counts.items()
        for row in generator.choices(by_class[value], k=count)
    ]
    generator.shuffle(resampled)
    return resampled, target, new_share


def class_shares(rows: list[Row], label: str) -> dict[str, float]:
    """Each value of `label` and the fraction of `rows` that has it."""
    counts = Counter(row[label] for row in rows)
    return {value: count / len(rows) for value, count in sorted(counts.items())}


def column_values(rows: list[Row], column: str) -> list[str]:
    """The non-missing cells of `column`."""
    return [row[column] for row in rows if row[column] != ""]


def is_whole_number_column(rows: list[Row], column: str) -> bool:
    """Whether every non-missing cell of `column` is a whole number (CsvExampleGen's INT)."""
    try:
        for value in column_values(rows, column):
            int(value)
    except ValueError:
        return False
    return True


def unseen_value(rows: list[Row], column: str) -> str:
    """A value `column` never takes: one more than its greatest whole number, or for text
    "new_<column>" (with a number appended until it is new)."""
    seen = set(column_values(rows, column))
    if is_whole_number_column(rows, column):
        return str(max(int(value) for value in seen) + 1)
    candidate, suffix = f"new_{column}", 1
    while candidate in seen:
        suffix += 1
        candidate = f"new_{column}_{suffix}"
    return candidate


def _with_value(row: Row, column: str, change) -> Row:
    cell = row[column]
    return {**row, column: change(cell) if cell != "" else cell}


def _times(cell: str, factor: int, whole: bool) -> str:
    return str(int(cell) * factor) if whole else repr(float(cell) * factor)


def _apportion(total: int, weights: dict[str, int]) -> dict[str, int]:
    """`total` split into whole numbers in proportion to `weights`, by largest remainders."""
    weight_sum = sum(weights.values())
    exact = {value: total * weight / weight_sum for value, weight in weights.items()}
    counts = {value: int(share) for value, share in exact.items()}
    by_remainder = sorted(exact, key=lambda value: (counts[value] - exact[value], value))
    for value in by_remainder[: total - sum(counts.values())]:
        counts[value] += 1
    return counts
