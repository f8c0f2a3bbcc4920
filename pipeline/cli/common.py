"""What several commands share: quiet TensorFlow start-up, and choosing a pipeline and a run to
read."""

import argparse
import logging
import os
import warnings

from pipeline.cli.exit_codes import BadInputError
from pipeline.settings import (
    CONFIG_FLAG,
    DEFAULT,
    RUN,
    add_config_argument,
    settings_from_args,
    settings_of,
)

PIPELINE_NAME_FLAG = "--pipeline-name"
# The settings that say whose runs a command reads back: declared in pipeline/settings.py, so
# their flags, PIPELINE_* variables and --config file are the local run's.
PIPELINE_SETTINGS = ("output_dir", "pipeline_name")


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
    `pipeline` saying what for; without a pipeline name, the only pipeline recorded there.
    Each is also its environment variable and its key of a --config file, as on a local run;
    the command line (pipeline/cli/__init__.py) resolves them into `args.output_dir` and
    `args.pipeline_name` before the command's handler runs."""
    group = parser.add_argument_group(
        "which outputs",
        f"each also an environment variable and a key of the {CONFIG_FLAG} file, as on a "
        "local run; a flag overrides the environment variable, which overrides the file",
    )
    add_config_argument(group)
    described = {"output_dir": outputs, "pipeline_name": pipeline}
    default_help = {"pipeline_name": "the only pipeline recorded in the output directory"}
    for setting in settings_of(RUN, PIPELINE_SETTINGS):
        setting.add_argument(group, RUN, described[setting.name], default_help.get(setting.name))
    parser.set_defaults(resolve_arguments=resolve_pipeline_arguments)


def resolve_pipeline_arguments(args: argparse.Namespace) -> None:
    """Set `args.output_dir` and `args.pipeline_name` from the flag, the environment variable,
    the config file or the default, the later winning; `args.pipeline_name` is None when none
    names it (the command then takes the only pipeline recorded)."""
    settings = settings_from_args(args, RUN, names=PIPELINE_SETTINGS)
    args.output_dir = settings["output_dir"].value
    name = settings["pipeline_name"]
    args.pipeline_name = None if name.source == DEFAULT else name.value


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
