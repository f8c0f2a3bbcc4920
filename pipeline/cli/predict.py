"""`python -m pipeline predict`: classify the rows of a file with a pushed model."""

import argparse
import os
import sys

from pipeline.cli.common import (
    add_pipeline_arguments,
    chosen_pipeline,
    only_pipeline,
    quiet_tensorflow,
)
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
    add_pipeline_arguments(
        parser,
        "the run outputs to take the latest pushed model from",
        "the pipeline whose latest pushed model to use",
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
            serving_model_dir(args.output_dir, args.pipeline_name)
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


def serving_model_dir(output_dir: str, pipeline_name: str | None) -> str:
    """Where the pipeline's pushed models are: `pipeline_name`'s, else those of the only
    pipeline ML Metadata recorded under `output_dir` or, with no ML Metadata there (the
    models were copied without it), of the only pipeline with pushed models."""
    if not pipeline_name:
        if os.path.exists(PipelineConfig(output_dir=output_dir).metadata_path):
            pipeline_name = chosen_pipeline(output_dir, None)
        else:
            pipeline_name = only_pipeline(pushed_pipelines(output_dir), output_dir)
    try:
        config = PipelineConfig(output_dir=output_dir, pipeline_name=pipeline_name)
    except ValueError as error:
        raise BadInputError(f"--pipeline-name {pipeline_name}: {error}") from None
    return config.serving_model_dir


def pushed_pipelines(output_dir: str) -> list[str]:
    """The pipelines with a folder of pushed models under `output_dir`, sorted; BadInputError
    when there is none."""
    # PipelineConfig puts each pipeline's models in a folder named after it, side by side.
    serving_root = os.path.dirname(PipelineConfig(output_dir=output_dir).serving_model_dir)
    names = []
    if os.path.isdir(serving_root):
        names = sorted(
            name
            for name in os.listdir(serving_root)
            if os.path.isdir(os.path.join(serving_root, name))
        )
    if not names:
        raise BadInputError(
            f"no pushed model in {serving_root} and no runs recorded under {output_dir}: "
            "run the pipeline first, or pass --model-dir"
        )
    return names
