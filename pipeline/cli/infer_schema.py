"""`python -m pipeline infer-schema`: the schema SchemaGen would infer, to start curating one."""

import argparse

from pipeline.cli.common import quiet_tensorflow
from pipeline.cli.exit_codes import DONE, BadInputError
from pipeline.settings import RUN, add_setting_arguments, settings_from_args

# What infer-schema reads of the settings: the data, and what its columns are to the model.
INFER_SCHEMA_SETTINGS = (
    "data_root",
    "label",
    "excluded_columns",
    "feature_overrides",
    "model_type",
)


def register(commands) -> None:
    parser = commands.add_parser(
        "infer-schema",
        help="infer a schema from CSV data, as SchemaGen does, with what the statistics say "
        "each column is to the model recorded in it",
    )
    parser.add_argument("--output", required=True, help="schema .pbtxt file to write")
    add_setting_arguments(parser, RUN, names=INFER_SCHEMA_SETTINGS, print_config=False)
    parser.set_defaults(handler=infer_schema_command)


def infer_schema_command(args: argparse.Namespace) -> int:
    """Write the schema inferred from the data, to compare with or start a curated one."""
    quiet_tensorflow()
    from components.dataset_spec import DatasetSpecError
    from pipeline.schemas.dataset import describe_spec, write_inferred_schema

    config = settings_from_args(args, RUN, names=INFER_SCHEMA_SETTINGS).config()
    try:
        spec = write_inferred_schema(
            config.data_root,
            args.output,
            config.label,
            exclude=config.excluded_columns,
            overrides=dict(config.feature_overrides),
        )
    except DatasetSpecError as error:
        raise BadInputError(str(error)) from None
    print(f"wrote {args.output}\n{describe_spec(spec)}")
    return DONE
