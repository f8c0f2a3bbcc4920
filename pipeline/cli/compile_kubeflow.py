"""`python -m pipeline compile-kubeflow`: the pipeline as a Kubeflow Pipelines v2 spec."""

import argparse
import re
import time

from pipeline.cli.common import quiet_tensorflow
from pipeline.cli.exit_codes import DONE, BadInputError
from pipeline.runners import kubeflow
from pipeline.settings import KUBEFLOW, add_setting_arguments, settings_from_args

# What TFX's Kubeflow compiler takes as a pipeline name (its own refusal does not name it): no
# '_', which PipelineConfig allows elsewhere.
KUBEFLOW_PIPELINE_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,127}")
TARGET_PACKAGES = {
    kubeflow.OPEN_SOURCE: "open-source Kubeflow Pipelines, a PipelineSpec in YAML (the default)",
    kubeflow.VERTEX: "Vertex AI Pipelines, a PipelineJob in JSON",
}


def register(commands) -> None:
    parser = commands.add_parser(
        "compile-kubeflow",
        help="compile the pipeline for Kubeflow Pipelines v2: open-source KFP or Vertex AI",
    )
    add_kubeflow_arguments(parser)
    parser.set_defaults(handler=compile_kubeflow_command)


def compile_kubeflow_command(args: argparse.Namespace) -> int:
    """Write the package of the pipeline the settings describe for --target."""
    started = time.monotonic()
    quiet_tensorflow()
    settings = settings_from_args(args, KUBEFLOW)
    config = settings.config()
    if args.print_config:
        print(settings.describe(config))
        return DONE
    from pipeline.runners.kubeflow import FILE_SUFFIXES

    if not args.output:
        raise BadInputError("compile-kubeflow needs --output FILE: the spec file to write")
    if not args.output.endswith(FILE_SUFFIXES[args.target]):
        raise BadInputError(
            f"--output {args.output}: --target {args.target} writes a "
            f"{' or '.join(FILE_SUFFIXES[args.target])} file "
            f"({TARGET_PACKAGES[args.target]})"
        )
    if not KUBEFLOW_PIPELINE_NAME.fullmatch(config.pipeline_name):
        source = settings["pipeline_name"].describe_source()
        raise BadInputError(
            f"pipeline_name {config.pipeline_name!r} ({source}): Kubeflow takes lowercase "
            "letters, digits and '-', at most 128 characters"
        )
    from components.dataset_spec import DatasetSpecError
    from pipeline.runners.kubeflow import compile_kubeflow, write_spec

    try:
        spec = compile_kubeflow(config, args.target)
    except DatasetSpecError as error:
        # The schema is read here too, to decide what each column is to the model.
        message = str(error)
        if config.schema_path and config.schema_path not in message:
            source = settings["schema_path"].describe_source()
            message = f"schema {config.schema_path} ({source}): {message}"
        raise BadInputError(message) from None
    try:
        write_spec(spec, args.output)
    except OSError as error:
        raise BadInputError(f"--output {args.output}: cannot write it: {error.strerror}") from None
    print(f"wrote {args.output} in {time.monotonic() - started:.1f} s")
    return DONE


def add_kubeflow_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of `compile-kubeflow`: the target and the file to write, then one per setting
    (pipeline/settings.py); paths are as the pipeline's containers see them."""
    from pipeline.runners.kubeflow import OPEN_SOURCE, TARGETS

    parser.add_argument(
        "--target",
        choices=TARGETS,
        default=OPEN_SOURCE,
        help="; ".join(f"{target}: {package}" for target, package in TARGET_PACKAGES.items()),
    )
    parser.add_argument(
        "--output", metavar="FILE", help="the file to write, as --target says; needed to compile"
    )
    add_setting_arguments(parser, KUBEFLOW)
