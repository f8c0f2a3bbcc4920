"""The exit codes of every `python -m pipeline` command, and the one function that applies them.

| code | meaning |
| 0 | done (a run that finished without a blessed model included, unless --require-blessing) |
| 1 | the run failed: a node failed, or validation stopped it |
| 2 | bad input or usage (a missing file, a bad flag or setting): nothing was run |
| 3 | --require-blessing, and the run finished without blessing its model |
"""

import sys
from collections.abc import Callable

from pipeline.records.run_record import FAILED, NOT_STARTED, RunSummary

DONE = 0
RUN_FAILED = 1
BAD_INPUT = 2
NOT_BLESSED = 3


class BadInputError(Exception):
    """Bad input or usage, found before anything ran; the message names the file, flag or
    field and what was expected."""


def call_with_exit_policy(handler: Callable[..., int], *args) -> int:
    """Call a command's handler and turn bad input into its exit code, with the message on
    stderr; a handler returns one of the codes above."""
    try:
        return handler(*args)
    except BadInputError as error:
        print(f"error: {error}", file=sys.stderr)
        return BAD_INPUT


def exit_code_of_run(summary: RunSummary, require_blessing: bool = False) -> int:
    """The exit code of a pipeline run, from its summary."""
    if summary.status == NOT_STARTED:
        return BAD_INPUT
    if summary.status == FAILED:
        return RUN_FAILED
    if require_blessing and not summary.blessed:
        return NOT_BLESSED
    return DONE
