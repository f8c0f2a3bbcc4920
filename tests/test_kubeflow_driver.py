"""ExampleGen's preCacheCheck hook, which kfp.local does not run (tests/kubeflow_local.py):
run here as the compiled Vertex AI spec says, on an ExecutorInput as KFP builds it.

Vertex AI runs the hook before ExampleGen's cache check: the input fingerprint it writes is
what makes a run on changed files a cache miss. Open-source KFP does not run it, and so never
caches ExampleGen (pipeline/runners/kubeflow.py).
"""

import json
import shutil
import subprocess
import sys

import pytest

from pipeline import nodes
from pipeline.config import PipelineConfig
from pipeline.runners.kubeflow import VERTEX, compile_kubeflow
from tests.conftest import CURATED_SCHEMA, IRIS_CSV, REPO_ROOT

pytestmark = pytest.mark.kubeflow


def run_hook(job: dict, data_root, task_dir) -> dict:
    """Run ExampleGen's preCacheCheck command of `job` on `data_root`; its ExecutorOutput."""
    spec = job["pipelineSpec"]
    task = spec["root"]["dag"]["tasks"][nodes.EXAMPLE_GEN]
    component = spec["components"][task["componentRef"]["name"]]
    container = spec["deploymentSpec"]["executors"][component["executorLabel"]]["container"]
    hook = container["lifecycle"]["preCacheCheck"]
    parameters = {
        name: parameter["runtimeValue"]["constant"]
        for name, parameter in task["inputs"]["parameters"].items()
        if "runtimeValue" in parameter
    }
    parameters["input_base"] = str(data_root)  # the run's value of the data_root parameter
    output_file = task_dir / "executor_output.json"
    executor_input = {
        "inputs": {"parameterValues": parameters},
        "outputs": {
            "artifacts": {
                "examples": {
                    "artifacts": [
                        {
                            "name": "examples",
                            "uri": str(task_dir / "examples"),
                            "type": component["outputDefinitions"]["artifacts"]["examples"][
                                "artifactType"
                            ],
                        }
                    ]
                }
            },
            "outputFile": str(output_file),
        },
    }
    command = [sys.executable, *hook["command"][1:]]
    arguments = [json.dumps(executor_input) if a == "{{$}}" else a for a in hook["args"]]
    subprocess.run([*command, *arguments], check=True, cwd=REPO_ROOT, timeout=300)
    return json.loads(output_file.read_text())


def test_the_hook_fingerprints_the_input_files_so_changed_data_is_a_cache_miss(tmp_path):
    job = compile_kubeflow(PipelineConfig(schema_path=str(CURATED_SCHEMA)), VERTEX)
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(IRIS_CSV, data / "iris.csv")
    first = run_hook(job, data, tmp_path / "first")
    values = first["parameterValues"]
    assert values["span"] == 0
    assert values["input_fingerprint"].startswith("split:single_split,num_files:1,total_bytes:")
    assert json.loads(values["input_config"])["splits"][0]["pattern"] == "*.csv"
    (examples,) = first["artifacts"]["examples"]["artifacts"]
    assert examples["metadata"]["input_fingerprint"] == values["input_fingerprint"]

    with (data / "iris.csv").open("a") as f:
        f.write("5.0,3.4,1.5,0.2,setosa\n")
    again = run_hook(job, data, tmp_path / "again")
    assert again["parameterValues"]["input_fingerprint"] != values["input_fingerprint"]
