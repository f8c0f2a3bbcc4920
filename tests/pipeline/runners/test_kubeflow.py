"""The Kubeflow Pipelines v2 spec: read back through KFP's own protos and compared with the
local DAG, and kept equal to a reviewed golden file."""

import importlib
import json
import re

import pytest
from google.protobuf import json_format
from kfp.pipeline_spec import pipeline_spec_pb2

from components.atomic_pusher.component import AtomicPusher
from components.checked_csv_example_gen.component import CheckedCsvExampleGen
from components.preprocessing import preprocessing_fn
from components.trainer import run_fn
from components.validation_gate.component import ValidationGate
from pipeline.config import PipelineConfig
from pipeline.runners.kubeflow import compile_kubeflow, write_spec
from pipeline.runners.local import local_pipeline
from tests.conftest import REPO_ROOT

GOLDEN_SPEC = REPO_ROOT / "tests" / "golden" / "kubeflow_pipeline.json"
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
def job() -> pipeline_spec_pb2.PipelineJob:
    """The compiled cluster config, parsed as KFP parses it."""
    return json_format.ParseDict(compile_kubeflow(CLUSTER_CONFIG), pipeline_spec_pb2.PipelineJob())


@pytest.fixture(scope="module")
def spec(job) -> pipeline_spec_pb2.PipelineSpec:
    return json_format.ParseDict(
        json_format.MessageToDict(job.pipeline_spec), pipeline_spec_pb2.PipelineSpec()
    )


def node_of(task_name: str, local_nodes: set[str]) -> str:
    """The local node a KFP task comes from: the resolver becomes one task per input."""
    return task_name if task_name in local_nodes else task_name.split("-")[0]


def executor_of(spec, task_name: str):
    component = spec.components[spec.root.dag.tasks[task_name].component_ref.name]
    return spec.deployment_spec.fields["executors"].struct_value.fields[component.executor_label]


def test_one_task_per_node_with_the_edges_of_the_local_dag(spec, tmp_path):
    # The SQLite file only: the config's output directory is on an object store.
    local_dag = local_pipeline(CLUSTER_CONFIG, str(tmp_path / "metadata.sqlite"))
    local = {c.id: {u.id for u in c.upstream_nodes} for c in local_dag.components}
    edges: dict[str, set[str]] = {}
    for name, task in spec.root.dag.tasks.items():
        node = node_of(name, set(local))
        edges.setdefault(node, set()).update(
            node_of(dependency, set(local)) for dependency in task.dependent_tasks
        )
    assert edges == local
    assert {n for n in spec.root.dag.tasks if n not in local} == {
        "latest_blessed_model_resolver-model-resolver",
        "latest_blessed_model_resolver-model-blessing-resolver",
    }


def test_every_step_runs_in_the_configured_image(spec):
    for name in spec.root.dag.tasks:
        executor = executor_of(spec, name)
        if "container" not in executor.struct_value.fields:
            continue  # the resolver tasks are ML Metadata queries, not containers
        container = executor.struct_value.fields["container"].struct_value.fields
        assert container["image"].string_value == CLUSTER_CONFIG.container_image, name
    assert (
        sum(
            "container" in executor_of(spec, name).struct_value.fields
            for name in spec.root.dag.tasks
        )
        == 10
    )


@pytest.mark.parametrize(
    "task, executor_class",
    [
        ("CsvExampleGen", CheckedCsvExampleGen.EXECUTOR_SPEC.executor_class),
        ("ValidationGate", ValidationGate.EXECUTOR_SPEC.executor_class),
        ("Pusher", AtomicPusher.EXECUTOR_SPEC.executor_class),
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


def test_pipeline_root_is_where_kfp_reads_it(job):
    assert job.runtime_config.gcs_output_directory == "gs://example-bucket/iris/tfx"


def test_beam_arguments_reach_every_beam_step(spec):
    for node in BEAM_NODES:
        container = executor_of(spec, node).struct_value.fields["container"].struct_value.fields
        args = [value.string_value for value in container["args"].list_value.values]
        assert args[-2:] == ["--runner=DataflowRunner", "--region=europe-west1"], node


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
    dotted_path = parameters[parameter].runtime_value.constant_value.string_value
    assert "module_file" not in parameters
    module, name = dotted_path.rsplit(".", 1)
    # What a step imports in the container is the very function the pipeline was built with.
    assert getattr(importlib.import_module(module), name) is function


def test_two_compiles_are_byte_identical(tmp_path):
    for name in ("a.json", "b.json"):
        write_spec(compile_kubeflow(PipelineConfig()), str(tmp_path / name))
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def without_code_fingerprints(spec_text: str) -> str:
    """The spec with the user code's fingerprints blanked: they change with every edit of
    components/, and test_code_fingerprint checks them."""
    return re.sub(r"sha256:[0-9a-f]{64}", "sha256:<code>", spec_text)


def test_default_spec_matches_the_golden_file(tmp_path):
    write_spec(compile_kubeflow(PipelineConfig()), str(tmp_path / "spec.json"))
    compiled = without_code_fingerprints((tmp_path / "spec.json").read_text())
    assert compiled == without_code_fingerprints(GOLDEN_SPEC.read_text()), (
        "the compiled spec drifted from tests/golden/kubeflow_pipeline.json; review the "
        "difference and refresh it with `make kubeflow-golden`"
    )


def test_compile_command_writes_the_spec_the_flags_describe(tmp_path, capsys):
    from pipeline.cli import main

    output = tmp_path / "spec" / "iris.json"
    exit_code = main(
        [
            "compile-kubeflow",
            "--output",
            str(output),
            "--image",
            "registry.example/iris:7",
            "--pipeline-root",
            "s3://bucket/iris",
            "--trainer-cpu",
            "2",
            "--no-cache",
        ]
    )
    assert exit_code == 0
    assert f"wrote {output}" in capsys.readouterr().out
    compiled = json_format.Parse(output.read_text(), pipeline_spec_pb2.PipelineJob())
    assert compiled.runtime_config.gcs_output_directory == "s3://bucket/iris/tfx"
    assert "registry.example/iris:7" in output.read_text()
    # --no-cache turns off KFP's cache on every task.
    tasks = json.loads(output.read_text())["pipelineSpec"]["root"]["dag"]["tasks"]
    assert {
        task.get("cachingOptions", {}).get("enableCache", False) for task in tasks.values()
    } == {False}
