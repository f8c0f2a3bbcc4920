"""Reading runs back: the pipelines an output directory recorded, the list of a pipeline's runs,
choosing one, and its record (records/run_record.py) read once from ML Metadata and the
artifacts it points to; two runs compared."""

import datetime
import importlib.metadata
import os
import platform
from collections.abc import Callable
from typing import Any, TypeVar

from ml_metadata import metadata_store

from pipeline import nodes
from pipeline.records.metadata import (
    RunExecutions,
    execution_seconds,
    execution_state,
    imported_schema_file,
    is_blessed,
    local_metadata_path,
    node_executions,
    open_store,
    pipeline_names,
    pushed_version_and_path,
    run_context,
    run_contexts,
)
from pipeline.records.run_record import (
    FAILED,
    FAILED_STATES,
    INCOMPLETE,
    SUCCEEDED,
    SUCCEEDED_STATES,
    Blessing,
    ExportedModel,
    NodeResult,
    PushedModel,
    RunComparison,
    RunOverview,
    RunRecord,
    RunSchema,
    SchemaOrigin,
    Training,
)
from pipeline.schemas.kept import CURATED, INFERRED, choice_of_run, describe_choice

# The pipeline's last node: a run that has not recorded it did not finish.
FINAL_NODE = nodes.PUSHER
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


T = TypeVar("T")


class RunNotFoundError(LookupError):
    """No recorded run matches what was asked for."""


def open_output_dir(output_dir: str) -> metadata_store.MetadataStore:
    """The ML Metadata of the runs under `output_dir`, or a clear error when there is none."""
    metadata_path = local_metadata_path(output_dir)
    if not os.path.exists(metadata_path):
        raise RunNotFoundError(
            f"no runs recorded under {output_dir}: {metadata_path} does not exist "
            "(run the pipeline first, e.g. `make run`, or pass --output-dir)"
        )
    return open_store(metadata_path)


def recorded_pipelines(output_dir: str) -> list[str]:
    """The names of the pipelines whose runs `output_dir` recorded, sorted; RunNotFoundError
    when it recorded none."""
    store = open_output_dir(output_dir)
    names = pipeline_names(store)
    if not names:
        raise RunNotFoundError(
            f"no runs recorded under {output_dir}: its ML Metadata names no pipeline "
            "(run the pipeline first, e.g. `make run`, or pass --output-dir)"
        )
    return names


def open_pipeline(output_dir: str, pipeline_name: str) -> metadata_store.MetadataStore:
    """The ML Metadata under `output_dir`, which must have recorded `pipeline_name`."""
    store = open_output_dir(output_dir)
    names = pipeline_names(store)
    if pipeline_name not in names:
        recorded = ", ".join(names) or "none"
        raise RunNotFoundError(
            f"no run of pipeline {pipeline_name!r} under {output_dir} (it records: {recorded})"
        )
    return store


def list_runs(store: metadata_store.MetadataStore, pipeline_name: str) -> list[RunOverview]:
    """Every run of the pipeline, oldest first: number, id, start, state and seconds."""
    runs = []
    for number, context in enumerate(run_contexts(store, pipeline_name), start=1):
        executions = node_executions(store, context.name, pipeline_name)
        states = {execution_state(e) for e in executions.values()}
        if states & set(FAILED_STATES):
            state = FAILED
        elif states <= set(SUCCEEDED_STATES) and FINAL_NODE in executions:
            state = SUCCEEDED
        else:
            state = INCOMPLETE
        ended = max(
            (e.last_update_time_since_epoch for e in executions.values()),
            default=context.create_time_since_epoch,
        )
        runs.append(
            RunOverview(
                number=number,
                run_id=context.name,
                started=_timestamp(context.create_time_since_epoch),
                state=state,
                seconds=round((ended - context.create_time_since_epoch) / 1000, 1),
            )
        )
    return runs


def last_pushed_model(
    store: metadata_store.MetadataStore, pipeline_name: str
) -> tuple[RunOverview, PushedModel] | None:
    """The model the newest run of `pipeline_name` that pushed one pushed, with that run, as
    ML Metadata recorded it: wherever the run pushed to (its serving root); None when no run
    pushed a model."""
    for run in reversed(list_runs(store, pipeline_name)):
        executions = RunExecutions.of_run(store, pipeline_name, run.run_id)
        artifact = executions.output(nodes.PUSHER, "pushed_model")
        if artifact and (pushed := pushed_version_and_path(artifact)):
            return run, PushedModel(*pushed)
    return None


