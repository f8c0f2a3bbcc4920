"""The package as the Docker image installs it (a wheel, not this checkout) has what it needs."""

import dataclasses
import json
import os
import pathlib
import shutil
import subprocess
import sys
import sysconfig
import zipfile

import pytest

from tests.conftest import REPO_ROOT

# What the Dockerfile copies into the image before installing the project (and the license).
PACKAGES = ("pipeline", "components")
FILES = ("pyproject.toml", "README.md", "LICENSE")


@dataclasses.dataclass(frozen=True)
class Wheel:
    path: pathlib.Path
    # The copy of the sources it was built from.
    source: pathlib.Path


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Wheel:
    """The project's wheel, built once for the tests of this module."""
    # Built from a copy of the sources: setuptools reuses ./build, where a checkout keeps the
    # modules of older layouts, and would pack them into a wheel built in place.
    build = tmp_path_factory.mktemp("wheel")
    source = build / "source"
    for package in PACKAGES:
        shutil.copytree(
            REPO_ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    for name in FILES:
        shutil.copy(REPO_ROOT / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(build), str(source)],
        check=True,
        cwd=build,
        timeout=300,
    )  # fmt: skip
    (path,) = build.glob("*.whl")
    return Wheel(path, source)


def test_the_wheel_carries_the_report_template_every_module_and_nothing_else(wheel):
    names = set(zipfile.ZipFile(wheel.path).namelist())
    assert "pipeline/views/templates/report.html.jinja" in names
    assert "iris_tfx_pipeline-0.1.0.dist-info/LICENSE" in names
    # Every module, sub-packages included (pipeline/runners, records, views, schemas, serving,
    # cli; each custom component's folder).
    modules = {
        path.relative_to(wheel.source).as_posix()
        for package in PACKAGES
        for path in (wheel.source / package).rglob("*.py")
    }
    assert {"pipeline/runners/local.py", "components/atomic_pusher/component.py"} <= modules
    assert sorted(modules - names) == [], "modules missing from the wheel"
    packed = {name for name in names if name.endswith(".py")}
    assert sorted(packed - modules) == [], "modules in the wheel that the sources do not have"


# Run by the scratch virtualenv's python in the project folder: argv is the folder and the report
# to write. It compiles the Kubeflow spec of the default settings, resolves every dotted path the
# spec names, and loads the DAG file installed in site-packages without, then with, the folder.
CHECKS_IN_THE_SCRATCH_VIRTUALENV = """
import importlib, inspect, json, os, runpy, sys

project_dir, report_path = sys.argv[1:]
import components, pipeline
from pipeline.runners.kubeflow import compile_kubeflow
from pipeline.settings import KUBEFLOW, resolve_settings

# Exec properties naming the user code a component imports by dotted path (TFX's names).
USER_CODE_PARAMETERS = ("module_path", "run_fn", "trainer_fn", "preprocessing_fn",
                        "stats_options_updater_fn", "tuner_fn")

def source_of(dotted_path, is_module):
    module_name, _, name = dotted_path.rpartition(".")
    if is_module:
        return inspect.getfile(importlib.import_module(dotted_path))
    return inspect.getfile(getattr(importlib.import_module(module_name), name))

def modules_run(node):
    # Each `python -m MODULE` command of an executor (its container's and its driver's).
    if isinstance(node, dict):
        command = node.get("command")
        if isinstance(command, list) and "-m" in command:
            yield command[command.index("-m") + 1]
        for value in node.values():
            yield from modules_run(value)

compiled = compile_kubeflow(resolve_settings(KUBEFLOW, environ={}).config())
spec = compiled.get("pipelineSpec", compiled)  # a PipelineJob wraps the PipelineSpec
executors, modules, user_code = {}, {}, []
for executor in spec["deploymentSpec"]["executors"].values():
    if "container" in executor:
        args = executor["container"]["args"]
        path = args[args.index("--executor_class_path") + 1]
        executors[path] = source_of(path, is_module=False)
    for module in modules_run(executor):
        modules[module] = source_of(module, is_module=True)
for task, node in spec["root"]["dag"]["tasks"].items():
    for name, parameter in node.get("inputs", {}).get("parameters", {}).items():
        # A constant as PipelineSpec 2.1 writes it, or 2.0.
        constant = parameter.get("runtimeValue", {})
        value = constant.get("constant", constant.get("constantValue", {}).get("stringValue"))
        if name in USER_CODE_PARAMETERS and value:
            user_code.append([task, name, value, source_of(value, name == "module_path")])

dag_file = os.path.join(os.path.dirname(pipeline.__file__), "runners", "airflow_dag.py")
try:
    runpy.run_path(dag_file)
    error_without_the_folder = None
except Exception as error:
    error_without_the_folder = f"{type(error).__name__}: {error}"

def absolute_paths_in(value):
    # An exec property's paths: it, or the strings of the JSON it holds (e.g. Pusher's).
    if isinstance(value, str) and value.startswith("/"):
        yield value
    elif isinstance(value, str) and value.startswith(("[", "{")):
        yield from absolute_paths_in(json.loads(value))
    elif isinstance(value, dict | list):
        for item in value.values() if isinstance(value, dict) else value:
            yield from absolute_paths_in(item)

os.environ["PIPELINE_PROJECT_DIR"] = project_dir
dag_globals = runpy.run_path(dag_file)
config, dag = dag_globals["CONFIG"], dag_globals["DAG"]
dag_paths = {}
for task_id, task in dag.task_dict.items():
    launch = task.python_callable.keywords
    dag_paths["pipeline_root"] = launch["pipeline_info"].pipeline_root
    dag_paths["metadata"] = launch["metadata_connection_config"].sqlite.filename_uri
    for name, value in launch["component"].exec_properties.items():
        for number, path in enumerate(absolute_paths_in(value)):
            dag_paths[f"{task_id}.{name}.{number}"] = path

report = {
    "package_files": {"pipeline": pipeline.__file__, "components": components.__file__},
    "editable_finders": [repr(finder) for finder in sys.meta_path if "editable" in repr(finder)]
    + [name for name in sys.modules if "editable" in name],
    "sys_path": sys.path,
    "executors": executors,
    "modules": modules,
    "user_code": user_code,
    "dag_file": dag_file,
    "error_without_the_folder": error_without_the_folder,
    "data_root": config.data_root,
    "dag_paths": dag_paths,
}
with open(report_path, "w") as f:
    json.dump(report, f)
"""


