"""The spec `compile-kubeflow` writes for open-source Kubeflow Pipelines, run as compiled, task
by task, with kfp.local (tests/kubeflow_local.py): a first run pushes a model; a run on bad data
stops at the ValidationGate and changes nothing served; a run on the first data again compares
its data and its model with the served ones, and pushes a second version."""

import csv
import hashlib
import os
import pathlib
import subprocess
import sys

import pytest

from tests.conftest import CURATED_SCHEMA, DEFAULT_NODES, IRIS_CSV, IRIS_SPEC, REPO_ROOT
from tests.kubeflow_local import (
    FAILED,
    SUCCEEDED,
    PipelineTaskFailedError,
    kfp_local_internals_changed,
    run_compiled_pipeline,
)

# Three runs of about 6, 3 and 6 minutes: in make test-long (and make kubeflow-test), so that
# make test stays within its budget.
pytestmark = [pytest.mark.e2e, pytest.mark.kubeflow, pytest.mark.long]

PIPELINE_NAME = "kfp-local"
# What the ValidationGate stops: nothing after it runs.
DOWNSTREAM_OF_THE_GATE = ("Transform", "Trainer", "Evaluator", "Pusher")
TRAINING_STATISTICS = pathlib.Path("assets.extra", "training_statistics")
# The bad data: sepal_length in millimetres, ten times the curated schema's range (3-9 cm).
BAD_COLUMN = "sepal_length"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> dict[str, pathlib.Path]:
    """A copy of the sample data, the same rows with one column out of range, and where the
    runs write (one pipeline root, one serving directory)."""
    root = tmp_path_factory.mktemp("kubeflow_local")
    places = {
        "data": root / "data",
        "bad_data": root / "bad_data",
        "pipeline_root": root / "root",
        "serving": root / "serving",
        "spec": root / "pipeline.yaml",
    }
    places["data"].mkdir()
    (places["data"] / IRIS_CSV.name).write_bytes(IRIS_CSV.read_bytes())
    places["bad_data"].mkdir()
    with IRIS_CSV.open(newline="") as source:
        rows = list(csv.DictReader(source))
    with (places["bad_data"] / IRIS_CSV.name).open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({**row, BAD_COLUMN: f"{float(row[BAD_COLUMN]) * 10:.1f}"} for row in rows)
    return places


