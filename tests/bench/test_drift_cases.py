"""The drift calibration's cases, on the penguins' rows (text, whole and fractional numbers,
missing values) and on rows written out here: the values each case gives, not just its shape."""

import csv
import random
import statistics

import pytest

from bench.drift_cases import (
    add_new_category,
    bootstrap_resample,
    class_shares,
    is_whole_number_column,
    scale_column,
    shift_class_share,
    shift_column_mean,
    unseen_value,
)
from tests.datasets import PENGUINS_DIR


@pytest.fixture(scope="module")
def penguins() -> list[dict[str, str]]:
    with (PENGUINS_DIR / "penguins.csv").open(newline="") as f:
        return list(csv.DictReader(f))


def missing_rows(rows, column) -> list[int]:
    return [index for index, row in enumerate(rows) if row[column] == ""]


def test_a_resample_has_as_many_rows_all_of_them_original_and_is_seeded(penguins):
    resample = bootstrap_resample(penguins, random.Random(1))
    assert len(resample) == len(penguins) == 344
    originals = [tuple(row.items()) for row in penguins]
    assert all(tuple(row.items()) in originals for row in resample)
    # With replacement: 344 draws from 344 rows repeat some (all distinct: odds of 344!/344^344).
    assert len({tuple(row.items()) for row in resample}) < len(penguins)
    assert resample == bootstrap_resample(penguins, random.Random(1))
    assert resample != bootstrap_resample(penguins, random.Random(2))


def test_units_times_ten_multiply_every_value_and_keep_whole_numbers_whole(penguins):
    fractional = scale_column(penguins, "bill_length_mm", 10)
    whole = scale_column(penguins, "body_mass_g", 10)
    for before, after_fractional, after_whole in zip(penguins, fractional, whole, strict=True):
        if before["bill_length_mm"] == "":
            assert after_fractional["bill_length_mm"] == ""
        else:
            assert float(after_fractional["bill_length_mm"]) == float(before["bill_length_mm"]) * 10
        if before["body_mass_g"] == "":
            assert after_whole["body_mass_g"] == ""
        else:
            assert after_whole["body_mass_g"] == str(int(before["body_mass_g"]) * 10)
        # Nothing else changes.
        assert {**after_fractional, "bill_length_mm": before["bill_length_mm"]} == before
    assert penguins[0]["body_mass_g"] == "3750" and whole[0]["body_mass_g"] == "37500"
    assert penguins[0]["bill_length_mm"] == "39.1" and fractional[0]["bill_length_mm"] == repr(
        39.1 * 10
    )
    assert missing_rows(whole, "body_mass_g") == missing_rows(penguins, "body_mass_g") == [3, 271]


def test_the_mean_moves_by_one_standard_deviation_and_missing_values_stay_missing(penguins):
    values = [float(row["bill_depth_mm"]) for row in penguins if row["bill_depth_mm"]]
    shifted = shift_column_mean(penguins, "bill_depth_mm")
    new_values = [float(row["bill_depth_mm"]) for row in shifted if row["bill_depth_mm"]]
    assert statistics.fmean(new_values) == pytest.approx(
        statistics.fmean(values) + statistics.pstdev(values), abs=1e-9
    )
    assert statistics.pstdev(new_values) == pytest.approx(statistics.pstdev(values), abs=1e-9)
    assert missing_rows(shifted, "bill_depth_mm") == missing_rows(penguins, "bill_depth_mm")


def test_a_whole_number_column_moves_by_its_rounded_deviation():
    rows = [{"calls": value} for value in ("0", "2", "4", "6", "")]  # deviation sqrt(5) = 2.24
    assert [row["calls"] for row in shift_column_mean(rows, "calls")] == ["2", "4", "6", "8", ""]


def test_a_new_category_takes_five_percent_of_the_rows_and_only_present_values(penguins):
    shifted, new_sex = add_new_category(penguins, "sex", random.Random(3))
    assert new_sex == "new_sex"
    changed = [i for i, (a, b) in enumerate(zip(penguins, shifted, strict=True)) if a != b]
    assert len(changed) == round(0.05 * 344) == 17
    assert all(shifted[i]["sex"] == "new_sex" and penguins[i]["sex"] != "" for i in changed)
    assert missing_rows(shifted, "sex") == missing_rows(penguins, "sex")
    assert {penguins[i]["sex"] for i in changed} <= {"male", "female"}
    assert add_new_category(penguins, "sex", random.Random(3))[0] == shifted


def test_a_new_whole_number_is_one_more_than_the_greatest_and_a_new_word_is_new(penguins):
    shifted, new_year = add_new_category(penguins, "year", random.Random(4))
    assert new_year == "2010"
    assert sum(row["year"] == "2010" for row in shifted) == 17
    assert unseen_value([{"plan": "new_plan"}, {"plan": "basic"}], "plan") == "new_plan_2"


def test_a_new_category_needs_enough_present_values():
    rows = [{"plan": "basic"}] + [{"plan": ""}] * 39  # 5% of 40 is 2 rows; one has a value
    with pytest.raises(ValueError, match="'plan' has a value in 1 of 40 rows; cannot give 2"):
        add_new_category(rows, "plan", random.Random(0))


def test_the_most_frequent_class_gains_thirty_points(penguins):
    before = class_shares(penguins, "species")
    assert before == {"Adelie": 152 / 344, "Chinstrap": 68 / 344, "Gentoo": 124 / 344}
    shifted, target, new_share = shift_class_share(penguins, "species", random.Random(5))
    assert (target, len(shifted)) == ("Adelie", 344)
    after = class_shares(shifted, "species")
    assert new_share == pytest.approx(152 / 344 + 0.30)
    assert abs(after["Adelie"] - new_share) <= 1 / 344
    # The other two keep their proportions (68 : 124) up to rounding of a count.
    assert after["Chinstrap"] * 344 == pytest.approx((344 - 255) * 68 / 192, abs=1)
    assert after["Gentoo"] * 344 == pytest.approx((344 - 255) * 124 / 192, abs=1)
    originals = [tuple(row.items()) for row in penguins]
    assert all(tuple(row.items()) in originals for row in shifted)


def test_a_class_above_seventy_percent_loses_thirty_points():
    rows = [{"churned": "0"}] * 80 + [{"churned": "1"}] * 20
    shifted, target, new_share = shift_class_share(rows, "churned", random.Random(6))
    assert (target, new_share) == ("0", pytest.approx(0.5))
    assert class_shares(shifted, "churned") == {"0": 0.5, "1": 0.5}


def test_whole_numbers_are_told_from_fractions_and_text():
    rows = [{"a": "1", "b": "1.5", "c": "x"}, {"a": "", "b": "2", "c": "3"}]
    assert [is_whole_number_column(rows, column) for column in "abc"] == [True, False, False]
