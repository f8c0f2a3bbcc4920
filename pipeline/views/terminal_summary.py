"""The end-of-run summary for the terminal, ending with the commands that look closer at the
run: each on a line of its own, quoted for a shell, to be copied (or run) as printed."""

import shlex

from pipeline import nodes
from pipeline.records.run_record import FAILED, RunSummary

# Where the follow-up commands write their files, relative to where they are run.
REPORT_FILE = "report.html"
PROPOSED_SCHEMA_FILE = "proposed_schema.pbtxt"


def format_summary(summary: RunSummary) -> str:
    """The end-of-run report for the terminal."""
    lines = [
        f"Run {summary.run_id}: {summary.status.upper()}",
        "",
        "  node                             state       seconds",
    ]
    for node, result in summary.nodes.items():
        seconds = "" if result.seconds is None else f"{result.seconds:8.1f}"
        lines.append(f"  {node:<32} {result.state:<10} {seconds}")
    lines.append("")
    if summary.schema:
        lines.append(f"Schema: {summary.schema.description}")
        if summary.schema.path:
            lines.append(f"  {summary.schema.path}")
    if summary.anomalies:
        lines.append(f"Anomalies: {len(summary.anomalies)}")
        for anomaly in summary.anomalies:
            lines.append(
                f"  [{anomaly['split']}] {anomaly['feature']}: {anomaly['kind']} "
                f"({anomaly['severity']}): {anomaly['description']}"
            )
    else:
        lines.append("Anomalies: none")
    if summary.metrics:
        metrics = summary.metrics
        auc = f", AUC {metrics['auc']:.4f}" if metrics.get("auc") is not None else ""
        lines.append(
            f"Eval accuracy: {metrics['accuracy']:.4f}{auc} on "
            f"{metrics['example_count']:.0f} examples"
        )
        for name, per_class in metrics.get("per_class", {}).items():
            lines.append(
                f"  {name:<12} precision {_fmt(per_class['precision'])}"
                f"  recall {_fmt(per_class['recall'])}"
            )
        for name, slice_metrics in metrics.get("slices", {}).items():
            lines.append(
                f"  slice {name:<24} accuracy {_fmt(slice_metrics['accuracy'])}"
                f" ({slice_metrics['example_count']:.0f} examples)"
            )
    lines.append(f"Blessed: {'yes' if summary.blessed else 'no'}: {summary.blessing_reason}")
    lines.append(f"Pushed model: {summary.pushed_model or 'none'}")
    if summary.status == FAILED:
        lines.append(f"FAILED at {summary.failed_node or 'pipeline set-up'}: {summary.error}")
        if summary.failed_node == nodes.VALIDATION_GATE and summary.output_dir:
            lines += [
                "To accept what the gate found, after checking the data is right: propose a "
                "schema, review it, then pass it with --schema",
                "  "
                + pipeline_command("propose-schema", summary, "--output", PROPOSED_SCHEMA_FILE),
            ]
    if summary.log_file:
        lines.append(f"Full log: {summary.log_file}")
    if summary.output_dir and summary.run_id:
        lines += [
            "Look closer, in tables or as one HTML page:",
            "  " + pipeline_command("inspect", summary),
            "  " + pipeline_command("report", summary, "--html", REPORT_FILE),
        ]
    if summary.wall_seconds is not None:
        lines.append(f"Wall time: {summary.wall_seconds:.1f} s")
    return "\n".join(lines)


def pipeline_command(command: str, summary: RunSummary, *flags: str) -> str:
    """`python -m pipeline COMMAND` on the run's output directory and pipeline, as a shell
    command: it works whatever the pipeline is called and wherever it is run from."""
    words = ["python", "-m", "pipeline", command, "--output-dir", summary.output_dir]
    if summary.pipeline_name:
        words += ["--pipeline-name", summary.pipeline_name]
    return shlex.join([*words, *flags])


def _fmt(value: float | None) -> str:
    return "  n/a " if value is None else f"{value:.4f}"
