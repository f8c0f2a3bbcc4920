"""What the Evaluator measures and what it takes to bless a model."""

import tensorflow_model_analysis as tfma

from components import features, signatures

ACCURACY_METRIC = "sparse_categorical_accuracy"
# Per-class precision and recall count a row as predicted to be a class when that class has
# the highest probability (top 1, as accuracy does), not when its probability passes 0.5.
PER_CLASS_TOP_K = 1


def create_eval_config(accuracy_threshold: float, max_accuracy_drop: float) -> tfma.EvalConfig:
    """Accuracy gated absolutely and against the last blessed model; per-class precision and
    recall and a confusion matrix; overall and per species (each species' accuracy is its
    recall, which shows a model that gives up on one class).

    Only overall accuracy gates blessing: a species slice has 15-20 eval rows, where one row
    moves accuracy by 5 points, too few to block a push on.
    """
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
                signature_name=signatures.EVALUATION_SIGNATURE,
                preprocessing_function_names=[signatures.TRANSFORM_SIGNATURE],
                label_key=features.transformed_name(features.LABEL_KEY),
            )
        ],
        slicing_specs=[tfma.SlicingSpec(), tfma.SlicingSpec(feature_keys=[features.LABEL_KEY])],
        metrics_specs=[
            tfma.MetricsSpec(
                metrics=[
                    tfma.MetricConfig(class_name="ExampleCount"),
                    tfma.MetricConfig(
                        class_name="SparseCategoricalAccuracy",
                        per_slice_thresholds=[
                            tfma.PerSliceMetricThreshold(
                                slicing_specs=[tfma.SlicingSpec()], threshold=accuracy_gate
                            )
                        ],
                    ),
                    tfma.MetricConfig(class_name="MultiClassConfusionMatrixPlot"),
                ]
            ),
            tfma.MetricsSpec(
                binarize=tfma.BinarizationOptions(
                    class_ids={"values": list(range(features.NUM_CLASSES))}
                ),
                metrics=[
                    tfma.MetricConfig(class_name=name, config=f'"top_k": {PER_CLASS_TOP_K}')
                    for name in ("Precision", "Recall")
                ],
            ),
        ],
    )
