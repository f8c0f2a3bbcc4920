"""Drift and train/serving skew, measured by TFDV with the thresholds the schema sets.

Drift compares each split with the same split of the data the served model was trained on
(kept beside it in the serving directory, components/serving_directory.py); skew compares the
training split with the serving data's statistics. A feature is compared only when its schema
entry has a `drift_comparator` or `skew_comparator`: L-infinity distance (`infinity_norm`) for
categorical features, Jensen-Shannon divergence (`jensen_shannon_divergence`) for numeric ones.
"""

from typing import Any

from tensorflow_metadata.proto.v0 import anomalies_pb2, schema_pb2

from components.artifact_files import read_split_statistics
from components.dataset_spec import CATEGORICAL, DatasetSpec

TRAINING_SPLIT = "train"
# The anomaly kinds TFDV's comparators report; every other kind is ExampleValidator's.
COMPARATOR_KINDS = frozenset(
    name
    for name in anomalies_pb2.AnomalyInfo.Type.DESCRIPTOR.values_by_name
    if name.startswith("COMPARATOR_")
)
# The thresholds a schema the pipeline infers gets: c / sqrt(rows of its smallest split), but
# at least a floor, per kind of column. Sampling noise in a distance shrinks with the rows while
# a real shift does not, so small data needs loose thresholds and large data can afford tight
# ones; the floors keep a statistically real but tiny shift of a very large table from stopping
# it. Calibrated by bench/drift_calibration.py (README, "The schema's life"): no bootstrap
# resample of Iris (150 rows), the penguins (344) or a generated table (3,000) is stopped, and
# a unit change, a mean moved by one standard deviation and a label class's share moved by 30
# points are.
DriftRule = tuple[str, float, float]  # (TFDV comparator, c, floor)
# Numbers (fractional, or whole numbers taken as numbers): Jensen-Shannon divergence of the
# histograms. A mean moved by one standard deviation measures 0.22-0.29; Iris's resamples up to
# 0.21 on 50 rows.
CONTINUOUS_RULE: DriftRule = ("jensen_shannon_divergence", 1.6, 0.05)
# Whole-number classes (a categorical INT column or label): their statistics are numeric (the
# pipeline computes them without a schema), and TFDV's L-infinity distance measures nothing on
# those, so Jensen-Shannon divergence, whose noise is far smaller on a few values: a 0/1
# label's share moved by 30 points measures 0.075, resamples 0.001 on 1,000 rows.
DISCRETE_RULE: DriftRule = ("jensen_shannon_divergence", 0.4, 0.01)
# Text: L-infinity distance of the value shares. A label's share moved by 30 points measures
# 0.26-0.31; resamples up to 0.17 on 50 rows.
TEXT_RULE: DriftRule = ("infinity_norm", 1.8, 0.1)


def drift_threshold(rule: DriftRule, rows: int) -> float:
    """The threshold `rule` sets for a split of `rows` rows, to three decimals."""
    _, c, floor = rule
    return round(max(floor, c / max(rows, 1) ** 0.5), 3)


def drift_and_skew_anomalies(
    schema: schema_pb2.Schema,
    statistics_uri: str,
    baseline_uri: str | None = None,
    serving_uri: str | None = None,
) -> list[dict[str, Any]]:
    """Drift of each split against the same split of `baseline_uri`, and skew of the training
    split against the (single-split) statistics at `serving_uri`; one record per feature over
    a threshold, as ExampleValidator's anomalies are described."""
    import tensorflow_data_validation as tfdv

    current = read_split_statistics(statistics_uri)
    baseline = read_split_statistics(baseline_uri) if baseline_uri else {}
    serving = None
    if serving_uri:
        serving_splits = read_split_statistics(serving_uri)
        if len(serving_splits) != 1:
            raise ValueError(
                f"serving statistics at {serving_uri} have splits {sorted(serving_splits)}; "
                "expected exactly one"
            )
        serving = next(iter(serving_splits.values()))
    found = []
    for split, statistics in current.items():
        previous = baseline.get(split)
        serving_for_split = serving if split == TRAINING_SPLIT else None
        if previous is None and serving_for_split is None:
            continue
        anomalies = tfdv.validate_statistics(
            statistics,
            schema,
            previous_statistics=previous,
            serving_statistics=serving_for_split,
        )
        found += comparator_anomalies(anomalies, split)
    return found


def comparator_anomalies(anomalies: anomalies_pb2.Anomalies, split: str) -> list[dict[str, Any]]:
    """The drift and skew findings of `anomalies`: the schema checks in it repeat what
    ExampleValidator already reported."""
    found = []
    for feature, info in sorted(anomalies.anomaly_info.items()):
        reasons = [
            reason
            for reason in info.reason
            if anomalies_pb2.AnomalyInfo.Type.Name(reason.type) in COMPARATOR_KINDS
        ]
        if reasons:
            found.append(
                {
                    "split": split,
                    "feature": feature,
                    "severity": "ERROR",
                    "kind": ", ".join(
                        sorted({anomalies_pb2.AnomalyInfo.Type.Name(r.type) for r in reasons})
                    ),
                    "description": " ".join(reason.description for reason in reasons),
                }
            )
    return found


def guard_against_drift(
    schema: schema_pb2.Schema, spec: DatasetSpec, split_rows: int
) -> schema_pb2.Schema:
    """A copy of an inferred `schema` with a drift and a skew threshold on every feature the
    model takes, and a drift threshold on the label (absent from serving data, so never
    compared with it), sized for splits of `split_rows` rows (see CONTINUOUS_RULE and the
    others). Thresholds a feature already has are kept. Columns the model does not take (ids,
    leaks) get none: an id's distribution moves with every new batch of rows."""
    guarded = schema_pb2.Schema()
    guarded.CopyFrom(schema)
    rules = {feature.name: _drift_rule(feature.raw_type, feature.kind) for feature in spec.features}
    rules[spec.label] = TEXT_RULE if spec.label_type == "string" else DISCRETE_RULE
    for feature in guarded.feature:
        if feature.name not in rules:
            continue
        comparators = [feature.drift_comparator]
        if feature.name != spec.label:
            comparators.append(feature.skew_comparator)
        measure = rules[feature.name][0]
        for comparator in comparators:
            if comparator.HasField("infinity_norm") or comparator.HasField(
                "jensen_shannon_divergence"
            ):
                continue
            getattr(comparator, measure).threshold = drift_threshold(
                rules[feature.name], split_rows
            )
    return guarded


def _drift_rule(raw_type: str, kind: str) -> DriftRule:
    if raw_type == "BYTES":
        return TEXT_RULE
    if raw_type == "INT" and kind == CATEGORICAL:
        return DISCRETE_RULE
    return CONTINUOUS_RULE
