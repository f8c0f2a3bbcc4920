"""One pipeline run as the benchmark sees it: the process's wall time and peak memory, and
what ML Metadata and the artifacts say about each node."""

import dataclasses
import json
import os
import subprocess
import sys
import threading
import time
from typing import Any

import psutil

from pipeline.nodes import EXAMPLE_GEN, STATISTICS_GEN, TRAINER, TRANSFORM

# How often the memory of the run's process tree is sampled.
MEMORY_SAMPLE_SECONDS = 0.2
# Nodes whose speed is given in rows per second: they read every row.
ROW_NODES = (EXAMPLE_GEN, STATISTICS_GEN, TRANSFORM)


class BenchmarkRunError(RuntimeError):
    """A benchmarked run did not do what the benchmark needs (failed, or miscounted rows)."""


@dataclasses.dataclass
class RunMeasurement:
    """What one run of local_runner.py cost and did."""

    process_seconds: float
    pipeline_seconds: float | None  # the runner's own wall time; None when it wrote no summary
    peak_memory_mb: float
    status: str
    node_states: dict[str, str]
    node_seconds: dict[str, float | None]  # None for a node that did not run
    rows: int | None  # StatisticsGen's count over all splits
    training: dict[str, Any] | None  # the Trainer's training_speed.json
    blessed: bool
    accuracy: float | None  # the Evaluator's, on the eval split
    overall_metrics: dict[str, float]  # every metric the Evaluator reported overall, by name
    peak_memory_at_seconds: float  # when the peak was sampled, from the process's start
    error: str | None = None  # why the run failed (only a run allowed to fail has one)

    def rows_per_second(self, node: str) -> float | None:
        seconds = self.node_seconds.get(node)
        if not self.rows or not seconds or self.node_states.get(node) != "COMPLETE":
            return None
        return self.rows / seconds

    def to_json_dict(self) -> dict[str, Any]:
        values = dataclasses.asdict(self)
        values["rows_per_second"] = {node: self.rows_per_second(node) for node in ROW_NODES}
        return values


class _TreeMemorySampler(threading.Thread):
    """Samples the resident memory of a process and all its descendants (Beam's workers)."""

    def __init__(self, pid: int, started: float) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.started = started  # time.monotonic() when the process started
        self.peak_bytes = 0
        self.peak_at_seconds = 0.0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            try:
                tree = [self.process, *self.process.children(recursive=True)]
                total = 0
                for process in tree:
                    try:
                        total += process.memory_info().rss
                    except psutil.NoSuchProcess:
                        continue
                if total > self.peak_bytes:
                    self.peak_bytes = total
                    self.peak_at_seconds = time.monotonic() - self.started
            except psutil.NoSuchProcess:
                return
            self.done.wait(MEMORY_SAMPLE_SECONDS)


def run_pipeline(
    run_args: list[str],
    output_dir: str,
    log_path: str,
    env: dict[str, str] | None = None,
    must_succeed: bool = True,
) -> RunMeasurement:
    """Run `local_runner.py <run_args> --output-dir output_dir` as a process of its own, as a
    user would, and measure it. BenchmarkRunError if it does not succeed, unless not
    `must_succeed`: then a failed run is measured too (status "failed", with its error)."""
    summary_path = f"{log_path.removesuffix('.log')}.summary.json"
    command = [
        sys.executable,
        "local_runner.py",
        *run_args,
        "--output-dir",
        output_dir,
        "--summary-json",
        summary_path,
    ]
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    # A summary left by an earlier run must not pass for this one's.
    if os.path.exists(summary_path):
        os.remove(summary_path)
    with open(log_path, "w", encoding="utf-8") as log:
        started = time.monotonic()
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
        )
        sampler = _TreeMemorySampler(process.pid, started)
        sampler.start()
        returncode = process.wait()
        process_seconds = time.monotonic() - started
        sampler.done.set()
        sampler.join()
    summary = None
    if os.path.exists(summary_path):
        with open(summary_path, encoding="utf-8") as f:
            summary = json.load(f)
    if returncode == 0 and summary is not None:
        return _measurement(summary, output_dir, process_seconds, sampler)
    if summary is None:
        # Killed (e.g. by the kernel when memory ran out) before the runner could write it.
        error = f"exited with {returncode} and wrote no summary"
    else:
        error = f"exited with {returncode}: {summary.get('error')}"
    if must_succeed:
        raise BenchmarkRunError(f"{' '.join(command)} {error} (output in {log_path})")
    return _from_summary(summary or {}, process_seconds, sampler, error=error)


def _measurement(
    summary: dict[str, Any], output_dir: str, process_seconds: float, sampler: _TreeMemorySampler
) -> RunMeasurement:
    from pipeline.records.runs import read_run_record
    from pipeline.records.training_results import read_training_speed

    record = read_run_record(output_dir, summary["pipeline_name"], summary["run_id"])
    rows = sum(split["rows"] for split in record.statistics.values()) or None
    training = None
    if record.training and summary["nodes"].get(TRAINER, {}).get("state") == "COMPLETE":
        training = read_training_speed(record.training.logs)
    return _from_summary(summary, process_seconds, sampler, rows=rows, training=training)


def _from_summary(
    summary: dict[str, Any],
    process_seconds: float,
    sampler: _TreeMemorySampler,
    error: str | None = None,
    rows: int | None = None,
    training: dict[str, Any] | None = None,
) -> RunMeasurement:
    """What the summary (empty when the run wrote none) and the sampler say; a run with an
    `error` is a failed one."""
    nodes = summary.get("nodes", {})
    metrics = summary.get("metrics", {})
    return RunMeasurement(
        process_seconds=round(process_seconds, 2),
        pipeline_seconds=summary.get("wall_seconds"),
        peak_memory_mb=round(sampler.peak_bytes / 2**20, 1),
        status="failed" if error else summary["status"],
        node_states={node: result["state"] for node, result in nodes.items()},
        node_seconds={node: result["seconds"] for node, result in nodes.items()},
        rows=rows,
        training=training,
        blessed=bool(summary.get("blessed")),
        accuracy=metrics.get("accuracy"),
        overall_metrics=metrics.get("overall") or {},
        peak_memory_at_seconds=round(sampler.peak_at_seconds, 1),
        error=error,
    )