def find_run(runs: list[RunOverview], selector: str | None) -> RunOverview:
    """The run `selector` names: its number in the list, its id or a unique prefix of it,
    "latest", or None for the latest."""
    if not runs:
        raise RunNotFoundError("no runs recorded yet")
    if selector is None or selector == "latest":
        return runs[-1]
    if selector.isdigit() and 1 <= int(selector) <= len(runs):
        return runs[int(selector) - 1]
    if exact := [run for run in runs if run.run_id == selector]:
        return exact[0]
    matches = [run for run in runs if run.run_id.startswith(selector)]
    if len(matches) == 1:
        return matches[0]
    if not matches and selector.isdigit():
        raise RunNotFoundError(f"no run number {selector}: runs are numbered 1 to {len(runs)}")
    if not matches:
        raise RunNotFoundError(f"no run id starts with {selector!r}")
    ids = ", ".join(run.run_id for run in matches)
    raise RunNotFoundError(f"{selector!r} matches {len(matches)} runs ({ids}); give more of it")


def read_run_record(output_dir: str, pipeline_name: str, run: str | None = None) -> RunRecord:
    """The record of run `run` (see `find_run`; default the latest) of `pipeline_name` under
    `output_dir`: where each node's outputs are is looked up here, once, and each artifact is
    read by the module that knows its format."""
    from components.validation_gate.anomalies import read_anomalies
    from pipeline.records.evaluation_results import read_blessing, read_metrics
    from pipeline.records.statistics import read_statistics
    from pipeline.records.training_results import (
        SERVING_MODEL_SUBDIR,
        read_hyperparameters,
        read_saved_model_info,
        read_training_curves,
    )
    from pipeline.serving.predict import read_serving_info

    store = open_pipeline(output_dir, pipeline_name)
    runs = list_runs(store, pipeline_name)
    this_run = find_run(runs, run)
    executions = RunExecutions.of_run(store, pipeline_name, this_run.run_id)

    unavailable: dict[str, str] = {}
    artifact = _ArtifactReader(unavailable)
    statistics: dict[str, dict[str, Any]] = {}
    if statistics_uri := executions.output_uri(nodes.STATISTICS_GEN, "statistics"):
        statistics = artifact.read("statistics", statistics_uri, read_statistics) or {}
    anomalies: list[dict[str, str]] = []
    if anomalies_uri := executions.output_uri(nodes.EXAMPLE_VALIDATOR, "anomalies"):
        anomalies = artifact.read("anomalies", anomalies_uri, read_anomalies) or []

    model = None
    if model_uri := executions.output_uri(nodes.TRAINER, "model"):
        saved_model_dir = os.path.join(model_uri, SERVING_MODEL_SUBDIR)
        model = artifact.read(
            "model",
            saved_model_dir,
            lambda path: ExportedModel(
                path=path, **read_saved_model_info(path), serving_info=read_serving_info(path)
            ),
        )
    training = None
    if model_run_uri := executions.output_uri(nodes.TRAINER, "model_run"):
        training = artifact.read(
            "training",
            model_run_uri,
            lambda uri: Training(
                hyperparameters=read_hyperparameters(uri),
                curves=read_training_curves(uri),
                logs=uri,
            ),
        )

    metrics: dict[str, Any] = {}
    blessing = None
    evaluation_uri = executions.output_uri(nodes.EVALUATOR, "evaluation")
    blessing_artifact = executions.output(nodes.EVALUATOR, "blessing")
    if evaluation_uri and blessing_artifact:
        if model:
            classes = model.serving_info["classes"]
            metrics = (
                artifact.read("metrics", evaluation_uri, lambda uri: read_metrics(uri, classes))
                or {}
            )
        elif "model" in unavailable:
            unavailable["metrics"] = f"the model's classes are unavailable ({unavailable['model']})"
        if metrics:
            blessing = Blessing(
                **read_blessing(evaluation_uri, is_blessed(blessing_artifact), metrics)
            )
        elif "metrics" in unavailable:
            # ML Metadata still says whether the model was blessed; only the why is lost.
            blessing = Blessing(
                blessed=is_blessed(blessing_artifact),
                reason=f"evaluation unavailable: {unavailable['metrics']}",
                thresholds=[],
                compared_with_baseline=False,
            )

    pushed_model = None
    artifact_of_push = executions.output(nodes.PUSHER, "pushed_model")
    if artifact_of_push and (pushed := pushed_version_and_path(artifact_of_push)):
        pushed_model = PushedModel(*pushed)

    return RunRecord(
        output_dir=os.path.abspath(output_dir),
        pipeline=pipeline_name,
        runs=runs,
        run=this_run,
        nodes={
            node: NodeResult(execution_state(execution), execution_seconds(execution))
            for node, execution in executions.executions.items()
        },
        statistics=statistics,
        schema=_run_schema(store, runs, this_run, executions, artifact),
        anomalies=anomalies,
        metrics=metrics,
        blessing=blessing,
        pushed_model=pushed_model,
        training=training,
        model=model,
        versions=installed_versions(),
        unavailable=unavailable,
    )


