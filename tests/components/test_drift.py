"""Drift and skew as the gate measures them: TFDV's comparators with the schema's thresholds,
on statistics laid out as StatisticsGen writes them."""

import pathlib

import pandas as pd
import pytest

from components.validation_gate.drift import drift_and_skew_anomalies
from tests.pipeline_runs import REPO_ROOT


@pytest.fixture(scope="module")
def iris() -> pd.DataFrame:
    return pd.read_csv(REPO_ROOT / "data" / "iris" / "iris.csv")


@pytest.fixture(scope="module")
def schema():
    import tensorflow_data_validation as tfdv

    return tfdv.load_schema_text(str(REPO_ROOT / "data" / "iris" / "schema.pbtxt"))


def write_statistics(uri: pathlib.Path, **splits: pd.DataFrame) -> str:
    """A StatisticsGen-style artifact: Split-<name>/FeatureStats.pb per split."""
    import tensorflow_data_validation as tfdv

    for split, frame in splits.items():
        (uri / f"Split-{split}").mkdir(parents=True)
        statistics = tfdv.generate_statistics_from_dataframe(frame)
        (uri / f"Split-{split}" / "FeatureStats.pb").write_bytes(statistics.SerializeToString())
    return str(uri)


def test_the_same_data_has_no_drift_and_no_skew(tmp_path, iris, schema):
    current = write_statistics(tmp_path / "current", train=iris)
    baseline = write_statistics(tmp_path / "baseline", train=iris)
    serving = write_statistics(tmp_path / "serving", serving=iris.drop(columns="species"))
    assert drift_and_skew_anomalies(schema, current, baseline, serving) == []


def test_without_a_baseline_or_serving_data_nothing_is_compared(tmp_path, iris, schema):
    current = write_statistics(tmp_path / "current", train=iris.assign(petal_length=99.0))
    assert drift_and_skew_anomalies(schema, current) == []


def test_one_species_only_drifts_in_shares_and_in_petal_sizes(tmp_path, iris, schema):
    setosa = iris[iris.species == "setosa"]
    current = write_statistics(tmp_path / "current", train=setosa)
    baseline = write_statistics(tmp_path / "baseline", train=iris)
    found = {a["feature"]: a for a in drift_and_skew_anomalies(schema, current, baseline)}
    assert found["species"]["kind"] == "COMPARATOR_L_INFTY_HIGH"
    # Setosa is 1/3 of the baseline and all of the current data.
    assert (
        "The Linfty distance between current and previous is 0.666667"
        in (found["species"]["description"])
    )
    assert found["petal_length"]["kind"] == "COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH"
    assert {a["split"] for a in found.values()} == {"train"}


def test_serving_data_in_other_units_is_skewed_only_where_units_changed(tmp_path, iris, schema):
    in_mm = iris.drop(columns="species").assign(petal_length=iris.petal_length * 10)
    current = write_statistics(tmp_path / "current", train=iris, eval=iris)
    serving = write_statistics(tmp_path / "serving", serving=in_mm)
    found = drift_and_skew_anomalies(schema, current, serving_uri=serving)
    # Skew is measured on the training split only.
    assert [(a["split"], a["feature"], a["kind"]) for a in found] == [
        ("train", "petal_length", "COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH")
    ]
    assert "between training and serving is 1 " in found[0]["description"]
    assert "above the threshold 0.25" in found[0]["description"]


def test_serving_statistics_must_be_one_split(tmp_path, iris, schema):
    current = write_statistics(tmp_path / "current", train=iris)
    serving = write_statistics(tmp_path / "serving", train=iris, eval=iris)
    with pytest.raises(ValueError, match=r"have splits \['eval', 'train'\]; expected exactly one"):
        drift_and_skew_anomalies(schema, current, serving_uri=serving)