@pytest.fixture(scope="module")
def compiled_spec(workspace) -> pathlib.Path:
    """The open-source KFP spec, compiled once by the CLI, with this machine's paths."""
    process = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "compile-kubeflow",
            "--output",
            str(workspace["spec"]),
            "--pipeline-name",
            PIPELINE_NAME,
            "--pipeline-root",
            str(workspace["pipeline_root"]),
            "--data-root",
            str(workspace["data"]),
            "--schema",
            str(CURATED_SCHEMA),
            "--serving-root",
            str(workspace["serving"]),
        ],  # fmt: skip
        cwd=REPO_ROOT,
        env={**os.environ, "TF_USE_LEGACY_KERAS": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert process.returncode == 0, process.stdout + process.stderr
    return workspace["spec"]


@pytest.fixture(scope="module")
def first_run(compiled_spec, workspace):
    run = run_compiled_pipeline(compiled_spec, cwd=REPO_ROOT)
    return run, serving_files(workspace["serving"])


@pytest.fixture(scope="module")
def bad_data_run(first_run, compiled_spec, workspace):
    """(the gate's failure, the serving directory's files after it)."""
    with pytest.raises(PipelineTaskFailedError) as failure:
        run_compiled_pipeline(
            compiled_spec, arguments={"data_root": str(workspace["bad_data"])}, cwd=REPO_ROOT
        )
    return failure.value, serving_files(workspace["serving"])


@pytest.fixture(scope="module")
def rerun(bad_data_run, compiled_spec):
    """The first data again, after the bad data's run."""
    return run_compiled_pipeline(compiled_spec, cwd=REPO_ROOT)


def serving_files(serving_dir: pathlib.Path) -> dict[str, str]:
    """Every file under `serving_dir`, by relative path, with its SHA-256."""
    return {
        str(path.relative_to(serving_dir)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(serving_dir.rglob("*"))
        if path.is_file()
    }


def versions(files: dict[str, str]) -> list[str]:
    return sorted({path.split(os.sep, 1)[0] for path in files})


def artifact_dir(task, key: str) -> pathlib.Path:
    return pathlib.Path(task.outputs[key].uri)


def read_metrics(run) -> dict:
    from pipeline.records.evaluation_results import read_metrics as read_evaluation

    return read_evaluation(
        str(artifact_dir(run.tasks["Evaluator"], "evaluation")), list(IRIS_SPEC.label_classes)
    )


def test_kfp_local_has_what_the_runner_patches():
    assert kfp_local_internals_changed() == []


def test_an_argument_the_spec_has_no_parameter_for_is_refused_before_anything_runs(
    compiled_spec, workspace
):
    before = sorted(workspace["pipeline_root"].rglob("*"))
    with pytest.raises(ValueError, match=r"\['data_rot'\]: pipeline kfp-local has no such"):
        run_compiled_pipeline(compiled_spec, arguments={"data_rot": "x"}, cwd=REPO_ROOT)
    assert sorted(workspace["pipeline_root"].rglob("*")) == before


def test_first_run_runs_every_task_of_the_spec_in_the_spec_root(first_run, workspace):
    run, _ = first_run
    assert set(run.all_tasks) == DEFAULT_NODES
    assert run.states == {task: SUCCEEDED for task in DEFAULT_NODES}
    assert run.not_run == ()
    # The spec's defaultPipelineRoot, as a run that names no root; data_root its default.
    assert run.run_dir.parent == workspace["pipeline_root"] / "tfx"
    assert run.arguments["data_root"] == str(workspace["data"])
    assert run.tasks["CsvExampleGen"].inputs["input_base"] == str(workspace["data"])
    # What kfp.local leaves out, said rather than skipped: ExampleGen's driver hook.
    assert (
        "CsvExampleGen: lifecycle.preCacheCheck "
        "(python -m tfx.orchestration.kubeflow.v2.file_based_example_gen.driver) not run"
    ) in run.not_honoured


def test_first_run_finds_nothing_served_and_blesses_on_the_threshold_alone(first_run):
    run, _ = first_run
    baseline = run.tasks["ServingBaseline"].outputs
    assert baseline["model"].metadata["served_version"] == ""
    assert baseline["statistics"].metadata["served_version"] == ""
    assert not artifact_dir(run.tasks["ServingBaseline"], "statistics").exists()
    metrics = read_metrics(run)
    assert metrics["baseline"] is None
    assert metrics["accuracy"] >= 0.9
    assert metrics["example_count"] > 0
    blessing = run.tasks["Evaluator"].outputs["blessing"]
    assert blessing.metadata["blessed"] == 1
    assert "baseline_model" not in blessing.metadata
    assert (pathlib.Path(blessing.uri) / "BLESSED").exists()


def test_first_run_pushes_one_version_with_its_training_statistics(first_run, workspace):
    run, files = first_run
    [version] = versions(files)
    assert version.isdigit()
    pushed = run.tasks["Pusher"].outputs["pushed_model"].metadata
    assert pushed["pushed"] == 1
    assert pushed["pushed_version"] == version
    assert pushed["pushed_destination"] == str(workspace["serving"] / version)
    version_dir = workspace["serving"] / version
    assert (version_dir / "saved_model.pb").exists()
    # The statistics of the data that passed the gate, kept for the next run's drift check.
    gate_statistics = artifact_dir(run.tasks["ValidationGate"], "validated_statistics")
    for split in ("train", "eval"):
        kept = version_dir / TRAINING_STATISTICS / f"Split-{split}" / "FeatureStats.pb"
        assert (
            kept.read_bytes()
            == (gate_statistics / f"Split-{split}" / "FeatureStats.pb").read_bytes()
        )
    record = (version_dir / "assets.extra" / "push_record.json").read_text()
    assert str(artifact_dir(run.tasks["Trainer"], "model")) in record


def test_pushed_model_classifies_the_sample_rows(first_run, workspace, iris_rows):
    import tensorflow as tf

    from tests.conftest import serialized_examples

    _, files = first_run
    [version] = versions(files)
    model = tf.saved_model.load(str(workspace["serving"] / version))
    outputs = model.signatures["serving_default"](examples=serialized_examples(iris_rows))
    names = [name.decode() for name in outputs["class_name"].numpy()]
    correct = sum(name == row["species"] for name, row in zip(names, iris_rows, strict=True))
    assert correct / len(iris_rows) >= 0.9


def test_bad_data_fails_at_the_gate_and_nothing_after_it_runs(bad_data_run, workspace):
    failure, _ = bad_data_run
    run = failure.run
    assert run.failed_task.name == "ValidationGate"
    assert "task ValidationGate failed" in str(failure)
    # The argument overrode the data root's default.
    assert run.arguments["data_root"] == str(workspace["bad_data"])
    assert run.tasks["CsvExampleGen"].inputs["input_base"] == str(workspace["bad_data"])
    assert run.states["ValidationGate"] == FAILED
    assert {state for task, state in run.states.items() if task != "ValidationGate"} == {SUCCEEDED}
    for task in DOWNSTREAM_OF_THE_GATE:
        assert task not in run.tasks, task
        assert task in run.not_run, task
    assert not (run.run_dir / "Transform").exists()


def test_bad_data_gate_names_the_anomalies_and_the_drift_from_the_served_data(bad_data_run):
    failure, _ = bad_data_run
    log = failure.run.failed_task.log_path.read_text()
    assert "AnomaliesFoundError: 4 anomalies in the data" in log
    for split in ("train", "eval"):
        assert f"[{split}] {BAD_COLUMN}: FLOAT_TYPE_BIG_FLOAT: Unexpectedly high value" in log
        # Drift: measured against the statistics kept beside the served (first) version.
        assert (
            f"[{split}] {BAD_COLUMN}: COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH: The approximate "
            "Jensen-Shannon divergence between current and previous is 1 "
        ) in log


def test_bad_data_leaves_the_serving_directory_unchanged(first_run, bad_data_run):
    _, files_after_first = first_run
    _, files_after_bad = bad_data_run
    assert files_after_bad == files_after_first
    assert len(versions(files_after_bad)) == 1


def test_rerun_baseline_is_the_first_runs_served_version(first_run, rerun, workspace):
    first, files = first_run
    [first_version] = versions(files)
    assert rerun.states == {task: SUCCEEDED for task in DEFAULT_NODES}
    baseline = rerun.tasks["ServingBaseline"]
    for key in ("model", "statistics"):
        assert baseline.outputs[key].metadata["served_version"] == first_version
        assert baseline.outputs[key].metadata["served_path"] == str(
            workspace["serving"] / first_version
        )
        assert baseline.outputs[key].metadata["pushed_from_model_uri"] == str(
            artifact_dir(first.tasks["Trainer"], "model")
        )
    copied_model = artifact_dir(baseline, "model") / "Format-Serving" / "saved_model.pb"
    served_model = workspace["serving"] / first_version / "saved_model.pb"
    assert copied_model.read_bytes() == served_model.read_bytes()


def test_rerun_gate_is_given_the_served_versions_training_statistics(first_run, rerun, workspace):
    from components.artifact_files import read_split_statistics

    _, files = first_run
    [first_version] = versions(files)
    given = rerun.tasks["ValidationGate"].inputs["baseline_statistics"]
    assert given.uri == rerun.tasks["ServingBaseline"].outputs["statistics"].uri
    baseline = read_split_statistics(given.uri)
    kept = read_split_statistics(str(workspace["serving"] / first_version / TRAINING_STATISTICS))
    assert set(baseline) == {"train", "eval"}
    assert baseline == kept
    train_rows = baseline["train"].datasets[0].num_examples
    eval_rows = baseline["eval"].datasets[0].num_examples
    assert train_rows > 0 and eval_rows > 0 and train_rows + eval_rows == 150


def test_rerun_evaluator_compares_with_the_served_model_and_blesses(first_run, rerun):
    import tensorflow_model_analysis as tfma

    first, _ = first_run
    evaluator = rerun.tasks["Evaluator"]
    assert evaluator.inputs["baseline_model"].uri == (
        rerun.tasks["ServingBaseline"].outputs["model"].uri
    )
    metrics, first_metrics = read_metrics(rerun), read_metrics(first)
    # Same data, same seed: the same model, so the same accuracy, and no change against it.
    assert metrics["baseline"] is not None
    assert metrics["baseline"]["accuracy"] == first_metrics["accuracy"]
    assert metrics["accuracy"] == first_metrics["accuracy"]
    assert metrics["baseline"]["accuracy_change"] == 0.0
    validation = tfma.load_validation_result(str(artifact_dir(evaluator, "evaluation")))
    assert validation.validation_ok
    assert not validation.missing_thresholds
    blessing = evaluator.outputs["blessing"]
    assert blessing.metadata["blessed"] == 1
    assert (
        blessing.metadata["baseline_model"] == rerun.tasks["ServingBaseline"].outputs["model"].uri
    )


def test_rerun_pushes_a_second_version_beside_the_first(first_run, rerun, workspace):
    _, files_after_first = first_run
    files = serving_files(workspace["serving"])
    [first_version] = versions(files_after_first)
    assert len(versions(files)) == 2
    [second_version] = [v for v in versions(files) if v != first_version]
    assert int(second_version) > int(first_version)
    assert rerun.tasks["Pusher"].outputs["pushed_model"].metadata["pushed_version"] == (
        second_version
    )
    # The first version is untouched.
    assert {
        path: digest for path, digest in files.items() if path.startswith(first_version + os.sep)
    } == (files_after_first)
    assert (workspace["serving"] / second_version / TRAINING_STATISTICS / "Split-train").is_dir()
