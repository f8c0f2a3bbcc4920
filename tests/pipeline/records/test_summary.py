"""The summary of a run: a view of its record with every node of the pipeline, its JSON, and
errors described with their root cause."""

import subprocess
import sys

from pipeline.records.run_record import (
    FAILED,
    SUCCEEDED,
    Blessing,
    NodeResult,
    PushedModel,
    RunRecord,
    RunSchema,
)
from pipeline.records.runs import read_run_record
from pipeline.records.summary import describe_error, summarize
from tests.pipeline.records.metadata_store import record_run_with_deleted_artifacts
from tests.pipeline.records.run_records import KEPT_SCHEMA, anomaly, run_record
from tests.pipeline_runs import REPO_ROOT

PIPELINE_NODES = ["CsvExampleGen", "ExampleValidator", "Transform", "Trainer", "Pusher"]
ANOMALY = anomaly(
    "plan",
    "ENUM_TYPE_UNEXPECTED_STRING_VALUES",
    "Examples contain values missing from the schema: gold",
)


def record_of(nodes: dict[str, str], **sections) -> RunRecord:
    """The record of run r2 of pipeline "churn" whose nodes ended in the states `nodes` gives."""
    fields = {
        "nodes": {node: NodeResult(state, 1.5) for node, state in nodes.items()},
        "schema": RunSchema("kept", "/tfx/schema/7", [], {}, [], KEPT_SCHEMA),
    }
    return run_record(**{**fields, **sections})


def test_a_failed_run_names_its_failed_node_and_the_nodes_it_never_ran():
    record = record_of(
        {"CsvExampleGen": "CACHED", "ExampleValidator": "COMPLETE", "Transform": "FAILED"},
        anomalies=[ANOMALY],
    )
    summary = summarize(record, PIPELINE_NODES)
    assert (summary.status, summary.failed_node, summary.error) == (FAILED, "Transform", None)
    assert summary.nodes == {
        "CsvExampleGen": NodeResult("CACHED", 1.5),
        "ExampleValidator": NodeResult("COMPLETE", 1.5),
        "Transform": NodeResult("FAILED", 1.5),
        "Trainer": NodeResult("NOT_RUN", None),
        "Pusher": NodeResult("NOT_RUN", None),
    }
    assert (summary.run_id, summary.pipeline_name) == ("r2", "churn")
    assert summary.anomalies == [ANOMALY]
    assert (summary.blessed, summary.blessing_reason) == (False, "the Evaluator did not run")
    assert summary.pushed_model is None
    assert summary.schema == KEPT_SCHEMA


def test_the_error_a_run_raised_fails_it_at_the_node_that_was_running():
    record = record_of(dict.fromkeys(PIPELINE_NODES, "COMPLETE"))
    summary = summarize(record, PIPELINE_NODES, error=KeyError("plan"), failed_node="Trainer")
    assert (summary.status, summary.failed_node) == (FAILED, "Trainer")
    assert summary.error == "KeyError: 'plan'"


def test_a_finished_run_takes_its_blessing_and_pushed_model_from_the_record():
    blessing = Blessing(True, "passed auc >= 0.8 (overall: 0.9100)", [], False)
    record = record_of(
        dict.fromkeys(PIPELINE_NODES, "COMPLETE"),
        metrics={"accuracy": 0.9, "example_count": 140.0},
        blessing=blessing,
        pushed_model=PushedModel("17", "/serving/churn/17"),
    )
    summary = summarize(record, PIPELINE_NODES)
    assert (summary.status, summary.failed_node) == (SUCCEEDED, None)
    assert (summary.blessed, summary.blessing_reason) == (True, blessing.reason)
    assert summary.pushed_model == "/serving/churn/17"
    assert summary.metrics == {"accuracy": 0.9, "example_count": 140.0}


def test_the_summary_json_keeps_its_keys():
    summary = summarize(record_of({"Transform": "FAILED"}), ["Transform", "Trainer"])
    summary.output_dir, summary.wall_seconds = "/out", 12.5
    as_json = summary.to_json_dict()
    assert list(as_json) == [
        "status", "run_id", "nodes", "anomalies", "metrics", "blessed", "blessing_reason",
        "pushed_model", "schema", "pipeline_name", "failed_node", "error", "log_file",
        "output_dir", "wall_seconds",
    ]  # fmt: skip
    assert as_json["nodes"] == {
        "Transform": {"state": "FAILED", "seconds": 1.5},
        "Trainer": {"state": "NOT_RUN", "seconds": None},
    }
    assert as_json["schema"]["origin"] == "kept"
    assert as_json["schema"]["since_run"] == "r1"
    assert as_json["schema"]["description"] == KEPT_SCHEMA.description


def test_the_summary_of_a_refused_run_is_built_without_ml_metadata_or_tfma():
    # A run refused before it starts builds and prints its summary in a fraction of a second.
    code = (
        "import sys, pipeline.runners.local, pipeline.records.summary; "
        "print(sorted({'ml_metadata', 'tensorflow_model_analysis'} & set(sys.modules)))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert loaded.stdout == "[]\n"


def test_error_description_adds_the_root_cause_beam_wraps():
    try:
        try:
            raise ValueError("Feature petal_width is required but could not be found")
        except ValueError as cause:
            raise RuntimeError("while running 'Analyze/ApplySavedModel'") from cause
    except RuntimeError as error:
        message = describe_error(error)
    assert message == (
        "RuntimeError: while running 'Analyze/ApplySavedModel' (caused by ValueError: "
        "Feature petal_width is required but could not be found)"
    )


def test_error_without_a_cause_is_described_once():
    assert describe_error(KeyError("species")) == "KeyError: 'species'"


def test_a_finished_run_whose_artifacts_were_deleted_keeps_its_summary(tmp_path):
    record_run_with_deleted_artifacts(tmp_path)
    nodes = ["StatisticsGen", "SchemaGen", "ExampleValidator", "Trainer", "Evaluator", "Pusher"]
    summary = summarize(read_run_record(str(tmp_path), "iris"), nodes)
    assert (summary.status, summary.blessed, summary.pushed_model) == (
        SUCCEEDED,
        True,
        "/serving/iris/17",
    )
    assert summary.blessing_reason.startswith("evaluation unavailable: ")
    assert [result.state for result in summary.nodes.values()] == ["COMPLETE"] * 6
