"""Compile the pipeline for Kubeflow Pipelines v2: open-source KFP or Vertex AI Pipelines.

Both run the same compiled PipelineSpec (schema 2.1, the one KFP's own SDK writes), in two
packages: open-source KFP takes a bare PipelineSpec in YAML (`kfp.Client().
create_run_from_pipeline_package` reads nothing else), Vertex AI a PipelineJob in JSON, which
wraps the same spec with the run's parameter values.
"""

import copy
import json
import os
from typing import Any

from pipeline import nodes
from pipeline.config import PipelineConfig

# The two packages compile_kubeflow writes, by target: what each orchestrator's client reads.
OPEN_SOURCE = "kfp"
VERTEX = "vertex"
TARGETS = (OPEN_SOURCE, VERTEX)
FILE_SUFFIXES = {OPEN_SOURCE: (".yaml", ".yml"), VERTEX: (".json",)}
# The pipeline parameters of the compiled spec: name -> (node, execution property, type).
RUN_PARAMETERS = {
    "data_root": (nodes.EXAMPLE_GEN, "input_base", str),
    # TFX's TrainArgs as JSON, e.g. {"num_steps": 1000}: a proto field cannot be a parameter.
    "train_args": (nodes.TRAINER, "train_args", str),
    "blessing_threshold": (nodes.EVALUATOR, "blessing_threshold", float),
}


def kubeflow_pipeline(config: PipelineConfig):
    """The tfx Pipeline compile_kubeflow compiles for `config`.

    No ML Metadata connection is given: Kubeflow brings its own. Paths are kept as they are,
    because they are read inside the container: relative ones resolve against the image's
    working directory, where the Dockerfile puts the sample data and schema. The schema is
    also read here, on the compiling machine, for the dataset's spec; the serving directory is
    not: which version is served is read by each run.

    What a scheduled run varies is a pipeline parameter, whose default is the config's value,
    set per run in the KFP UI or by create_run_from_pipeline_package's arguments: the data
    root, the Trainer's train_args (`{"num_steps": N}`) and the blessing threshold.
    """
    from tfx.orchestration import data_types

    from pipeline.inputs import resolve_inputs
    from pipeline.pipeline import create_pipeline

    tfx_pipeline = create_pipeline(config, resolve_inputs(config, read_served_version=False))
    node = {component.id: component for component in tfx_pipeline.components}
    for name, (node_id, key, ptype) in RUN_PARAMETERS.items():
        properties = node[node_id].exec_properties
        value = properties[key]
        if key == "train_args":  # JSON on one line, as one types it into the KFP UI
            value = json.dumps(json.loads(value))
        properties[key] = data_types.RuntimeParameter(name=name, ptype=ptype, default=value)
    return tfx_pipeline


def run_parameter_values(tfx_pipeline) -> dict[str, Any]:
    """The defaults of the pipeline parameters of `tfx_pipeline` (from kubeflow_pipeline)."""
    node = {component.id: component for component in tfx_pipeline.components}
    return {
        name: node[node_id].exec_properties[key].default
        for name, (node_id, key, _) in RUN_PARAMETERS.items()
    }


def compile_pipeline_job(config: PipelineConfig) -> dict[str, Any]:
    """The PipelineJob (as a dict) of the pipeline `config` describes: what Vertex AI runs.

    Its spec's ServingBaseline task is never cached: with nothing but constant inputs, a
    cache hit would hand every later run the baseline of the first.
    """
    from tfx.orchestration.kubeflow.v2.kubeflow_v2_dag_runner import (
        KubeflowV2DagRunner,
        KubeflowV2DagRunnerConfig,
    )

    from pipeline.runners.kubeflow_entrypoint import COMMAND

    runner = KubeflowV2DagRunner(
        KubeflowV2DagRunnerConfig(
            default_image=config.container_image,
            default_commands=COMMAND,
            # Schema 2.1: what open-source KFP's driver reads (it refuses 2.0's constantValue),
            # and the one that passes each step its inputs spec.
            use_pipeline_spec_2_1=True,
        )
    )
    tfx_pipeline = kubeflow_pipeline(config)
    job = runner.run(
        tfx_pipeline, parameter_values=run_parameter_values(tfx_pipeline), write_out=False
    )
    tasks = job["pipelineSpec"]["root"]["dag"]["tasks"]
    tasks[nodes.SERVING_BASELINE]["cachingOptions"] = {"enableCache": False}
    return job


def pipeline_spec(job: dict[str, Any]) -> dict[str, Any]:
    """The bare PipelineSpec of `job`, what open-source KFP runs.

    The job's parameter values become the defaults of the pipeline's parameters, which a run
    may override, and its pipeline root the spec's default one. And a step with a
    preCacheCheck hook (ExampleGen's driver, which fingerprints the input files) is never
    cached: open-source KFP does not run the hook, so its cache key would not change with the
    data, and a run on new files would get the old examples.
    """
    spec = copy.deepcopy(job["pipelineSpec"])
    values = job["runtimeConfig"].get("parameterValues", {})
    parameters = spec["root"].get("inputDefinitions", {}).get("parameters", {})
    for name, value in values.items():
        parameters[name]["defaultValue"] = value
    spec["defaultPipelineRoot"] = job["runtimeConfig"]["gcsOutputDirectory"]
    executors = spec["deploymentSpec"]["executors"]
    for task in spec["root"]["dag"]["tasks"].values():
        component = spec["components"][task["componentRef"]["name"]]
        container = executors[component["executorLabel"]].get("container", {})
        if "preCacheCheck" in container.get("lifecycle", {}):
            task["cachingOptions"] = {"enableCache": False}
    return spec


def compile_kubeflow(config: PipelineConfig, target: str = OPEN_SOURCE) -> dict[str, Any]:
    """The package for `target` (OPEN_SOURCE or VERTEX) of the pipeline `config` describes."""
    job = compile_pipeline_job(config)
    return pipeline_spec(job) if target == OPEN_SOURCE else job


def write_spec(document: dict[str, Any], output_path: str) -> None:
    """Write a package as compile_kubeflow made it: YAML for a .yaml or .yml path, JSON
    otherwise, with sorted keys, so that equal specs are equal bytes."""
    import yaml

    directory = os.path.dirname(output_path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    with open(output_path, "w", encoding="utf-8") as f:
        if output_path.endswith(FILE_SUFFIXES[OPEN_SOURCE]):
            yaml.safe_dump(document, f, sort_keys=True)
        else:
            json.dump(document, f, indent=2, sort_keys=True)
            f.write("\n")
