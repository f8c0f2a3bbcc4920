"""`python -m pipeline predict`: classify the rows of a file with a pushed model."""

import argparse
import sys

from pipeline.cli.common import quiet_tensorflow
from pipeline.cli.exit_codes import DONE, BadInputError
from pipeline.config import PipelineConfig


def register(commands) -> None:
    parser = commands.add_parser(
        "predict", help="classify rows of a CSV or JSONL file with a pushed model"
    )
    parser.add_argument("--input", required=True, help="CSV with a header row, or JSONL")
    parser.add_argument(
        "--model-dir", help="a SavedModel version directory (default: the latest pushed)"
    )
    parser.add_argument(
        "--output-dir",
        default=PipelineConfig().output_dir,
        help="the run outputs to take the latest pushed model from (default: %(default)s)",
    )
    parser.add_argument(
        "--pipeline-name",
        default=PipelineConfig().pipeline_name,
        help="the pipeline whose latest pushed model to use (default: %(default)s)",
    )
    parser.add_argument(
        "--output", help="write predictions here (.csv, or .jsonl) instead of to stdout"
    )
    parser.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="report rows with a missing, extra or malformed value and go on without them",
    )
    parser.set_defaults(handler=predict_command)


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
            PipelineConfig(
                output_dir=args.output_dir, pipeline_name=args.pipeline_name
            ).serving_model_dir
        )
        result = predict(model_dir, args.input, skip_bad_rows=args.skip_bad_rows)
    except (BadRowError, FileNotFoundError) as error:
        raise BadInputError(str(error)) from None
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
    return DONE
