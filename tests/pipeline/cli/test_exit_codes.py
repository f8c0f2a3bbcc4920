"""The exit policy: bad input is 2 with its message, a closed pipe ends the output quietly; and
BadInputError is defined apart from the command line, so the settings raise it without it."""

import subprocess
import sys

from pipeline import errors
from pipeline.cli import exit_codes
from pipeline.cli.exit_codes import DONE, call_with_exit_policy
from tests.conftest import REPO_ROOT


def test_a_reader_that_stops_reading_ends_the_output_quietly(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdout", open(tmp_path / "stdout", "w"))  # noqa: SIM115

    def cut_off() -> int:
        raise BrokenPipeError(32, "Broken pipe")

    assert call_with_exit_policy(cut_off) == DONE
    assert capsys.readouterr().err == ""
    print("after the reader left", flush=True)  # stdout is /dev/null now: nothing raises


def test_a_pipe_closed_after_the_command_keeps_its_exit_code(tmp_path, monkeypatch):
    stdout = open(tmp_path / "stdout", "w")  # noqa: SIM115
    monkeypatch.setattr(sys, "stdout", stdout)
    monkeypatch.setattr(stdout, "flush", lambda: (_ for _ in ()).throw(BrokenPipeError()))
    assert call_with_exit_policy(lambda: 3) == 3


def test_bad_input_is_one_error_the_settings_raise_without_the_command_line():
    assert exit_codes.BadInputError is errors.BadInputError
    code = (
        "import sys\n"
        "from pipeline.errors import BadInputError\n"
        "from pipeline.settings import SETTINGS\n"
        "setting = next(s for s in SETTINGS if s.name == 'train_steps')\n"
        "try:\n"
        "    setting.from_environment('many')\n"
        "except BadInputError as error:\n"
        "    print(error)\n"
        "print('pipeline.cli' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.stdout.splitlines() == [
        "environment variable PIPELINE_TRAIN_STEPS='many': expected a whole number",
        "False",
    ]
