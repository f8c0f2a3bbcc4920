"""Everything a local run recorded, gathered from ML Metadata and the artifacts it points to:
the runs, and for one run its nodes, statistics, schema, anomalies, evaluation, blessing,
pushed model, training curves and model signature. `inspect` prints it, `report` draws it."""

import datetime
import importlib.metadata
import os
import platform
from typing import Any

from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2

from components.validation_gate.anomalies import read_anomalies
from pipeline.config import PipelineConfig
from pipeline.records.summary import (
    SUCCEEDED_STATES,
    node_executions,
    node_result,
    open_store,
    output_artifacts,
    run_contexts,
    schema_of_run,
)
from pipeline.schemas.kept import INFERRED

# Pusher is the pipeline's last node: a run that has not recorded it did not finish.
FINAL_NODE = "Pusher"
FAILED_STATES = ("FAILED", "CANCELED")
# The packages whose versions decide what a run computes, reported with every run.
REPORTED_PACKAGES = (
    "tfx",
    "tensorflow",
    "tf-keras",
    "tensorflow-transform",
    "tensorflow-data-validation",
    "tensorflow-model-analysis",
    "apache-beam",
    "ml-metadata",
)


class RunNotFoundError(LookupError):
    """No recorded run matches what was asked for."""


def open_output_dir(output_dir: str, pipeline_name: str) -> metadata_store.MetadataStore:
    """The ML Metadata of the runs under `output_dir`, or a clear error when there is none."""
    metadata_path = PipelineConfig(output_dir=output_dir).metadata_path
    if not os.path.exists(metadata_path):
        raise RunNotFoundError(
            f"no runs recorded under {output_dir}: {metadata_path} does not exist "
            "(run the pipeline first, e.g. `make run`, or pass --output-dir)"
        )
    store = open_store(metadata_path)
    if store.get_context_by_type_and_name("pipeline", pipeline_name) is None:
        raise RunNotFoundError(f"no run of pipeline {pipeline_name!r} in {metadata_path}")
    return store


def list_runs(store: metadata_store.MetadataStore, pipeline_name: str) -> list[dict[str, Any]]:
    """Every run of the pipeline, oldest first: number, id, start, state and seconds."""
    runs = []
    for number, context in enumerate(run_contexts(store, pipeline_name), start=1):
        executions = node_executions(store, context.name, pipeline_name)
        states = {
            metadata_store_pb2.Execution.State.Name(e.last_known_state) for e in executions.values()
        }
        if states & set(FAILED_STATES):
            state = "failed"
        elif states <= set(SUCCEEDED_STATES) and FINAL_NODE in executions:
            state = "succeeded"
        else:
            state = "incomplete"  # still running, or the process was killed
        ended = max(
            (e.last_update_time_since_epoch for e in executions.values()),
            default=context.create_time_since_epoch,
        )
        runs.append(
            {
                "number": number,
                "run_id": context.name,
                "started": _timestamp(context.create_time_since_epoch),
                "state": state,
                "seconds": round((ended - context.create_time_since_epoch) / 1000, 1),
            }
        )
    return runs


def find_run(runs: list[dict[str, Any]], selector: str | None) -> dict[str, Any]:
    """The run `selector` names: its number in the list, its id or a unique prefix of it,
    "latest", or None for the latest."""
    if not runs:
        raise RunNotFoundError("no runs recorded yet")
    if selector is None or selector == "latest":
        return runs[-1]
    if selector.isdigit() and 1 <= int(selector) <= len(runs):
        return runs[int(selector) - 1]
    matches = [run for run in runs if run["run_id"].startswith(selector)]
    if len(matches) == 1:
        return matches[0]
    if not matches and selector.isdigit():
        raise RunNotFoundError(f"no run number {selector}: runs are numbered 1 to {len(runs)}")
    if not matches:
        raise RunNotFoundError(f"no run id starts with {selector!r}")
    ids = ", ".join(run["run_id"] for run in matches)
    raise RunNotFoundError(f"{selector!r} matches {len(matches)} runs ({ids}); give more of it")


