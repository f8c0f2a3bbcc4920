"""Bring your own CSV, end to end: the Palmer penguins (missing values, text and whole-number
columns, a text label) and a generated churn table (a binary whole-number label with a known
signal) each go through the pipeline by naming the label only."""

import csv
import json
import os
import pathlib
import shlex
import subprocess
import sys

import pytest
from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2

from tests.datasets import (
    PENGUINS_DIR,
    best_possible_auc,
    penguins_csv_from_package,
    write_churn_dataset,
)
from tests.pipeline_runs import REPO_ROOT, Run, run_pipeline

# The generated churn table's labels are drawn from known probabilities, whose own AUC on the
# table is about 0.86 (best_possible_auc); a model that learnt the signal comes close.
CHURN_MIN_AUC = 0.80


def test_the_committed_penguins_are_the_packages_data_with_empty_missing_values():
    assert (PENGUINS_DIR / "penguins.csv").read_text() == penguins_csv_from_package()


@pytest.fixture(scope="module")
def penguins(tmp_path_factory) -> tuple[pathlib.Path, Run]:
    """The penguins, under a name that is not their folder's: every later command must be given
    that name, or find it as the only pipeline of the output directory."""
    output_dir = tmp_path_factory.mktemp("penguins") / "outputs"
    return output_dir, run_pipeline(
        output_dir,
        "--data-root", str(PENGUINS_DIR), "--label", "species", "--pipeline-name", "churn",
    )  # fmt: skip


@pytest.fixture(scope="module")
def churn_data(tmp_path_factory) -> pathlib.Path:
    return write_churn_dataset(tmp_path_factory.mktemp("churn") / "customer_churn").parent


@pytest.fixture(scope="module")
def churn(tmp_path_factory, churn_data) -> tuple[pathlib.Path, Run]:
    output_dir = tmp_path_factory.mktemp("churn") / "outputs"
    return output_dir, run_pipeline(
        output_dir, "--data-root", str(churn_data), "--label", "churned"
    )


def written_schema(output_dir: pathlib.Path, run: Run) -> dict[str, schema_pb2.Feature]:
    """The schema the pipeline of `run` kept."""
    pipeline_name = run.summary["pipeline_name"]
    text = (output_dir / "schema" / pipeline_name / "schema.pbtxt").read_text()
    return {f.name: f for f in text_format.Parse(text, schema_pb2.Schema()).feature}


def predict(output_dir: pathlib.Path, input_path: pathlib.Path, *flags: str) -> list[dict]:
    """`python -m pipeline predict` with the pushed model, as JSONL rows."""
    output = output_dir.parent / "predictions.jsonl"
    process = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "predict",
            "--output-dir",
            str(output_dir),
            "--input",
            str(input_path),
            "--output",
            str(output),
            *flags,
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert "0 skipped" in process.stderr
    return [json.loads(line) for line in output.read_text().splitlines()]


@pytest.mark.long
@pytest.mark.e2e
def test_penguins_reach_090_accuracy_by_naming_the_label(penguins):
    _, run = penguins
    assert run.returncode == 0, run.stdout
    metrics = run.summary["metrics"]
    assert metrics["accuracy"] >= 0.9
    assert metrics["example_count"] == pytest.approx(140)  # the eval split's third of 344
    assert set(metrics["per_class"]) == {"Adelie", "Chinstrap", "Gentoo"}
    assert run.summary["blessed"] and run.summary["pushed_model"]
    # Sliced by the first one-hot categorical feature, island.
    assert {"island=Biscoe", "island=Dream", "island=Torgersen"} <= set(metrics["slices"])


@pytest.mark.long
@pytest.mark.e2e
def test_penguins_schema_is_inferred_written_and_read_as_the_rules_say(penguins):
    output_dir, run = penguins
    assert f"kept as {output_dir / 'schema' / 'churn' / 'schema.pbtxt'}" in run.stdout
    assert run.summary["schema"]["origin"] == "inferred"
    for line in (
        "label species (string): Adelie, Chinstrap, Gentoo",
        "island: categorical, one_hot",
        "sex: categorical, one_hot",
        "year: categorical, one_hot",  # three whole numbers
        "bill_length_mm: numeric",
        "body_mass_g: numeric",  # whole numbers, but many
    ):
        assert line in run.stdout
    schema = written_schema(output_dir, run)
    assert list(schema["species"].not_in_environment) == ["SERVING"]
    year = schema["year"].int_domain
    assert (year.is_categorical, year.min, year.max) == (True, 2007, 2009)


@pytest.mark.long
@pytest.mark.e2e
def test_penguins_model_is_wide_and_deep_and_serves_rows_with_missing_values(penguins):
    import tensorflow as tf

    output_dir, run = penguins
    model = tf.saved_model.load(run.summary["pushed_model"])
    variables = {variable.name for variable in model.variables}
    assert any(name.startswith("wide_logits/") for name in variables)
    predictions = predict(output_dir, PENGUINS_DIR / "penguins.csv")
    assert len(predictions) == 344
    # Row 4 (CSV line 5) has only island and year: the model imputes the rest.
    assert predictions[3]["line"] == 5 and predictions[3]["class_name"] == "Adelie"
    correct = sum(p["class_name"] == p["label"] for p in predictions)
    assert correct / len(predictions) >= 0.9


