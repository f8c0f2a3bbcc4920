"""Every question this project asks ML Metadata: which pipelines and runs an output directory
recorded, each node's execution in a run, the artifacts an execution read and wrote, and what
TFX wrote on them (a model's blessing, a push, the schema file imported)."""

import dataclasses
import os

from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2

from pipeline.records.run_record import NOT_RUN, SUCCEEDED_STATES

# The context types TFX's orchestrators record: a pipeline, each of its runs, each of its nodes.
PIPELINE_CONTEXT = "pipeline"
RUN_CONTEXT = "pipeline_run"
NODE_CONTEXT = "node"
# ImportSchemaGen's execution property naming the file it imported.
SCHEMA_FILE_PROPERTY = "schema_file"
# The events that tie an execution to the artifacts it wrote, and to those it read.
OUTPUT_EVENTS = (metadata_store_pb2.Event.OUTPUT, metadata_store_pb2.Event.DECLARED_OUTPUT)
INPUT_EVENTS = (metadata_store_pb2.Event.INPUT, metadata_store_pb2.Event.DECLARED_INPUT)
# The SQLite file a local run records its ML Metadata in, directly under the output directory.
METADATA_FILE = "metadata.sqlite"


def local_metadata_path(output_dir: str) -> str:
    """The SQLite ML Metadata file of the local runs under `output_dir` (PipelineConfig's
    `metadata_path`)."""
    return os.path.join(output_dir, METADATA_FILE)


def open_store(metadata_path: str, writable: bool = False) -> metadata_store.MetadataStore:
    """ML Metadata of a local run's SQLite file, opened read-only unless `writable`."""
    modes = metadata_store_pb2.SqliteMetadataSourceConfig
    config = metadata_store_pb2.ConnectionConfig()
    config.sqlite.filename_uri = metadata_path
    config.sqlite.connection_mode = modes.READWRITE if writable else modes.READONLY
    return metadata_store.MetadataStore(config)


def pipeline_names(store: metadata_store.MetadataStore) -> list[str]:
    """The names of the pipelines recorded in `store`, sorted."""
    return sorted(context.name for context in store.get_contexts_by_type(PIPELINE_CONTEXT))


def run_contexts(
    store: metadata_store.MetadataStore, pipeline_name: str
) -> list[metadata_store_pb2.Context]:
    """The pipeline_run contexts of `pipeline_name`, oldest first: run N is the N-th."""
    pipeline = store.get_context_by_type_and_name(PIPELINE_CONTEXT, pipeline_name)
    if pipeline is None:
        return []
    return sorted(
        (
            context
            for context in store.get_children_contexts_by_context(pipeline.id)
            if context.type == RUN_CONTEXT
        ),
        key=lambda c: (c.create_time_since_epoch, c.id),
    )


def run_context(
    store: metadata_store.MetadataStore, run_id: str
) -> metadata_store_pb2.Context | None:
    """The pipeline_run context of run `run_id`, where a local run also records its schema
    choice (pipeline/schemas/kept.py)."""
    return store.get_context_by_type_and_name(RUN_CONTEXT, run_id)


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


def node_executions(
    store: metadata_store.MetadataStore, run_id: str, pipeline_name: str
) -> dict[str, metadata_store_pb2.Execution]:
    """Node id -> its execution in run `run_id`, in execution order."""
    run = run_context(store, run_id)
    if run is None:
        return {}
    prefix = f"{pipeline_name}."
    by_node = {}
    for execution in sorted(store.get_executions_by_context(run.id), key=lambda e: e.id):
        for context in store.get_contexts_by_execution(execution.id):
            if context.type == NODE_CONTEXT and context.name.startswith(prefix):
                by_node[context.name.removeprefix(prefix)] = execution
    return by_node


def execution_state(execution: metadata_store_pb2.Execution) -> str:
    """An execution's state by name: COMPLETE, CACHED, FAILED, RUNNING..."""
    return metadata_store_pb2.Execution.State.Name(execution.last_known_state)


