"""ML Metadata laid out as TFX's local runner records runs, written with ml_metadata's own API:
the readers' tests read runs back without running a pipeline."""

import dataclasses
import pathlib

from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2

RUN_ID = "2026-12-01T10:00:00.000001"


@dataclasses.dataclass(frozen=True)
class RecordedNode:
    """One node's execution in a run: its state, and the uris of the artifacts it read and
    wrote, by key."""

    state: str = "COMPLETE"
    inputs: dict[str, str] = dataclasses.field(default_factory=dict)
    outputs: dict[str, str] = dataclasses.field(default_factory=dict)
    # Custom properties TFX writes on an output artifact, by output key: a blessing's
    # "blessed", a pushed model's "pushed" and "pushed_destination".
    output_properties: dict[str, dict[str, int | str]] = dataclasses.field(default_factory=dict)
    # Custom properties of the execution, e.g. ImportSchemaGen's "schema_file".
    properties: dict[str, str] = dataclasses.field(default_factory=dict)


def record_run(
    output_dir: pathlib.Path,
    nodes: dict[str, RecordedNode],
    pipeline_name: str = "iris",
    run_id: str = RUN_ID,
) -> None:
    """Add run `run_id` of `pipeline_name` to `output_dir`/metadata.sqlite (created if need be):
    each node's execution in the pipeline, run and node contexts TFX's local runner records."""
    output_dir.mkdir(parents=True, exist_ok=True)
    config = metadata_store_pb2.ConnectionConfig()
    config.sqlite.filename_uri = str(output_dir / "metadata.sqlite")
    config.sqlite.connection_mode = (
        metadata_store_pb2.SqliteMetadataSourceConfig.READWRITE_OPENCREATE
    )
    store = metadata_store.MetadataStore(config)

    def context(type_name: str, name: str) -> metadata_store_pb2.Context:
        if existing := store.get_context_by_type_and_name(type_name, name):
            return existing
        type_id = store.put_context_type(metadata_store_pb2.ContextType(name=type_name))
        [context_id] = store.put_contexts([metadata_store_pb2.Context(type_id=type_id, name=name)])
        return store.get_contexts_by_id([context_id])[0]

    pipeline = context("pipeline", pipeline_name)
    if store.get_context_by_type_and_name("pipeline_run", run_id) is None:
        run = context("pipeline_run", run_id)
        store.put_parent_contexts(
            [metadata_store_pb2.ParentContext(child_id=run.id, parent_id=pipeline.id)]
        )
    run = context("pipeline_run", run_id)
    artifact_type = store.put_artifact_type(metadata_store_pb2.ArtifactType(name="Artifact"))
    for node, recorded in nodes.items():
        execution_type = store.put_execution_type(metadata_store_pb2.ExecutionType(name=node))
        execution = metadata_store_pb2.Execution(
            type_id=execution_type,
            last_known_state=metadata_store_pb2.Execution.State.Value(recorded.state),
        )
        for name, value in recorded.properties.items():
            execution.custom_properties[name].string_value = value
        artifacts_and_events = []
        for event_type, uris in (
            (metadata_store_pb2.Event.INPUT, recorded.inputs),
            (metadata_store_pb2.Event.OUTPUT, recorded.outputs),
        ):
            for key, uri in uris.items():
                event = metadata_store_pb2.Event(type=event_type)
                event.path.steps.add().key = key
                artifact = metadata_store_pb2.Artifact(type_id=artifact_type, uri=uri)
                if event_type == metadata_store_pb2.Event.OUTPUT:
                    for name, value in recorded.output_properties.get(key, {}).items():
                        field = "int_value" if isinstance(value, int) else "string_value"
                        setattr(artifact.custom_properties[name], field, value)
                artifacts_and_events.append((artifact, event))
        store.put_execution(
            execution,
            artifacts_and_events,
            [pipeline, run, context("node", f"{pipeline_name}.{node}")],
        )


def record_run_with_deleted_artifacts(output_dir: pathlib.Path) -> pathlib.Path:
    """A finished, blessed and pushed run of pipeline "iris" whose artifacts were all deleted;
    returns the folder they were in."""
    gone = output_dir / "tfx"
    pushed = {"pushed": 1, "pushed_destination": "/serving/iris/17", "pushed_version": "17"}
    record_run(
        output_dir,
        {
            "StatisticsGen": RecordedNode(outputs={"statistics": str(gone / "statistics")}),
            "SchemaGen": RecordedNode(outputs={"schema": str(gone / "schema")}),
            "ExampleValidator": RecordedNode(outputs={"anomalies": str(gone / "anomalies")}),
            "Trainer": RecordedNode(
                outputs={"model": str(gone / "model"), "model_run": str(gone / "model_run")}
            ),
            "Evaluator": RecordedNode(
                outputs={"evaluation": str(gone / "evaluation"), "blessing": str(gone / "b")},
                output_properties={"blessing": {"blessed": 1}},
            ),
            "Pusher": RecordedNode(
                outputs={"pushed_model": "/serving/iris/17"},
                output_properties={"pushed_model": pushed},
            ),
        },
    )
    return gone
