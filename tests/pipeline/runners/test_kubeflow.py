"""The Kubeflow Pipelines v2 packages: read back through KFP's own protos and loaders and
the Vertex AI SDK's, compared with the local DAG, and kept equal to reviewed golden files."""

import importlib
import json
import re

import pytest
import yaml
from google.protobuf import json_format
from kfp.pipeline_spec import pipeline_spec_pb2

from components.atomic_pusher.component import AtomicPusher
from components.checked_csv_example_gen.component import CheckedCsvExampleGen
from components.preprocessing import preprocessing_fn
from components.serving_baseline.component import ServingBaseline
from components.trainer import run_fn
from components.validation_gate.component import ValidationGate
from pipeline import nodes
from pipeline.config import PipelineConfig
from pipeline.runners.kubeflow import (
    OPEN_SOURCE,
    VERTEX,
    compile_kubeflow,
    compile_pipeline_job,
    pipeline_spec,
    write_spec,
)
from pipeline.runners.kubeflow_entrypoint import COMMAND
from pipeline.runners.local import local_pipeline
from tests.conftest import CURATED_SCHEMA, REPO_ROOT

GOLDEN = {
    OPEN_SOURCE: REPO_ROOT / "tests" / "golden" / "kubeflow_pipeline.yaml",
    VERTEX: REPO_ROOT / "tests" / "golden" / "vertex_pipeline_job.json",
}
CLUSTER_CONFIG = PipelineConfig(
    output_dir="gs://example-bucket/iris",
    data_root="gs://example-bucket/data/iris",
    # The copy inside the image; compiling reads it too, relative to the repository.
    schema_path="data/iris/schema.pbtxt",
    container_image="europe-docker.pkg.dev/example/pipelines/iris-tfx-pipeline:0.1.0",
    beam_args=("--runner=DataflowRunner", "--region=europe-west1"),
    trainer_cpu_limit=4.0,
    trainer_memory_limit_gb=16.0,
)
# Steps that run Beam and so receive the Beam arguments.
BEAM_NODES = {
    "CsvExampleGen",
    "StatisticsGen",
    "SchemaGen",
    "ExampleValidator",
    "Transform",
    "Evaluator",
}


@pytest.fixture(scope="module")
def job_dict() -> dict:
    return compile_pipeline_job(CLUSTER_CONFIG)


@pytest.fixture(scope="module")
def job(job_dict) -> pipeline_spec_pb2.PipelineJob:
    """The Vertex AI package of the cluster config, parsed as KFP parses it."""
    return json_format.ParseDict(job_dict, pipeline_spec_pb2.PipelineJob())


@pytest.fixture(scope="module", params=[OPEN_SOURCE, VERTEX])
def spec(request, job_dict) -> pipeline_spec_pb2.PipelineSpec:
    """The PipelineSpec each target runs: the bare one, and the one inside the PipelineJob."""
    document = pipeline_spec(job_dict) if request.param == OPEN_SOURCE else job_dict["pipelineSpec"]
    return json_format.ParseDict(document, pipeline_spec_pb2.PipelineSpec())


def executor_of(spec, task_name: str):
    component = spec.components[spec.root.dag.tasks[task_name].component_ref.name]
    return spec.deployment_spec.fields["executors"].struct_value.fields[component.executor_label]


def container_of(spec, task_name: str) -> dict:
    return json_format.MessageToDict(executor_of(spec, task_name))["container"]


def test_one_container_task_per_node_with_the_edges_of_the_local_dag(spec, tmp_path):
    # The SQLite file only: the config's output directory is on an object store.
    local_dag = local_pipeline(CLUSTER_CONFIG, str(tmp_path / "metadata.sqlite"))
    local = {c.id: {u.id for u in c.upstream_nodes} for c in local_dag.components}
    edges = {name: set(task.dependent_tasks) for name, task in spec.root.dag.tasks.items()}
    assert edges == local
    # No resolver or importer: open-source KFP's backend refuses resolver executors.
    kinds = {name: set(json_format.MessageToDict(executor_of(spec, name))) for name in local}
    assert kinds == {name: {"container"} for name in local}


def test_every_step_runs_our_entrypoint_in_the_configured_image(spec):
    for name in spec.root.dag.tasks:
        container = container_of(spec, name)
        assert container["image"] == CLUSTER_CONFIG.container_image, name
        assert container["command"] == COMMAND, name


@pytest.mark.parametrize(
    "task, executor_class",
    [
        ("CsvExampleGen", CheckedCsvExampleGen.EXECUTOR_SPEC.executor_class),
        ("ValidationGate", ValidationGate.EXECUTOR_SPEC.executor_class),
        ("Pusher", AtomicPusher.EXECUTOR_SPEC.executor_class),
        ("ServingBaseline", ServingBaseline.EXECUTOR_SPEC.executor_class),
    ],
)
def test_custom_component_steps_run_our_executors(spec, task, executor_class):
    container = executor_of(spec, task).struct_value.fields["container"].struct_value
    args = [value.string_value for value in container.fields["args"].list_value.values]
    class_path = args[args.index("--executor_class_path") + 1]
    module, name = class_path.rsplit(".", 1)
    # The container imports this class from the installed package to run the step.
    assert getattr(importlib.import_module(module), name) is executor_class


