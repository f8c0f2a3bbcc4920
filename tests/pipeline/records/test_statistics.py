"""Statistics summaries and drift distances, on hand-made statistics with known answers."""

import math

import pytest
from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import statistics_pb2

from pipeline.records.statistics import (
    jensen_shannon_divergence,
    l_infinity_distance,
    statistics_drift,
    summarize_dataset,
)

DATASET = """
num_examples: 4
features {
  path { step: "width" }
  type: FLOAT
  num_stats {
    common_stats { num_non_missing: 3 num_missing: 1 }
    mean: 2.0 std_dev: 0.5 min: 1.0 median: 2.0 max: 3.0 num_zeros: 0
    histograms {
      type: QUANTILES
      buckets { low_value: 1 high_value: 3 sample_count: 3 }
    }
    histograms {
      type: STANDARD
      buckets { low_value: 1 high_value: 2 sample_count: 1 }
      buckets { low_value: 2 high_value: 3 sample_count: 2 }
    }
  }
}
features {
  path { step: "colour" }
  type: STRING
  string_stats {
    common_stats { num_non_missing: 4 }
    unique: 2
    top_values { value: "red" frequency: 3 }
    top_values { value: "blue" frequency: 1 }
  }
}
"""


def test_summarize_dataset_reads_rows_missing_moments_histogram_and_top_values():
    dataset = text_format.Parse(DATASET, statistics_pb2.DatasetFeatureStatistics())
    summary = summarize_dataset(dataset)
    assert summary["rows"] == 4
    assert list(summary["features"]) == ["colour", "width"]
    width = summary["features"]["width"]
    assert (width["type"], width["missing"], width["missing_percent"]) == ("FLOAT", 1, 25.0)
    assert (width["mean"], width["std"], width["min"], width["max"]) == (2.0, 0.5, 1.0, 3.0)
    # The equal-width histogram, not the quantiles one.
    assert width["histogram"] == [
        {"low": 1.0, "high": 2.0, "count": 1.0},
        {"low": 2.0, "high": 3.0, "count": 2.0},
    ]
    colour = summary["features"]["colour"]
    assert colour["unique"] == 2
    assert colour["top_values"] == [{"value": "red", "count": 3}, {"value": "blue", "count": 1}]
    assert "mean" not in colour


def buckets(*triples):
    return [{"low": low, "high": high, "count": count} for low, high, count in triples]


def test_jensen_shannon_is_zero_for_the_same_distribution_and_one_for_disjoint_ones():
    histogram = buckets((0, 1, 5), (1, 2, 5))
    assert jensen_shannon_divergence(histogram, histogram) == pytest.approx(0, abs=1e-12)
    # Twice the rows in the same shape is no drift.
    doubled = buckets((0, 1, 10), (1, 2, 10))
    assert jensen_shannon_divergence(histogram, doubled) == pytest.approx(0, abs=1e-12)
    assert jensen_shannon_divergence(buckets((0, 1, 5)), buckets((2, 3, 5))) == pytest.approx(1)


def test_jensen_shannon_rebuckets_histograms_with_different_edges():
    # A: uniform over [0, 2]. B: everything in [0, 1]. On the union of edges A is (1/2, 1/2)
    # and B is (1, 0): JS = 1/2 KL(A||M) + 1/2 KL(B||M) with M = (3/4, 1/4).
    a = buckets((0, 2, 4))
    b = buckets((0, 1, 4))
    expected = 0.5 * (0.5 * math.log2(0.5 / 0.75) + 0.5 * math.log2(0.5 / 0.25)) + 0.5 * (
        math.log2(1 / 0.75)
    )
    assert jensen_shannon_divergence(a, b) == pytest.approx(expected)


def test_jensen_shannon_counts_a_single_value_feature_whole():
    constant = buckets((3, 3, 10))
    assert jensen_shannon_divergence(constant, constant) == pytest.approx(0, abs=1e-12)
    assert jensen_shannon_divergence(constant, []) is None


def test_l_infinity_is_the_largest_change_in_a_value_share():
    a = [{"value": "red", "count": 3}, {"value": "blue", "count": 1}]
    b = [{"value": "red", "count": 1}, {"value": "green", "count": 1}]
    # red 0.75 -> 0.5, blue 0.25 -> 0, green 0 -> 0.5
    assert l_infinity_distance(a, b) == pytest.approx(0.5)
    assert l_infinity_distance(a, a) == 0
    assert l_infinity_distance(a, []) is None


def test_drift_reports_each_split_and_feature_with_its_distance_kind():
    dataset = summarize_dataset(
        text_format.Parse(DATASET, statistics_pb2.DatasetFeatureStatistics())
    )
    shifted = summarize_dataset(
        text_format.Parse(
            DATASET.replace('"red" frequency: 3', '"red" frequency: 1'),
            statistics_pb2.DatasetFeatureStatistics(),
        )
    )
    drift = statistics_drift({"train": dataset}, {"train": shifted, "eval": shifted})
    by_feature = {row["feature"]: row for row in drift}
    assert {row["split"] for row in drift} == {"train"}  # only splits both runs have
    assert by_feature["width"]["distance_kind"] == "jensen_shannon"
    assert by_feature["width"]["distance"] == pytest.approx(0, abs=1e-12)
    assert by_feature["colour"]["distance_kind"] == "l_infinity"
    # red 3/4 -> 1/2, blue 1/4 -> 1/2
    assert by_feature["colour"]["distance"] == pytest.approx(0.25)