def execution_seconds(execution: metadata_store_pb2.Execution) -> float:
    """How long an execution took, from its creation to its last update, to the millisecond."""
    milliseconds = execution.last_update_time_since_epoch - execution.create_time_since_epoch
    return round(milliseconds / 1000, 3)


def artifacts_by_key(
    store: metadata_store.MetadataStore,
    execution: metadata_store_pb2.Execution,
    event_types: tuple[int, ...],
) -> dict[str, list[metadata_store_pb2.Artifact]]:
    """An execution's artifacts by key: those it wrote, with `event_types` OUTPUT_EVENTS (e.g.
    "blessing" -> [artifact]), or those it read, with INPUT_EVENTS (e.g. "baseline_statistics"
    -> [artifact])."""
    events = store.get_events_by_execution_ids([execution.id])
    ids_by_key: dict[str, list[int]] = {}
    for event in events:
        if event.type in event_types and event.path.steps:
            ids_by_key.setdefault(event.path.steps[0].key, []).append(event.artifact_id)
    artifacts = {
        a.id: a for a in store.get_artifacts_by_id([i for ids in ids_by_key.values() for i in ids])
    }
    return {key: [artifacts[i] for i in ids] for key, ids in ids_by_key.items()}


@dataclasses.dataclass(frozen=True)
class RunExecutions:
    """Each node's execution in one run, and the artifacts it read and wrote."""

    store: metadata_store.MetadataStore
    executions: dict[str, metadata_store_pb2.Execution]  # node id -> execution, in order

    @classmethod
    def of_run(
        cls, store: metadata_store.MetadataStore, pipeline_name: str, run_id: str
    ) -> "RunExecutions":
        return cls(store, node_executions(store, run_id, pipeline_name))

    def state(self, node: str) -> str:
        """The node's execution state in the run, NOT_RUN when it has none."""
        execution = self.executions.get(node)
        return execution_state(execution) if execution else NOT_RUN

    def succeeded(self, node: str) -> bool:
        return self.state(node) in SUCCEEDED_STATES

    def output(self, node: str, key: str) -> metadata_store_pb2.Artifact | None:
        """The node's output artifact under `key`, if the node produced its outputs."""
        if not self.succeeded(node):
            return None
        artifacts = artifacts_by_key(self.store, self.executions[node], OUTPUT_EVENTS).get(key)
        return artifacts[0] if artifacts else None

    def output_uri(self, node: str, key: str) -> str | None:
        artifact = self.output(node, key)
        return artifact.uri if artifact else None

    def inputs(self, node: str) -> dict[str, list[metadata_store_pb2.Artifact]]:
        """The node's input artifacts by key; none when it has no execution in the run."""
        execution = self.executions.get(node)
        return artifacts_by_key(self.store, execution, INPUT_EVENTS) if execution else {}


def imported_schema_file(execution: metadata_store_pb2.Execution) -> str | None:
    """The schema file an ImportSchemaGen execution was given: TFX records it as an execution
    property, in `properties` or `custom_properties` depending on the execution type."""
    for properties in (execution.properties, execution.custom_properties):
        if SCHEMA_FILE_PROPERTY in properties and properties[SCHEMA_FILE_PROPERTY].string_value:
            return properties[SCHEMA_FILE_PROPERTY].string_value
    return None


def is_blessed(blessing: metadata_store_pb2.Artifact) -> bool:
    """Whether the Evaluator blessed the model: its `blessing` artifact's `blessed` is 1."""
    return blessing.custom_properties["blessed"].int_value == 1


def pushed_version_and_path(pushed_model: metadata_store_pb2.Artifact) -> tuple[str, str] | None:
    """(version, path) of the model a Pusher pushed; None when it pushed nothing (the model was
    not blessed). TFX leaves the version empty for some destinations: the folder names it."""
    properties = pushed_model.custom_properties
    if properties["pushed"].int_value != 1:
        return None
    path = properties["pushed_destination"].string_value
    version = properties["pushed_version"].string_value
    return version or os.path.basename(path), path
