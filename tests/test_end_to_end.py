"""The real pipeline, run as a user runs it (`python local_runner.py ...`), checked through
its summary, ML Metadata and the pushed SavedModel loaded fresh from disk."""

import csv
import json
import pathlib
import re
import subprocess
import sys
import time

import pytest
import tensorflow as tf

from pipeline.records.metadata import (
    OUTPUT_EVENTS,
    artifacts_by_key,
    node_executions,
    open_store,
)
from tests.conftest import (
    CURATED_SCHEMA,
    DEFAULT_NODES,
    IRIS_FEATURES,
    IRIS_SPEC,
    REPO_ROOT,
    serialized_examples,
)
from tests.pipeline_runs import run_pipeline

pytestmark = pytest.mark.e2e

# What runs again once the first run's model is served: it is the new baseline.
COMPARED_WITH_THE_SERVED_MODEL = {"ServingBaseline", "ValidationGate", "Evaluator", "Pusher"}
SPECIES = {"setosa", "versicolor", "virginica"}


def test_run_succeeds_with_every_node_complete(first_run):
    assert first_run.returncode == 0, first_run.stdout
    assert first_run.summary["status"] == "succeeded"
    assert first_run.states == {node: "COMPLETE" for node in DEFAULT_NODES}


def test_every_node_executed_exactly_once_in_ml_metadata(first_run):
    assert first_run.executions_per_node == {node: 1 for node in DEFAULT_NODES}


def test_terminal_shows_progress_and_summary_but_not_tensorflow_logs(first_run, output_dir):
    for node in DEFAULT_NODES:
        assert re.search(rf"▸ {node} …", first_run.stdout)
        assert re.search(rf"✓ {node}\s+done\s+\d+\.\d s", first_run.stdout)
    assert "Blessed: yes" in first_run.stdout
    assert f"python -m pipeline inspect --output-dir {output_dir}" in first_run.stdout
    assert "tensorflow/core" not in first_run.stdout
    log_file = pathlib.Path(first_run.summary["log_file"])
    assert log_file.parent == output_dir / "logs"
    assert "Component Trainer is finished." in log_file.read_text()


def test_no_anomalies_on_the_sample_data(first_run):
    assert first_run.summary["anomalies"] == []


def test_model_is_evaluated_overall_per_class_and_per_species(first_run):
    metrics = first_run.summary["metrics"]
    assert metrics["accuracy"] >= 0.9
    assert metrics["example_count"] > 30
    assert set(metrics["per_class"]) == SPECIES
    for per_class in metrics["per_class"].values():
        assert 0.8 <= per_class["precision"] <= 1.0
        assert 0.8 <= per_class["recall"] <= 1.0
    assert set(metrics["slices"]) == {f"species={name}" for name in SPECIES}
    slice_counts = sum(s["example_count"] for s in metrics["slices"].values())
    assert slice_counts == metrics["example_count"]
    assert_recall_is_accuracy_on_the_species_slice(metrics)


def assert_recall_is_accuracy_on_the_species_slice(metrics: dict) -> None:
    """Both count the rows of a species whose highest-probability class is that species."""
    for name in SPECIES:
        recall = metrics["per_class"][name]["recall"]
        assert recall == pytest.approx(metrics["slices"][f"species={name}"]["accuracy"], abs=1e-6)


def test_model_is_blessed_and_pushed_to_a_versioned_directory(first_run, output_dir):
    assert first_run.summary["blessed"] is True
    assert "accuracy" in first_run.summary["blessing_reason"]
    pushed = pathlib.Path(first_run.summary["pushed_model"])
    assert pushed.parent == output_dir / "serving_model" / "iris"
    assert pushed.name.isdigit()
    assert (pushed / "saved_model.pb").exists()


def test_pushed_model_classifies_the_raw_rows_by_species_name(first_run, iris_rows):
    model = tf.saved_model.load(first_run.summary["pushed_model"])
    outputs = model.signatures["serving_default"](examples=serialized_examples(iris_rows))
    names = [name.decode() for name in outputs["class_name"].numpy()]
    assert set(names) <= SPECIES
    correct = sum(name == row["species"] for name, row in zip(names, iris_rows, strict=True))
    assert correct / len(iris_rows) >= 0.9
    probabilities = outputs["probabilities"].numpy()
    assert probabilities.shape == (150, 3)
    assert probabilities.sum(axis=1) == pytest.approx([1.0] * 150, abs=1e-5)
    assert (probabilities.argmax(axis=1) == outputs["class_index"].numpy()).all()


