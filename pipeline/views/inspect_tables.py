"""`python -m pipeline inspect`: a run's record (records/run_record.py) as terminal tables.

Rich reads square brackets as markup, and the data has them (the metric "accuracy
[species=setosa]", a description quoting a value): every piece of data goes through `_text`,
which escapes it, and only this module's own styles are markup. Rich also reads `:name:` as an
emoji and colours what looks like a number: `terminal_console` turns both off.
"""

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pipeline.nodes import EVALUATOR, STATISTICS_GEN
from pipeline.records.run_record import (
    FAILED,
    FAILED_STATES,
    INCOMPLETE,
    SUCCEEDED,
    Blessing,
    ExportedModel,
    NodeResult,
    PushedModel,
    RunComparison,
    RunOverview,
    RunRecord,
    RunSchema,
    Training,
)
from pipeline.records.schema import describe_schema_value

# A run's state in the runs list, and a node's (ML Metadata's execution states).
STATE_STYLES = {
    SUCCEEDED: "green",
    FAILED: "bold red",
    INCOMPLETE: "yellow",
    "COMPLETE": "green",
    "CACHED": "cyan",
    **dict.fromkeys(FAILED_STATES, "bold red"),
}


def terminal_console(**options) -> Console:
    """The console `inspect` prints to: `:name:` emoji codes in the data print as typed, and
    rich does not restyle what looks like a number, path or URL in it."""
    return Console(emoji=False, highlight=False, **options)


def print_runs(console: Console, runs: list[RunOverview], selected: str | None = None) -> None:
    table = Table(title="Runs", title_justify="left")
    for column in ("#", "run id", "started", "state", "seconds"):
        table.add_column(column, justify="right" if column in ("#", "seconds") else "left")
    for run in runs:
        marker = " ◂" if run.run_id == selected else ""
        table.add_row(
            str(run.number),
            _text(run.run_id) + marker,
            _text(run.started),
            _styled(run.state),
            f"{run.seconds:.1f}",
        )
    console.print(table)


def print_record(console: Console, record: RunRecord) -> None:
    """Every section of a run's record, in pipeline order."""
    run = record.run
    console.rule(f"Run {run.number}: {_text(run.run_id)}")
    console.print(
        f"{_styled(run.state)}, {run.seconds:.1f} s, started {_text(run.started)}; "
        f"pipeline {_text(record.pipeline)}, outputs in {_text(record.output_dir)}"
    )
    unavailable = record.unavailable
    _print_nodes(console, record.nodes)
    _print_statistics(console, record.statistics, unavailable.get("statistics"))
    _print_schema(console, record.schema, unavailable.get("schema"))
    _print_anomalies(console, record.anomalies, unavailable.get("anomalies"))
    _print_metrics(console, record.metrics, unavailable.get("metrics"))
    _print_blessing(console, record.blessing, record.pushed_model)
    _print_training(console, record.training, record.model, unavailable)
    console.print(
        "Versions: " + ", ".join(f"{_text(name)} {_text(v)}" for name, v in record.versions.items())
    )


def _print_nodes(console: Console, nodes: dict[str, NodeResult]) -> None:
    table = Table(title="Nodes", title_justify="left")
    table.add_column("node")
    table.add_column("state")
    table.add_column("seconds", justify="right")
    for node, result in nodes.items():
        seconds = "" if result.seconds is None else f"{result.seconds:.1f}"
        table.add_row(_text(node), _styled(result.state), seconds)
    console.print(table)


def _print_statistics(
    console: Console, statistics: dict[str, dict[str, Any]], unavailable: str | None
) -> None:
    """Per split: numeric features with their moments, then categorical ones with top values."""
    if unavailable:
        console.print(f"Statistics: unavailable ({_text(unavailable)})")
        return
    if not statistics:
        console.print(f"Statistics: none ({STATISTICS_GEN} did not complete)")
        return
    for split, dataset in statistics.items():
        numeric = {n: f for n, f in dataset["features"].items() if "mean" in f}
        categorical = {n: f for n, f in dataset["features"].items() if "mean" not in f}
        title = f"Statistics: {_text(split)}, {dataset['rows']} rows"
        if numeric:
            table = Table(title=f"{title}, numeric features", title_justify="left")
            for column in ("feature", "type", "missing %", "mean", "std", "min", "max"):
                table.add_column(
                    column, justify="left" if column in ("feature", "type") else "right"
                )
            for name, feature in numeric.items():
                moments = (feature[key] for key in ("mean", "std", "min", "max"))
                table.add_row(
                    _text(name),
                    _text(feature["type"]),
                    f"{feature['missing_percent']:.1f}",
                    *(f"{v:.3f}" for v in moments),
                )
            console.print(table)
        if categorical:
            table = Table(title=f"{title}, categorical features", title_justify="left")
            for column in ("feature", "type", "missing %", "unique", "top values (count)"):
                table.add_column(column, justify="right" if column[0] in "mu" else "left")
            for name, feature in categorical.items():
                top = ", ".join(
                    f"{value['value']} ({value['count']:.0f})"
                    for value in feature.get("top_values", [])
                )
                table.add_row(
                    _text(name),
                    _text(feature["type"]),
                    f"{feature['missing_percent']:.1f}",
                    _text(feature.get("unique", "")),
                    _text(top),
                )
            console.print(table)


