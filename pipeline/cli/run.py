"""`python -m pipeline run` (and local_runner.py): run the whole pipeline on this machine."""

import argparse
import os
from collections.abc import Mapping

from pipeline.cli.exit_codes import DONE, BadInputError, exit_code_of_run
from pipeline.config import PipelineConfig
from pipeline.settings import (
    DEFAULT,
    RUN,
    ResolvedSettings,
    add_setting_arguments,
    settings_from_args,
)

# A curated schema saved beside the data is the local run's schema when none is named.
SCHEMA_BESIDE_THE_DATA = "schema.pbtxt"


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
        beside_data = os.path.join(settings["data_root"].value, SCHEMA_BESIDE_THE_DATA)
        if os.path.exists(beside_data):
            settings = settings.replaced(
                "schema_path", beside_data, DEFAULT, f"{SCHEMA_BESIDE_THE_DATA} in data_root"
            )
        else:
            settings = settings.replaced(
                "schema_path",
                None,
                DEFAULT,
                f"no {SCHEMA_BESIDE_THE_DATA} in data_root: the schema the pipeline kept",
            )
    return settings


def check_local_paths(settings: ResolvedSettings) -> None:
    """The schema and data folders a local run reads exist, or the flag, variable or file key
    that named them is said."""
    schema = settings["schema_path"]
    if schema.value is not None and not os.path.exists(schema.value):
        raise BadInputError(f"{schema.origin(RUN)} {schema.value}: no such file")
    for name in ("data_root", "serving_data_root"):
        folder = settings[name]
        if folder.value is not None and not os.path.isdir(folder.value):
            raise BadInputError(f"{folder.origin(RUN)} {folder.value}: no such directory")


def config_from_args(
    args: argparse.Namespace, environ: Mapping[str, str] | None = None
) -> PipelineConfig:
    """The PipelineConfig of a local run's flags, over `environ` (default: this process's
    environment) and the config file."""
    settings = run_settings(args, environ)
    check_local_paths(settings)
    return settings.config()


def run_command(args: argparse.Namespace) -> int:
    """Run the pipeline locally; the exit code says how it ended (pipeline/cli/exit_codes.py)."""
    settings = run_settings(args)
    if args.print_config:
        # Before the paths are checked: a wrong one is what the user may be looking for.
        print(settings.describe(settings.config()))
        return DONE
    check_local_paths(settings)
    config = settings.config()
    from pipeline.runners.local import run_locally

    summary = run_locally(config, summary_json=args.summary_json, verbose=args.verbose)
    return exit_code_of_run(summary, args.require_blessing)
