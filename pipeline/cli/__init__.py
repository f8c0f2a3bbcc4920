"""`python -m pipeline`: run the pipeline locally, look at what a run found (inspect, report),
predict with the pushed model, compile for Kubeflow, or infer a schema to start curating."""

import argparse
import os
import sys
from collections.abc import Sequence

from components.hyperparameters import HParams
from pipeline.config import MODEL_TYPES, PipelineConfig


def add_dataset_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags that say what the data is and what its columns are to the model (run and
    compile-kubeflow)."""
    defaults = PipelineConfig()
    parser.add_argument(
        "--pipeline-name",
        default=defaults.pipeline_name,
        help="the pipeline's name in ML Metadata and in the serving path; runs of one name "
        "share a cache, a drift baseline and the last blessed model (default: %(default)s)",
    )
    parser.add_argument(
        "--label",
        default=defaults.label,
        help="the column to predict: text or whole-number classes (default: %(default)s)",
    )
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="COLUMN",
        help="a column the model does not take, e.g. an id or a leak (repeatable)",
    )
    parser.add_argument(
        "--features",
        metavar="FILE",
        help='JSON mapping columns to "numeric", "categorical" or "exclude", overriding what '
        'the schema says, e.g. {"zip": "categorical"}',
    )
    parser.add_argument(
        "--model",
        choices=MODEL_TYPES,
        default=defaults.model_type,
        help="auto: the Iris DNN for numeric features only, Wide & Deep when some are "
        "categorical (default: %(default)s)",
    )


def dataset_settings(args: argparse.Namespace) -> dict:
    """The PipelineConfig fields the dataset flags set."""
    overrides, excluded = (), ()
    if args.features:
        from components.dataset_spec import DatasetSpecError
        from pipeline.schemas.dataset import read_features_file

        try:
            overrides, excluded = read_features_file(args.features)
        except DatasetSpecError as error:
            raise SystemExit(str(error)) from None
    return {
        "label": args.label,
        "excluded_columns": tuple(dict.fromkeys([*args.exclude, *excluded])),
        "feature_overrides": overrides,
        "model_type": args.model,
    }


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
        raise SystemExit(f"--schema {schema_path}: no such file")
    for flag, folder in (("--data-root", args.data_root), ("--serving-data", args.serving_data)):
        if folder is not None and not os.path.isdir(folder):
            raise SystemExit(f"{flag} {folder}: no such directory")
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
    """Run the pipeline locally; the exit code says whether it succeeded."""
    from pipeline.runners.local import run_locally

    try:
        config = config_from_args(args)
    except ValueError as error:
        raise SystemExit(f"invalid configuration: {error}") from None
    return run_locally(config, summary_json=args.summary_json, verbose=args.verbose)


def infer_schema_command(args: argparse.Namespace) -> int:
    """Write the schema inferred from the data, to compare with or start a curated one."""
    from components.dataset_spec import DatasetSpecError
    from pipeline.schemas.dataset import describe_spec, write_inferred_schema

    settings = dataset_settings(args)
    try:
        spec = write_inferred_schema(
            args.data_root,
            args.output,
            settings["label"],
            exclude=settings["excluded_columns"],
            overrides=dict(settings["feature_overrides"]),
        )
    except DatasetSpecError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {args.output}\n{describe_spec(spec)}")
    return 0


def compile_kubeflow_command(args: argparse.Namespace) -> int:
    """Write the KFP v2 spec of the pipeline the flags describe."""
    import time

    from pipeline.runners.kubeflow import compile_kubeflow, write_spec

    started = time.monotonic()
    try:
        config = PipelineConfig(
            pipeline_name=args.pipeline_name,
            data_root=args.data_root,
            schema_path=args.schema,
            **dataset_settings(args),
            serving_data_root=args.serving_data,
            output_dir=args.pipeline_root,
            serving_root=args.serving_root,
            container_image=args.image,
            beam_args=tuple(args.beam_arg),
            trainer_cpu_limit=args.trainer_cpu,
            trainer_memory_limit_gb=args.trainer_memory_gb,
            enable_cache=args.enable_cache,
        )
    except ValueError as error:
        raise SystemExit(f"invalid configuration: {error}") from None
    write_spec(compile_kubeflow(config), args.output)
    print(f"wrote {args.output} in {time.monotonic() - started:.1f} s")
    return 0


def add_kubeflow_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of `compile-kubeflow`; paths are as the pipeline's containers see them."""
    defaults = PipelineConfig()
    parser.add_argument("--output", required=True, help="the spec file to write (JSON)")
    add_dataset_arguments(parser)
    parser.add_argument(
        "--image",
        default=defaults.container_image,
        help="container image every step runs in (default: %(default)s)",
    )
    parser.add_argument(
        "--pipeline-root",
        default=defaults.output_dir,
        help="where artifacts go: gs://, s3:// or any filesystem URI TensorFlow writes; "
        "artifacts land in <root>/tfx (default: %(default)s)",
    )
    parser.add_argument(
        "--data-root",
        default=defaults.data_root,
        help="folder of *.csv files as the containers see it (default: %(default)s, "
        "the sample data inside the image)",
    )
    parser.add_argument(
        "--schema",
        default=defaults.schema_path,
        help="curated schema as the containers see it, also read here to decide what each "
        "column is to the model (default: %(default)s, inside the image and in this checkout)",
    )
    parser.add_argument(
        "--serving-data",
        metavar="DIR",
        help="folder of *.csv serving requests as the containers see it, to check skew against "
        "(default: no skew check)",
    )
    parser.add_argument(
        "--serving-root",
        default=None,
        help="where Pusher writes model versions (default: <pipeline root>/serving_model/iris)",
    )
    parser.add_argument(
        "--beam-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="a Beam pipeline option for every Beam-using step, e.g. "
        "--beam-arg=--runner=DataflowRunner (repeatable)",
    )
    parser.add_argument("--trainer-cpu", type=float, help="CPU limit of the Trainer step")
    parser.add_argument(
        "--trainer-memory-gb", type=float, help="memory limit of the Trainer step, in GB"
    )
    parser.add_argument(
        "--no-cache",
        dest="enable_cache",
        action="store_false",
        help="turn off Kubeflow's step caching for this pipeline",
    )


