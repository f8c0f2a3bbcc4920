"""RunSummary: the facts of one run, as printed at its end and saved by --summary-json.

Kept apart from summary.py, which reads them from ML Metadata, so that a run refused before
it starts can write one without importing ML Metadata and TFMA.
"""

import dataclasses
from typing import Any

# A run's status: it finished (blessed or not), it failed or was stopped by validation, or it was
# refused before anything ran (bad input, another run holding the output directory).
SUCCEEDED = "succeeded"
FAILED = "failed"
NOT_STARTED = "not_started"


@dataclasses.dataclass
class RunSummary:
    """The facts of one pipeline run; `to_json_dict` is the --summary-json format."""

    status: str  # SUCCEEDED, FAILED or NOT_STARTED
    run_id: str | None
    nodes: dict[str, dict[str, Any]]  # node id -> {"state": ..., "seconds": ...}
    anomalies: list[dict[str, str]]
    metrics: dict[str, Any]
    blessed: bool
    blessing_reason: str
    pushed_model: str | None
    # Which schema the run validated against and where it came from (summary.schema_of_run).
    schema: dict[str, Any] | None = None
    pipeline_name: str | None = None
    failed_node: str | None = None
    error: str | None = None
    log_file: str | None = None
    output_dir: str | None = None
    wall_seconds: float | None = None

    def to_json_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
