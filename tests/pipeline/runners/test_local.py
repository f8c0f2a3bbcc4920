"""One run at a time per output directory, enforced by a lock the kernel releases."""

import os
import signal
import subprocess
import sys

import pytest

from pipeline.runners.local import (
    RUN_LOCK_FILE,
    RunInProgressError,
    exclusive_output_dir,
)

# Holds the output directory until its standard input closes or it is killed.
HOLD_LOCK = """
import sys
from pipeline.runners.local import exclusive_output_dir
with exclusive_output_dir(sys.argv[1]):
    print("holding", flush=True)
    sys.stdin.read()
"""


def test_a_second_run_on_the_same_output_dir_is_refused_and_told_who_holds_it(tmp_path):
    with (
        exclusive_output_dir(str(tmp_path)),
        pytest.raises(RunInProgressError) as refused,
        exclusive_output_dir(str(tmp_path)),
    ):
        pytest.fail("a second run got the output directory")
    assert f"another run is using {tmp_path} (pid {os.getpid()}, started " in str(refused.value)
    with exclusive_output_dir(str(tmp_path)):  # free again once the first run is done
        pass


def test_other_output_dirs_are_not_held(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with exclusive_output_dir(str(tmp_path / "a")), exclusive_output_dir(str(tmp_path / "b")):
        pass


def test_a_killed_run_leaves_no_stale_lock(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        with (
            pytest.raises(RunInProgressError, match=f"pid {holder.pid}"),
            exclusive_output_dir(str(tmp_path)),
        ):
            pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    assert (tmp_path / RUN_LOCK_FILE).exists()  # the file stays; the lock on it does not
    with exclusive_output_dir(str(tmp_path)):
        pass