def test_the_validation_gate_gates_transform(spec):
    assert "ValidationGate" in spec.root.dag.tasks["Transform"].dependent_tasks


def test_pipeline_root_is_where_kfp_reads_it(job, job_dict):
    assert job.runtime_config.gcs_output_directory == "gs://example-bucket/iris/tfx"
    assert pipeline_spec(job_dict)["defaultPipelineRoot"] == "gs://example-bucket/iris/tfx"


def test_beam_arguments_reach_every_beam_step(spec):
    for node in BEAM_NODES:
        container = executor_of(spec, node).struct_value.fields["container"].struct_value.fields
        args = [value.string_value for value in container["args"].list_value.values]
        assert args[-3:] == [
            "--runner=DataflowRunner",
            "--region=europe-west1",
            f"--sdk_container_image={CLUSTER_CONFIG.container_image}",  # the workers' image
        ], node


def test_trainer_resources_are_the_trainer_containers_limits(spec):
    container = executor_of(spec, "Trainer").struct_value.fields["container"].struct_value.fields
    resources = json_format.MessageToDict(container["resources"])
    assert resources["cpuLimit"] == 4.0
    assert resources["memoryLimit"] == 16.0
    transform = executor_of(spec, "Transform").struct_value.fields["container"].struct_value
    assert "resources" not in transform.fields


@pytest.mark.parametrize(
    "task, parameter, function",
    [("Transform", "preprocessing_fn", preprocessing_fn), ("Trainer", "run_fn", run_fn)],
)
def test_user_code_is_a_dotted_path_to_our_function_not_a_module_file(
    spec, task, parameter, function
):
    parameters = spec.root.dag.tasks[task].inputs.parameters
    dotted_path = parameters[parameter].runtime_value.constant.string_value
    assert "module_file" not in parameters
    module, name = dotted_path.rsplit(".", 1)
    # What a step imports in the container is the very function the pipeline was built with.
    assert getattr(importlib.import_module(module), name) is function


def test_what_a_scheduled_run_varies_is_a_pipeline_parameter_defaulting_to_the_config(
    spec, job, job_dict
):
    parameters = json_format.MessageToDict(spec.root.input_definitions)["parameters"]
    assert {name: p["parameterType"] for name, p in parameters.items()} == {
        "data_root": "STRING",
        "train_args": "STRING",
        "blessing_threshold": "NUMBER_DOUBLE",
    }
    consumers = {
        (task_name, key): parameter.component_input_parameter
        for task_name, task in spec.root.dag.tasks.items()
        for key, parameter in task.inputs.parameters.items()
        if parameter.component_input_parameter
    }
    assert consumers == {
        (nodes.EXAMPLE_GEN, "input_base"): "data_root",
        (nodes.TRAINER, "train_args"): "train_args",
        (nodes.EVALUATOR, "blessing_threshold"): "blessing_threshold",
    }
    # The Vertex package carries the values of its run; the bare spec has them as defaults.
    expected = {
        "data_root": CLUSTER_CONFIG.data_root,
        "train_args": json.dumps({"num_steps": CLUSTER_CONFIG.hyperparameters.train_steps}),
        "blessing_threshold": CLUSTER_CONFIG.accuracy_threshold,
    }
    assert json_format.MessageToDict(job.runtime_config)["parameterValues"] == expected
    open_source = pipeline_spec(job_dict)["root"]["inputDefinitions"]["parameters"]
    assert {name: p["defaultValue"] for name, p in open_source.items()} == expected


def test_steps_whose_cache_key_misses_what_they_read_are_never_cached(job_dict):
    caching = {
        target: {
            name: task.get("cachingOptions", {}).get("enableCache", False)
            for name, task in document["root"]["dag"]["tasks"].items()
        }
        for target, document in (
            (OPEN_SOURCE, pipeline_spec(job_dict)),
            (VERTEX, job_dict["pipelineSpec"]),
        )
    }
    # ServingBaseline reads the serving directory, which no input of it names. ExampleGen's
    # key includes the input files' fingerprint only where its preCacheCheck hook runs
    # (Vertex AI), not on open-source KFP.
    assert {name for name, cached in caching[VERTEX].items() if not cached} == {
        nodes.SERVING_BASELINE
    }
    assert {name for name, cached in caching[OPEN_SOURCE].items() if not cached} == {
        nodes.SERVING_BASELINE,
        nodes.EXAMPLE_GEN,
    }


