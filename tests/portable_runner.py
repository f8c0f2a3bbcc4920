"""Beam's portable runner on this machine, the way Flink and Spark run Python: Beam's own job
service (`local_job_service_main`) takes the jobs, and an external worker pool
(`worker_pool_main`) starts the SDK workers that run the Python code, each in a process of its
own with the environment a worker image must have.

`python -m tests.portable_runner` starts both and prints the flags to run the pipeline through
them (`make run ARGS="..."`), until Ctrl-C.
"""

import contextlib
import dataclasses
import os
import pathlib
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

# The job service and the worker pool import Beam before they listen: seconds on 2 cores.
STARTUP_TIMEOUT_SECONDS = 120
STOP_TIMEOUT_SECONDS = 10
# What the job service logs when a job ends, and the worker pool when it starts an SDK worker.
JOB_COMPLETED = re.compile(r"Completed job in [\d.]+ seconds with state (\w+)\.")
WORKER_STARTED = "Starting worker with command"


@dataclasses.dataclass(frozen=True)
class PortableRunner:
    """A running job service and worker pool, their endpoints and their logs."""

    job_port: int
    worker_pool_port: int
    job_service_log: pathlib.Path
    worker_pool_log: pathlib.Path

    @property
    def beam_args(self) -> tuple[str, ...]:
        """The Beam pipeline options that send a Beam pipeline to the job service, whose SDK
        workers the worker pool starts."""
        return (
            "--runner=PortableRunner",
            f"--job_endpoint=localhost:{self.job_port}",
            "--environment_type=EXTERNAL",
            f"--environment_config=localhost:{self.worker_pool_port}",
        )

    @property
    def pipeline_flags(self) -> list[str]:
        """`beam_args` as flags of `local_runner.py`: one `--beam-arg=` each (the `=` form,
        as each value starts with `--`)."""
        return [f"--beam-arg={arg}" for arg in self.beam_args]

    def completed_jobs(self) -> list[str]:
        """The final state of each job the job service ran so far (DONE, FAILED...)."""
        return JOB_COMPLETED.findall(self.job_service_log.read_text())

    def workers_started(self) -> int:
        """How many SDK worker processes the worker pool started so far."""
        return self.worker_pool_log.read_text().count(WORKER_STARTED)


def worker_environment(legacy_keras: bool = True) -> dict[str, str]:
    """This process's environment as a worker image must set it: the virtualenv's bin first on
    PATH, as the worker pool starts each SDK worker as `python` from PATH, and
    TF_USE_LEGACY_KERAS=1, or, with `legacy_keras=False`, without it (a broken image)."""
    environment = dict(os.environ)
    # sys.executable unresolved: the virtualenv's own bin, not the interpreter it links to.
    virtualenv_bin = str(pathlib.Path(sys.executable).parent)
    environment["PATH"] = os.pathsep.join([virtualenv_bin, environment.get("PATH", "")])
    environment.pop("TF_USE_LEGACY_KERAS", None)
    if legacy_keras:
        environment["TF_USE_LEGACY_KERAS"] = "1"
    return environment


@contextlib.contextmanager
def portable_runner(
    log_dir: pathlib.Path, legacy_keras: bool = True, ports: tuple[int, int] | None = None
) -> Iterator[PortableRunner]:
    """A job service and a worker pool (whose workers have TF_USE_LEGACY_KERAS=1 unless
    `legacy_keras` is False), logging to `log_dir`, on `ports` (job service, worker pool; by
    default free ones); both process groups, SDK workers included, are stopped on exit."""
    log_dir.mkdir(parents=True, exist_ok=True)
    job_port, worker_pool_port = ports or free_ports(2)
    runner = PortableRunner(
        job_port, worker_pool_port, log_dir / "job_service.log", log_dir / "worker_pool.log"
    )
    services = [  # (module and its flags, port, log)
        (
            [
                "apache_beam.runners.portability.local_job_service_main",
                f"--port={job_port}",
                f"--staging_dir={log_dir / 'staging'}",
            ],
            job_port,
            runner.job_service_log,
        ),
        (
            ["apache_beam.runners.worker.worker_pool_main", f"--service_port={worker_pool_port}"],
            worker_pool_port,
            runner.worker_pool_log,
        ),
    ]
    environment = worker_environment(legacy_keras)
    processes: list[subprocess.Popen] = []
    try:
        for module_and_flags, _, log_path in services:
            with log_path.open("w") as log:
                processes.append(
                    subprocess.Popen(
                        [sys.executable, "-m", *module_and_flags],
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        env=environment,
                        # A group of its own: stopping it stops the SDK workers the pool started.
                        start_new_session=True,
                    )
                )
        for process, (_, port, log_path) in zip(processes, services, strict=True):
            wait_until_listening(process, port, log_path)
        yield runner
    finally:
        for process in processes:
            stop_process_group(process)


def free_ports(count: int) -> list[int]:
    """`count` different TCP ports nothing listens on now."""
    with contextlib.ExitStack() as probes:
        sockets = [probes.enter_context(socket.socket()) for _ in range(count)]
        for probe in sockets:
            probe.bind(("localhost", 0))
        return [probe.getsockname()[1] for probe in sockets]


def wait_until_listening(process: subprocess.Popen, port: int, log_path: pathlib.Path) -> None:
    """Return once `port` accepts connections; fail, with the process's output, if it exits
    or does not listen within STARTUP_TIMEOUT_SECONDS."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"{' '.join(process.args)} exited with status {process.returncode} before "
                f"listening on port {port}; its output ({log_path}):\n{log_path.read_text()}"
            )
        try:
            with socket.create_connection(("localhost", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(
        f"{' '.join(process.args)} did not listen on port {port} within "
        f"{STARTUP_TIMEOUT_SECONDS} s; its output ({log_path}):\n{log_path.read_text()}"
    )


def stop_process_group(process: subprocess.Popen) -> None:
    """SIGTERM to the process's group, SIGKILL after STOP_TIMEOUT_SECONDS, and SIGKILL to
    whatever of the group outlived its leader (an SDK worker)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def main() -> None:
    """Start both, print the flags that use them, and keep them running until Ctrl-C or
    SIGTERM."""
    log_dir = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "outputs/portable_runner")
    # SIGTERM's default would end this process without stopping the two it started.
    signal.signal(signal.SIGTERM, lambda signal_number, frame: sys.exit(0))
    with portable_runner(log_dir) as runner:
        print(f"Job service and worker pool running (logs in {log_dir}). Run the pipeline with:")
        print(f'  make run ARGS="{" ".join(runner.pipeline_flags)}"', flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()


if __name__ == "__main__":
    main()
