"""The Dockerfile cannot be built here (no Docker engine), so check it stays consistent with
the lock, the Makefile and the packages the compiled spec imports."""

import re
import tomllib

import pytest

from pipeline.config import PipelineConfig
from tests.conftest import REPO_ROOT

DOCKERFILE = (REPO_ROOT / "Dockerfile").read_text()


def instructions(name: str) -> list[str]:
    """The arguments of every `name` instruction, continuation lines joined."""
    joined = DOCKERFILE.replace("\\\n", " ")
    return [m.group(1).strip() for m in re.finditer(rf"^{name}\s+(.*)$", joined, re.MULTILINE)]


def test_base_is_debian_12_with_the_python_the_lock_is_for():
    (base,) = instructions("FROM")
    assert base.endswith("-slim-bookworm")
    python_version = re.match(r"python:(\d+\.\d+)\.\d+-", base).group(1)
    requires = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"][
        "requires-python"
    ]
    assert requires == f">={python_version},<3.{int(python_version.split('.')[1]) + 1}"
    assert "--python-version 3.11" in (REPO_ROOT / "requirements.lock").read_text()


def test_installs_the_lock_exactly_as_the_makefile_does():
    makefile = (REPO_ROOT / "Makefile").read_text()
    uv_version = re.search(r"^UV_VERSION := (\S+)$", makefile, re.MULTILINE).group(1)
    run = " ".join(instructions("RUN"))
    assert f"uv=={uv_version}" in run
    assert "--no-deps --require-hashes" in run and "-r requirements.lock" in run
    assert "requirements.lock ./" in instructions("COPY")


def test_keras_2_is_configured_as_in_local_runs():
    (env,) = instructions("ENV")
    assert "TF_USE_LEGACY_KERAS=1" in env


@pytest.mark.parametrize("package", ["pipeline", "components"])
def test_every_package_the_spec_imports_is_copied_and_installed(package):
    assert f"{package} ./{package}" in instructions("COPY")
    assert (REPO_ROOT / package / "__init__.py").exists()
    assert instructions("RUN")[-1].endswith(" .")  # the project itself, not editable


def test_the_default_data_and_schema_are_inside_the_image():
    (workdir,) = instructions("WORKDIR")
    assert "data ./data" in instructions("COPY")
    defaults = PipelineConfig()
    assert (REPO_ROOT / defaults.data_root / "iris.csv").exists()
    assert (REPO_ROOT / defaults.schema_path).exists()
    assert workdir == "/pipeline"
    assert "data" not in (REPO_ROOT / ".dockerignore").read_text().split()


def test_beams_worker_boot_is_the_entrypoint_of_the_locks_beam_and_python():
    beam_version = re.search(
        r"^apache-beam==(\S+) ", (REPO_ROOT / "requirements.lock").read_text(), re.MULTILINE
    ).group(1)
    (base,) = instructions("FROM")
    python_version = re.match(r"python:(\d+\.\d+)\.\d+-", base).group(1)
    boot = f"--from=apache/beam_python{python_version}_sdk:{beam_version} /opt/apache/beam"
    assert f"{boot} /opt/apache/beam" in instructions("COPY")
    assert instructions("ENTRYPOINT") == ['["/opt/apache/beam/boot"]']
    # Kubeflow's tasks replace the entrypoint with a command of their own.
    spec = (REPO_ROOT / "tests" / "golden" / "kubeflow_pipeline.yaml").read_text()
    assert spec.count("- pipeline.runners.kubeflow_entrypoint") == spec.count("image:") > 0