def test_kfps_own_loader_reads_the_open_source_package(tmp_path):
    from kfp.client.client import (
        _extract_pipeline_yaml,
    )  # what create_run_from_pipeline_package reads it with

    path = tmp_path / "pipeline.yaml"
    write_spec(compile_kubeflow(CLUSTER_CONFIG, OPEN_SOURCE), str(path))
    loaded = _extract_pipeline_yaml(str(path))
    assert loaded.pipeline_spec.pipeline_info.name == CLUSTER_CONFIG.pipeline_name
    assert set(loaded.pipeline_spec.root.dag.tasks) == {
        c.id for c in local_pipeline(CLUSTER_CONFIG, str(tmp_path / "m.sqlite")).components
    }
    # The Vertex package is not one it takes.
    write_spec(compile_kubeflow(CLUSTER_CONFIG, VERTEX), str(tmp_path / "job.json"))
    with pytest.raises(ValueError):
        _extract_pipeline_yaml(str(tmp_path / "job.json"))


def test_the_vertex_sdk_builds_a_pipeline_job_from_the_vertex_package(tmp_path):
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import aiplatform

    path = tmp_path / "pipeline_job.json"
    write_spec(compile_kubeflow(CLUSTER_CONFIG, VERTEX), str(path))
    job = aiplatform.PipelineJob(
        display_name="iris",
        template_path=str(path),
        project="example-project",
        location="europe-west1",
        credentials=AnonymousCredentials(),
        pipeline_root="gs://example-bucket/iris/tfx",
        parameter_values={"data_root": "gs://example-bucket/data/iris/2026-12-01"},
    )
    runtime = job._gca_resource.runtime_config  # what the SDK would submit
    assert runtime.parameter_values["data_root"] == "gs://example-bucket/data/iris/2026-12-01"
    assert set(job._gca_resource.pipeline_spec["root"]["dag"]["tasks"]) >= {nodes.EXAMPLE_GEN}


@pytest.mark.parametrize("target, name", [(OPEN_SOURCE, "a.yaml"), (VERTEX, "a.json")])
def test_two_compiles_are_byte_identical(tmp_path, target, name):
    for prefix in ("first", "second"):
        write_spec(compile_kubeflow(PipelineConfig(), target), str(tmp_path / f"{prefix}-{name}"))
    assert (tmp_path / f"first-{name}").read_bytes() == (tmp_path / f"second-{name}").read_bytes()


def without_code_fingerprints(spec_text: str) -> str:
    """The spec with the user code's fingerprints blanked: they change with every edit of
    components/, and test_code_fingerprint checks them."""
    return re.sub(r"sha256:[0-9a-f]{64}", "sha256:<code>", spec_text)


@pytest.mark.parametrize("target", [OPEN_SOURCE, VERTEX])
def test_default_packages_match_the_golden_files(tmp_path, target):
    golden = GOLDEN[target]
    write_spec(compile_kubeflow(PipelineConfig(), target), str(tmp_path / golden.name))
    compiled = without_code_fingerprints((tmp_path / golden.name).read_text())
    assert compiled == without_code_fingerprints(golden.read_text()), (
        f"the compiled package drifted from {golden.relative_to(REPO_ROOT)}; review the "
        "difference and refresh it with `make kubeflow-golden`"
    )


def test_compile_command_writes_the_package_the_flags_describe(tmp_path, capsys):
    from pipeline.cli import main

    output = tmp_path / "spec" / "iris.yaml"
    exit_code = main(
        [
            "compile-kubeflow",
            "--output",
            str(output),
            "--image",
            "registry.example/iris:7",
            "--data-root",
            "s3://bucket/data",
            # Read on this machine too, for the dataset's spec.
            "--schema",
            str(CURATED_SCHEMA),
            "--trainer-cpu",
            "2",
            "--no-cache",
        ]
    )
    assert exit_code == 0
    assert f"wrote {output}" in capsys.readouterr().out
    spec = yaml.safe_load(output.read_text())
    assert spec["root"]["inputDefinitions"]["parameters"]["data_root"]["defaultValue"] == (
        "s3://bucket/data"
    )
    assert "registry.example/iris:7" in output.read_text()
    # --no-cache turns off KFP's cache on every task.
    tasks = spec["root"]["dag"]["tasks"]
    assert {
        task.get("cachingOptions", {}).get("enableCache", False) for task in tasks.values()
    } == {False}


def test_the_vertex_package_keeps_the_pipeline_root(tmp_path):
    from pipeline.cli import main

    output = tmp_path / "iris.json"
    arguments = ["--target", "vertex", "--output", str(output), "--pipeline-root", "s3://b/iris"]
    assert main(["compile-kubeflow", *arguments]) == 0
    compiled = json_format.Parse(output.read_text(), pipeline_spec_pb2.PipelineJob())
    assert compiled.runtime_config.gcs_output_directory == "s3://b/iris/tfx"


@pytest.mark.parametrize("target, name", [("kfp", "spec.json"), ("vertex", "spec.yaml")])
def test_a_file_the_target_does_not_write_is_bad_input(tmp_path, capsys, target, name):
    from pipeline.cli import main

    output = tmp_path / name
    assert main(["compile-kubeflow", "--target", target, "--output", str(output)]) == 2
    assert f"error: --output {output}: --target {target} writes a" in capsys.readouterr().err
    assert not output.exists()