def predict_command(args: argparse.Namespace) -> int:
    """Classify the rows of a CSV or JSONL file with a pushed model."""
    quiet_tensorflow()
    from pipeline.serving.predict import (
        BadRowError,
        latest_pushed_model,
        predict,
        write_predictions,
    )

    try:
        model_dir = args.model_dir or latest_pushed_model(
            PipelineConfig(output_dir=args.output_dir).serving_model_dir
        )
        result = predict(model_dir, args.input, skip_bad_rows=args.skip_bad_rows)
    except (BadRowError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    as_jsonl = (args.output or "").endswith((".jsonl", ".json"))
    if args.output:
        with open(args.output, "w", newline="", encoding="utf-8") as f:
            write_predictions(result, f, as_jsonl)
    else:
        write_predictions(result, sys.stdout, as_jsonl)
    for error in result.skipped:
        print(f"skipped: {error}", file=sys.stderr)
    report = (
        f"{len(result.predictions)} rows predicted with {result.model_dir}, "
        f"{len(result.skipped)} skipped, {result.rows_per_second:.0f} rows/s"
    )
    labelled = [p for p in result.predictions if p.label is not None]
    if labelled:
        correct = sum(p.class_name == p.label for p in labelled)
        report += f"; {correct}/{len(labelled)} match the label column"
    print(report, file=sys.stderr)
    return 0


def quiet_tensorflow() -> None:
    """Keep TensorFlow's start-up and deprecation messages out of a command's output; errors
    still raise."""
    import logging
    import warnings

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    # google-api-core announces the end of Python 3.11 support; nothing for a user to act on.
    warnings.filterwarnings("ignore", "You are using a Python version", FutureWarning)


def inspect_command(args: argparse.Namespace) -> int:
    """Print what runs recorded, as tables or JSON; or compare two runs."""
    import json

    quiet_tensorflow()
    from rich.console import Console

    from pipeline.records.run_record import RunNotFoundError, compare_runs, read_run_record
    from pipeline.views.inspect_tables import print_comparison, print_record, print_runs

    try:
        if args.compare:
            result = compare_runs(args.output_dir, *args.compare)
        else:
            result = read_run_record(args.output_dir, args.run)
    except RunNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    console = Console()
    if args.compare:
        print_comparison(console, result)
    else:
        print_runs(console, result["runs"], selected=result["run"]["run_id"])
        print_record(console, result)
    return 0


def report_command(args: argparse.Namespace) -> int:
    """Write one self-contained HTML page of what a run found."""
    import time

    started = time.monotonic()  # the report's build time includes loading TFMA and TensorFlow
    quiet_tensorflow()
    from pipeline.records.run_record import RunNotFoundError, read_run_record
    from pipeline.views.report import write_report

    try:
        record = read_run_record(args.output_dir, args.run)
    except RunNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    size = write_report(record, args.html)
    print(
        f"wrote {args.html} ({size / 1024:.0f} KiB, run {record['run']['number']}: "
        f"{record['run']['run_id']}) in {time.monotonic() - started:.1f} s"
    )
    return 0


def propose_schema_command(args: argparse.Namespace) -> int:
    """Write a schema that accepts what a run's validation found, and show what it changes."""
    quiet_tensorflow()
    from pipeline.records.run_record import RunNotFoundError
    from pipeline.schemas.proposal import (
        IncompleteRunError,
        format_proposal,
        propose_for_run,
        write_proposed_schema,
    )

    try:
        proposal = propose_for_run(args.output_dir, args.run, args.pipeline_name)
    except (RunNotFoundError, IncompleteRunError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if proposal.changes:
        try:
            write_proposed_schema(proposal, args.output)
        except OSError as error:
            print(f"error: cannot write {args.output}: {error.strerror}", file=sys.stderr)
            return 2
    print(format_proposal(proposal, args.output))
    return 0


def add_run_selection_arguments(parser: argparse.ArgumentParser) -> None:
    """--output-dir and --run, shared by inspect and report."""
    parser.add_argument(
        "--output-dir",
        default=PipelineConfig().output_dir,
        help="the outputs of local runs (default: %(default)s)",
    )
    parser.add_argument(
        "--run",
        metavar="RUN",
        help="which run: its number in the runs list, its id or a unique prefix of it "
        "(default: the latest)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run the whole pipeline locally")
    add_run_arguments(run)
    run.set_defaults(handler=run_command)

    kubeflow = commands.add_parser(
        "compile-kubeflow", help="compile the pipeline into a Kubeflow Pipelines v2 spec"
    )
    add_kubeflow_arguments(kubeflow)
    kubeflow.set_defaults(handler=compile_kubeflow_command)

    predict = commands.add_parser(
        "predict", help="classify rows of a CSV or JSONL file with a pushed model"
    )
    predict.add_argument("--input", required=True, help="CSV with a header row, or JSONL")
    predict.add_argument(
        "--model-dir", help="a SavedModel version directory (default: the latest pushed)"
    )
    predict.add_argument(
        "--output-dir",
        default=PipelineConfig().output_dir,
        help="the run outputs to take the latest pushed model from (default: %(default)s)",
    )
    predict.add_argument(
        "--output", help="write predictions here (.csv, or .jsonl) instead of to stdout"
    )
    predict.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="report rows with a missing, extra or malformed value and go on without them",
    )
    predict.set_defaults(handler=predict_command)

    inspect = commands.add_parser(
        "inspect", help="show a run's nodes, statistics, schema, anomalies, evaluation, blessing"
    )
    add_run_selection_arguments(inspect)
    inspect.add_argument("--json", action="store_true", help="print the same content as JSON")
    inspect.add_argument(
        "--compare",
        nargs=2,
        metavar=("RUN_A", "RUN_B"),
        help="statistics drift and metric deltas from RUN_A to RUN_B",
    )
    inspect.set_defaults(handler=inspect_command)

    report = commands.add_parser(
        "report", help="write a self-contained HTML report of a run (works offline)"
    )
    add_run_selection_arguments(report)
    report.add_argument("--html", required=True, metavar="FILE", help="the HTML file to write")
    report.set_defaults(handler=report_command)

    propose_schema = commands.add_parser(
        "propose-schema",
        help="write a schema that accepts the anomalies a run was stopped for, for review, and "
        "show what it changes",
        description="Propose, from a run's statistics (tfdv.update_schema), a schema that "
        "accepts the anomalies ExampleValidator found; print the changes and a diff, and name "
        "the drift and skew, which --allow-anomaly accepts instead. Writes nothing when there "
        "is nothing to accept.",
    )
    add_run_selection_arguments(propose_schema)
    propose_schema.add_argument(
        "--pipeline-name",
        default=PipelineConfig().pipeline_name,
        help="the pipeline whose runs to read (default: %(default)s)",
    )
    propose_schema.add_argument(
        "--output", required=True, metavar="FILE", help="the proposed schema .pbtxt to write"
    )
    propose_schema.set_defaults(handler=propose_schema_command)

    infer = commands.add_parser(
        "infer-schema",
        help="infer a schema from CSV data, as SchemaGen does, with what the statistics say "
        "each column is to the model recorded in it",
    )
    infer.add_argument("--data-root", default=PipelineConfig().data_root)
    infer.add_argument("--output", required=True, help="schema .pbtxt file to write")
    add_dataset_arguments(infer)
    infer.set_defaults(handler=infer_schema_command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
