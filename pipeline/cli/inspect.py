"""`python -m pipeline inspect`: what runs recorded, as tables or JSON, or two runs compared."""

import argparse
import json
import sys

from pipeline.cli.common import add_run_selection_arguments, chosen_pipeline, quiet_tensorflow
from pipeline.cli.exit_codes import DONE, BadInputError


def register(commands) -> None:
    parser = commands.add_parser(
        "inspect", help="show a run's nodes, statistics, schema, anomalies, evaluation, blessing"
    )
    add_run_selection_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print the same content as JSON")
    parser.add_argument(
        "--compare",
        nargs=2,
        metavar=("RUN_A", "RUN_B"),
        help="statistics drift and metric deltas from RUN_A to RUN_B",
    )
    parser.set_defaults(handler=inspect_command)


def inspect_command(args: argparse.Namespace) -> int:
    """Print what runs recorded, as tables or JSON; or compare two runs."""
    quiet_tensorflow()
    from pipeline.records.runs import RunNotFoundError, compare_runs, read_run_record
    from pipeline.views.inspect_tables import (
        print_comparison,
        print_record,
        print_runs,
        terminal_console,
    )

    pipeline_name = chosen_pipeline(args.output_dir, args.pipeline_name)
    try:
        if args.compare:
            result = compare_runs(args.output_dir, pipeline_name, *args.compare)
        else:
            result = read_run_record(args.output_dir, pipeline_name, args.run)
    except RunNotFoundError as error:
        raise BadInputError(str(error)) from None
    if args.json:
        json.dump(result.to_json_dict(), sys.stdout, indent=2)
        sys.stdout.write("\n")
        return DONE
    console = terminal_console()
    if args.compare:
        print_comparison(console, result)
    else:
        print_runs(console, result.runs, selected=result.run.run_id)
        print_record(console, result)
    return DONE
