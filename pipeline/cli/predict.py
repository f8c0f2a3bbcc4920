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
from pipeline.config import PIPELINE_NAME_PATTERN
from pipeline.serving.predict import (
    default_serving_model_dir,
    default_serving_root,
    latest_pushed_model,
)


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
    from pipeline.serving.predict import BadRowError, predict, write_predictions

    if args.output:
        check_writable(args.output)
    try:
        model_dir = args.model_dir or pushed_model_dir(args.output_dir, args.pipeline_name)
        result = predict(model_dir, args.input, skip_bad_rows=args.skip_bad_rows)
    except (BadRowError, FileNotFoundError) as error:
        raise BadInputError(str(error)) from None
    except OSError as error:  # e.g. --input names a directory, or a file it may not read
        if error.filename != args.input:
            raise BadInputError(str(error)) from None  # the model: --model-dir, or the pushed one
        raise BadInputError(
            f"--input {args.input}: cannot read it ({error.strerror}); expected a CSV file "
            "with a header row, or a JSONL file"
        ) from None
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


def check_writable(output_path: str) -> None:
    """BadInputError naming `output_path` when predictions could not be written there: found
    before predicting, not after. An existing file is left as it is until then."""
    existed = os.path.exists(output_path)
    try:
        with open(output_path, "a", encoding="utf-8"):
            pass
    except OSError as error:
        raise BadInputError(
            f"--output {output_path}: cannot write to it ({error.strerror or error})"
        ) from None
    if not existed:
        os.remove(output_path)


def pushed_model_dir(output_dir: str, pipeline_name: str | None) -> str:
    """The version folder of the latest model the pipeline pushed: `pipeline_name`'s, else the
    only pipeline's under `output_dir`. With ML Metadata there, the model its newest pushing run
    recorded, wherever it was pushed (a run may be given a serving root); without (the models
    were copied without it), the highest version in the default serving folder."""
    from pipeline.records.metadata import local_metadata_path

    if os.path.exists(local_metadata_path(output_dir)):
        return recorded_pushed_model_dir(output_dir, chosen_pipeline(output_dir, pipeline_name))
    if not pipeline_name:
        pipeline_name = only_pipeline(pushed_pipelines(output_dir), output_dir)
    elif not PIPELINE_NAME_PATTERN.fullmatch(pipeline_name):
        raise BadInputError(
            f"--pipeline-name {pipeline_name}: expected lowercase letters, digits, '-' and '_', "
            "starting with a letter or digit"
        )
    try:
        return latest_pushed_model(default_serving_model_dir(output_dir, pipeline_name))
    except FileNotFoundError as error:
        raise BadInputError(str(error)) from None


def recorded_pushed_model_dir(output_dir: str, pipeline_name: str) -> str:
    """The version folder of the model the newest pushing run of `pipeline_name` recorded in
    the ML Metadata under `output_dir`; BadInputError when none pushed one, or it is gone."""
    import tensorflow as tf  # for gfile: the serving root may be gs://... or s3://...

    from pipeline.records.runs import RunNotFoundError, last_pushed_model, open_pipeline

    try:
        found = last_pushed_model(open_pipeline(output_dir, pipeline_name), pipeline_name)
    except RunNotFoundError as error:
        raise BadInputError(str(error)) from None
    if found is None:
        raise BadInputError(
            f"no run of pipeline {pipeline_name} under {output_dir} pushed a model (ML Metadata "
            "records none): run the pipeline until its model is blessed, or pass --model-dir"
        )
    run, model = found
    if not tf.io.gfile.exists(os.path.join(model.path, "saved_model.pb")):
        raise BadInputError(
            f"run {run.number} ({run.run_id}) of pipeline {pipeline_name} pushed model version "
            f"{model.version} to {model.path}, which holds no saved_model.pb any more: pass "
            "--model-dir"
        )
    return model.path


def pushed_pipelines(output_dir: str) -> list[str]:
    """The pipelines with a folder of pushed models in the default serving folder under
    `output_dir`, sorted; BadInputError when there is none."""
    serving_root = default_serving_root(output_dir)
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
