"""StatisticsGen's statistics made readable, and how far two sets of them drifted apart."""

import math
from typing import Any

from tensorflow_metadata.proto.v0 import statistics_pb2

from components.artifact_files import read_split_statistics

TOP_VALUES_SHOWN = 10


def read_statistics(statistics_uri: str) -> dict[str, dict[str, Any]]:
    """Split name -> {"rows": n, "features": {name: summary}} for a statistics artifact."""
    by_split = {
        split: summarize_dataset(statistics.datasets[0])
        for split, statistics in read_split_statistics(statistics_uri).items()
    }
    # Training data first: it is what everything else is compared with.
    return {split: by_split[split] for split in sorted(by_split, key=lambda s: (s != "train", s))}


def summarize_dataset(dataset: statistics_pb2.DatasetFeatureStatistics) -> dict[str, Any]:
    """Rows and a per-feature summary of one split's statistics."""
    rows = int(dataset.num_examples)
    return {
        "rows": rows,
        "features": {
            ".".join(feature.path.step): summarize_feature(feature, rows)
            for feature in sorted(dataset.features, key=lambda f: list(f.path.step))
        },
    }


def summarize_feature(feature: statistics_pb2.FeatureNameStatistics, rows: int) -> dict[str, Any]:
    """Type, missing share and either numeric moments with a histogram or the top values."""
    kind = feature.WhichOneof("stats")
    stats = getattr(feature, kind)
    common = stats.common_stats
    summary: dict[str, Any] = {
        "type": statistics_pb2.FeatureNameStatistics.Type.Name(feature.type),
        "missing": int(common.num_missing),
        "missing_percent": round(100 * common.num_missing / rows, 2) if rows else 0.0,
    }
    if kind == "num_stats":
        summary.update(
            mean=stats.mean,
            std=stats.std_dev,
            min=stats.min,
            median=stats.median,
            max=stats.max,
            zeros=int(stats.num_zeros),
            histogram=[
                {"low": b.low_value, "high": b.high_value, "count": b.sample_count}
                for b in _standard_histogram(stats)
            ],
        )
    elif kind == "string_stats":
        summary.update(
            unique=int(stats.unique),
            top_values=[
                {"value": value.value, "count": value.frequency}
                for value in stats.top_values[:TOP_VALUES_SHOWN]
            ],
        )
    return summary


def _standard_histogram(stats: statistics_pb2.NumericStatistics):
    """The equal-width histogram TFDV computes (it also keeps a quantiles one)."""
    for histogram in stats.histograms:
        if histogram.type == statistics_pb2.Histogram.STANDARD:
            return histogram.buckets
    return []


def jensen_shannon_divergence(
    histogram_a: list[dict[str, float]], histogram_b: list[dict[str, float]]
) -> float | None:
    """Jensen-Shannon divergence (base 2, 0 = same, 1 = disjoint) of two numeric histograms.

    Each split's histogram has its own bucket edges, so both are re-bucketed onto the union of
    their edges, spreading a bucket's count evenly over its width, as TFDV does for drift.
    """
    if not histogram_a or not histogram_b:
        return None
    edges = sorted(
        {e for h in (histogram_a, histogram_b) for b in h for e in (b["low"], b["high"])}
    )
    p, q = _rebucket(histogram_a, edges), _rebucket(histogram_b, edges)
    if not sum(p) or not sum(q):
        return None
    p = [v / sum(p) for v in p]
    q = [v / sum(q) for v in q]
    mixture = [(a + b) / 2 for a, b in zip(p, q, strict=True)]
    return max(0.0, (_kl(p, mixture) + _kl(q, mixture)) / 2)


def _rebucket(histogram: list[dict[str, float]], edges: list[float]) -> list[float]:
    """Counts of `histogram` within each [edges[i], edges[i+1]), assuming uniform buckets.

    A bucket of zero width (every value equal) counts wholly in the interval holding it."""
    if len(edges) == 1:  # every value of both histograms is the same number
        return [sum(bucket["count"] for bucket in histogram)]
    counts = [0.0] * (len(edges) - 1)
    for bucket in histogram:
        low, high, count = bucket["low"], bucket["high"], bucket["count"]
        for i in range(len(edges) - 1):
            left, right = edges[i], edges[i + 1]
            if high == low:
                if left <= low <= right:
                    counts[i] += count
                    break
            elif (overlap := min(high, right) - max(low, left)) > 0:
                counts[i] += count * overlap / (high - low)
    return counts


def _kl(p: list[float], q: list[float]) -> float:
    return sum(a * math.log2(a / b) for a, b in zip(p, q, strict=True) if a > 0)


def l_infinity_distance(
    top_values_a: list[dict[str, Any]], top_values_b: list[dict[str, Any]]
) -> float | None:
    """Largest difference in a value's share between two categorical distributions."""
    total_a = sum(v["count"] for v in top_values_a)
    total_b = sum(v["count"] for v in top_values_b)
    if not total_a or not total_b:
        return None
    share_a = {v["value"]: v["count"] / total_a for v in top_values_a}
    share_b = {v["value"]: v["count"] / total_b for v in top_values_b}
    return max(abs(share_a.get(k, 0.0) - share_b.get(k, 0.0)) for k in share_a.keys() | share_b)


def statistics_drift(
    statistics_a: dict[str, dict[str, Any]], statistics_b: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """Per split and feature, how B's statistics differ from A's: row counts, mean, missing
    share, and a distribution distance (Jensen-Shannon for numeric, L-infinity for strings)."""
    drift = []
    for split in sorted(statistics_a.keys() & statistics_b.keys()):
        split_a, split_b = statistics_a[split], statistics_b[split]
        names = sorted(split_a["features"].keys() | split_b["features"].keys())
        for name in names:
            a = split_a["features"].get(name)
            b = split_b["features"].get(name)
            row: dict[str, Any] = {
                "split": split,
                "feature": name,
                "rows_a": split_a["rows"],
                "rows_b": split_b["rows"],
            }
            if a is None or b is None:
                row["change"] = "only in run A" if b is None else "only in run B"
                drift.append(row)
                continue
            row["missing_percent_a"] = a["missing_percent"]
            row["missing_percent_b"] = b["missing_percent"]
            if "mean" in a and "mean" in b:
                row.update(
                    mean_a=a["mean"],
                    mean_b=b["mean"],
                    distance=jensen_shannon_divergence(a["histogram"], b["histogram"]),
                    distance_kind="jensen_shannon",
                )
            elif "top_values" in a and "top_values" in b:
                row.update(
                    distance=l_infinity_distance(a["top_values"], b["top_values"]),
                    distance_kind="l_infinity",
                )
            else:
                row["change"] = f"type {a['type']} -> {b['type']}"
            drift.append(row)
    return drift
