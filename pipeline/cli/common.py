"""What several commands share: quiet TensorFlow start-up, and choosing a pipeline and a run to
read."""

import argparse
import logging
import os
import warnings

from pipeline.cli.exit_codes import BadInputError
from pipeline.config import PipelineConfig

PIPELINE_NAME_FLAG = "--pipeline-name"


def quiet_tensorflow() -> None:
    """Keep TensorFlow's start-up and deprecation messages out of a command's output; errors
    still raise."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    # google-api-core announces the end of Python 3.11 support; nothing for a user to act on.
    warnings.filterwarnings("ignore", "You are using a Python version", FutureWarning)


def add_run_selection_arguments(parser: argparse.ArgumentParser) -> None:
    """--output-dir, --pipeline-name and --run: which recorded run a command reads."""
    add_pipeline_arguments(parser, "the outputs of local runs", "the pipeline whose runs to read")
    parser.add_argument(
        "--run",
        metavar="RUN",
        help="which run: its number in the runs list, its id or a unique prefix of it "
        "(default: the latest)",
    )


def add_pipeline_arguments(parser: argparse.ArgumentParser, outputs: str, pipeline: str) -> None:
    """--output-dir and --pipeline-name: whose runs a command reads back, `outputs` and
    `pipeline` saying what for; without --pipeline-name, the only pipeline recorded there."""
    parser.add_argument(
        "--output-dir",
        default=PipelineConfig().output_dir,
        help=f"{outputs} (default: %(default)s)",
    )
    parser.add_argument(
        PIPELINE_NAME_FLAG,
        metavar="NAME",
        help=f"{pipeline} (default: the only pipeline recorded in the output directory)",
    )


def chosen_pipeline(output_dir: str, pipeline_name: str | None) -> str:
    """`pipeline_name` when given, else the only pipeline ML Metadata recorded under
    `output_dir`; BadInputError when it recorded none, or several."""
    from pipeline.records.runs import RunNotFoundError, recorded_pipelines

    if pipeline_name:
        return pipeline_name
    try:
        names = recorded_pipelines(output_dir)
    except RunNotFoundError as error:
        raise BadInputError(str(error)) from None
    return only_pipeline(names, output_dir)


def only_pipeline(names: list[str], output_dir: str) -> str:
    """The one name of `names`, the pipelines found under `output_dir`; BadInputError naming
    them and the flag that chooses one when there are several."""
    if len(names) != 1:
        raise BadInputError(
            f"{output_dir} holds the runs of {len(names)} pipelines ({', '.join(names)}): "
            f"choose one with {PIPELINE_NAME_FLAG} NAME"
        )
    return names[0]
