"""What a run did, read back from ML Metadata and its artifacts: node states, anomalies,
metrics, blessing and the pushed model. Printed at the end of a run and saved as JSON."""

import os
from typing import Any

from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2

from components.validation_gate.anomalies import read_anomalies
from pipeline.config import PipelineConfig
from pipeline.records.evaluation_results import read_blessing, read_metrics
from pipeline.records.run_summary import RunSummary
from pipeline.records.training_results import SERVING_MODEL_SUBDIR
from pipeline.schemas.kept import choice_of_run, describe_choice
from pipeline.serving.predict import read_serving_info

NOT_RUN = "NOT_RUN"
# The node that imports the schema a run validates against, and its property naming the file.
SCHEMA_NODE = "ImportSchemaGen"
SCHEMA_FILE_PROPERTY = "schema_file"
GATE_NODE = "ValidationGate"
# ML Metadata execution states of a node that produced its outputs (a cache hit reuses them).
SUCCEEDED_STATES = ("COMPLETE", "CACHED")


def open_store(metadata_path: str, writable: bool = False) -> metadata_store.MetadataStore:
    """ML Metadata of a local run's SQLite file, opened read-only unless `writable`."""
    modes = metadata_store_pb2.SqliteMetadataSourceConfig
    config = metadata_store_pb2.ConnectionConfig()
    config.sqlite.filename_uri = metadata_path
    config.sqlite.connection_mode = modes.READWRITE if writable else modes.READONLY
    return metadata_store.MetadataStore(config)


def run_contexts(
    store: metadata_store.MetadataStore, pipeline_name: str
) -> list[metadata_store_pb2.Context]:
    """The pipeline_run contexts of `pipeline_name`, oldest first: run N is the N-th."""
    pipeline = store.get_context_by_type_and_name("pipeline", pipeline_name)
    if pipeline is None:
        return []
    return sorted(
        (
            context
            for context in store.get_children_contexts_by_context(pipeline.id)
            if context.type == "pipeline_run"
        ),
        key=lambda c: (c.create_time_since_epoch, c.id),
    )


def latest_run_id(
    store: metadata_store.MetadataStore, pipeline_name: str, not_before_ms: int = 0
) -> str | None:
    """The id of the newest run of `pipeline_name` recorded in ML Metadata, if it started at
    or after `not_before_ms` (milliseconds since the epoch)."""
    runs = [
        run
        for run in run_contexts(store, pipeline_name)
        if run.create_time_since_epoch >= not_before_ms
    ]
    return runs[-1].name if runs else None


def imported_schema_file(execution: metadata_store_pb2.Execution) -> str | None:
    """The schema file an ImportSchemaGen execution was given: TFX records it as an execution
    property, in `properties` or `custom_properties` depending on the execution type."""
    for properties in (execution.properties, execution.custom_properties):
        if SCHEMA_FILE_PROPERTY in properties and properties[SCHEMA_FILE_PROPERTY].string_value:
            return properties[SCHEMA_FILE_PROPERTY].string_value
    return None


def schema_of_run(
    store: metadata_store.MetadataStore,
    pipeline_name: str,
    run_id: str,
    executions: dict[str, metadata_store_pb2.Execution],
) -> dict[str, Any] | None:
    """Which schema run `run_id` validated against and where it came from (see
    pipeline/schemas/kept.py); the schema file alone for a run that recorded no choice."""
    runs = run_contexts(store, pipeline_name)
    numbers = {run.name: number for number, run in enumerate(runs, start=1)}
    this_run = next((run for run in runs if run.name == run_id), None)
    path = imported_schema_file(executions[SCHEMA_NODE]) if SCHEMA_NODE in executions else None
    choice = choice_of_run(this_run) if this_run else None
    if choice is None:
        return None if path is None else {"path": path, "description": f"the file {path}"}
    return {
        "origin": choice.origin,
        "source": choice.source,
        "made_as": choice.made_as,
        "since_run": choice.since_run,
        "since_run_number": numbers.get(choice.since_run or ""),
        "path": path,
        "description": describe_choice(choice, numbers),
    }


