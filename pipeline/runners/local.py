"""Run the pipeline on this machine: LocalDagRunner, Beam's DirectRunner, SQLite ML Metadata."""

import contextlib
import dataclasses
import datetime
import fcntl
import json
import logging
import os
import sys
import time
from collections.abc import Iterator
from typing import TextIO

from components.checked_csv_example_gen.csv_checks import CsvDataError, check_csv_folder
from components.dataset_spec import DatasetSpecError
from pipeline.config import DATA_FILE_PATTERN, PipelineConfig
from pipeline.records.run_record import FAILED, RunSummary
from pipeline.records.summary import describe_error, summarize, summarize_unrecorded
from pipeline.runners.progress import NodeProgress
from pipeline.schemas.kept import (
    CURATED,
    INFERRED,
    KEPT,
    KeptSchemaError,
    SchemaChoice,
    keep_schema,
    kept_choice,
    kept_schema_path,
    note_first_run,
    record_choice_in_run,
)
from pipeline.views.terminal_summary import format_summary


@contextlib.contextmanager
def output_redirected_to(log_path: str | None) -> Iterator[TextIO]:
    """Send everything written to stdout and stderr, by Python, TensorFlow's C++ core and Beam's
    workers alike, to `log_path`; yield a stream that still reaches the terminal.

    With `log_path` None nothing is redirected (--verbose).
    """
    sys.stdout.flush()
    sys.stderr.flush()
    terminal = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1, encoding="utf-8")
    if log_path is None:
        with terminal:
            yield terminal
        return
    saved_stdout, saved_stderr = os.dup(1), os.dup(2)
    log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.dup2(log_fd, 1)
        os.dup2(log_fd, 2)
        yield terminal
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved_stdout, 1)
        os.dup2(saved_stderr, 2)
        for fd in (log_fd, saved_stdout, saved_stderr):
            os.close(fd)
        terminal.close()


# Held by the run using an output directory; the kernel releases it when that process ends,
# however it ends (a killed run leaves no stale lock behind).
RUN_LOCK_FILE = ".run.lock"


class RunInProgressError(RuntimeError):
    """Another run is using the same output directory."""


@contextlib.contextmanager
def exclusive_output_dir(output_dir: str) -> Iterator[None]:
    """Hold `output_dir` for one run: a second run on it is refused at once, instead of
    failing later on a locked ML Metadata database or mixing its artifacts with this run's."""
    path = os.path.join(output_dir, RUN_LOCK_FILE)
    lock_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(lock_fd, 200).decode(errors="replace").strip() or "unknown"
        os.close(lock_fd)
        raise RunInProgressError(
            f"another run is using {output_dir} ({holder}); wait for it to finish, "
            "or give this run another --output-dir"
        ) from None
    try:
        os.ftruncate(lock_fd, 0)
        os.write(lock_fd, f"pid {os.getpid()}, started {datetime.datetime.now():%H:%M:%S}".encode())
        yield
    finally:
        os.close(lock_fd)


def run_locally(
    config: PipelineConfig, summary_json: str | None = None, verbose: bool = False
) -> RunSummary:
    """Run the whole pipeline, print progress and a summary, and return the summary; a run
    refused before it starts (bad data, schema or label, the output directory in use) has the
    status NOT_STARTED."""
    config = config.with_absolute_paths()
    os.makedirs(config.logs_dir, exist_ok=True)
    try:
        with exclusive_output_dir(config.output_dir):
            check_local_csv_files(config)
            schema = _schema_given_or_kept(config)
            return _run_with_output_dir_held(config, schema, summary_json, verbose)
    except (RunInProgressError, CsvDataError, DatasetSpecError, KeptSchemaError) as error:
        print(f"error: {error}\nNothing was run.", file=sys.stderr)
        summary = summarize_unrecorded(str(error))
        if summary_json:
            _write_summary(summary, summary_json)
        return summary


def check_local_csv_files(config: PipelineConfig) -> None:
    """Fail in a second, before TFX starts, on CSV files that CsvExampleGen could not read;
    data on an object store is checked by the ExampleGen executor instead."""
    for data_root in (config.data_root, config.serving_data_root):
        if data_root and "://" not in data_root:
            check_csv_folder(data_root, DATA_FILE_PATTERN)


def _schema_given_or_kept(config: PipelineConfig) -> tuple[str, str] | None:
    """(text, origin) of the schema given to this run (CURATED) or kept by its pipeline (KEPT);
    None when there is neither and the run must infer one. A label or column name that does
    not fit it fails here, in a second."""
    from pipeline.schemas.dataset import dataset_spec, read_schema_text

    if config.schema_path:
        text, origin = read_schema_text(config.schema_path), CURATED
    elif (kept := kept_choice(config)) is not None:
        text, origin = read_schema_text(kept.path), KEPT
    else:
        return None
    dataset_spec(config, text, config.schema_path or kept_schema_path(config))
    return text, origin


