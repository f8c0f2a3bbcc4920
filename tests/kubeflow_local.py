"""Test-only: run the Kubeflow Pipelines spec compile-kubeflow writes (a bare PipelineSpec YAML)
on this machine with kfp.local, each task a subprocess of this virtualenv's Python.

Every task runs the command and arguments the spec holds, its placeholders resolved by
kfp.local (`{{$}}`: the task's ExecutorInput), in topological order, one at a time; the first
task that fails ends the run, as kfp.local does. Nothing of the spec is rewritten: a run's
arguments override the root's input parameters, and a parameter given none takes its
defaultValue (kfp.local's join_user_inputs_and_defaults).

kfp.local (kfp 2.13) is made to run TFX's spec by three patches, active only during
run_compiled_pipeline (unittest.mock), each on a name kfp.local looks up when it is called:

- `subprocess_task_handler.SubprocessTaskHandler`: kfp.local's subprocess runner refuses
  container components (it runs only KFP's lightweight Python ones), and every TFX step is a
  container (`python -m pipeline.runners.kubeflow_entrypoint`, TFX's entry point behind it).
  TaskSubprocess runs the resolved command instead, `python` being this virtualenv's, in a
  working directory given by the caller (where the spec's relative paths mean what they mean
  in the image), with TF_USE_LEGACY_KERAS=1 as the Dockerfile sets it, its output in a log
  file in the task's directory.
- `executor_input_utils.get_local_task_resource_name`: kfp.local cuts 5 characters off a
  component's name, assuming KFP's `comp-` prefix; TFX's components have none ("Pusher" would
  write into ".../r/"). Names without the prefix are kept.
- `task_dispatcher.run_single_task_implementation`: wrapped, not replaced, to record each
  task's name, state, inputs, outputs and time for the PipelineRun this returns.

Not patched: kfp.local rebuilds each input artifact from a dsl.Artifact, which knows its type
only by schema title, so TFX's types (instance schemas, `title: tfx.Examples`) arrive as
`system.Artifact`, and TFX's own entry point fails "Could not import system.Artifact".
Open-source KFP drops them too (an empty instanceSchema, see pipeline/runners/
kubeflow_entrypoint.py). The compiled steps' entry point restores every input's type from the
step's inputs spec, so these runs test that repair, under kfp.local's variant of the loss.

What kfp.local does not do that Kubeflow Pipelines does, so that these runs do not test it:
- Lifecycle hooks: CsvExampleGen's `lifecycle.preCacheCheck`, TFX's file-based ExampleGen
  driver, is not run. The executor needs nothing from it: our CheckedCsvExampleGen executor
  reads input_base, input_config and output_config, and no span, version or
  input_fingerprint; the examples are the same. Where a backend runs the hook (Vertex AI;
  open-source KFP does not, which is why pipeline/runners/kubeflow.py never caches the step), it
  resolves the span and version of `{SPAN}`/`{VERSION}` patterns (this pipeline has none),
  records span, version and TFX's input fingerprint (file count, size and modification time;
  TFX's Kubeflow compiler takes no custom driver, so not our content fingerprint) as execution
  properties, and makes the fingerprint part of the step's cache key.
- Caching: every task runs every time; cachingOptions are ignored.
- Container images, resources, environment variables and platform specs: the tasks run in
  this virtualenv, unbounded. PipelineRun.not_honoured lists what the spec asked for.
- ML Metadata: no execution or artifact is recorded. Artifacts pass from task to task in
  memory (URI and metadata), each named by its output key, where the backend names it by its
  ML Metadata id: TFX derives artifact ids from those names, so here a Trainer's `model` and
  ServingBaseline's `model` get the same id (the Evaluator's blessing records both as
  "model"); nothing the pipeline decides depends on it.
- Parameter types: arguments are passed as given; the backend checks them against the
  root's inputDefinitions. Unknown names and missing required ones are refused here.
"""

import contextlib
import dataclasses
import os
import pathlib
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from typing import Any
from unittest import mock

from kfp.pipeline_spec import pipeline_spec_pb2

# What the Dockerfile sets for every step: TFX 1.16 needs Keras 2.
TASK_ENVIRONMENT = {"TF_USE_LEGACY_KERAS": "1"}
# Each task's combined stdout and stderr, in its task directory.
TASK_LOG_FILE = "task.log"
# The longest any one task may take before it is stopped and counted as failed.
DEFAULT_TASK_TIMEOUT_SECONDS = 1800
SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"
# KFP's own component names start with it; kfp.local assumes they all do.
KFP_COMPONENT_PREFIX = "comp-"


