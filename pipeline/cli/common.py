"""What several commands share: quiet TensorFlow start-up, and choosing a run to read."""

import argparse
import logging
import os
import warnings

from pipeline.config import PipelineConfig


def quiet_tensorflow() -> None:
    """Keep TensorFlow's start-up and deprecation messages out of a command's output; errors
    still raise."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    # google-api-core announces the end of Python 3.11 support; nothing for a user to act on.
    warnings.filterwarnings("ignore", "You are using a Python version", FutureWarning)


def add_run_selection_arguments(parser: argparse.ArgumentParser) -> None:
    """--output-dir, --pipeline-name and --run: which recorded run a command reads."""
    parser.add_argument(
        "--output-dir",
        default=PipelineConfig().output_dir,
        help="the outputs of local runs (default: %(default)s)",
    )
    parser.add_argument(
        "--pipeline-name",
        default=PipelineConfig().pipeline_name,
        help="the pipeline whose runs to read (default: %(default)s)",
    )
    parser.add_argument(
        "--run",
        metavar="RUN",
        help="which run: its number in the runs list, its id or a unique prefix of it "
        "(default: the latest)",
    )
