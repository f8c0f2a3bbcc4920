"""`python -m pipeline compile-kubeflow`: the pipeline as a Kubeflow Pipelines v2 spec."""

import argparse
import time

from pipeline.cli.dataset_flags import add_dataset_arguments, dataset_settings
from pipeline.cli.exit_codes import DONE, BadInputError
from pipeline.config import PipelineConfig


def register(commands) -> None:
    parser = commands.add_parser(
        "compile-kubeflow", help="compile the pipeline into a Kubeflow Pipelines v2 spec"
    )
    add_kubeflow_arguments(parser)
    parser.set_defaults(handler=compile_kubeflow_command)


def compile_kubeflow_command(args: argparse.Namespace) -> int:
    """Write the KFP v2 spec of the pipeline the flags describe."""
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
        raise BadInputError(f"invalid configuration: {error}") from None
    write_spec(compile_kubeflow(config), args.output)
    print(f"wrote {args.output} in {time.monotonic() - started:.1f} s")
    return DONE


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