@pytest.mark.long
@pytest.mark.e2e
def test_generated_churn_reaches_its_stated_auc(churn, churn_data):
    output_dir, run = churn
    assert run.returncode == 0, run.stdout
    # Not named: the pipeline is named after its data's folder, customer_churn.
    assert run.summary["pipeline_name"] == "customer-churn"
    pushed = pathlib.Path(run.summary["pushed_model"])
    assert pushed.parent == output_dir / "serving_model" / "customer-churn"
    metrics = run.summary["metrics"]
    assert best_possible_auc(churn_data / "churn.csv") == pytest.approx(0.86, abs=0.01)
    assert metrics["auc"] >= CHURN_MIN_AUC
    assert run.summary["blessing_reason"].startswith(
        f"passed auc >= 0.8 (overall: {metrics['auc']:.4f})"
    )
    # Precision and recall are the positive class's, 1.
    assert list(metrics["per_class"]) == ["1"]
    assert {"plan=basic", "plan=plus", "plan=premium", "churned=0", "churned=1"} <= set(
        metrics["slices"]
    )


@pytest.mark.long
@pytest.mark.e2e
def test_a_whole_number_label_is_served_as_its_class_id(churn, churn_data):
    output_dir, run = churn
    schema = written_schema(output_dir, run)
    assert schema["churned"].HasField("bool_domain")  # TFDV's inference for 0/1
    assert "city: categorical, embedding" in run.stdout  # 40 values
    assert "support_calls: categorical, one_hot" in run.stdout  # 0..6
    predictions = predict(output_dir, churn_data / "churn.csv")
    assert {p["class_name"] for p in predictions} == {"0", "1"}
    assert all(set(p["probabilities"]) == {"0", "1"} for p in predictions)
    with (churn_data / "churn.csv").open(newline="") as f:
        labels = [row["churned"] for row in csv.DictReader(f)]
    assert [p["label"] for p in predictions] == labels


@pytest.mark.long
@pytest.mark.e2e
def test_a_rerun_on_the_same_data_keeps_the_first_schema_and_is_cached(churn, churn_data):
    output_dir, first = churn
    rerun = run_pipeline(output_dir, "--data-root", str(churn_data), "--label", "churned")
    assert rerun.returncode == 0, rerun.stdout
    assert rerun.summary["schema"]["origin"] == "kept"
    assert rerun.summary["schema"]["description"] == (
        f"kept from run 1 ({first.summary['run_id']}): inferred from {churn_data}"
    )
    for node in ("CsvExampleGen", "ImportSchemaGen", "Transform", "Trainer"):
        assert rerun.states[node] == "CACHED", node


@pytest.mark.e2e
def test_a_label_that_is_not_classes_is_refused_before_the_pipeline_starts(tmp_path):
    run = run_pipeline(
        tmp_path / "outputs", "--data-root", str(PENGUINS_DIR), "--label", "body_mass_g"
    )
    assert run.returncode == 2
    assert run.summary["error"].startswith(
        "label 'body_mass_g' takes the whole numbers 2700..6300: more than 100 classes"
    )
    assert run.summary["nodes"] == {}


def pipeline_cli(*args: str, cwd: pathlib.Path = REPO_ROOT) -> subprocess.CompletedProcess:
    """`python -m pipeline ARGS` of this checkout, run from `cwd`."""
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.long
@pytest.mark.e2e
def test_a_pipeline_named_on_the_command_line_is_read_back_by_that_name(penguins, tmp_path):
    output_dir, run = penguins
    assert run.returncode == 0, run.stdout
    assert run.summary["pipeline_name"] == "churn"
    assert (
        pathlib.Path(run.summary["pushed_model"]).parent == output_dir / "serving_model" / "churn"
    )
    named = ["--output-dir", str(output_dir), "--pipeline-name", "churn"]

    inspected = pipeline_cli("inspect", *named, "--json")
    assert inspected.returncode == 0, inspected.stderr
    record = json.loads(inspected.stdout)
    assert (record["pipeline"], record["run"]["run_id"]) == ("churn", run.summary["run_id"])
    assert record["metrics"] == run.summary["metrics"]
    assert record["schema"]["origin"]["path"] == str(
        output_dir / "schema" / "churn" / "schema.pbtxt"
    )
    # Without --pipeline-name: the only pipeline the output directory recorded.
    only = pipeline_cli("inspect", "--output-dir", str(output_dir), "--json")
    assert only.returncode == 0, only.stderr
    assert json.loads(only.stdout)["pipeline"] == "churn"

    page = tmp_path / "named.html"
    reported = pipeline_cli("report", *named, "--html", str(page))
    assert reported.returncode == 0, reported.stderr
    assert "<title>churn run 1: Blessed and pushed as version " in page.read_text()

    predictions = predict(output_dir, PENGUINS_DIR / "penguins.csv", "--pipeline-name", "churn")
    assert len(predictions) == 344
    assert sum(p["class_name"] == p["label"] for p in predictions) / len(predictions) >= 0.9

    # The commands the run printed to look closer, run as printed from another directory.
    printed = [
        shlex.split(line) for line in run.stdout.splitlines() if line.startswith("  python -m ")
    ]
    assert [words[:4] for words in printed] == [
        ["python", "-m", "pipeline", "inspect"],
        ["python", "-m", "pipeline", "report"],
    ]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    tables, written = [pipeline_cli(*words[3:], cwd=elsewhere) for words in printed]
    assert tables.returncode == 0, tables.stderr
    assert f"Run 1: {run.summary['run_id']}" in tables.stdout
    assert "pipeline churn" in tables.stdout
    assert written.returncode == 0, written.stderr
    assert "of pipeline churn" in written.stdout
    report_file = elsewhere / printed[1][printed[1].index("--html") + 1]
    assert "<title>churn run 1: " in report_file.read_text()