@dataclasses.dataclass(frozen=True)
class TaskRun:
    """One task as kfp.local ran it."""

    name: str
    state: str  # SUCCEEDED or FAILED
    task_dir: pathlib.Path  # holds executor_output.json, the output artifacts, task.log
    seconds: float
    # By input name: the parameter values and the kfp dsl.Artifacts (uri, metadata) it was given.
    inputs: Mapping[str, Any]
    # By output key: kfp dsl.Artifacts as the next tasks received them.
    outputs: Mapping[str, Any]

    @property
    def log_path(self) -> pathlib.Path:
        return self.task_dir / TASK_LOG_FILE

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


@dataclasses.dataclass(frozen=True)
class PipelineRun:
    """What run_compiled_pipeline ran: each task in the order it ran, and what of the spec
    kfp.local left out."""

    pipeline_name: str
    run_dir: pathlib.Path  # <pipeline_root>/<pipeline name>-<timestamp>/
    arguments: Mapping[str, Any]  # the root parameters' values: the arguments and defaults
    tasks: Mapping[str, TaskRun]
    all_tasks: tuple[str, ...]  # every task of the spec
    not_honoured: tuple[str, ...]
    seconds: float

    @property
    def failed_task(self) -> TaskRun | None:
        return next((task for task in self.tasks.values() if task.state == FAILED), None)

    @property
    def states(self) -> dict[str, str]:
        return {name: task.state for name, task in self.tasks.items()}

    @property
    def not_run(self) -> tuple[str, ...]:
        return tuple(name for name in self.all_tasks if name not in self.tasks)


class PipelineTaskFailedError(RuntimeError):
    """A task of the spec failed; `run` says which ran before it and which did not run."""

    def __init__(self, run: PipelineRun) -> None:
        failed = run.failed_task
        super().__init__(
            f"pipeline {run.pipeline_name}: task {failed.name} failed after "
            f"{failed.seconds:.0f} s (log: {failed.log_path}); not run: "
            f"{', '.join(run.not_run) or 'none'}. Last lines of its log:\n{failed.log_tail()}"
        )
        self.run = run


def load_pipeline_spec(spec_path: str | os.PathLike) -> pipeline_spec_pb2.PipelineSpec:
    """The PipelineSpec of a YAML (or JSON) file as compile-kubeflow writes it."""
    import yaml
    from google.protobuf import json_format

    document = yaml.safe_load(pathlib.Path(spec_path).read_text(encoding="utf-8"))
    if "pipelineSpec" in document:
        raise ValueError(
            f"{spec_path}: a Vertex AI PipelineJob; compile with --target kfp for the bare "
            "PipelineSpec open-source Kubeflow Pipelines runs"
        )
    return json_format.ParseDict(document, pipeline_spec_pb2.PipelineSpec())


def run_compiled_pipeline(
    spec_path: str | os.PathLike,
    pipeline_root: str | os.PathLike | None = None,
    arguments: Mapping[str, Any] | None = None,
    *,
    cwd: str | os.PathLike,
    task_timeout_seconds: float = DEFAULT_TASK_TIMEOUT_SECONDS,
) -> PipelineRun:
    """Run the spec at `spec_path` with kfp.local, each task in `cwd`, its artifacts under
    `pipeline_root` (by default the spec's defaultPipelineRoot, as a run that names none).
    `arguments` override root input parameters; a parameter with a defaultValue and no
    argument takes its default (kfp.local's join_user_inputs_and_defaults).

    Raises PipelineTaskFailedError, naming the failed task, when one fails; ValueError for an
    argument the spec has no parameter for, or a parameter without default or argument.
    """
    from kfp import local
    from kfp.local import config as local_config
    from kfp.local import dag_orchestrator, pipeline_orchestrator

    spec = load_pipeline_spec(spec_path)
    pipeline_root = pipeline_root or spec.default_pipeline_root
    if not pipeline_root:
        raise ValueError(f"{spec_path} has no defaultPipelineRoot: pass a pipeline_root")
    arguments = dict(arguments or {})
    _check_arguments(spec, arguments)
    _check_kfp_local_internals()
    recorder = _TaskRecorder(spec)
    started = time.monotonic()
    previous_config = local_config.LocalExecutionConfig.instance
    local.init(
        runner=local.SubprocessRunner(use_venv=False),
        pipeline_root=str(pipeline_root),
        raise_on_error=False,
    )
    try:
        with _patched_kfp_local(recorder, pathlib.Path(cwd), task_timeout_seconds):
            pipeline_orchestrator.run_local_pipeline(spec, arguments)
    finally:
        local_config.LocalExecutionConfig.instance = previous_config
    run = PipelineRun(
        pipeline_name=spec.pipeline_info.name,
        run_dir=recorder.run_dir(),
        arguments=dag_orchestrator.join_user_inputs_and_defaults(
            arguments, spec.root.input_definitions
        ),
        tasks=dict(recorder.tasks),
        all_tasks=tuple(spec.root.dag.tasks),
        not_honoured=not_honoured_by_kfp_local(spec),
        seconds=time.monotonic() - started,
    )
    if run.failed_task is not None:
        raise PipelineTaskFailedError(run)
    if run.not_run:  # kfp.local stopped without a task failing: nothing to blame, say so
        raise RuntimeError(
            f"pipeline {run.pipeline_name}: kfp.local ended the run with tasks not run, none "
            f"failed: {', '.join(run.not_run)}"
        )
    return run


