"""Running the real pipeline as a user does (`python local_runner.py ...`) and collecting
what the run left behind, for the end-to-end tests."""

import collections
import dataclasses
import json
import pathlib
import subprocess
import sys

REPO_ROOT = pathlib.Path(__file__).resolve().parent.parent


@dataclasses.dataclass
class Run:
    """One `python local_runner.py` process and what it left behind."""

    returncode: int
    stdout: str
    summary: dict
    executions_per_node: dict[str, int]  # in the whole ML Metadata store, right after the run
    states: dict[str, str]  # node -> execution state in this run


def run_pipeline(output_dir: pathlib.Path, *flags: str, project: pathlib.Path = REPO_ROOT) -> Run:
    """`python local_runner.py` of `project` (a checkout: its `components` and `pipeline` are the
    ones imported) on `output_dir`, with `flags`."""
    runs_so_far = len(list(output_dir.parent.glob("summary-*.json")))
    summary_path = output_dir.parent / f"summary-{runs_so_far}.json"
    process = subprocess.run(
        [
            sys.executable,
            "local_runner.py",
            "--output-dir",
            str(output_dir),
            "--summary-json",
            str(summary_path),
            *flags,
        ],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    from pipeline.records.metadata import open_store  # here: the conftest stays light

    summary = json.loads(summary_path.read_text())
    executions = collections.Counter()
    metadata_path = output_dir / "metadata.sqlite"
    store_contexts = []
    if metadata_path.exists():  # a refused first run leaves none
        store = open_store(str(metadata_path))
        store_contexts = store.get_contexts_by_type("node")
    for context in store_contexts:
        executions[context.name.split(".", 1)[1]] += len(
            store.get_executions_by_context(context.id)
        )
    states = {node: result["state"] for node, result in summary["nodes"].items()}
    return Run(process.returncode, process.stdout, summary, dict(executions), states)
