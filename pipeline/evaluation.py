"""What the Evaluator measures and what it takes to bless a model."""

import tensorflow_model_analysis as tfma

from components import export, features

ACCURACY_METRIC = "sparse_categorical_accuracy"


def create_eval_config(accuracy_threshold: float, max_accuracy_drop: float) -> tfma.EvalConfig:
    """Accuracy gated absolutely and against the last blessed model; per-class precision and
    recall and a confusion matrix; overall and per species (each species' accuracy is its
    recall, which shows a model that gives up on one class)."""
    accuracy_gate = tfma.MetricThreshold(
        value_threshold=tfma.GenericValueThreshold(lower_bound={"value": accuracy_threshold}),
        # TFMA compares `candidate - baseline > absolute`; the epsilon makes an equal score pass.
        change_threshold=tfma.GenericChangeThreshold(
            direction=tfma.MetricDirection.HIGHER_IS_BETTER,
            absolute={"value": -max_accuracy_drop - 1e-10},
        ),
    )
    return tfma.EvalConfig(
        # The model's own compiled loss expects logits; the evaluate signature returns
        # probabilities, so TFMA's copy of that loss would be wrong. Only the metrics below.
        options=tfma.Options(include_default_metrics={"value": False}),
        model_specs=[
            tfma.ModelSpec(
                signature_name=export.EVALUATION_SIGNATURE,
                preprocessing_function_names=[export.TRANSFORM_SIGNATURE],
                label_key=features.transformed_name(features.LABEL_KEY),
            )
        ],
        slicing_specs=[tfma.SlicingSpec(), tfma.SlicingSpec(feature_keys=[features.LABEL_KEY])],
        metrics_specs=[
            tfma.MetricsSpec(
                metrics=[
                    tfma.MetricConfig(class_name="ExampleCount"),
                    tfma.MetricConfig(
                        class_name="SparseCategoricalAccuracy", threshold=accuracy_gate
                    ),
                    tfma.MetricConfig(class_name="MultiClassConfusionMatrixPlot"),
                ]
            ),
            tfma.MetricsSpec(
                binarize=tfma.BinarizationOptions(
                    class_ids={"values": list(range(features.NUM_CLASSES))}
                ),
                metrics=[
                    tfma.MetricConfig(class_name="Precision"),
                    tfma.MetricConfig(class_name="Recall"),
                ],
            ),
        ],
    )
