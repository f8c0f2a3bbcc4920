"""The exit codes of every `python -m pipeline` command, and the one function that applies them.

| code | meaning |
| 0 | done (a run that finished without a blessed model included, unless --require-blessing) |
| 1 | the run failed: a node failed, or validation stopped it |
| 2 | bad input or usage (a missing file, a bad flag or setting): nothing was run |
| 3 | --require-blessing, and the run finished without blessing its model |
"""

import os
import sys
from collections.abc import Callable

# BadInputError is defined apart (the settings raise it too) and imported from here by the
# commands, with the codes it maps to.
from pipeline.errors import BadInputError
from pipeline.records.run_record import FAILED, NOT_STARTED, RunSummary

DONE = 0
RUN_FAILED = 1
BAD_INPUT = 2
NOT_BLESSED = 3


def call_with_exit_policy(handler: Callable[..., int], *args) -> int:
    """Call a command's handler and turn bad input into its exit code, with the message on
    stderr; a handler returns one of the codes above. A reader that stops reading (`| head`)
    ends the output quietly: the handler's code when it had finished, else DONE."""
    code = DONE
    try:
        code = handler(*args)
        sys.stdout.flush()
        return code
    except BadInputError as error:
        print(f"error: {error}", file=sys.stderr)
        return BAD_INPUT
    except BrokenPipeError:
        _stop_writing_to_stdout()
        return code


def _stop_writing_to_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's own flush at exit does not raise
    BrokenPipeError again (Python's documented way, see the signal module's notes on SIGPIPE)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def exit_code_of_run(summary: RunSummary, require_blessing: bool = False) -> int:
    """The exit code of a pipeline run, from its summary."""
    if summary.status == NOT_STARTED:
        return BAD_INPUT
    if summary.status == FAILED:
        return RUN_FAILED
    if require_blessing and not summary.blessed:
        return NOT_BLESSED
    return DONE