def _print_schema(console: Console, schema: RunSchema | None, unavailable: str | None) -> None:
    if schema is None:
        console.print(
            f"Schema: unavailable ({_text(unavailable)})" if unavailable else "Schema: none"
        )
        return
    if schema.origin:
        console.print(f"Validated against: {_text(schema.origin.description)}")
    table = Table(title=f"Schema: {_text(schema.source)}", title_justify="left")
    for column in ("feature", "type", "presence", "domain", "environments", "drift, skew"):
        table.add_column(column)
    for name, feature in schema.features.items():
        table.add_row(
            _text(name),
            _text(feature["type"]),
            _text(feature["presence"]),
            _text(feature["domain"] or ""),
            _text(describe_schema_value("environments", feature["environments"])),
            _text(describe_schema_value("thresholds", feature["thresholds"])),
        )
    console.print(table)
    differences = schema.differences_from_inferred
    if not schema.curated:
        return
    if unavailable:  # the schema inferred from the run's data, to compare with
        console.print(f"Comparison with the inferred schema: unavailable ({_text(unavailable)})")
        return
    if not differences:
        console.print("The curated schema matches the one inferred from this run's data.")
        return
    table = Table(title="Curated schema vs inferred from this run's data", title_justify="left")
    for column in ("feature", "field", "curated", "inferred"):
        table.add_column(column)
    for difference in differences:
        table.add_row(
            _text(difference["feature"]),
            _text(difference["field"]),
            _text(describe_schema_value(difference["field"], difference["used"])),
            _text(describe_schema_value(difference["field"], difference["inferred"])),
        )
    console.print(table)


def _print_anomalies(
    console: Console, anomalies: list[dict[str, str]], unavailable: str | None
) -> None:
    if unavailable:
        console.print(f"Anomalies: unavailable ({_text(unavailable)})")
        return
    if not anomalies:
        console.print("[green]Anomalies: none[/green]")
        return
    table = Table(title=f"Anomalies: {len(anomalies)}", title_justify="left", style="red")
    for column in ("split", "feature", "kind", "severity", "description"):
        table.add_column(column)
    for anomaly in anomalies:
        table.add_row(
            *(_text(anomaly[key]) for key in ("split", "feature", "kind", "severity")),
            _text(anomaly["description"]),
        )
    console.print(table)


def _print_metrics(console: Console, metrics: dict[str, Any], unavailable: str | None) -> None:
    if unavailable:
        console.print(f"Evaluation: unavailable ({_text(unavailable)})")
        return
    if not metrics:
        console.print(f"Evaluation: none (the {EVALUATOR} did not complete)")
        return
    auc = f", AUC {_number(metrics['auc'])}" if metrics.get("auc") is not None else ""
    line = (
        f"Evaluation: accuracy {_number(metrics['accuracy'])}{auc} "
        f"on {metrics['example_count']:.0f} eval rows"
    )
    if baseline := metrics.get("baseline"):
        line += (
            f"; the served model had {_number(baseline['accuracy'])} "
            f"(change {_signed(baseline['accuracy_change'])})"
        )
    console.print(line)
    table = Table(title="Per class", title_justify="left")
    for column in ("class", "precision", "recall"):
        table.add_column(column, justify="left" if column == "class" else "right")
    for name, values in metrics.get("per_class", {}).items():
        table.add_row(_text(name), _number(values["precision"]), _number(values["recall"]))
    console.print(table)
    table = Table(title="Per slice", title_justify="left")
    for column in ("slice", "accuracy", "rows"):
        table.add_column(column, justify="left" if column == "slice" else "right")
    for name, values in metrics["slices"].items():
        table.add_row(_text(name), _number(values["accuracy"]), f"{values['example_count']:.0f}")
    console.print(table)
    if matrix := metrics.get("confusion_matrix"):
        table = Table(
            title="Confusion matrix (rows: actual, columns: predicted)", title_justify="left"
        )
        table.add_column("actual \\ predicted")
        for name in matrix["classes"]:
            table.add_column(_text(name), justify="right")
        for name, row in zip(matrix["classes"], matrix["counts"], strict=True):
            table.add_row(_text(name), *(str(count) for count in row))
        console.print(table)


