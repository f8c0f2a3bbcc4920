"""Run the whole pipeline on this machine: `python local_runner.py --help` lists the flags."""

import argparse
import sys

from pipeline.cli.exit_codes import call_with_exit_policy
from pipeline.cli.run import add_run_arguments, run_command


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    add_run_arguments(parser)
    return call_with_exit_policy(run_command, parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
