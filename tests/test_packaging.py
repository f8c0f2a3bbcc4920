"""The package as the Docker image installs it (a wheel, not this checkout) has what it needs."""

import subprocess
import sys
import zipfile

from tests.conftest import REPO_ROOT


def test_the_wheel_carries_the_report_template_and_every_module(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(tmp_path), str(REPO_ROOT)],
        check=True,
        cwd=tmp_path,
        timeout=300,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "pipeline/views/templates/report.html.jinja" in names
    modules = {
        path.relative_to(REPO_ROOT).as_posix()
        for package in ("pipeline", "components")
        for path in (REPO_ROOT / package).glob("*.py")
    }
    assert modules <= names
