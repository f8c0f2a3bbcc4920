"""The command every step of the compiled Kubeflow pipeline runs: TFX's
kubeflow_v2_run_executor, given back the types of its input artifacts where the orchestrator
dropped them.

TFX's entrypoint finds an input artifact's class by the type in the ExecutorInput. Vertex AI
sends it; open-source KFP v2 sends an empty instanceSchema for artifacts it read back from ML
Metadata (backend/src/v2/metadata/client.go leaves Schema empty), and TFX then fails on the
first step with inputs (tensorflow/tfx#7768); kfp.local sends `system.Artifact`. The step's
own inputs spec, which the compiled spec passes as --json_serialized_inputs_spec_args (spec
schema 2.1), declares each input's type: it is filled in from there, and nothing else changes.
"""

import json
import runpy
import sys
from typing import Any

TFX_ENTRYPOINT = "tfx.orchestration.kubeflow.v2.container.kubeflow_v2_run_executor"
INVOCATION_FLAG = "--json_serialized_invocation_args"
INPUTS_SPEC_FLAG = "--json_serialized_inputs_spec_args"
# What pipeline/runners/kubeflow.py compiles as each container's command.
COMMAND = ["python", "-m", "pipeline.runners.kubeflow_entrypoint"]


def with_input_types(executor_input: dict[str, Any], inputs_spec: dict[str, Any]) -> dict[str, Any]:
    """`executor_input` with each input artifact that has no instanceSchema given the type its
    input is declared with in `inputs_spec`."""
    declared = {
        name: definition["artifactType"]
        for name, definition in inputs_spec.get("artifacts", {}).items()
        if "artifactType" in definition
    }
    for name, listed in executor_input.get("inputs", {}).get("artifacts", {}).items():
        for artifact in listed.get("artifacts", []):
            if not artifact.get("type", {}).get("instanceSchema") and name in declared:
                artifact["type"] = declared[name]
    return executor_input


def flag_value(argv: list[str], flag: str) -> tuple[int, str] | None:
    """(index, value) of `flag` in `argv`, given as `--flag value` or `--flag=value`."""
    for index, argument in enumerate(argv):
        if argument == flag and index + 1 < len(argv):
            return index + 1, argv[index + 1]
        if argument.startswith(f"{flag}="):
            return index, argument.split("=", 1)[1]
    return None


def repaired_arguments(argv: list[str]) -> list[str]:
    """`argv` (TFX entrypoint arguments) with the invocation's input types filled in."""
    invocation, inputs_spec = flag_value(argv, INVOCATION_FLAG), flag_value(argv, INPUTS_SPEC_FLAG)
    if invocation is None or inputs_spec is None:
        return argv
    index, value = invocation
    repaired = json.dumps(with_input_types(json.loads(value), json.loads(inputs_spec[1])))
    argv = list(argv)
    argv[index] = repaired if argv[index] == value else f"{INVOCATION_FLAG}={repaired}"
    return argv


def main() -> None:
    sys.argv = [TFX_ENTRYPOINT, *repaired_arguments(sys.argv[1:])]
    runpy.run_module(TFX_ENTRYPOINT, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