class _ArtifactReader:
    """Reads a run's artifacts, each with the module that knows its format; one deleted or
    unreadable artifact leaves its part of the record empty, with why in `unavailable`, and
    never the rest: `inspect` and `report` still show the run, and a finished run its summary."""

    def __init__(self, unavailable: dict[str, str]) -> None:
        self.unavailable = unavailable

    def read(self, part: str, uri: str, read: Callable[[str], T]) -> T | None:
        """`read(uri)`, or None with why `part` of the record is unavailable."""
        import tensorflow as tf  # for gfile: the artifact may live on gs:// or s3://

        try:
            if not tf.io.gfile.exists(uri):
                self.unavailable[part] = f"artifact deleted: {uri}"
                return None
            return read(uri)
        except Exception as error:  # noqa: BLE001 - the rest of the run's record still matters
            self.unavailable[part] = f"artifact unreadable: {uri} ({type(error).__name__}: {error})"
            return None


def _run_schema(
    store: metadata_store.MetadataStore,
    runs: list[RunOverview],
    this_run: RunOverview,
    executions: RunExecutions,
    artifact: "_ArtifactReader",
) -> RunSchema | None:
    """The schema the run validated against (the imported one; the inferred one when it
    imported none), where it came from, and how it differs from the inferred one; None with
    why in `artifact.unavailable` when its artifact cannot be read."""
    from pipeline.records.schema import read_schema, schema_differences

    inferred_uri = executions.output_uri(nodes.SCHEMA_GEN, "schema")
    imported_uri = executions.output_uri(nodes.IMPORT_SCHEMA_GEN, "schema")
    used_uri = imported_uri or inferred_uri
    if not used_uri:
        return None
    origin = _schema_origin(store, runs, this_run, executions)
    if not imported_uri:
        source = f"inferred ({nodes.SCHEMA_GEN})"
    elif origin and origin.made_as == INFERRED:
        # ImportSchemaGen imported the schema the pipeline's first run inferred and kept.
        source = f"kept, inferred by the pipeline's first run ({nodes.IMPORT_SCHEMA_GEN})"
    else:
        source = f"curated ({nodes.IMPORT_SCHEMA_GEN})"
    used = artifact.read("schema", used_uri, read_schema)
    if used is None:
        return None
    differences = []
    if imported_uri and inferred_uri:
        inferred = artifact.read("schema", inferred_uri, read_schema)
        differences = schema_differences(used, inferred) if inferred else []
    return RunSchema(
        source=source,
        uri=used_uri,
        environments=used["environments"],
        features=used["features"],
        differences_from_inferred=differences,
        origin=origin,
    )


def _schema_origin(
    store: metadata_store.MetadataStore,
    runs: list[RunOverview],
    this_run: RunOverview,
    executions: RunExecutions,
) -> SchemaOrigin | None:
    """Which schema the run chose and where it came from, as the runner recorded it on the
    run's context (pipeline/schemas/kept.py); the imported file alone for a run that recorded
    no choice."""
    import_schema = executions.executions.get(nodes.IMPORT_SCHEMA_GEN)
    path = imported_schema_file(import_schema) if import_schema else None
    context = run_context(store, this_run.run_id)
    choice = choice_of_run(context) if context else None
    if choice is None:
        if path is None:
            return None
        # With no choice recorded, ImportSchemaGen can only have imported a curated file.
        return SchemaOrigin(description=f"the file {path}", path=path, made_as=CURATED)
    numbers = {run.run_id: run.number for run in runs}
    return SchemaOrigin(
        description=describe_choice(choice, numbers),
        path=path,
        origin=choice.origin,
        source=choice.source,
        made_as=choice.made_as,
        since_run=choice.since_run,
        since_run_number=numbers.get(choice.since_run or ""),
    )


def installed_versions() -> dict[str, str]:
    """Python's and the ML packages' versions in this environment."""
    versions = {"python": platform.python_version()}
    for package in REPORTED_PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def compare_runs(output_dir: str, pipeline_name: str, run_a: str, run_b: str) -> RunComparison:
    """How run B differs from run A: statistics drift per split and feature, metric deltas."""
    from pipeline.records.statistics import statistics_drift

    record_a = read_run_record(output_dir, pipeline_name, run_a)
    record_b = read_run_record(output_dir, pipeline_name, run_b)
    return RunComparison(
        run_a=record_a.run,
        run_b=record_b.run,
        statistics_drift=statistics_drift(record_a.statistics, record_b.statistics),
        metric_deltas=metric_deltas(record_a.metrics, record_b.metrics),
    )


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