def is_under(path: str, folder: pathlib.Path) -> bool:
    return pathlib.Path(path).resolve().is_relative_to(folder.resolve())


def test_the_installed_wheel_imports_every_dotted_path_and_its_dag_file_takes_the_named_folder(
    wheel, tmp_path
):
    # A virtualenv with the wheel installed, not editable, and this environment's site-packages
    # as a path line of a .pth file for the dependencies: site does not process the .pth files
    # of a directory added that way, so the checkout's editable finder is not loaded.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", wheel.path],
        check=True,
        timeout=300,
    )
    site_packages = venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    site_packages /= "site-packages"
    assert (site_packages / "pipeline" / "__init__.py").exists()
    dependencies = dict.fromkeys(sysconfig.get_path(name) for name in ("purelib", "platlib"))
    (site_packages / "dependencies.pth").write_text("".join(f"{path}\n" for path in dependencies))
    # The project folder the Docker image has: the sample data, and nothing of the checkout.
    project_dir = tmp_path / "project"
    shutil.copytree(REPO_ROOT / "data", project_dir / "data")
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("PIPELINE_") and name not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    report_path = tmp_path / "report.json"
    checks = subprocess.run(
        [python, "-c", CHECKS_IN_THE_SCRATCH_VIRTUALENV,
         str(project_dir), str(report_path)],
        cwd=project_dir,
        env={**environment, "PYTHONNOUSERSITE": "1", "TF_USE_LEGACY_KERAS": "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    assert checks.returncode == 0, checks.stderr[-5000:]
    report = json.loads(report_path.read_text())

    # The project is the installed one, not the checkout.
    assert all(is_under(path, site_packages) for path in report["package_files"].values())
    assert report["editable_finders"] == []
    holding_the_packages = [
        path
        for path in report["sys_path"]
        if any((project_dir / path / package / "__init__.py").exists() for package in PACKAGES)
    ]
    assert [pathlib.Path(path).resolve() for path in holding_the_packages] == [
        site_packages.resolve()
    ]
    # Every dotted path of the spec resolves, the project's own from the installed package.
    own_code = [
        source
        for path, source in [*report["executors"].items(), *report["modules"].items()]
        + [(path, source) for _, _, path, source in report["user_code"]]
        if path.split(".")[0] in PACKAGES
    ]
    assert any(path.startswith("components.") for path in report["executors"])
    assert {"run_fn", "preprocessing_fn"} <= {name for _, name, _, _ in report["user_code"]}
    assert own_code and all(is_under(source, site_packages) for source in own_code)

    # The installed DAG file: without a project folder it names the variable to set; with one,
    # every path of the DAG is in it.
    assert is_under(report["dag_file"], site_packages)
    assert report["error_without_the_folder"], "the DAG file loaded without a project folder"
    assert report["error_without_the_folder"].startswith("BadInputError: ")
    assert "set PIPELINE_PROJECT_DIR" in report["error_without_the_folder"]
    assert report["data_root"] == str(project_dir / "data" / "iris")
    dag_paths = report["dag_paths"]
    assert dag_paths["CsvExampleGen.input_base.0"] == str(project_dir / "data" / "iris")
    assert dag_paths["pipeline_root"] == str(project_dir / "outputs" / "tfx")
    outside = {name: path for name, path in dag_paths.items() if not is_under(path, project_dir)}
    assert outside == {}
