"""`python -m pipeline report`: one self-contained HTML page of what a run found."""

import argparse
import time

from pipeline.cli.common import add_run_selection_arguments, chosen_pipeline, quiet_tensorflow
from pipeline.cli.exit_codes import DONE, BadInputError


def register(commands) -> None:
    parser = commands.add_parser(
        "report", help="write a self-contained HTML report of a run (works offline)"
    )
    add_run_selection_arguments(parser)
    parser.add_argument("--html", required=True, metavar="FILE", help="the HTML file to write")
    parser.set_defaults(handler=report_command)


def report_command(args: argparse.Namespace) -> int:
    """Write one self-contained HTML page of what a run found."""
    started = time.monotonic()  # the report's build time includes loading TFMA and TensorFlow
    quiet_tensorflow()
    from pipeline.records.runs import RunNotFoundError, read_run_record
    from pipeline.views.report import write_report

    pipeline_name = chosen_pipeline(args.output_dir, args.pipeline_name)
    try:
        record = read_run_record(args.output_dir, pipeline_name, args.run)
    except RunNotFoundError as error:
        raise BadInputError(str(error)) from None
    size = write_report(record, args.html)
    print(
        f"wrote {args.html} ({size / 1024:.0f} KiB, run {record.run.number}: "
        f"{record.run.run_id} of pipeline {record.pipeline}) in "
        f"{time.monotonic() - started:.1f} s"
    )
    return DONE
