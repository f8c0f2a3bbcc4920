"""The summary of a run, printed at its end (views/terminal_summary.py) and saved by
--summary-json: a view of its record (records/run_record.py) with every node of the pipeline."""

from pipeline.nodes import EVALUATOR
from pipeline.records.run_record import (
    FAILED,
    NOT_RUN,
    NOT_STARTED,
    SUCCEEDED,
    SUCCEEDED_STATES,
    NodeResult,
    RunRecord,
    RunSummary,
)


def summarize(
    record: RunRecord,
    expected_nodes: list[str],
    error: BaseException | None = None,
    failed_node: str | None = None,
) -> RunSummary:
    """The summary of a run from its record: `expected_nodes` (the pipeline's, in order) each
    with its result, NOT_RUN where the run has none; failed when `error` is given (the run
    raised it) or a node did not succeed, at `failed_node` or else the first such node."""
    node_results = {
        node: record.nodes.get(node, NodeResult(NOT_RUN, None)) for node in expected_nodes
    }
    unsucceeded = [node for node, r in node_results.items() if r.state not in SUCCEEDED_STATES]
    failed = error is not None or bool(unsucceeded)
    if failed and failed_node is None:
        failed_node = next(iter(unsucceeded), None)
    blessing = record.blessing
    return RunSummary(
        status=FAILED if failed else SUCCEEDED,
        run_id=record.run.run_id,
        pipeline_name=record.pipeline,
        nodes=node_results,
        anomalies=record.anomalies,
        metrics=record.metrics,
        blessed=blessing.blessed if blessing else False,
        blessing_reason=blessing.reason if blessing else f"the {EVALUATOR} did not run",
        pushed_model=record.pushed_model.path if record.pushed_model else None,
        schema=record.schema.origin if record.schema else None,
        failed_node=failed_node if failed else None,
        error=None if error is None else describe_error(error),
    )


def summarize_unrecorded(error: str | None, status: str = NOT_STARTED) -> RunSummary:
    """The summary of a run ML Metadata has no record of: refused before it started
    (NOT_STARTED), or FAILED before it was recorded (e.g. while the pipeline was built)."""
    return RunSummary(
        status=status,
        run_id=None,
        nodes={},
        anomalies=[],
        metrics={},
        blessed=False,
        blessing_reason="the pipeline did not start",
        pushed_model=None,
        error=error,
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
