"""`python -m pipeline infer-schema`: the schema SchemaGen would infer, to start curating one."""

import argparse

from pipeline.cli.dataset_flags import add_dataset_arguments, dataset_settings
from pipeline.cli.exit_codes import DONE, BadInputError
from pipeline.config import PipelineConfig


def register(commands) -> None:
    parser = commands.add_parser(
        "infer-schema",
        help="infer a schema from CSV data, as SchemaGen does, with what the statistics say "
        "each column is to the model recorded in it",
    )
    parser.add_argument("--data-root", default=PipelineConfig().data_root)
    parser.add_argument("--output", required=True, help="schema .pbtxt file to write")
    add_dataset_arguments(parser)
    parser.set_defaults(handler=infer_schema_command)


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
        raise BadInputError(str(error)) from None
    print(f"wrote {args.output}\n{describe_spec(spec)}")
    return DONE
