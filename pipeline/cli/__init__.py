"""`python -m pipeline`: run the pipeline locally, look at what a run found (inspect, report),
predict with the pushed model, compile for Kubeflow, or infer or propose a schema."""

import argparse
from collections.abc import Sequence

from pipeline.cli import (
    compile_kubeflow,
    infer_schema,
    inspect,
    predict,
    propose_schema,
    report,
    run,
)
from pipeline.cli.exit_codes import call_with_exit_policy

# One module per command, each with `register(commands)`; every handler returns an exit code of
# exit_codes.py or raises its BadInputError, and `main` applies that policy.
COMMANDS = (run, compile_kubeflow, predict, inspect, report, propose_schema, infer_schema)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return call_with_exit_policy(handle, args)


def handle(args: argparse.Namespace) -> int:
    """Run the command `args` were parsed for: the settings it declared are resolved first
    (`resolve_arguments`, pipeline/cli/common.py), then its handler runs."""
    if resolve := getattr(args, "resolve_arguments", None):
        resolve(args)
    return args.handler(args)