def _run_with_output_dir_held(
    config: PipelineConfig,
    schema: tuple[str, str] | None,
    summary_json: str | None,
    verbose: bool,
) -> RunSummary:
    started = datetime.datetime.now()
    log_file = os.path.join(config.logs_dir, f"run-{started:%Y%m%d-%H%M%S}.log")

    with output_redirected_to(None if verbose else log_file) as terminal:
        terminal.write(
            f"Pipeline '{config.pipeline_name}' on {config.data_root}\n"
            f"  outputs: {config.output_dir}\n  full log: {log_file}\n"
        )
        progress = NodeProgress(terminal)
        _configure_logging(log_file if verbose else None, progress)
        wall_started = time.monotonic()
        choice = _choose_schema(config, schema, terminal)
        summary = _run_and_summarize(
            dataclasses.replace(config, schema_path=choice.path), choice, progress, started
        )
        summary.wall_seconds = round(time.monotonic() - wall_started, 1)
        summary.log_file = log_file
        summary.output_dir = config.output_dir
        terminal.write(f"\n{format_summary(summary)}\n")
    if summary_json:
        _write_summary(summary, summary_json)
    return summary


def _choose_schema(
    config: PipelineConfig, schema: tuple[str, str] | None, terminal: TextIO
) -> SchemaChoice:
    """The schema this run validates against: a curated one becomes the pipeline's, a kept one
    stays; without either, the pipeline's first run infers one from its data and keeps it."""
    if schema is None:
        return _infer_and_keep_schema(config, terminal)
    text, origin = schema
    if origin == KEPT:
        choice = kept_choice(config)
        terminal.write(f"  schema: {choice.path} (kept: this pipeline's)\n")
        return choice
    choice = keep_schema(config, text, CURATED, config.schema_path)
    terminal.write(f"  schema: {config.schema_path} (curated), kept as {choice.path}\n")
    return choice


def _infer_and_keep_schema(config: PipelineConfig, terminal: TextIO) -> SchemaChoice:
    """Infer the schema of the pipeline's first run, keep it, and say what that means."""
    from pipeline.schemas.dataset import describe_spec, infer_schema_text

    inferring_started = time.monotonic()
    terminal.write("  inferring the schema from the data (the pipeline's first run) ...\n")
    text, spec = infer_schema_text(config)
    choice = keep_schema(config, text, INFERRED, config.data_root)
    terminal.write(
        f"  schema inferred in {time.monotonic() - inferring_started:.1f} s and kept as "
        f"{choice.path}:\n  this data now defines normal. Later runs of '{config.pipeline_name}' "
        "are validated against it and stopped when their data drifts from it; review it, and\n"
        "  change it only by passing a schema (--schema FILE; `python -m pipeline "
        "propose-schema` writes one accepting a stopped run's anomalies)\n"
        f"  {describe_spec(spec)}\n"
    )
    return choice


def _write_summary(summary: RunSummary, path: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(summary.to_json_dict(), f, indent=2)


def local_pipeline(config: PipelineConfig, metadata_path: str):
    """The tfx Pipeline LocalDagRunner runs for `config`, with ML Metadata in the SQLite file
    `metadata_path`."""
    from tfx.orchestration import metadata

    from pipeline.inputs import resolve_inputs
    from pipeline.pipeline import create_pipeline

    return create_pipeline(
        config, resolve_inputs(config), metadata.sqlite_metadata_connection_config(metadata_path)
    )


def _run_and_summarize(
    config: PipelineConfig,
    schema: SchemaChoice,
    progress: NodeProgress,
    started: datetime.datetime,
) -> RunSummary:
    """Build and run the pipeline; whatever happens, record which schema the run used and read
    back what ML Metadata recorded."""
    from pipeline.records.metadata import latest_run_id, open_store
    from pipeline.records.runs import read_run_record

    error = None
    expected_nodes: list[str] = []
    try:
        from tfx.orchestration.local.local_dag_runner import LocalDagRunner

        tfx_pipeline = local_pipeline(config, config.metadata_path)
        expected_nodes = [component.id for component in tfx_pipeline.components]
        LocalDagRunner().run(tfx_pipeline)
    except Exception as exc:  # noqa: BLE001 - any failure is reported, with its node, below.
        logging.exception("Pipeline run failed")
        progress.node_failed(describe_error(exc))
        error = exc
    # Only a run recorded after this process started is ours; an older one is not described.
    run_id = None
    if os.path.exists(config.metadata_path):
        run_id = latest_run_id(
            open_store(config.metadata_path),
            config.pipeline_name,
            not_before_ms=int(started.timestamp() * 1000),
        )
    if run_id is None:
        # It started, but failed before ML Metadata recorded it (e.g. building the pipeline).
        summary = summarize_unrecorded(describe_error(error) if error else None, FAILED)
        summary.failed_node = progress.running_node
        return summary
    try:
        record_choice_in_run(config.metadata_path, run_id, note_first_run(config, schema, run_id))
    except Exception:  # noqa: BLE001 - the run's own record matters more than this note on it
        logging.exception("Could not record the run's schema in ML Metadata")
    record = read_run_record(config.output_dir, config.pipeline_name, run_id)
    return summarize(record, expected_nodes, error=error, failed_node=progress.running_node)


def _configure_logging(extra_log_file: str | None, progress: NodeProgress) -> None:
    """INFO and above from TFX, Beam and TensorFlow to stderr (the log file unless --verbose)
    and to `extra_log_file` when given; the runner's per-node messages to `progress`."""
    from absl import logging as absl_logging

    absl_logging.set_verbosity(absl_logging.INFO)
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if extra_log_file:
        handlers.append(logging.FileHandler(extra_log_file, encoding="utf-8"))
    for handler in handlers:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.addHandler(progress)