def test_cached_rerun_reexecutes_only_what_must(first_run, cached_reruns):
    second, third = cached_reruns
    assert second.returncode == 0, second.stdout
    # The first run's model is now served, and so the baseline: the drift and the model are
    # compared with it, once. Nothing is trained again.
    assert second.states == {
        node: "COMPLETE" if node in COMPARED_WITH_THE_SERVED_MODEL else "CACHED"
        for node in DEFAULT_NODES
    }
    # The Pusher found that model already served: no second version, so no new baseline.
    assert second.summary["pushed_model"] == first_run.summary["pushed_model"]
    # After that nothing changed at all: every node is a cache hit.
    assert third.returncode == 0, third.stdout
    assert third.states == {node: "CACHED" for node in DEFAULT_NODES}
    assert third.executions_per_node["Trainer"] == 3  # all three runs record a Trainer execution
    assert third.summary["metrics"]["accuracy"] == second.summary["metrics"]["accuracy"]


def test_retraining_is_deterministic_and_compared_with_the_blessed_model(
    first_run, cached_reruns, output_dir
):
    rerun = run_pipeline(output_dir, "--no-cache")
    assert rerun.returncode == 0, rerun.stdout
    assert set(rerun.states.values()) == {"COMPLETE"}
    # Same data, same config, same seed: the same model quality, to the last digit.
    first, again = first_run.summary["metrics"], rerun.summary["metrics"]
    assert first["baseline"] is None
    assert again["baseline"]["accuracy"] == first["accuracy"]
    assert again["baseline"]["accuracy_change"] == 0.0
    assert again["baseline"]["changes"]["sparse_categorical_accuracy"] == 0.0
    assert {**again, "baseline": None} == first
    assert rerun.summary["blessed"] is True
    assert rerun.summary["blessing_reason"] == (
        "passed sparse_categorical_accuracy >= 0.9 (overall: "
        f"{rerun.summary['metrics']['accuracy']:.4f}); sparse_categorical_accuracy drops by at "
        "most 0 (overall: +0.0000)"
    )
    assert rerun.summary["pushed_model"] != first_run.summary["pushed_model"]