def node_executions(
    store: metadata_store.MetadataStore, run_id: str, pipeline_name: str
) -> dict[str, metadata_store_pb2.Execution]:
    """Node id -> its execution in run `run_id`, in execution order."""
    run = store.get_context_by_type_and_name("pipeline_run", run_id)
    if run is None:
        return {}
    prefix = f"{pipeline_name}."
    by_node = {}
    for execution in sorted(store.get_executions_by_context(run.id), key=lambda e: e.id):
        for context in store.get_contexts_by_execution(execution.id):
            if context.type == "node" and context.name.startswith(prefix):
                by_node[context.name.removeprefix(prefix)] = execution
    return by_node


def node_result(execution: metadata_store_pb2.Execution) -> dict[str, Any]:
    """A node's state in a run (e.g. COMPLETE, CACHED, FAILED) and its seconds."""
    seconds = execution.last_update_time_since_epoch - execution.create_time_since_epoch
    return {
        "state": metadata_store_pb2.Execution.State.Name(execution.last_known_state),
        "seconds": round(seconds / 1000, 3),
    }


def output_artifacts(
    store: metadata_store.MetadataStore, execution: metadata_store_pb2.Execution
) -> dict[str, list[metadata_store_pb2.Artifact]]:
    """An execution's output artifacts by output key (e.g. "blessing" -> [artifact])."""
    return _artifacts_by_key(
        store,
        execution,
        (metadata_store_pb2.Event.OUTPUT, metadata_store_pb2.Event.DECLARED_OUTPUT),
    )


def input_artifacts(
    store: metadata_store.MetadataStore, execution: metadata_store_pb2.Execution
) -> dict[str, list[metadata_store_pb2.Artifact]]:
    """An execution's input artifacts by input key (e.g. "baseline_statistics" -> [artifact])."""
    return _artifacts_by_key(
        store,
        execution,
        (metadata_store_pb2.Event.INPUT, metadata_store_pb2.Event.DECLARED_INPUT),
    )


def _artifacts_by_key(
    store: metadata_store.MetadataStore,
    execution: metadata_store_pb2.Execution,
    event_types: tuple[int, ...],
) -> dict[str, list[metadata_store_pb2.Artifact]]:
    events = store.get_events_by_execution_ids([execution.id])
    ids_by_key: dict[str, list[int]] = {}
    for event in events:
        if event.type in event_types and event.path.steps:
            ids_by_key.setdefault(event.path.steps[0].key, []).append(event.artifact_id)
    artifacts = {
        a.id: a for a in store.get_artifacts_by_id([i for ids in ids_by_key.values() for i in ids])
    }
    return {key: [artifacts[i] for i in ids] for key, ids in ids_by_key.items()}


