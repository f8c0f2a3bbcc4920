"""`python -m pipeline run` (and local_runner.py): run the whole pipeline on this machine."""

import argparse
import os
from collections.abc import Mapping

from pipeline.cli.exit_codes import DONE, BadInputError, exit_code_of_run
from pipeline.config import SCHEMA_FILE_NAME, PipelineConfig
from pipeline.settings import (
    DEFAULT,
    RUN,
    ResolvedSettings,
    add_setting_arguments,
    settings_from_args,
)


def register(commands) -> None:
    parser = commands.add_parser("run", help="run the whole pipeline locally")
    add_run_arguments(parser)
    parser.set_defaults(handler=run_command)


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of a local run (shared by local_runner.py and `python -m pipeline run`): one
    per setting a local run uses (pipeline/settings.py), then the run's own."""
    add_setting_arguments(parser, RUN)
    parser.add_argument(
        "--summary-json", metavar="PATH", help="also write the run summary as JSON to PATH"
    )
    parser.add_argument(
        "--require-blessing",
        action="store_true",
        help="exit with 3 when the run finishes without blessing its model (for CI jobs that "
        "must fail then; by default an unblessed model is a finished run, exit 0)",
    )
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="show TensorFlow, Beam and TFX logs in the terminal instead of only in the log file",
    )


def run_settings(
    args: argparse.Namespace, environ: Mapping[str, str] | None = None
) -> ResolvedSettings:
    """The settings of a local run; with no schema named, schema.pbtxt beside the data if there
    is one, else none (the run then uses the schema its pipeline kept)."""
    settings = settings_from_args(args, RUN, environ)
    if settings["schema_path"].source == DEFAULT:
        data_root = settings["data_root"].value
        beside_data = os.path.join(data_root, SCHEMA_FILE_NAME)
        # On an object store the run cannot look first: the schema is the pipeline's kept one.
        if "://" not in data_root and os.path.exists(beside_data):
            settings = settings.replaced(
                "schema_path", beside_data, DEFAULT, f"{SCHEMA_FILE_NAME} in data_root"
            )
        else:
            settings = settings.replaced(
                "schema_path",
                None,
                DEFAULT,
                f"no {SCHEMA_FILE_NAME} in data_root: the schema the pipeline kept",
            )
    return settings


def _on_this_machine(path: str) -> bool:
    """Whether `path` is a local one; gs://, s3:// and other URIs the run reads through
    TensorFlow's filesystems, which it checks itself."""
    return "://" not in path


def check_local_paths(settings: ResolvedSettings) -> None:
    """The schema and data folders a local run reads exist, and the output directory is a
    folder (or can be one), or the flag, variable or file key that named them is said. Paths on
    an object store are left to the run."""
    schema = settings["schema_path"]
    local_schema = schema.value is not None and _on_this_machine(schema.value)
    if local_schema and not os.path.isfile(schema.value):
        raise BadInputError(f"{schema.origin(RUN)} {schema.value}: no such file")
    for name in ("data_root", "serving_data_root"):
        folder = settings[name]
        local_folder = folder.value is not None and _on_this_machine(folder.value)
        if local_folder and not os.path.isdir(folder.value):
            raise BadInputError(f"{folder.origin(RUN)} {folder.value}: no such directory")
    output = settings["output_dir"]
    if _on_this_machine(output.value):
        # The nearest part of it that exists must be a folder: the run creates the rest.
        existing = os.path.abspath(output.value)
        while not os.path.exists(existing):
            existing = os.path.dirname(existing)
        if not os.path.isdir(existing):
            raise BadInputError(
                f"{output.origin(RUN)} {output.value}: {existing} is a file, not a folder"
            )


def check_summary_json(path: str | None) -> None:
    """--summary-json's folder exists and is writable, so the summary of a finished run is not
    lost to a typo after the run."""
    if path is None:
        return
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise BadInputError(f"--summary-json {path}: a folder, expected a file to write")
    if not os.path.isdir(folder):
        raise BadInputError(f"--summary-json {path}: no such directory {folder}")
    if not os.access(folder, os.W_OK):
        raise BadInputError(f"--summary-json {path}: cannot write to {folder}")


def check_pipeline_continues(settings: ResolvedSettings, config: PipelineConfig) -> None:
    """A pipeline named after its data folder (no --pipeline-name) must not start a new one
    beside the pipelines the output directory already holds: data arriving in dated folders
    would otherwise start a pipeline a day, each without a drift baseline or a blessed model to
    be compared with."""
    output_dir = settings["output_dir"].value
    if settings["pipeline_name"].source != DEFAULT or not os.path.isfile(config.metadata_path):
        return
    from pipeline.records.metadata import open_store, pipeline_names

    others = pipeline_names(open_store(config.metadata_path))
    derived = config.pipeline_name
    if not others or derived in others:
        return
    held = ", ".join(others)
    choices = " or ".join(f"--pipeline-name {other}" for other in others)
    continue_which = "that one" if len(others) == 1 else "one of those"
    raise BadInputError(
        f"{output_dir} holds the pipeline{'s' if len(others) > 1 else ''} {held}; data from "
        f"{settings['data_root'].value} would start a new pipeline, {derived}. Pass {choices} "
        f"to continue {continue_which}, or --pipeline-name {derived} to start a new one."
    )


def config_from_args(
    args: argparse.Namespace, environ: Mapping[str, str] | None = None
) -> PipelineConfig:
    """The PipelineConfig of a local run's flags, over `environ` (default: this process's
    environment) and the config file, its paths checked."""
    return _checked_config(run_settings(args, environ))


def _checked_config(settings: ResolvedSettings) -> PipelineConfig:
    check_local_paths(settings)
    return settings.config()


def run_command(args: argparse.Namespace) -> int:
    """Run the pipeline locally; the exit code says how it ended (pipeline/cli/exit_codes.py)."""
    settings = run_settings(args)
    if args.print_config:
        # Before the paths are checked: a wrong one is what the user may be looking for.
        print(settings.describe(settings.config()))
        return DONE
    config = _checked_config(settings)
    check_pipeline_continues(settings, config)
    check_summary_json(args.summary_json)
    from pipeline.runners.local import run_locally

    summary = run_locally(config, summary_json=args.summary_json, verbose=args.verbose)
    return exit_code_of_run(summary, args.require_blessing)