def _print_blessing(
    console: Console, blessing: Blessing | None, pushed: PushedModel | None
) -> None:
    if blessing is None:
        console.print(f"Blessing: none (the {EVALUATOR} did not complete)")
    else:
        verdict = "[green]BLESSED[/green]" if blessing.blessed else "[red]NOT BLESSED[/red]"
        table = Table(title="Blessing thresholds", title_justify="left")
        for column in ("requirement", "slice", "value", "outcome"):
            table.add_column(column, justify="right" if column == "value" else "left")
        for threshold in blessing.thresholds:
            value = threshold["value"]
            shown = _number(value) if threshold["kind"] == "value" else _signed(value)
            outcome = "[green]passed[/green]" if threshold["passed"] else "[red]failed[/red]"
            table.add_row(
                _text(threshold["requirement"]), _text(threshold["slice"]), shown, outcome
            )
        console.print(table)
        console.print(f"Blessing: {verdict}: {_text(blessing.reason)}")
    if pushed:
        console.print(f"Pushed model: version {_text(pushed.version)} at {_text(pushed.path)}")
    else:
        console.print("Pushed model: none in this run")


def _print_training(
    console: Console,
    training: Training | None,
    model: ExportedModel | None,
    unavailable: dict[str, str],
) -> None:
    for part, title in (("training", "Training"), ("model", "Exported model")):
        if part in unavailable:
            console.print(f"{title}: unavailable ({_text(unavailable[part])})")
    if training:
        curves = training.curves
        finals = [
            f"{phase} {metric} {values[-1]:.4f}"
            for phase, by_metric in curves.items()
            for metric, values in by_metric.items()
            if values
        ]
        epochs = max((len(v) for m in curves.values() for v in m.values()), default=0)
        console.print(f"Training: {epochs} epochs; last epoch: " + _text(", ".join(finals)))
        if training.hyperparameters:
            console.print(
                "Hyperparameters: "
                + _text(", ".join(f"{k}={v}" for k, v in training.hyperparameters.items()))
            )
    if model:
        serving = model.signatures.get("serving_default")
        if serving:
            inputs = ", ".join(f"{k}: {v}" for k, v in serving["inputs"].items())
            outputs = ", ".join(f"{k}: {v}" for k, v in serving["outputs"].items())
            console.print(_text(f"serving_default: ({inputs}) -> {outputs}"))


def print_comparison(console: Console, comparison: RunComparison) -> None:
    """Statistics drift and metric deltas from run A to run B."""
    a, b = comparison.run_a, comparison.run_b
    console.rule(f"Run {a.number} ({_text(a.run_id)}) -> run {b.number} ({_text(b.run_id)})")
    table = Table(title="Statistics drift (B vs A)", title_justify="left")
    for column in ("split", "feature", "rows A", "rows B", "mean A", "mean B", "distance"):
        table.add_column(column, justify="left" if column in ("split", "feature") else "right")
    for row in comparison.statistics_drift:
        if "change" in row:
            distance = row["change"]
        elif row["distance"] is None:
            distance = "n/a"
        else:
            kind = "JS" if row["distance_kind"] == "jensen_shannon" else "L-inf"
            distance = f"{kind} {row['distance']:.4f}"
        table.add_row(
            _text(row["split"]),
            _text(row["feature"]),
            str(row["rows_a"]),
            str(row["rows_b"]),
            _number(row.get("mean_a")),
            _number(row.get("mean_b")),
            _text(distance),
        )
    console.print(table)
    table = Table(title="Metric deltas (B - A)", title_justify="left")
    for column in ("metric", "A", "B", "B - A"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for row in comparison.metric_deltas:
        table.add_row(
            _text(row["metric"]), _number(row["a"]), _number(row["b"]), _signed(row["delta"])
        )
    console.print(table)


def _text(value: object) -> str:
    """A piece of data as rich markup that shows it as it is."""
    return escape(str(value))


def _styled(state: str) -> str:
    style = STATE_STYLES.get(state)
    return f"[{style}]{_text(state)}[/{style}]" if style else _text(state)


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _signed(value: float | None) -> str:
    return "" if value is None else f"{value:+.4f}"