def not_honoured_by_kfp_local(spec: pipeline_spec_pb2.PipelineSpec) -> tuple[str, ...]:
    """What `spec` asks of the backend that kfp.local does not do, one line each."""
    from google.protobuf import json_format

    found = []
    executors = json_format.MessageToDict(spec.deployment_spec).get("executors", {})
    for task_name, task in spec.root.dag.tasks.items():
        if task.caching_options.enable_cache:
            found.append(f"{task_name}: cachingOptions.enableCache (every task runs)")
        label = spec.components[task.component_ref.name].executor_label
        container = executors.get(label, {}).get("container", {})
        for hook in container.get("lifecycle", {}):
            command = " ".join(container["lifecycle"][hook].get("command", []))
            found.append(f"{task_name}: lifecycle.{hook} ({command}) not run")
        for key in ("resources", "env"):
            if container.get(key):
                found.append(f"{task_name}: container {key} {container[key]} ignored")
    return tuple(found)


def _check_arguments(spec: pipeline_spec_pb2.PipelineSpec, arguments: Mapping[str, Any]) -> None:
    parameters = spec.root.input_definitions.parameters
    unknown = sorted(set(arguments) - set(parameters))
    if unknown:
        raise ValueError(
            f"arguments {unknown}: pipeline {spec.pipeline_info.name} has no such parameter; "
            f"its parameters: {sorted(parameters) or 'none'}"
        )
    missing = sorted(
        name
        for name, parameter in parameters.items()
        if name not in arguments and not parameter.HasField("default_value")
    )
    if missing:
        raise ValueError(
            f"pipeline {spec.pipeline_info.name}: parameters {missing} have no defaultValue "
            "in the spec and were given no argument"
        )


class _TaskRecorder:
    """The tasks of one run as they finish; and which task is running, for its log."""

    def __init__(self, spec: pipeline_spec_pb2.PipelineSpec) -> None:
        self.tasks: dict[str, TaskRun] = {}
        self.current_task_dir: pathlib.Path | None = None
        self._pipeline_resource_name: str | None = None
        self._pipeline_root: str | None = None
        # kfp.local names a task's directory after its component; a run is reported by task.
        tasks_by_component: dict[str, list[str]] = {}
        for task_name, task in spec.root.dag.tasks.items():
            tasks_by_component.setdefault(task.component_ref.name, []).append(task_name)
        self._task_of_component = {
            component: names[0] for component, names in tasks_by_component.items()
        }

    def run_dir(self) -> pathlib.Path:
        return pathlib.Path(self._pipeline_root or "", self._pipeline_resource_name or "")

    def wrap(self, run_single_task_implementation):
        from kfp.local import executor_input_utils, status

        def recorded(**kwargs):
            component_name = kwargs["component_name"]
            self._pipeline_resource_name = kwargs["pipeline_resource_name"]
            self._pipeline_root = kwargs["pipeline_root"]
            task_dir = pathlib.Path(
                executor_input_utils.construct_local_task_root(
                    pipeline_root=kwargs["pipeline_root"],
                    pipeline_resource_name=kwargs["pipeline_resource_name"],
                    task_resource_name=executor_input_utils.get_local_task_resource_name(
                        component_name
                    ),
                )
            )
            self.current_task_dir = task_dir
            started = time.monotonic()
            outputs, task_status = run_single_task_implementation(**kwargs)
            name = self._task_of_component.get(component_name, component_name)
            self.tasks[name] = TaskRun(
                name=name,
                state=SUCCEEDED if task_status == status.Status.SUCCESS else FAILED,
                task_dir=task_dir,
                seconds=time.monotonic() - started,
                inputs=dict(kwargs["arguments"]),
                outputs=dict(outputs),
            )
            return outputs, task_status

        return recorded


