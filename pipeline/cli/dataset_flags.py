"""The flags that say what the data is and what its columns are to the model, shared by run,
compile-kubeflow and infer-schema."""

import argparse

from pipeline.cli.exit_codes import BadInputError
from pipeline.config import MODEL_TYPES, PipelineConfig


def add_dataset_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags that say what the data is and what its columns are to the model (run and
    compile-kubeflow)."""
    defaults = PipelineConfig()
    parser.add_argument(
        "--pipeline-name",
        default=defaults.pipeline_name,
        help="the pipeline's name in ML Metadata and in the serving path; runs of one name "
        "share a cache, a drift baseline and the last blessed model (default: %(default)s)",
    )
    parser.add_argument(
        "--label",
        default=defaults.label,
        help="the column to predict: text or whole-number classes (default: %(default)s)",
    )
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="COLUMN",
        help="a column the model does not take, e.g. an id or a leak (repeatable)",
    )
    parser.add_argument(
        "--features",
        metavar="FILE",
        help='JSON mapping columns to "numeric", "categorical" or "exclude", overriding what '
        'the schema says, e.g. {"zip": "categorical"}',
    )
    parser.add_argument(
        "--model",
        choices=MODEL_TYPES,
        default=defaults.model_type,
        help="auto: the Iris DNN for numeric features only, Wide & Deep when some are "
        "categorical (default: %(default)s)",
    )


def dataset_settings(args: argparse.Namespace) -> dict:
    """The PipelineConfig fields the dataset flags set."""
    overrides, excluded = (), ()
    if args.features:
        from components.dataset_spec import DatasetSpecError
        from pipeline.schemas.dataset import read_features_file

        try:
            overrides, excluded = read_features_file(args.features)
        except DatasetSpecError as error:
            raise BadInputError(str(error)) from None
    return {
        "label": args.label,
        "excluded_columns": tuple(dict.fromkeys([*args.exclude, *excluded])),
        "feature_overrides": overrides,
        "model_type": args.model,
    }
