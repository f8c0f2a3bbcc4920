"""What the Evaluator found, read back: threshold and metric names as TFMA reports them,
precision and recall from the confusion matrix, and failed thresholds in words."""

import dataclasses

import tensorflow_model_analysis as tfma
from google.protobuf import text_format
from tensorflow_model_analysis.proto import metrics_for_slice_pb2, validation_result_pb2

from components.dataset_spec import CATEGORICAL, ONE_HOT, FeatureSpec
from pipeline.evaluation import create_eval_config
from pipeline.records.evaluation_results import (
    describe_failure,
    metric_name,
    per_class_precision_recall,
    slicing_spec_name,
)
from tests.conftest import IRIS_SPEC


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


def failure_of(text_proto: str) -> validation_result_pb2.ValidationFailure:
    return text_format.Parse(text_proto, validation_result_pb2.ValidationFailure())


def test_value_threshold_failure_names_metric_value_bound_and_slice():
    failure = failure_of("""
        metric_key { name: "sparse_categorical_accuracy" }
        metric_threshold { value_threshold { lower_bound { value: 0.9 } } }
        metric_value { double_value { value: 0.849056 } }
    """)
    assert describe_failure(metrics_for_slice_pb2.SliceKey(), failure) == (
        "sparse_categorical_accuracy 0.8491 < 0.9 (overall)"
    )


def test_change_threshold_failure_names_the_drop_and_the_slice():
    failure = failure_of("""
        metric_key { name: "sparse_categorical_accuracy" is_diff: true }
        metric_threshold { change_threshold { absolute { value: -1e-10 } } }
        metric_value { double_value { value: -0.0377 } }
    """)
    slice_key = metrics_for_slice_pb2.SliceKey(
        single_slice_keys=[
            metrics_for_slice_pb2.SingleSliceKey(column="species", bytes_value=b"virginica")
        ]
    )
    assert describe_failure(slice_key, failure) == (
        "sparse_categorical_accuracy dropped 0.0377 below the served model's, "
        "more than the 0 allowed (species=virginica)"
    )
