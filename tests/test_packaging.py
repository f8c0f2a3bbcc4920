"""The package as the Docker image installs it (a wheel, not this checkout) has what it needs."""

import shutil
import subprocess
import sys
import zipfile

from tests.conftest import REPO_ROOT

# What the Dockerfile copies into the image before installing the project (and the license).
PACKAGES = ("pipeline", "components")
FILES = ("pyproject.toml", "README.md", "LICENSE")


def test_the_wheel_carries_the_report_template_every_module_and_nothing_else(tmp_path):
    # Built from a copy of the sources: setuptools reuses ./build, where a checkout keeps the
    # modules of older layouts, and would pack them into a wheel built in place.
    source = tmp_path / "source"
    for package in PACKAGES:
        shutil.copytree(
            REPO_ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    for name in FILES:
        shutil.copy(REPO_ROOT / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(tmp_path), str(source)],
        check=True,
        cwd=tmp_path,
        timeout=300,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "pipeline/views/templates/report.html.jinja" in names
    assert "iris_tfx_pipeline-0.1.0.dist-info/LICENSE" in names
    # Every module, sub-packages included (pipeline/runners, records, views, schemas, serving,
    # cli; each custom component's folder).
    modules = {
        path.relative_to(source).as_posix()
        for package in PACKAGES
        for path in (source / package).rglob("*.py")
    }
    assert {"pipeline/runners/local.py", "components/atomic_pusher/component.py"} <= modules
    assert sorted(modules - names) == [], "modules missing from the wheel"
    packed = {name for name in names if name.endswith(".py")}
    assert sorted(packed - modules) == [], "modules in the wheel that the sources do not have"