def _task_subprocess_class(
    recorder: _TaskRecorder, cwd: pathlib.Path, timeout_seconds: float
) -> type:
    from kfp.local import status, task_handler_interface

    class TaskSubprocess(task_handler_interface.ITaskHandler):
        """Runs a container task's resolved command in this virtualenv (see the module)."""

        def __init__(self, image, full_command, pipeline_root, runner) -> None:
            self.image = image
            self.full_command = list(full_command)
            self.pipeline_root = pipeline_root
            self.runner = runner

        def run(self) -> status.Status:
            command = self.full_command
            if command and command[0] in ("python", "python3"):
                command = [sys.executable, *command[1:]]
            log_path = recorder.current_task_dir / TASK_LOG_FILE
            log_path.parent.mkdir(parents=True, exist_ok=True)
            with log_path.open("w") as log:
                try:
                    process = subprocess.run(
                        command,
                        cwd=cwd,
                        env={**os.environ, **TASK_ENVIRONMENT},
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        timeout=timeout_seconds,
                        check=False,
                    )
                except subprocess.TimeoutExpired:
                    log.write(f"\n[kubeflow_local] stopped after {timeout_seconds:.0f} s\n")
                    return status.Status.FAILURE
            return status.Status.SUCCESS if process.returncode == 0 else status.Status.FAILURE

    return TaskSubprocess


def _task_resource_name(component_name: str) -> str:
    """A task directory's name: the component's, without KFP's `comp-` prefix if it has one."""
    return component_name.removeprefix(KFP_COMPONENT_PREFIX)


@contextlib.contextmanager
def _patched_kfp_local(
    recorder: _TaskRecorder, cwd: pathlib.Path, task_timeout_seconds: float
) -> Iterator[None]:
    from kfp.local import executor_input_utils, subprocess_task_handler, task_dispatcher

    with (
        mock.patch.object(
            subprocess_task_handler,
            "SubprocessTaskHandler",
            _task_subprocess_class(recorder, cwd, task_timeout_seconds),
        ),
        mock.patch.object(
            executor_input_utils, "get_local_task_resource_name", _task_resource_name
        ),
        mock.patch.object(
            task_dispatcher,
            "run_single_task_implementation",
            recorder.wrap(task_dispatcher.run_single_task_implementation),
        ),
    ):
        yield


# kfp.local's internals the patches replace or call, with the parameters they are called with:
# a kfp upgrade that changes one fails here, by name, instead of running the spec differently.
KFP_LOCAL_INTERNALS = {
    "kfp.local.subprocess_task_handler.SubprocessTaskHandler": (
        "image",
        "full_command",
        "pipeline_root",
        "runner",
    ),
    "kfp.local.executor_input_utils.get_local_task_resource_name": ("component_name",),
    "kfp.local.executor_input_utils.construct_local_task_root": (
        "pipeline_root",
        "pipeline_resource_name",
        "task_resource_name",
    ),
    "kfp.local.task_dispatcher.run_single_task_implementation": (
        "pipeline_resource_name",
        "component_name",
        "component_spec",
        "executor_spec",
        "arguments",
        "pipeline_root",
        "runner",
        "raise_on_error",
        "block_input_artifact",
        "unique_pipeline_id",
    ),
    "kfp.local.dag_orchestrator.join_user_inputs_and_defaults": (
        "dag_arguments",
        "dag_inputs_spec",
    ),
    "kfp.local.pipeline_orchestrator.run_local_pipeline": ("pipeline_spec", "arguments"),
}


def kfp_local_internals_changed() -> list[str]:
    """The entries of KFP_LOCAL_INTERNALS this kfp no longer has as they are listed."""
    import importlib
    import importlib.metadata
    import inspect

    changed = []
    for dotted, parameters in KFP_LOCAL_INTERNALS.items():
        module_name, _, attribute = dotted.rpartition(".")
        target = getattr(importlib.import_module(module_name), attribute, None)
        if target is None:
            changed.append(f"{dotted} is gone")
            continue
        signature = inspect.signature(target.__init__ if inspect.isclass(target) else target)
        names = [name for name in signature.parameters if name != "self"]
        if names[: len(parameters)] != list(parameters):
            changed.append(f"{dotted} takes {names}, not {list(parameters)}")
    if changed:
        version = importlib.metadata.version("kfp")
        changed = [f"upgrade to kfp {version} broke tests/kubeflow_local.py: {c}" for c in changed]
    return changed


def _check_kfp_local_internals() -> None:
    changed = kfp_local_internals_changed()
    if changed:
        raise RuntimeError("\n".join(changed))
