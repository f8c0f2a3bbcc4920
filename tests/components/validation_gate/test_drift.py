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


def test_an_inferred_schema_guards_every_model_column_and_the_label_against_drift():
    from tensorflow_metadata.proto.v0 import schema_pb2

    from components.dataset_spec import CATEGORICAL, NUMERIC, DatasetSpec, FeatureSpec
    from components.validation_gate.drift import guard_against_drift

    schema = schema_pb2.Schema()
    for name, kind in (("size", schema_pb2.FLOAT), ("city", schema_pb2.BYTES)):
        schema.feature.add(name=name, type=kind)
    schema.feature.add(name="row_id", type=schema_pb2.INT)
    schema.feature.add(name="churned", type=schema_pb2.INT)
    schema.feature.add(name="plan_tier", type=schema_pb2.INT)
    curated = schema.feature.add(name="calls", type=schema_pb2.INT)
    curated.drift_comparator.jensen_shannon_divergence.threshold = 0.5
    spec = DatasetSpec(
        label="churned",
        label_type="integer",
        label_classes=("0", "1"),
        features=(
            FeatureSpec("size", NUMERIC, "FLOAT"),
            FeatureSpec("city", CATEGORICAL, "BYTES", "one_hot", 3),
            FeatureSpec("plan_tier", CATEGORICAL, "INT", "one_hot", 3),
            FeatureSpec("calls", NUMERIC, "INT"),
        ),
    )
    # Splits of 100 rows: c / 10, or the floor.
    guarded = {f.name: f for f in guard_against_drift(schema, spec, split_rows=100).feature}

    def thresholds(name):
        """{"drift": (comparator, threshold) or None, "skew": ...} of a feature."""
        feature = guarded[name]
        found = {}
        for kind in ("drift", "skew"):
            comparator = getattr(feature, f"{kind}_comparator")
            found[kind] = next(
                (
                    (field, getattr(comparator, field).threshold)
                    for field in ("infinity_norm", "jensen_shannon_divergence")
                    if comparator.HasField(field)
                ),
                None,
            )
        return found

    numeric = ("jensen_shannon_divergence", pytest.approx(0.16))
    discrete = ("jensen_shannon_divergence", pytest.approx(0.04))
    text = ("infinity_norm", pytest.approx(0.18))
    assert thresholds("size") == {"drift": numeric, "skew": numeric}
    assert thresholds("city") == {"drift": text, "skew": text}
    assert thresholds("plan_tier") == {"drift": discrete, "skew": discrete}
    # The label is absent from serving data: drift only.
    assert thresholds("churned") == {"drift": discrete, "skew": None}
    # A column the model does not take gets nothing; a threshold already set is kept.
    assert thresholds("row_id") == {"drift": None, "skew": None}
    assert thresholds("calls")["drift"] == ("jensen_shannon_divergence", pytest.approx(0.5))


@pytest.mark.parametrize(
    ("rows", "expected"),
    [(50, (0.226, 0.057, 0.255)), (1000, (0.051, 0.013, 0.1)), (1_000_000, (0.05, 0.01, 0.1))],
)
def test_inferred_thresholds_tighten_with_the_rows_down_to_a_floor(rows, expected):
    from components.validation_gate.drift import (
        CONTINUOUS_RULE,
        DISCRETE_RULE,
        TEXT_RULE,
        drift_threshold,
    )

    measured = tuple(
        drift_threshold(rule, rows) for rule in (CONTINUOUS_RULE, DISCRETE_RULE, TEXT_RULE)
    )
    assert measured == expected