@pytest.mark.long
def test_a_model_below_the_threshold_is_not_blessed_and_not_pushed(tmp_path):
    # 20 steps cannot classify every eval row; a threshold of 1.0 demands exactly that.
    run = run_pipeline(tmp_path / "outputs", "--train-steps", "20", "--accuracy-threshold", "1.0")
    assert run.returncode == 0, run.stdout  # a model not good enough is not a failed run
    assert run.states == {node: "COMPLETE" for node in DEFAULT_NODES}
    assert run.summary["metrics"]["accuracy"] < 1.0
    # Undertrained, probabilities are spread out: per-class metrics must still follow argmax.
    assert_recall_is_accuracy_on_the_species_slice(run.summary["metrics"])
    assert run.summary["blessed"] is False
    accuracy = run.summary["metrics"]["accuracy"]
    assert run.summary["blessing_reason"] == (
        f"sparse_categorical_accuracy {accuracy:.4f} < 1 (overall)"
    )
    assert run.summary["pushed_model"] is None
    assert not (tmp_path / "outputs" / "serving_model").exists()
    assert "Blessed: no" in run.stdout
    # inspect names the threshold that decided it.
    inspected = subprocess.run(
        [sys.executable, "-m", "pipeline", "inspect", "--output-dir", str(tmp_path / "outputs"),
         "--json"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600, check=True,
    )  # fmt: skip
    record = json.loads(inspected.stdout)
    assert [
        (t["requirement"], t["value"], t["passed"]) for t in record["blessing"]["thresholds"]
    ] == [("sparse_categorical_accuracy >= 1", accuracy, False)]
    assert record["blessing"]["blessed"] is False
    assert record["pushed_model"] is None


@pytest.mark.long
def test_failing_node_is_named_and_the_run_exits_non_zero(tmp_path, iris_rows):
    data_root = tmp_path / "data"
    data_root.mkdir()
    columns = [*IRIS_FEATURES[:3], IRIS_SPEC.label]  # petal_width is gone
    lines = [",".join(columns)] + [",".join(row[c] for c in columns) for row in iris_rows]
    (data_root / "iris.csv").write_text("\n".join(lines) + "\n")
    flags = ["--data-root", str(data_root), "--schema", str(CURATED_SCHEMA)]
    gated = run_pipeline(tmp_path / "outputs", *flags)
    # The gate sees the missing column first.
    assert gated.returncode == 1
    assert gated.summary["failed_node"] == "ValidationGate"
    assert {a["feature"] for a in gated.summary["anomalies"]} == {"petal_width"}
    assert "petal_width" in gated.summary["error"]

    # Let that through, and Transform, which needs the column, is the node that fails.
    kinds = {kind for a in gated.summary["anomalies"] for kind in a["kind"].split(", ")}
    allow = [flag for kind in sorted(kinds) for flag in ("--allow-anomaly", kind)]
    run = run_pipeline(tmp_path / "outputs", *flags, *allow)
    assert run.returncode == 1
    assert run.summary["status"] == "failed"
    assert run.summary["failed_node"] == "Transform"
    assert "petal_width" in run.summary["error"]
    assert run.states["Transform"] == "FAILED"
    assert run.states["Trainer"] == "NOT_RUN"
    assert run.summary["pushed_model"] is None
    assert "FAILED at Transform" in run.stdout


@pytest.mark.long
def test_tuner_best_hyperparameters_reach_the_trainer(tmp_path):
    # Short training: this checks the Tuner -> Trainer path with tf-keras, not model quality.
    run = run_pipeline(
        tmp_path / "outputs", "--tuner", "--train-steps", "100", "--accuracy-threshold", "0"
    )
    assert run.returncode == 0, run.stdout
    assert run.states["Tuner"] == "COMPLETE"
    assert run.states["Trainer"] == "COMPLETE"

    store = open_store(str(tmp_path / "outputs" / "metadata.sqlite"))
    executions = node_executions(store, run.summary["run_id"], run.summary["pipeline_name"])
    best_uri = output_uri(store, executions["Tuner"], "best_hyperparameters")
    best = json.loads((pathlib.Path(best_uri) / "best_hyperparameters.txt").read_text())["values"]
    model_run_uri = output_uri(store, executions["Trainer"], "model_run")
    used = json.loads((pathlib.Path(model_run_uri) / "hyperparameters.json").read_text())
    assert used["hidden_units"] == [best["units_0"], best["units_1"]]
    assert used["learning_rate"] == best["learning_rate"]
    assert run.summary["pushed_model"] is not None


def output_uri(store, execution, key: str) -> str:
    """The URI of an execution's (single) output artifact under `key`."""
    return artifacts_by_key(store, execution, OUTPUT_EVENTS)[key][0].uri


def predict_cli(*flags: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "predict", *flags],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_predict_classifies_the_iris_csv_with_the_latest_pushed_model(
    first_run, output_dir, tmp_path
):
    predictions_path = tmp_path / "predictions.csv"
    process = predict_cli(
        "--output-dir",
        str(output_dir),
        "--input",
        str(REPO_ROOT / "data" / "iris" / "iris.csv"),
        "--output",
        str(predictions_path),
    )
    assert process.returncode == 0, process.stderr
    with predictions_path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(row["line"]) for row in rows] == list(range(2, 152))
    assert {row["class_name"] for row in rows} == SPECIES
    assert sum(row["class_name"] == row["label"] for row in rows) / len(rows) >= 0.9
    for row in rows:
        total = sum(float(row[f"probability_{name}"]) for name in SPECIES)
        assert total == pytest.approx(1.0, abs=1e-4)
        best = max(SPECIES, key=lambda name: float(row[f"probability_{name}"]))
        assert best == row["class_name"]
    assert "150 rows predicted" in process.stderr
    assert "match the label column" in process.stderr


