"""Drift and train/serving skew, measured by TFDV with the thresholds the schema sets.

Drift compares each split with the same split of the last data that passed the gate; skew
compares the training split with the serving data's statistics. A feature is compared only
when its schema entry has a `drift_comparator` or `skew_comparator`: L-infinity distance
(`infinity_norm`) for categorical features, Jensen-Shannon divergence
(`jensen_shannon_divergence`) for numeric ones.
"""

from typing import Any

from tensorflow_metadata.proto.v0 import anomalies_pb2, schema_pb2

from components.artifact_files import read_split_statistics

TRAINING_SPLIT = "train"
# The anomaly kinds TFDV's comparators report; every other kind is ExampleValidator's.
COMPARATOR_KINDS = frozenset(
    name
    for name in anomalies_pb2.AnomalyInfo.Type.DESCRIPTOR.values_by_name
    if name.startswith("COMPARATOR_")
)


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
