"""Choosing a run, metric deltas between runs, and threshold names, without a pipeline run."""

import dataclasses

import pytest
import tensorflow_model_analysis as tfma

from components.dataset_spec import CATEGORICAL, ONE_HOT, FeatureSpec
from pipeline.evaluation import create_eval_config
from pipeline.records.evaluation_results import (
    metric_name,
    per_class_precision_recall,
    slicing_spec_name,
)
from pipeline.records.run_record import RunNotFoundError, find_run, metric_deltas
from tests.conftest import IRIS_SPEC

RUNS = [
    {"number": 1, "run_id": "2026-11-20T10:00:00.1"},
    {"number": 2, "run_id": "2026-11-21T09:00:00.2"},
    {"number": 3, "run_id": "2026-11-21T11:30:00.3"},
]


@pytest.mark.parametrize(
    ("selector", "number"),
    [
        (None, 3),
        ("latest", 3),
        ("1", 1),
        ("3", 3),
        ("2026-11-20", 1),
        ("2026-11-21T11", 3),
    ],
)
def test_find_run_by_number_id_prefix_or_latest(selector, number):
    assert find_run(RUNS, selector)["number"] == number


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        ("4", "no run number 4: runs are numbered 1 to 3"),
        ("0", "no run number 0"),
        ("2025", "no run number 2025: runs are numbered 1 to 3"),
        ("2025-", "no run id starts with '2025-'"),
        ("2026-11-21", "'2026-11-21' matches 2 runs"),
        ("2026", "'2026' matches 3 runs"),
    ],
)
def test_find_run_says_why_nothing_matched(selector, message):
    with pytest.raises(RunNotFoundError, match=message):
        find_run(RUNS, selector)


def test_find_run_with_no_runs():
    with pytest.raises(RunNotFoundError, match="no runs recorded yet"):
        find_run([], None)


def test_metric_deltas_are_b_minus_a_and_none_where_either_is_missing():
    a = {
        "accuracy": 0.9,
        "slices": {"species=setosa": {"accuracy": 1.0}},
        "per_class": {"setosa": {"precision": 0.5, "recall": None}},
    }
    b = {
        "accuracy": 0.95,
        "slices": {"species=setosa": {"accuracy": 0.75}},
        "per_class": {"setosa": {"precision": 1.0, "recall": 1.0}},
    }
    deltas = {row["metric"]: row for row in metric_deltas(a, b)}
    assert deltas["accuracy"]["delta"] == pytest.approx(0.05)
    assert deltas["accuracy [species=setosa]"]["delta"] == pytest.approx(-0.25)
    assert deltas["precision [setosa]"] == {
        "metric": "precision [setosa]",
        "a": 0.5,
        "b": 1.0,
        "delta": 0.5,
    }
    assert deltas["recall [setosa]"]["delta"] is None
    assert list(deltas)[0] == "accuracy"


def test_threshold_names_match_what_tfma_reports():
    eval_config = create_eval_config(IRIS_SPEC, threshold=0.9, max_metric_drop=0.0)
    gated = [
        m for spec in eval_config.metrics_specs for m in spec.metrics if m.per_slice_thresholds
    ]
    assert [metric_name(m) for m in gated] == ["sparse_categorical_accuracy"]
    assert [slicing_spec_name(s) for s in gated[0].per_slice_thresholds[0].slicing_specs] == [
        "overall"
    ]
    named = tfma.MetricConfig(class_name="Precision", config='"name": "precision_at_1"')
    assert metric_name(named) == "precision_at_1"
    assert metric_name(tfma.MetricConfig(class_name="AUC")) == "auc"
    assert metric_name(tfma.MetricConfig(class_name="BinaryAccuracy")) == "binary_accuracy"


def test_per_class_precision_and_recall_come_from_the_confusion_matrix():
    # counts[actual][predicted]: 1 versicolor taken for virginica, 2 virginica for versicolor.
    confusion_matrix = {
        "classes": ["setosa", "versicolor", "virginica"],
        "counts": [[16, 0, 0], [0, 14, 1], [0, 2, 20]],
    }
    per_class = per_class_precision_recall(confusion_matrix)
    assert per_class["setosa"] == {"precision": 1.0, "recall": 1.0}
    assert per_class["versicolor"] == {"precision": 14 / 16, "recall": 14 / 15}
    assert per_class["virginica"] == {"precision": 20 / 21, "recall": 20 / 22}
    never_predicted = per_class_precision_recall(
        {"classes": ["a", "b"], "counts": [[3, 0], [2, 0]]}
    )
    assert never_predicted["b"] == {"precision": None, "recall": 0.0}


def test_a_multi_class_evaluation_does_not_binarize_rows_per_class():
    eval_config = create_eval_config(IRIS_SPEC, threshold=0.9, max_metric_drop=0.0)
    assert not any(spec.HasField("binarize") for spec in eval_config.metrics_specs)
    names = {metric_name(m) for spec in eval_config.metrics_specs for m in spec.metrics}
    assert names == {
        "example_count",
        "sparse_categorical_accuracy",
        "multi_class_confusion_matrix_plot",
    }


def test_a_binary_label_is_gated_on_auc_and_sliced_by_a_categorical_feature():
    binary = dataclasses.replace(
        IRIS_SPEC,
        label_classes=("no", "yes"),
        features=(*IRIS_SPEC.features, FeatureSpec("plan", CATEGORICAL, "BYTES", ONE_HOT, 3)),
    )
    eval_config = create_eval_config(binary, threshold=0.8, max_metric_drop=0.01)
    gated = [
        m for spec in eval_config.metrics_specs for m in spec.metrics if m.per_slice_thresholds
    ]
    assert [metric_name(m) for m in gated] == ["auc"]
    names = {metric_name(m) for spec in eval_config.metrics_specs for m in spec.metrics}
    assert {"precision", "recall", "binary_accuracy", "confusion_matrix_at_thresholds"} <= names
    assert [slicing_spec_name(s) for s in eval_config.slicing_specs] == [
        "overall",
        "each species",
        "each plan",
    ]
    assert slicing_spec_name(tfma.SlicingSpec(feature_keys=["species"])) == "each species"


def slice_key(**columns: str):
    from tensorflow_model_analysis.proto import metrics_for_slice_pb2

    key = metrics_for_slice_pb2.SliceKey()
    for column, value in columns.items():
        key.single_slice_keys.add(column=column, bytes_value=value.encode())
    return key


def test_a_threshold_covers_the_slices_its_slicing_spec_describes():
    from pipeline.records.evaluation_results import _spec_covers

    overall = tfma.SlicingSpec()
    each_species = tfma.SlicingSpec(feature_keys=["species"])
    setosa_only = tfma.SlicingSpec(feature_values={"species": "setosa"})
    assert _spec_covers(overall, slice_key())
    assert not _spec_covers(overall, slice_key(species="setosa"))
    assert _spec_covers(each_species, slice_key(species="virginica"))
    assert not _spec_covers(each_species, slice_key())
    assert _spec_covers(setosa_only, slice_key(species="setosa"))
    assert not _spec_covers(setosa_only, slice_key(species="virginica"))
