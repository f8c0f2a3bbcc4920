"""What the Evaluator found, read back from its output: metrics overall, per slice and per
class, the confusion matrix, the comparison with the served model (the baseline), and which
blessing thresholds passed or failed."""

import math
import re
from typing import Any

from pipeline.evaluation import (
    ACCURACY_METRIC,
    AUC_METRIC,
    BINARY_ACCURACY_METRIC,
    BINARY_CONFUSION_MATRIX,
)

CONFUSION_MATRIX_PLOT = "multi_class_confusion_matrix_plot"
# TFMA names the models "candidate" and "baseline" when it compares two, "" otherwise.
CANDIDATE_MODEL_NAMES = ("", "candidate")
BASELINE_MODEL_NAME = "baseline"


def read_metrics(evaluation_uri: str, class_names: list[str]) -> dict[str, Any]:
    """Accuracy and example count overall and per slice; AUC for a binary label; the overall
    confusion matrix; precision and recall per class (from the confusion matrix; of the
    positive class only, for a binary label); every overall metric by name; and, when a
    blessed model was compared, its accuracy and each metric's change against it."""
    import tensorflow_model_analysis as tfma

    metrics: dict[str, Any] = {"slices": {}, "confusion_matrix": None}
    for per_slice in tfma.load_metrics(evaluation_uri):
        values = {
            (kv.key.name, kv.key.model_name, kv.key.is_diff, _class_id(kv.key.sub_key)): _value(
                kv.value
            )
            for kv in per_slice.metric_keys_and_values
        }
        candidate = next(
            (
                model
                for model in CANDIDATE_MODEL_NAMES
                if ("example_count", model, False, None) in values
            ),
            "",
        )
        accuracy_name = (
            BINARY_ACCURACY_METRIC
            if (BINARY_ACCURACY_METRIC, candidate, False, None) in values
            else ACCURACY_METRIC
        )
        slice_metrics = {
            "accuracy": values.get((accuracy_name, candidate, False, None)),
            "example_count": values.get(("example_count", candidate, False, None)),
        }
        if per_slice.slice_key.single_slice_keys:
            metrics["slices"][slice_name(per_slice.slice_key)] = slice_metrics
            continue
        metrics.update(slice_metrics)
        metrics["auc"] = values.get((AUC_METRIC, candidate, False, None))
        metrics["overall"] = {
            name: value
            for (name, model, is_diff, class_id), value in values.items()
            if model == candidate and not is_diff and class_id is None
        }
        if accuracy_name == BINARY_ACCURACY_METRIC:
            metrics["confusion_matrix"] = _binary_confusion_matrix(per_slice, class_names)
            # The binary metrics are those of the positive class, the second.
            metrics["per_class"] = {
                class_names[1]: {
                    "precision": values.get(("precision", candidate, False, None)),
                    "recall": values.get(("recall", candidate, False, None)),
                }
            }
        metrics["baseline"] = (
            None
            if (accuracy_name, BASELINE_MODEL_NAME, False, None) not in values
            else {
                "accuracy": values.get((accuracy_name, BASELINE_MODEL_NAME, False, None)),
                "accuracy_change": values.get((accuracy_name, candidate, True, None)),
                "changes": {
                    name: value
                    for (name, model, is_diff, class_id), value in values.items()
                    if model == candidate and is_diff and class_id is None
                },
            }
        )
    if metrics["confusion_matrix"] is None:
        metrics["confusion_matrix"] = read_confusion_matrix(evaluation_uri, class_names)
        if metrics["confusion_matrix"]:
            metrics["per_class"] = per_class_precision_recall(metrics["confusion_matrix"])
    return metrics


