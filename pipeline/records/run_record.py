"""The record of one run as typed data: what ML Metadata and the artifacts it points to say the
run did. records/runs.py reads it, `inspect` prints it, `report` draws it, and the summary a
run prints at its end and saves with --summary-json is a view of it (records/summary.py).

This module imports neither ML Metadata nor TensorFlow: a run refused before it starts builds
its summary from these types alone.
"""

import dataclasses
from typing import Any

# A run's status. In the list of a pipeline's runs: SUCCEEDED, FAILED or INCOMPLETE (still
# running, or killed). In a run's summary: SUCCEEDED (blessed or not), FAILED (a node failed, or
# validation stopped it) or NOT_STARTED (refused before anything ran: bad input, another run
# holding the output directory).
SUCCEEDED = "succeeded"
FAILED = "failed"
INCOMPLETE = "incomplete"
NOT_STARTED = "not_started"
# A node's state in a run: ML Metadata's execution states, and NOT_RUN for a node with no
# execution in the run (the run failed or was stopped before it).
NOT_RUN = "NOT_RUN"
# The states of a node that produced its outputs (a cache hit reuses earlier ones).
SUCCEEDED_STATES = ("COMPLETE", "CACHED")
FAILED_STATES = ("FAILED", "CANCELED")


@dataclasses.dataclass(frozen=True)
class NodeResult:
    """A node's state in a run (ML Metadata's COMPLETE, CACHED, FAILED..., or NOT_RUN) and how
    long it took; None seconds when it did not run."""

    state: str
    seconds: float | None


@dataclasses.dataclass(frozen=True)
class RunOverview:
    """One run in the list of a pipeline's runs."""

    number: int  # 1 for the pipeline's first run in this output directory
    run_id: str
    started: str  # local time, to the second
    state: str  # SUCCEEDED, FAILED or INCOMPLETE
    seconds: float  # from its start to the last update of its last node


@dataclasses.dataclass(frozen=True)
class SchemaOrigin:
    """Which schema a run validated against and where it came from (pipeline/schemas/kept.py);
    for a run that recorded no choice (e.g. on Airflow), only the file ImportSchemaGen read."""

    description: str  # in words, e.g. "kept from run 1 (...): inferred from data/penguins"
    path: str | None  # the file ImportSchemaGen imported
    origin: str | None = None  # CURATED, KEPT or INFERRED
    source: str | None = None  # the curated file, or the data the schema was inferred from
    made_as: str | None = None  # CURATED or INFERRED
    since_run: str | None = None  # the run that first used the kept schema
    since_run_number: int | None = None


@dataclasses.dataclass(frozen=True)
class RunSchema:
    """The schema a run validated against, feature by feature (records/schema.py), and where it
    differs from the one SchemaGen inferred from the run's own data."""

    source: str  # which node's schema, in words: "curated (ImportSchemaGen)"...
    uri: str
    environments: list[str]
    features: dict[str, dict[str, Any]]  # name -> type, presence, domain, shape...
    differences_from_inferred: list[dict[str, Any]]  # empty unless the schema was curated
    origin: SchemaOrigin | None

    @property
    def curated(self) -> bool:
        """Whether the run validated against a curated schema (given to it, or kept from a run
        that was), the one compared with the schema inferred from the run's data."""
        from pipeline.schemas.kept import CURATED  # kept.py reads the config: only when asked

        return self.origin is not None and self.origin.made_as == CURATED


@dataclasses.dataclass(frozen=True)
class Blessing:
    """Whether the Evaluator blessed the model, why, and each threshold with its outcome."""

    blessed: bool
    reason: str
    thresholds: list[dict[str, Any]]
    compared_with_baseline: bool  # False when there was no blessed model yet


@dataclasses.dataclass(frozen=True)
class PushedModel:
    """The model version a run pushed, and the folder TF Serving loads it from."""

    version: str
    path: str


@dataclasses.dataclass(frozen=True)
class Training:
    """What the Trainer logged: its hyperparameters and per-epoch curves."""

    hyperparameters: dict[str, Any] | None
    curves: dict[str, dict[str, list[float]]]  # phase -> metric -> value per epoch
    logs: str  # the Trainer's model_run artifact: TensorBoard logs and training speed


@dataclasses.dataclass(frozen=True)
class ExportedModel:
    """The SavedModel a run's Trainer exported: its signatures and what it serves."""

    path: str
    signatures: dict[str, dict[str, dict[str, str]]]  # name -> inputs, outputs -> dtype shape
    tensorflow_version: str | None
    serving_info: dict[str, Any]  # features, label and classes (pipeline/serving/predict.py)


@dataclasses.dataclass(frozen=True)
class RunRecord:
    """Everything one run recorded; `to_json_dict` is `inspect --json`."""

    output_dir: str
    pipeline: str
    runs: list[RunOverview]  # every run of the pipeline in the output directory, oldest first
    run: RunOverview  # this one
    nodes: dict[str, NodeResult]  # the nodes that ran, in execution order
    statistics: dict[str, dict[str, Any]]  # split -> rows and features (records/statistics.py)
    schema: RunSchema | None
    anomalies: list[dict[str, str]]  # ExampleValidator's: split, feature, kind, severity...
    metrics: dict[str, Any]  # the Evaluator's (records/evaluation_results.py); empty if none
    blessing: Blessing | None
    pushed_model: PushedModel | None
    training: Training | None
    model: ExportedModel | None
    versions: dict[str, str]  # Python's and the ML packages' in this environment
    # The fields above left empty although their node ran, by name ("statistics", "schema",
    # "anomalies", "metrics", "training", "model"), and why: "artifact deleted: <uri>"...
    unavailable: dict[str, str] = dataclasses.field(default_factory=dict)

    def to_json_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class RunComparison:
    """How run B differs from run A; `to_json_dict` is `inspect --compare A B --json`."""

    run_a: RunOverview
    run_b: RunOverview
    statistics_drift: list[dict[str, Any]]  # per split and feature (records/statistics.py)
    metric_deltas: list[dict[str, Any]]  # metric, a, b, delta

    def to_json_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class RunSummary:
    """What a pipeline run printed at its end: a view of its record (records/summary.py), with
    what only the runner knows (its error, log file, wall time). `to_json_dict` is the
    --summary-json format."""

    status: str  # SUCCEEDED, FAILED or NOT_STARTED
    run_id: str | None
    nodes: dict[str, NodeResult]  # every node of the pipeline, NOT_RUN where it did not run
    anomalies: list[dict[str, str]]
    metrics: dict[str, Any]
    blessed: bool
    blessing_reason: str
    pushed_model: str | None  # the pushed version's folder
    schema: SchemaOrigin | None = None
    pipeline_name: str | None = None
    failed_node: str | None = None
    error: str | None = None
    log_file: str | None = None
    output_dir: str | None = None
    wall_seconds: float | None = None

    def to_json_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
