"""`python -m pipeline report --html FILE`: one self-contained HTML page of what a run found.

Everything is inline (CSS and SVG charts, no JavaScript) and a Content-Security-Policy forbids
fetching anything, so the page looks the same offline, attached to a ticket or in a sandbox.
"""

import datetime
import os
from typing import Any

import jinja2
from markupsafe import Markup

from pipeline import nodes
from pipeline.evaluation import ACCURACY_METRIC, BINARY_ACCURACY_METRIC
from pipeline.records.run_record import FAILED, FAILED_STATES, Blessing, RunRecord
from pipeline.records.schema import describe_schema_value
from pipeline.views import charts

TEMPLATE = "report.html.jinja"


def build_report(record: RunRecord) -> str:
    """The report's HTML for a run record (see records/runs.py read_run_record)."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(os.path.join(os.path.dirname(__file__), "templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["schema_value"] = lambda value, field: describe_schema_value(field, value)
    return environment.get_template(TEMPLATE).render(
        record=record,
        node_ids=nodes,
        charts=_charts(record),
        verdict=_verdict(record),
        generated=datetime.datetime.now().isoformat(sep=" ", timespec="seconds"),
    )


def write_report(record: RunRecord, path: str) -> int:
    """Write the report to `path`; return its size in bytes."""
    page = build_report(record).encode("utf-8")
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    with open(path, "wb") as f:
        f.write(page)
    return len(page)


def _verdict(record: RunRecord) -> dict[str, str]:
    """The one line a reader wants first, and its tone (good, warn, bad)."""
    run, blessing, pushed = record.run, record.blessing, record.pushed_model
    if run.state == FAILED:
        failed = [n for n, r in record.nodes.items() if r.state in FAILED_STATES]
        return {"tone": "bad", "text": f"Run failed at {', '.join(failed) or 'an unknown node'}"}
    if blessing is None:
        return {"tone": "warn", "text": f"Run {run.state}: no evaluation"}
    if blessing.blessed and pushed:
        return {"tone": "good", "text": f"Blessed and pushed as version {pushed.version}"}
    if blessing.blessed:
        return {"tone": "good", "text": "Blessed (not pushed in this run)"}
    return {"tone": "bad", "text": "Not blessed: nothing pushed"}


def _charts(record: RunRecord) -> dict[str, Any]:
    """Every chart of the report, as SVG markup safe to insert."""
    drawn: dict[str, Any] = {"features": {}, "categorical": {}}
    drawn["nodes"] = Markup(
        charts.grouped_bars(
            "Seconds per node",
            list(record.nodes),
            {"seconds": [result.seconds for result in record.nodes.values()]},
            value_format="{:.1f} s",
        )
    )
    statistics = record.statistics
    splits = list(statistics)
    feature_names = sorted({name for split in statistics.values() for name in split["features"]})
    for name in feature_names:
        per_split = {s: statistics[s]["features"].get(name) for s in splits}
        if any(f and "histogram" in f for f in per_split.values()):
            drawn["features"][name] = Markup(
                charts.overlaid_histograms(
                    f"{name}: distribution per split",
                    {s: f["histogram"] for s, f in per_split.items() if f and "histogram" in f},
                )
            )
        elif any(f and "top_values" in f for f in per_split.values()):
            values = []
            for feature in per_split.values():
                for top in (feature or {}).get("top_values", []):
                    if top["value"] not in values:
                        values.append(top["value"])
            drawn["categorical"][name] = Markup(
                charts.grouped_bars(
                    f"{name}: share of rows per split",
                    values,
                    {s: _shares(per_split[s], statistics[s]["rows"], values) for s in splits},
                    maximum=1.0,
                    value_format="{:.1%}",
                )
            )
    if feature_names:
        drawn["missing"] = Markup(
            charts.grouped_bars(
                "Missing values per feature (% of rows)",
                feature_names,
                {
                    s: [
                        (statistics[s]["features"].get(n) or {}).get("missing_percent")
                        for n in feature_names
                    ]
                    for s in splits
                },
                maximum=100.0,
                value_format="{:.1f}%",
            )
        )
    metrics = record.metrics
    if metrics:
        classes = list(metrics["per_class"])
        drawn["per_class"] = Markup(
            charts.grouped_bars(
                "Precision and recall per class",
                classes,
                {
                    "precision": [metrics["per_class"][c]["precision"] for c in classes],
                    "recall": [metrics["per_class"][c]["recall"] for c in classes],
                },
                maximum=1.0,
            )
        )
        slices = {"overall": metrics["accuracy"]}
        slices.update({name: m["accuracy"] for name, m in metrics["slices"].items()})
        drawn["slices"] = Markup(
            charts.grouped_bars(
                "Accuracy per slice",
                list(slices),
                {"accuracy": list(slices.values())},
                maximum=1.0,
                reference=_accuracy_threshold(record.blessing),
            )
        )
        if matrix := metrics.get("confusion_matrix"):
            drawn["confusion_matrix"] = Markup(
                charts.confusion_matrix(
                    "Confusion matrix on the eval split", matrix["classes"], matrix["counts"]
                )
            )
    training = record.training
    if training and training.curves:
        curves = training.curves
        for metric in ("loss", "accuracy"):
            drawn[f"training_{metric}"] = Markup(
                charts.line_chart(
                    f"Training {metric} per epoch",
                    {phase: by_metric.get(metric, []) for phase, by_metric in curves.items()},
                    x_label="epoch",
                )
            )
    return drawn


def _shares(feature: dict[str, Any] | None, rows: int, values: list[str]) -> list[float | None]:
    if not feature or not rows:
        return [None] * len(values)
    counts = {top["value"]: top["count"] for top in feature.get("top_values", [])}
    return [counts.get(value, 0) / rows for value in values]


def _accuracy_threshold(blessing: Blessing | None) -> float | None:
    """The absolute accuracy bound of blessing, drawn as a line on the slice chart."""
    for threshold in blessing.thresholds if blessing else []:
        if threshold["kind"] == "value" and threshold["metric"] in (
            ACCURACY_METRIC,
            BINARY_ACCURACY_METRIC,
        ):
            return threshold["bound"]
    return None