def read_run_record(
    output_dir: str, run: str | None = None, pipeline_name: str = PipelineConfig.pipeline_name
) -> dict[str, Any]:
    """The record of run `run` (see `find_run`; default the latest) under `output_dir`."""
    from pipeline.records.evaluation_results import read_blessing, read_metrics
    from pipeline.records.schema import read_schema, schema_differences
    from pipeline.records.statistics import read_statistics
    from pipeline.records.training_results import (
        SERVING_MODEL_SUBDIR,
        read_hyperparameters,
        read_saved_model_info,
        read_training_curves,
    )
    from pipeline.serving.predict import read_serving_info

    store = open_output_dir(output_dir, pipeline_name)
    runs = list_runs(store, pipeline_name)
    this_run = find_run(runs, run)
    executions = node_executions(store, this_run["run_id"], pipeline_name)

    nodes = {node: node_result(execution) for node, execution in executions.items()}

    def output_uri(node: str, key: str) -> str | None:
        if nodes.get(node, {}).get("state") not in SUCCEEDED_STATES:
            return None
        artifacts = output_artifacts(store, executions[node]).get(key)
        return artifacts[0].uri if artifacts else None

    record: dict[str, Any] = {
        "output_dir": os.path.abspath(output_dir),
        "pipeline": pipeline_name,
        "runs": runs,
        "run": this_run,
        "nodes": nodes,
        "statistics": {},
        "schema": None,
        "anomalies": [],
        "metrics": {},
        "blessing": None,
        "pushed_model": None,
        "training": None,
        "model": None,
        "versions": installed_versions(),
    }
    if uri := output_uri("StatisticsGen", "statistics"):
        record["statistics"] = read_statistics(uri)

    inferred_uri = output_uri("SchemaGen", "schema")
    curated_uri = output_uri("ImportSchemaGen", "schema")
    if used_uri := curated_uri or inferred_uri:
        schema = read_schema(used_uri)
        schema["origin"] = schema_of_run(store, pipeline_name, this_run["run_id"], executions)
        schema["source"] = "curated (ImportSchemaGen)" if curated_uri else "inferred (SchemaGen)"
        if curated_uri and (schema["origin"] or {}).get("made_as") == INFERRED:
            # ImportSchemaGen imported the schema the pipeline's first run inferred and kept.
            schema["source"] = "kept, inferred by the pipeline's first run (ImportSchemaGen)"
        schema["uri"] = used_uri
        schema["differences_from_inferred"] = (
            schema_differences(schema, read_schema(inferred_uri))
            if curated_uri and inferred_uri
            else []
        )
        record["schema"] = schema

    if uri := output_uri("ExampleValidator", "anomalies"):
        record["anomalies"] = read_anomalies(uri)

    model_uri = output_uri("Trainer", "model")
    saved_model_dir = os.path.join(model_uri, SERVING_MODEL_SUBDIR) if model_uri else None
    if saved_model_dir:
        record["model"] = {"path": saved_model_dir, **read_saved_model_info(saved_model_dir)}
        record["model"]["serving_info"] = read_serving_info(saved_model_dir)
    if uri := output_uri("Trainer", "model_run"):
        record["training"] = {
            "hyperparameters": read_hyperparameters(uri),
            "curves": read_training_curves(uri),
            "logs": uri,
        }

    evaluation_uri = output_uri("Evaluator", "evaluation")
    if evaluation_uri and record["model"]:
        class_names = record["model"]["serving_info"]["classes"]
        record["metrics"] = read_metrics(evaluation_uri, class_names)
        blessing_artifact = output_artifacts(store, executions["Evaluator"])["blessing"][0]
        blessed = blessing_artifact.custom_properties["blessed"].int_value == 1
        record["blessing"] = read_blessing(evaluation_uri, blessed, record["metrics"])

    if nodes.get("Pusher", {}).get("state") in SUCCEEDED_STATES:
        pushed = output_artifacts(store, executions["Pusher"])["pushed_model"][0]
        properties = pushed.custom_properties
        if properties["pushed"].int_value == 1:
            destination = properties["pushed_destination"].string_value
            record["pushed_model"] = {
                "version": properties["pushed_version"].string_value
                or os.path.basename(destination),
                "path": destination,
            }
    return record


def installed_versions() -> dict[str, str]:
    """Python's and the ML packages' versions in this environment."""
    versions = {"python": platform.python_version()}
    for package in REPORTED_PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def compare_runs(
    output_dir: str, run_a: str, run_b: str, pipeline_name: str = PipelineConfig.pipeline_name
) -> dict[str, Any]:
    """How run B differs from run A: statistics drift per split and feature, metric deltas."""
    from pipeline.records.statistics import statistics_drift

    record_a = read_run_record(output_dir, run_a, pipeline_name)
    record_b = read_run_record(output_dir, run_b, pipeline_name)
    return {
        "run_a": record_a["run"],
        "run_b": record_b["run"],
        "statistics_drift": statistics_drift(record_a["statistics"], record_b["statistics"]),
        "metric_deltas": metric_deltas(record_a["metrics"], record_b["metrics"]),
    }


def metric_deltas(metrics_a: dict[str, Any], metrics_b: dict[str, Any]) -> list[dict[str, Any]]:
    """Accuracy overall and per slice, precision and recall per class: A, B and B - A."""
    rows = []

    def add(name: str, a: float | None, b: float | None) -> None:
        delta = None if a is None or b is None else b - a
        rows.append({"metric": name, "a": a, "b": b, "delta": delta})

    add("accuracy", metrics_a.get("accuracy"), metrics_b.get("accuracy"))
    slices = metrics_a.get("slices", {}).keys() | metrics_b.get("slices", {}).keys()
    for name in sorted(slices):
        add(
            f"accuracy [{name}]",
            metrics_a.get("slices", {}).get(name, {}).get("accuracy"),
            metrics_b.get("slices", {}).get(name, {}).get("accuracy"),
        )
    classes = metrics_a.get("per_class", {}).keys() | metrics_b.get("per_class", {}).keys()
    for class_name in sorted(classes):
        for metric in ("precision", "recall"):
            add(
                f"{metric} [{class_name}]",
                metrics_a.get("per_class", {}).get(class_name, {}).get(metric),
                metrics_b.get("per_class", {}).get(class_name, {}).get(metric),
            )
    return rows


def _timestamp(milliseconds: int) -> str:
    """Local time, to the second, of a time ML Metadata recorded."""
    moment = datetime.datetime.fromtimestamp(milliseconds / 1000)
    return moment.isoformat(sep=" ", timespec="seconds")
