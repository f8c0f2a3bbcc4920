"""The steps' entrypoint gives input artifacts back the types the orchestrator dropped, and
changes nothing else of what TFX's entrypoint receives."""

import json

from pipeline.runners.kubeflow_entrypoint import (
    INPUTS_SPEC_FLAG,
    INVOCATION_FLAG,
    repaired_arguments,
    with_input_types,
)

EXAMPLES = {"instanceSchema": "title: tfx.Examples\ntype: object\n"}
SCHEMA = {"instanceSchema": "title: tfx.Schema\ntype: object\n"}
INPUTS_SPEC = {
    "artifacts": {"examples": {"artifactType": EXAMPLES}, "schema": {"artifactType": SCHEMA}},
    "parameters": {"input_base": {"parameterType": "STRING"}},
}


def executor_input(examples_type: dict, schema_type: dict | None) -> dict:
    schema = {"uri": "gs://root/schema", "metadata": {}}
    if schema_type is not None:
        schema["type"] = schema_type
    return {
        "inputs": {
            "artifacts": {
                "examples": {"artifacts": [{"uri": "gs://root/examples", "type": examples_type}]},
                "schema": {"artifacts": [schema]},
            },
            "parameterValues": {"input_base": "data"},
        },
        "outputs": {"outputFile": "/tmp/out.json"},
    }


def test_empty_or_generic_types_are_filled_from_the_inputs_spec():
    # Open-source KFP: an empty instanceSchema; kfp.local: system.Artifact; or no type at all.
    for dropped in ({"instanceSchema": ""}, {"schemaTitle": "system.Artifact"}):
        repaired = with_input_types(executor_input(dropped, None), INPUTS_SPEC)
        artifacts = repaired["inputs"]["artifacts"]
        assert artifacts["examples"]["artifacts"][0]["type"] == EXAMPLES
        assert artifacts["schema"]["artifacts"][0]["type"] == SCHEMA
        assert repaired["inputs"]["parameterValues"] == {"input_base": "data"}


def test_a_type_that_is_there_is_kept():
    own = {"instanceSchema": "title: tfx.Examples\ntype: object\nproperties: {}\n"}
    repaired = with_input_types(executor_input(own, SCHEMA), INPUTS_SPEC)
    assert repaired == executor_input(own, SCHEMA)


def test_only_the_invocation_argument_changes():
    broken = json.dumps(executor_input({"instanceSchema": ""}, None))
    argv = [
        "--executor_class_path",
        "components.atomic_pusher.component.Executor",
        INVOCATION_FLAG,
        broken,
        INPUTS_SPEC_FLAG,
        json.dumps(INPUTS_SPEC),
        "--runner=DirectRunner",
    ]
    repaired = repaired_arguments(argv)
    assert repaired[:3] + repaired[4:] == argv[:3] + argv[4:]
    invocation = json.loads(repaired[3])
    assert invocation["inputs"]["artifacts"]["examples"]["artifacts"][0]["type"] == EXAMPLES
    # The --flag=value form too; without an inputs spec (schema 2.0) nothing changes.
    (joined,) = repaired_arguments([f"{INVOCATION_FLAG}={broken}", *argv[4:6]])[:1]
    assert json.loads(joined.split("=", 1)[1]) == invocation
    assert repaired_arguments(argv[:4]) == argv[:4]
