"""`python -m pipeline run` (and local_runner.py): run the whole pipeline on this machine."""

import argparse
import os

from components.hyperparameters import HParams
from pipeline.cli.dataset_flags import add_dataset_arguments, dataset_settings
from pipeline.cli.exit_codes import BadInputError, exit_code_of_run
from pipeline.config import PipelineConfig


def register(commands) -> None:
    parser = commands.add_parser("run", help="run the whole pipeline locally")
    add_run_arguments(parser)
    parser.set_defaults(handler=run_command)


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of a local run (shared by local_runner.py and `python -m pipeline run`)."""
    defaults = PipelineConfig()
    parser.add_argument(
        "--data-root",
        default=defaults.data_root,
        help="folder of *.csv files with a header row (default: %(default)s)",
    )
    parser.add_argument(
        "--schema",
        default=None,
        help="curated schema.pbtxt, kept from now on as the pipeline's schema (default: "
        "schema.pbtxt in --data-root if present, else the schema the pipeline kept, in "
        "<output-dir>/schema/<pipeline-name>/; its first run infers it from the data)",
    )
    add_dataset_arguments(parser)
    parser.add_argument(
        "--serving-data",
        metavar="DIR",
        help="folder of *.csv serving requests (features, no label); the training data's skew "
        "against them is checked with the schema's skew_comparator thresholds",
    )
    parser.add_argument(
        "--output-dir",
        default=defaults.output_dir,
        help="where artifacts, ML Metadata, pushed models and logs go (default: %(default)s)",
    )
    parser.add_argument(
        "--train-steps",
        type=int,
        default=defaults.hyperparameters.train_steps,
        help="training steps (default: %(default)s)",
    )
    parser.add_argument(
        "--steps-per-execution",
        type=int,
        default=defaults.hyperparameters.steps_per_execution,
        help="training steps per call of Keras' training function; 1 is Keras' default, and "
        "the weights are the same either way (default: %(default)s)",
    )
    parser.add_argument(
        "--accuracy-threshold",
        type=float,
        default=defaults.accuracy_threshold,
        help="eval accuracy a model needs to be blessed and pushed (default: %(default)s)",
    )
    parser.add_argument(
        "--allow-anomaly",
        action="append",
        default=[],
        metavar="KIND",
        help="an anomaly kind that only warns instead of stopping the run, e.g. "
        "FEATURE_TYPE_LOW_FRACTION_PRESENT (repeatable)",
    )
    cache = parser.add_mutually_exclusive_group()
    cache.add_argument(
        "--enable-cache",
        dest="enable_cache",
        action="store_true",
        help="reuse outputs of nodes whose inputs did not change (the default)",
    )
    cache.add_argument(
        "--no-cache",
        dest="enable_cache",
        action="store_false",
        help="re-execute every node",
    )
    parser.set_defaults(enable_cache=defaults.enable_cache)
    parser.add_argument(
        "--tuner",
        action=argparse.BooleanOptionalAction,
        default=defaults.enable_tuner,
        help="run the Tuner and train with its best hyperparameters (default: off)",
    )
    parser.add_argument(
        "--beam-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="a Beam pipeline option, e.g. --beam-arg=--direct_num_workers=2 (repeatable)",
    )
    parser.add_argument(
        "--tfx-csv-reader",
        action="store_true",
        help="have ExampleGen write the examples through TFX's own Beam pipeline: the same "
        "examples, about four times slower",
    )
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


def config_from_args(args: argparse.Namespace) -> PipelineConfig:
    """The PipelineConfig a set of run flags describes."""
    schema_path = args.schema
    if schema_path is None:
        beside_data = os.path.join(args.data_root, "schema.pbtxt")
        schema_path = beside_data if os.path.exists(beside_data) else None
    elif not os.path.exists(schema_path):
        raise BadInputError(f"--schema {schema_path}: no such file")
    for flag, folder in (("--data-root", args.data_root), ("--serving-data", args.serving_data)):
        if folder is not None and not os.path.isdir(folder):
            raise BadInputError(f"{flag} {folder}: no such directory")
    return PipelineConfig(
        pipeline_name=args.pipeline_name,
        data_root=args.data_root,
        schema_path=schema_path,
        **dataset_settings(args),
        serving_data_root=args.serving_data,
        output_dir=args.output_dir,
        hyperparameters=HParams(
            train_steps=args.train_steps, steps_per_execution=args.steps_per_execution
        ),
        accuracy_threshold=args.accuracy_threshold,
        allowed_anomaly_kinds=tuple(args.allow_anomaly),
        enable_cache=args.enable_cache,
        enable_tuner=args.tuner,
        beam_args=tuple(args.beam_arg),
        tfx_csv_reader=args.tfx_csv_reader,
    )


def run_command(args: argparse.Namespace) -> int:
    """Run the pipeline locally; the exit code says how it ended (pipeline/cli/exit_codes.py)."""
    from pipeline.runners.local import run_locally

    try:
        config = config_from_args(args)
    except ValueError as error:
        raise BadInputError(f"invalid configuration: {error}") from None
    summary = run_locally(config, summary_json=args.summary_json, verbose=args.verbose)
    return exit_code_of_run(summary, args.require_blessing)
