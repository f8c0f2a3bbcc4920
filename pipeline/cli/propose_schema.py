"""`python -m pipeline propose-schema`: a schema accepting what a stopped run's data had."""

import argparse

from pipeline.cli.common import add_run_selection_arguments, chosen_pipeline, quiet_tensorflow
from pipeline.cli.exit_codes import DONE, BadInputError


def register(commands) -> None:
    parser = commands.add_parser(
        "propose-schema",
        help="write a schema that accepts the anomalies a run was stopped for, for review, and "
        "show what it changes",
        description="Propose, from a run's statistics (tfdv.update_schema), a schema that "
        "accepts the anomalies ExampleValidator found; print the changes and a diff, and name "
        "the drift and skew, which --allow-anomaly accepts instead. Writes nothing when there "
        "is nothing to accept.",
    )
    add_run_selection_arguments(parser)
    parser.add_argument(
        "--output", required=True, metavar="FILE", help="the proposed schema .pbtxt to write"
    )
    parser.set_defaults(handler=propose_schema_command)


def propose_schema_command(args: argparse.Namespace) -> int:
    """Write a schema that accepts what a run's validation found, and show what it changes."""
    quiet_tensorflow()
    from pipeline.records.runs import RunNotFoundError
    from pipeline.schemas.proposal import (
        IncompleteRunError,
        format_proposal,
        propose_for_run,
        write_proposed_schema,
    )

    pipeline_name = chosen_pipeline(args.output_dir, args.pipeline_name)
    try:
        proposal = propose_for_run(args.output_dir, pipeline_name, args.run)
    except (RunNotFoundError, IncompleteRunError) as error:
        raise BadInputError(str(error)) from None
    if proposal.changes:
        try:
            write_proposed_schema(proposal, args.output)
        except OSError as error:
            raise BadInputError(f"cannot write {args.output}: {error.strerror}") from None
    print(format_proposal(proposal, args.output))
    return DONE