def summarize_run(
    metadata_path: str,
    pipeline_name: str,
    expected_nodes: list[str],
    run_id: str | None = None,
    error: BaseException | None = None,
    failed_node: str | None = None,
) -> RunSummary:
    """Build the summary of run `run_id` (default: the latest) from ML Metadata."""
    store = open_store(metadata_path)
    run_id = run_id or latest_run_id(store, pipeline_name)
    executions = node_executions(store, run_id, pipeline_name) if run_id else {}

    nodes = {}
    for node in expected_nodes:
        execution = executions.get(node)
        if execution is None:
            nodes[node] = {"state": NOT_RUN, "seconds": None}
            continue
        nodes[node] = node_result(execution)

    def outputs_of(node: str) -> dict[str, list[metadata_store_pb2.Artifact]]:
        if nodes.get(node, {}).get("state") not in SUCCEEDED_STATES:
            return {}
        return output_artifacts(store, executions[node])

    anomalies = []
    if artifacts := outputs_of("ExampleValidator").get("anomalies"):
        anomalies = read_anomalies(artifacts[0].uri)

    metrics: dict[str, Any] = {}
    blessed, blessing_reason = False, "the Evaluator did not run"
    evaluator_outputs = outputs_of("Evaluator")
    if evaluator_outputs:
        model_uri = outputs_of("Trainer")["model"][0].uri
        class_names = read_serving_info(os.path.join(model_uri, SERVING_MODEL_SUBDIR))["classes"]
        evaluation_uri = evaluator_outputs["evaluation"][0].uri
        metrics = read_metrics(evaluation_uri, class_names)
        blessed = evaluator_outputs["blessing"][0].custom_properties["blessed"].int_value == 1
        blessing_reason = read_blessing(evaluation_uri, blessed, metrics)["reason"]

    pushed_model = None
    if artifacts := outputs_of("Pusher").get("pushed_model"):
        properties = artifacts[0].custom_properties
        if properties["pushed"].int_value == 1:
            pushed_model = properties["pushed_destination"].string_value

    schema = schema_of_run(store, pipeline_name, run_id, executions) if run_id else None

    failed = error is not None or any(
        node["state"] not in SUCCEEDED_STATES for node in nodes.values()
    )
    if failed and failed_node is None:
        failed_node = next(
            (n for n, node in nodes.items() if node["state"] not in SUCCEEDED_STATES), None
        )
    return RunSummary(
        status="failed" if failed else "succeeded",
        run_id=run_id,
        pipeline_name=pipeline_name,
        nodes=nodes,
        anomalies=anomalies,
        metrics=metrics,
        blessed=blessed,
        blessing_reason=blessing_reason,
        pushed_model=pushed_model,
        schema=schema,
        failed_node=failed_node,
        error=None if error is None else describe_error(error),
    )


def describe_error(error: BaseException) -> str:
    """The error and, when different, its root cause: Beam re-raises a component's failure
    wrapped in messages that name the step but not what was wrong with the data."""
    root = error
    seen = {id(error)}
    while (inner := root.__cause__ or root.__context__) is not None and id(inner) not in seen:
        seen.add(id(inner))
        root = inner
    message = f"{type(error).__name__}: {error}"
    if root is not error and str(root) not in str(error):
        message += f" (caused by {type(root).__name__}: {root})"
    return message


def format_summary(summary: RunSummary) -> str:
    """The end-of-run report for the terminal."""
    lines = [
        f"Run {summary.run_id}: {summary.status.upper()}",
        "",
        "  node                             state       seconds",
    ]
    for node, result in summary.nodes.items():
        seconds = "" if result["seconds"] is None else f"{result['seconds']:8.1f}"
        lines.append(f"  {node:<32} {result['state']:<10} {seconds}")
    lines.append("")
    if summary.schema:
        lines.append(f"Schema: {summary.schema['description']}")
        if summary.schema.get("path"):
            lines.append(f"  {summary.schema['path']}")
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
    if summary.status == "failed":
        lines.append(f"FAILED at {summary.failed_node or 'pipeline set-up'}: {summary.error}")
        if summary.failed_node == GATE_NODE and summary.output_dir:
            lines.append(
                "To accept what the gate found (after checking the data is right): python -m "
                f"pipeline propose-schema --output-dir {summary.output_dir}"
                f"{_pipeline_flag(summary)} --output proposed_schema.pbtxt, review it, then "
                "pass it with --schema"
            )
    if summary.log_file:
        lines.append(f"Full log: {summary.log_file}")
    if summary.output_dir and summary.run_id:
        lines.append(
            f"Look closer: python -m pipeline inspect --output-dir {summary.output_dir}"
            " (or: report --html FILE)"
        )
    if summary.wall_seconds is not None:
        lines.append(f"Wall time: {summary.wall_seconds:.1f} s")
    return "\n".join(lines)


def _pipeline_flag(summary: RunSummary) -> str:
    if summary.pipeline_name in (None, PipelineConfig.pipeline_name):
        return ""
    return f" --pipeline-name {summary.pipeline_name}"


def _fmt(value: float | None) -> str:
    return "  n/a " if value is None else f"{value:.4f}"