def per_class_precision_recall(confusion_matrix: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each class's precision (of the rows predicted to be it, the share that are) and recall
    (of its rows, the share predicted to be it) from counts[actual][predicted]; None where
    nothing was predicted to be, or is, the class."""
    counts = confusion_matrix["counts"]
    per_class = {}
    for index, class_name in enumerate(confusion_matrix["classes"]):
        correct = counts[index][index]
        predicted = sum(row[index] for row in counts)
        actual = sum(counts[index])
        per_class[class_name] = {
            "precision": correct / predicted if predicted else None,
            "recall": correct / actual if actual else None,
        }
    return per_class


def _binary_confusion_matrix(per_slice, class_names: list[str]) -> dict[str, Any] | None:
    """counts[actual][predicted] of a binary model at its threshold, negative class first."""
    for kv in per_slice.metric_keys_and_values:
        if kv.key.name == BINARY_CONFUSION_MATRIX and kv.key.model_name in CANDIDATE_MODEL_NAMES:
            matrix = kv.value.confusion_matrix_at_thresholds.matrices[0]
            counts = [
                [matrix.true_negatives, matrix.false_positives],
                [matrix.false_negatives, matrix.true_positives],
            ]
            return {
                "classes": list(class_names),
                "counts": [[round(count) for count in row] for row in counts],
            }
    return None


def read_confusion_matrix(evaluation_uri: str, class_names: list[str]) -> dict[str, Any] | None:
    """The overall confusion matrix of the candidate: counts[actual][predicted]."""
    import tensorflow_model_analysis as tfma

    for per_slice in tfma.load_plots(evaluation_uri):
        if per_slice.slice_key.single_slice_keys:
            continue
        for kv in per_slice.plot_keys_and_values:
            if (
                kv.key.name != CONFUSION_MATRIX_PLOT
                or kv.key.model_name not in CANDIDATE_MODEL_NAMES
            ):
                continue
            counts = [[0] * len(class_names) for _ in class_names]
            matrix = kv.value.multi_class_confusion_matrix_at_thresholds.matrices[0]
            for entry in matrix.entries:
                actual, predicted = entry.actual_class_id, entry.predicted_class_id
                if 0 <= actual < len(class_names) and 0 <= predicted < len(class_names):
                    counts[actual][predicted] += round(entry.num_weighted_examples)
            return {"classes": list(class_names), "counts": counts}
    return None


def _class_id(sub_key) -> int | None:
    """The class a per-class metric is about (an evaluation made before per-class precision
    and recall came from the confusion matrix has them); None for a metric of the model."""
    return sub_key.class_id.value if sub_key.HasField("class_id") else None


def _value(metric_value) -> float | None:
    """A metric's value as a float; None where undefined (e.g. precision with no positives)."""
    if not metric_value.HasField("double_value"):
        return None
    value = metric_value.double_value.value
    return None if math.isnan(value) else value


def read_blessing(evaluation_uri: str, blessed: bool, metrics: dict[str, Any]) -> dict[str, Any]:
    """Whether the model was blessed, every threshold that took part with its value and
    outcome, and the reason in words (the failed thresholds, when not blessed)."""
    import tensorflow_model_analysis as tfma

    eval_config = tfma.writers.eval_config_writer.load_eval_run(evaluation_uri)[0]
    validation = tfma.load_validation_result(evaluation_uri)
    thresholds = []
    for spec in eval_config.metrics_specs:
        for metric in spec.metrics:
            name = metric_name(metric)
            for per_slice in metric.per_slice_thresholds:
                for slicing_spec in per_slice.slicing_specs:
                    failed = {
                        failure.metric_key.is_diff
                        for result in validation.metric_validations_per_slice
                        if _spec_covers(slicing_spec, result.slice_key)
                        for failure in result.failures
                        if failure.metric_key.name == name
                    }
                    thresholds.extend(
                        _threshold_rows(
                            name, slicing_spec_name(slicing_spec), per_slice.threshold, metrics,
                            failed,
                        )
                    )  # fmt: skip
    compared = metrics.get("baseline") is not None
    if blessed:
        # With a baseline, the change threshold's row says how it compared.
        unchecked = "" if compared else " (no blessed model yet to compare with)"
        reason = "passed " + "; ".join(t["description"] for t in thresholds) + unchecked
    else:
        failures = [
            describe_failure(per_slice.slice_key, failure)
            for per_slice in validation.metric_validations_per_slice
            for failure in per_slice.failures
        ]
        reason = "; ".join(failures) or "validation failed (see the Evaluator's output)"
    return {
        "blessed": blessed,
        "reason": reason,
        "thresholds": thresholds,
        "compared_with_baseline": compared,
    }


def _spec_covers(slicing_spec, slice_key) -> bool:
    """Whether a slice of TFMA's results is one of those a SlicingSpec describes."""
    columns = {
        key.column: getattr(key, key.WhichOneof("kind")) for key in slice_key.single_slice_keys
    }
    wanted = set(slicing_spec.feature_keys) | set(slicing_spec.feature_values)
    if set(columns) != wanted:
        return False
    return all(
        (v.decode() if isinstance(v := columns[k], bytes) else str(v)) == value
        for k, value in slicing_spec.feature_values.items()
    )


def _threshold_rows(name, where, threshold, metrics, failed) -> list[dict[str, Any]]:
    """One row per bound of a metric threshold: what it requires, the value, and the outcome.
    `failed` holds False if the metric's value failed in a slice the threshold covers, True if
    its change against the baseline did."""
    overall = where == "overall"
    rows = []
    value_threshold = threshold.value_threshold
    for field, sign in (("lower_bound", ">="), ("upper_bound", "<=")):
        if value_threshold.HasField(field):
            bound = getattr(value_threshold, field).value
            value = metrics.get("overall", {}).get(name) if overall else None
            rows.append(
                {
                    "metric": name,
                    "slice": where,
                    "kind": "value",
                    "requirement": f"{name} {sign} {bound:g}",
                    "bound": bound,
                    "value": value,
                    "passed": False not in failed,
                }
            )
    change = threshold.change_threshold
    if change.HasField("absolute") and metrics.get("baseline") is not None:
        # The bound is -(allowed drop) - 1e-10, so that an equal score passes.
        allowed_drop = round(-change.absolute.value, 6)
        value = metrics["baseline"].get("changes", {}).get(name) if overall else None
        rows.append(
            {
                "metric": name,
                "slice": where,
                "kind": "change against the served model",
                "requirement": f"{name} drops by at most {allowed_drop:g}",
                "bound": -allowed_drop,
                "value": value,
                "passed": True not in failed,
            }
        )
    for row in rows:
        value_format = "+.4f" if row["kind"] != "value" else ".4f"
        shown = "n/a" if row["value"] is None else format(row["value"], value_format)
        row["description"] = f"{row['requirement']} ({where}: {shown})"
    return rows


def metric_name(metric_config) -> str:
    """The name a metric's results go by: its configured name, else its class in snake_case
    (as TFMA and Keras name them, e.g. SparseCategoricalAccuracy -> sparse_categorical_accuracy,
    AUC -> auc)."""
    if match := re.search(r'"name"\s*:\s*"([^"]+)"', metric_config.config):
        return match.group(1)
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", metric_config.class_name).lower()


def slicing_spec_name(slicing_spec) -> str:
    """'overall', 'species=setosa', or 'each species' for a TFMA SlicingSpec."""
    parts = [f"{key}={value}" for key, value in sorted(slicing_spec.feature_values.items())]
    parts += [f"each {key}" for key in slicing_spec.feature_keys]
    return ", ".join(parts) or "overall"


def describe_failure(slice_key, failure) -> str:
    """One failed blessing threshold in words, e.g. 'sparse_categorical_accuracy 0.8491 < 0.9
    (overall)'. Takes a SliceKey and a ValidationFailure proto from TFMA's validation result."""
    where = slice_name(slice_key)
    name = failure.metric_key.name
    value = failure.metric_value.double_value.value
    threshold = failure.metric_threshold
    if failure.metric_key.is_diff:
        # The threshold is -(allowed drop) - 1e-10, so that an equal score passes.
        allowed_drop = round(-threshold.change_threshold.absolute.value, 6)
        return (
            f"{name} dropped {-value:.4f} below the served model's, more than the "
            f"{allowed_drop:g} allowed ({where})"
        )
    if threshold.value_threshold.HasField("lower_bound"):
        return f"{name} {value:.4f} < {threshold.value_threshold.lower_bound.value:g} ({where})"
    return f"{name} {value:.4f} outside its threshold ({where})"


def slice_name(slice_key) -> str:
    """'species=setosa' for a TFMA SliceKey proto, 'overall' for the whole dataset."""
    parts = []
    for key in slice_key.single_slice_keys:
        value = getattr(key, key.WhichOneof("kind"))
        parts.append(f"{key.column}={value.decode() if isinstance(value, bytes) else value}")
    return ", ".join(parts) or "overall"