def test_predict_names_the_bad_row_or_skips_it(first_run, output_dir, tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text(
        "sepal_length,sepal_width,petal_length,petal_width\n"
        "5.1,3.5,1.4,0.2\n5.0,abc,1.4,0.2\n6.3,3.3,6.0,2.5\n"
    )
    refused = predict_cli(
        "--output-dir", str(output_dir), "--input", str(rows), "--output", str(tmp_path / "out.csv")
    )
    assert refused.returncode == 2
    assert f"{rows} line 3, field 'sepal_width': 'abc' is not a number" in refused.stderr
    assert not (tmp_path / "out.csv").exists()  # nothing half-written

    skipped = predict_cli(
        "--output-dir",
        str(output_dir),
        "--input",
        str(rows),
        "--output",
        str(tmp_path / "out.jsonl"),
        "--skip-bad-rows",
    )
    assert skipped.returncode == 0, skipped.stderr
    predictions = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [(p["line"], p["class_name"]) for p in predictions] == [(2, "setosa"), (4, "virginica")]
    assert "skipped: " in skipped.stderr and "line 3, field 'sepal_width'" in skipped.stderr


@pytest.mark.long
def test_a_second_run_on_the_same_output_dir_is_refused_at_once(tmp_path):
    output_dir = tmp_path / "outputs"
    command = [sys.executable, "local_runner.py", "--output-dir", str(output_dir)]
    first = subprocess.Popen(
        [*command, "--train-steps", "100"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lock = output_dir / ".run.lock"
    deadline = time.monotonic() + 120
    while not (lock.exists() and lock.read_text().startswith(f"pid {first.pid},")):
        assert time.monotonic() < deadline, "the first run never took the output directory"
        assert first.poll() is None, first.stdout.read()
        time.sleep(0.2)

    second = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    first_still_running = first.poll() is None
    first_output, _ = first.communicate(timeout=1200)

    assert second.returncode == 2
    assert f"error: another run is using {output_dir} (pid {first.pid}, started" in second.stderr
    assert first_still_running  # refused at once, not after waiting for the first run
    assert first.returncode == 0, first_output
    store = open_store(str(output_dir / "metadata.sqlite"))
    assert len(store.get_contexts_by_type("pipeline_run")) == 1  # the refused run left nothing


@pytest.mark.long
def test_the_validation_gate_stops_bad_data_before_transform_and_keeps_the_served_model(
    tmp_path, iris_rows
):
    output_dir = tmp_path / "outputs"
    good = run_pipeline(output_dir)
    assert good.returncode == 0, good.stdout
    served = good.summary["pushed_model"]

    # A unit change: petal_length in millimetres, ten times the curated schema's range.
    bad_data = tmp_path / "bad"
    bad_data.mkdir()
    with (bad_data / "iris.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(iris_rows[0]))
        writer.writeheader()
        writer.writerows(
            {**row, "petal_length": f"{float(row['petal_length']) * 10:.1f}"} for row in iris_rows
        )
    # Named: data from another folder would otherwise start a pipeline of its own.
    same_pipeline = ("--pipeline-name", "iris")
    bad = run_pipeline(
        output_dir, *same_pipeline, "--data-root", str(bad_data), "--schema", str(CURATED_SCHEMA)
    )

    assert bad.returncode == 1
    assert bad.summary["failed_node"] == "ValidationGate"
    assert bad.states["ValidationGate"] == "FAILED"
    for node in ("Transform", "Trainer", "Evaluator", "Pusher"):
        assert bad.states[node] == "NOT_RUN", node
    assert {(a["split"], a["feature"], a["kind"]) for a in bad.summary["anomalies"]} == {
        ("train", "petal_length", "FLOAT_TYPE_BIG_FLOAT"),
        ("eval", "petal_length", "FLOAT_TYPE_BIG_FLOAT"),
    }
    # ExampleValidator's two, and drift from the good data in both splits.
    assert "FAILED at ValidationGate: AnomaliesFoundError: 4 anomalies in the data" in bad.stdout
    assert "[train] petal_length: FLOAT_TYPE_BIG_FLOAT: Unexpectedly high value" in bad.stdout
    assert (
        "[train] petal_length: COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH: The approximate "
        "Jensen-Shannon divergence between current and previous is 1 "
    ) in bad.stdout
    # Nothing was pushed: the good model is still the latest, and still serves.
    versions = sorted((output_dir / "serving_model" / "iris").iterdir())
    assert [str(v) for v in versions] == [served]
    model = tf.saved_model.load(served)
    names = model.signatures["serving_default"](examples=serialized_examples(iris_rows[:3]))
    assert [n.decode() for n in names["class_name"].numpy()] == [
        r["species"] for r in iris_rows[:3]
    ]

    # Letting those kinds through is an explicit choice, and then the run goes on. (The bad
    # data has also drifted from the good data before it.)
    allowed = run_pipeline(
        output_dir,
        *same_pipeline,
        "--data-root", str(bad_data),
        "--schema", str(CURATED_SCHEMA),
        "--allow-anomaly", "FLOAT_TYPE_BIG_FLOAT",
        "--allow-anomaly", "COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH",
        "--train-steps", "50",
        "--accuracy-threshold", "1.0",
    )  # fmt: skip
    assert allowed.states["ValidationGate"] == "COMPLETE"
    assert allowed.states["Trainer"] == "COMPLETE"
    assert len(allowed.summary["anomalies"]) == 2
