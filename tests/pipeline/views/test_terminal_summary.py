"""The end-of-run summary in the terminal: the schema a run used, and the commands that look
closer at it, naming its pipeline and quoted for a shell."""

import shlex

from pipeline.records.run_record import FAILED, NodeResult, RunSummary
from pipeline.records.summary import summarize_unrecorded
from pipeline.views.terminal_summary import format_summary
from tests.pipeline.records.run_records import KEPT_SCHEMA


def gate_stopped_summary(output_dir: str) -> RunSummary:
    """Run r2 of pipeline "churn", stopped by the gate, on the schema its first run kept."""
    return RunSummary(
        status=FAILED,
        run_id="r2",
        nodes={
            "ImportSchemaGen": NodeResult("CACHED", 0.1),
            "ValidationGate": NodeResult("FAILED", 0.4),
            "Transform": NodeResult("NOT_RUN", None),
        },
        anomalies=[],
        metrics={},
        blessed=False,
        blessing_reason="the Evaluator did not run",
        pushed_model=None,
        schema=KEPT_SCHEMA,
        pipeline_name="churn",
        failed_node="ValidationGate",
        error="AnomaliesFoundError: 1 anomaly",
        output_dir=output_dir,
    )


def test_a_gate_stopped_run_names_its_schema_and_how_to_accept_the_change():
    lines = format_summary(gate_stopped_summary("/out")).splitlines()
    assert lines[:5] == [
        "Run r2: FAILED",
        "",
        "  node                             state       seconds",
        "  ImportSchemaGen                  CACHED          0.1",
        "  ValidationGate                   FAILED          0.4",
    ]
    assert lines[5].rstrip() == "  Transform                        NOT_RUN"  # no seconds
    assert "FAILED at ValidationGate: AnomaliesFoundError: 1 anomaly" in lines
    assert "Schema: kept from run 1 (r1): inferred from /data/first" in lines
    assert "  /out/schema/churn/schema.pbtxt" in lines
    accept = lines.index(
        "To accept what the gate found, after checking the data is right: propose a schema, "
        "review it, then pass it with --schema"
    )
    assert lines[accept + 1] == (
        "  python -m pipeline propose-schema --output-dir /out --pipeline-name churn "
        "--output proposed_schema.pbtxt"
    )


def test_the_commands_to_look_closer_name_the_pipeline_and_quote_the_paths():
    lines = format_summary(gate_stopped_summary("/my outputs/o'1")).splitlines()
    look = lines.index("Look closer, in tables or as one HTML page:")
    inspect, report = lines[look + 1], lines[look + 2]
    assert inspect == (
        "  python -m pipeline inspect --output-dir '/my outputs/o'\"'\"'1' --pipeline-name churn"
    )
    assert shlex.split(inspect) == [
        "python", "-m", "pipeline", "inspect", "--output-dir", "/my outputs/o'1",
        "--pipeline-name", "churn",
    ]  # fmt: skip
    assert shlex.split(report)[3:] == [
        "report", "--output-dir", "/my outputs/o'1", "--pipeline-name", "churn", "--html",
        "report.html",
    ]  # fmt: skip


def test_a_run_refused_before_it_starts_suggests_nothing_to_look_at():
    summary = summarize_unrecorded("another run is using /out")
    summary.output_dir = "/out"  # known, but no run of it was recorded
    assert "python -m pipeline" not in format_summary(summary)
