"""What the Evaluator measures and what it takes to bless a model, by the label's kind."""

import tensorflow_model_analysis as tfma

from components import features, signatures
from components.dataset_spec import CATEGORICAL, ONE_HOT, DatasetSpec

ACCURACY_METRIC = "sparse_categorical_accuracy"
BINARY_ACCURACY_METRIC = "binary_accuracy"
AUC_METRIC = "auc"
# A binary model predicts the positive class above this probability (as BinaryAccuracy,
# Precision and Recall count by default).
BINARY_THRESHOLD = 0.5
BINARY_CONFUSION_MATRIX = "confusion_matrix_at_thresholds"


def slice_feature(spec: DatasetSpec) -> str | None:
    """The categorical feature results are also sliced by: the first one-hot encoded one (a
    few values, each with rows enough to measure)."""
    return next(
        (f.name for f in spec.features if f.kind == CATEGORICAL and f.encoding == ONE_HOT), None
    )


def create_eval_config(
    spec: DatasetSpec, threshold: float, max_metric_drop: float
) -> tfma.EvalConfig:
    """Metrics overall, per class of the label, and per value of a categorical feature.

    Binary label: AUC, precision, recall, accuracy and the confusion matrix (at 0.5); AUC
    gates blessing. Multi-class: accuracy and the confusion matrix (of the class with the
    highest probability), from which evaluation_results reads each class's precision and
    recall; accuracy gates blessing. TFMA's own per-class metrics would binarize every row
    once per class and metric in Python: on a million rows, most of the Evaluator's time.

    The gate is `threshold` absolutely and at most `max_metric_drop` against the served model
    (the baseline), on the whole eval split only: a slice has too few rows (15-20 per Iris species,
    where one row moves accuracy by 5 points) to block a push on.
    """
    gate = tfma.MetricThreshold(
        value_threshold=tfma.GenericValueThreshold(lower_bound={"value": threshold}),
        # TFMA compares `candidate - baseline > absolute`; the epsilon makes an equal score pass.
        change_threshold=tfma.GenericChangeThreshold(
            direction=tfma.MetricDirection.HIGHER_IS_BETTER,
            absolute={"value": -max_metric_drop - 1e-10},
        ),
    )
    gated = [tfma.PerSliceMetricThreshold(slicing_specs=[tfma.SlicingSpec()], threshold=gate)]
    if spec.is_binary:
        metrics_specs = [
            tfma.MetricsSpec(
                metrics=[
                    tfma.MetricConfig(class_name="ExampleCount"),
                    tfma.MetricConfig(class_name="AUC", per_slice_thresholds=gated),
                    tfma.MetricConfig(class_name="Precision"),
                    tfma.MetricConfig(class_name="Recall"),
                    tfma.MetricConfig(class_name="BinaryAccuracy"),
                    tfma.MetricConfig(
                        class_name="ConfusionMatrixAtThresholds",
                        config=f'"thresholds": [{BINARY_THRESHOLD}]',
                    ),
                ]
            )
        ]
    else:
        metrics_specs = [
            tfma.MetricsSpec(
                metrics=[
                    tfma.MetricConfig(class_name="ExampleCount"),
                    tfma.MetricConfig(
                        class_name="SparseCategoricalAccuracy", per_slice_thresholds=gated
                    ),
                    tfma.MetricConfig(class_name="MultiClassConfusionMatrixPlot"),
                ]
            ),
        ]
    slicing_specs = [tfma.SlicingSpec(), tfma.SlicingSpec(feature_keys=[spec.label])]
    if (sliced_by := slice_feature(spec)) is not None:
        slicing_specs.append(tfma.SlicingSpec(feature_keys=[sliced_by]))
    return tfma.EvalConfig(
        # The model's own compiled loss expects logits; the evaluate signature returns
        # probabilities, so TFMA's copy of that loss would be wrong. Only the metrics above.
        options=tfma.Options(include_default_metrics={"value": False}),
        model_specs=[
            tfma.ModelSpec(
                signature_name=signatures.EVALUATION_SIGNATURE,
                preprocessing_function_names=[signatures.TRANSFORM_SIGNATURE],
                label_key=features.transformed_name(spec.label),
            )
        ],
        slicing_specs=slicing_specs,
        metrics_specs=metrics_specs,
    )
