"""`inspect` and `report` on the output of real pipeline runs, run as a user runs them; the
HTML report loaded in headless Chromium."""

import json
import os
import pathlib
import re
import statistics
import subprocess
import sys

import pytest

from tests.browser import HeadlessChromium
from tests.conftest import CURATED_SCHEMA, DEFAULT_NODES, IRIS_FEATURES, IRIS_SPEC, REPO_ROOT

pytestmark = pytest.mark.e2e

# Where the browser test keeps its screenshot of the report, for people to look at.
SCREENSHOT_DIR = pathlib.Path(os.environ.get("REPORT_SCREENSHOT_DIR", REPO_ROOT / "test-artifacts"))
SPECIES = ["setosa", "versicolor", "virginica"]
# What the browser rendered, read back from the page's DOM after layout.
RENDERED_FACTS = """(() => {
  const all = selector => [...document.querySelectorAll(selector)];
  const text = selector => document.querySelector(selector).innerText;
  return {
    title: document.title,
    verdict: text('#verdict'),
    sections: all('section').map(s => s.id),
    features: all('.feature h3').map(h => h.firstChild.textContent.trim()),
    histogramBars: all('#feature-petal_length svg rect.bar').length,
    confusion: all('svg[aria-label^="Confusion"] text.count').map(t => Number(t.textContent)),
    accuracy: text('#accuracy'),
    chartAreas: all('svg').map(s => s.getBoundingClientRect()).map(r => r.width * r.height),
    anomalies: text('#anomalies'),
    pushed: text('#pushed'),
    signatures: all('.signature h3').map(h => h.textContent),
  };
})()"""


def pipeline_command(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def first_run_record(first_run, output_dir) -> dict:
    process = pipeline_command("inspect", "--output-dir", str(output_dir), "--run", "1", "--json")
    assert process.returncode == 0, process.stderr
    return json.loads(process.stdout)


def test_inspect_json_lists_the_run_and_its_nodes(first_run, first_run_record):
    assert {"statistics", "schema", "anomalies", "metrics", "blessing"} <= first_run_record.keys()
    assert first_run_record["run"]["number"] == 1
    assert first_run_record["run"]["run_id"] == first_run.summary["run_id"]
    assert first_run_record["run"]["state"] == "succeeded"
    assert {n: r["state"] for n, r in first_run_record["nodes"].items()} == {
        node: "COMPLETE" for node in DEFAULT_NODES
    }
    assert first_run_record["nodes"]["Trainer"]["seconds"] > 1


def test_inspect_json_statistics_match_the_csv(first_run_record, iris_rows):
    statistics_by_split = first_run_record["statistics"]
    assert list(statistics_by_split) == ["train", "eval"]
    assert sum(split["rows"] for split in statistics_by_split.values()) == len(iris_rows)
    for key in IRIS_FEATURES:
        values = [float(row[key]) for row in iris_rows]
        per_split = [split["features"][key] for split in statistics_by_split.values()]
        weighted_mean = sum(
            f["mean"] * split["rows"]
            for f, split in zip(per_split, statistics_by_split.values(), strict=True)
        ) / len(iris_rows)
        assert weighted_mean == pytest.approx(statistics.fmean(values), abs=1e-4)
        assert min(f["min"] for f in per_split) == pytest.approx(min(values), abs=1e-6)
        assert max(f["max"] for f in per_split) == pytest.approx(max(values), abs=1e-6)
        assert all(f["missing_percent"] == 0 and f["type"] == "FLOAT" for f in per_split)
        assert all(len(f["histogram"]) == 10 for f in per_split)
    for split in statistics_by_split.values():
        species = split["features"][IRIS_SPEC.label]
        assert sorted(v["value"] for v in species["top_values"]) == SPECIES
        assert sum(v["count"] for v in species["top_values"]) == split["rows"]


def test_inspect_json_schema_and_its_differences_from_the_inferred_one(first_run_record):
    schema = first_run_record["schema"]
    assert schema["source"] == "curated (ImportSchemaGen)"
    # Where it came from: the curated file beside the sample data, which the pipeline keeps.
    assert schema["origin"]["origin"] == "curated"
    assert schema["origin"]["description"] == f"curated file {CURATED_SCHEMA}"
    assert schema["origin"]["path"].endswith("/schema/iris/schema.pbtxt")
    assert schema["features"]["sepal_length"]["thresholds"] == {
        "drift": "Jensen-Shannon 0.25",
        "skew": "Jensen-Shannon 0.25",
    }
    assert schema["environments"] == ["TRAINING", "SERVING"]
    assert schema["features"]["species"]["domain"] == "setosa, versicolor, virginica"
    assert schema["features"]["species"]["environments"] == ["TRAINING"]
    assert schema["features"]["sepal_length"]["domain"] == "[3, 9]"
    differences = {(d["feature"], d["field"]): d for d in schema["differences_from_inferred"]}
    # SchemaGen infers no value ranges and no environments; the curated schema adds both.
    assert differences[("species", "environments")]["used"] == ["TRAINING"]
    assert differences[("species", "environments")]["inferred"] == []
    assert differences[("sepal_length", "domain")] == {
        "feature": "sepal_length",
        "field": "domain",
        "used": "[3, 9]",
        "inferred": None,
    }
    assert ("species", "domain") not in differences  # inferred from the data as well


def test_inspect_json_evaluation_blessing_and_push(first_run, first_run_record):
    record = first_run_record
    assert record["anomalies"] == []
    # The same reader as the run's own summary: the same numbers, to the last digit.
    assert record["metrics"] == first_run.summary["metrics"]
    matrix = record["metrics"]["confusion_matrix"]
    assert sorted(matrix["classes"]) == SPECIES
    assert sum(map(sum, matrix["counts"])) == record["metrics"]["example_count"]
    correct = sum(matrix["counts"][i][i] for i in range(3))
    assert correct / record["metrics"]["example_count"] == pytest.approx(
        record["metrics"]["accuracy"], abs=1e-6
    )
    blessing = record["blessing"]
    assert blessing["blessed"] is True
    assert blessing["compared_with_baseline"] is False
    assert [
        (t["requirement"], t["bound"], t["value"], t["passed"]) for t in blessing["thresholds"]
    ] == [("sparse_categorical_accuracy >= 0.9", 0.9, record["metrics"]["accuracy"], True)]
    pushed = pathlib.Path(first_run.summary["pushed_model"])
    assert record["pushed_model"] == {"version": pushed.name, "path": str(pushed)}


def test_inspect_json_training_curves_and_signature(first_run_record):
    training = first_run_record["training"]
    assert training["hyperparameters"]["train_steps"] == 1000
    for phase in ("train", "validation"):
        assert len(training["curves"][phase]["loss"]) == 10
        assert len(training["curves"][phase]["accuracy"]) == 10
    train_loss = training["curves"]["train"]["loss"]
    assert train_loss[-1] < train_loss[0] / 2
    model = first_run_record["model"]
    assert set(model["signatures"]) == {"serving_default", "evaluate", "transform_features"}
    assert model["signatures"]["serving_default"] == {
        "inputs": {"examples": "string [None]"},
        "outputs": {
            "class_index": "int32 [None]",
            "class_name": "string [None]",
            "probabilities": "float32 [None, 3]",
        },
    }
    assert model["serving_info"]["label"] == IRIS_SPEC.label


def test_inspect_prints_tables_of_the_latest_run(cached_reruns, output_dir):
    process = pipeline_command("inspect", "--output-dir", str(output_dir))
    assert process.returncode == 0, process.stderr
    out = process.stdout
    runs_table = out[: out.index("── Run ")]
    run_rows = [line for line in runs_table.splitlines() if re.match(r"│ +\d+ │", line)]
    assert len(run_rows) >= 3  # the first run and the two cached reruns, at least
    # Without --run, the latest run is shown, and marked in the list of runs.
    assert "◂" in run_rows[-1] and "◂" not in "".join(run_rows[:-1])
    assert re.search(rf"Run {len(run_rows)}: \d{{4}}-", out)
    for title in (
        "Runs",
        "Nodes",
        "Statistics: train, 97 rows, numeric features",
        "Validated against: curated file",
        "Schema: curated (ImportSchemaGen)",
        "Curated schema vs inferred",
        "Anomalies: none",
        "Per class",
        "Confusion matrix",
        "Blessing thresholds",
        "BLESSED",
        "Pushed model: version",
        "serving_default:",
    ):
        assert title in out
    assert "tensorflow" not in process.stderr.lower()


def test_inspect_compare_finds_no_drift_between_runs_on_the_same_data(cached_reruns, output_dir):
    process = pipeline_command(
        "inspect", "--output-dir", str(output_dir), "--compare", "1", "3", "--json"
    )
    assert process.returncode == 0, process.stderr
    comparison = json.loads(process.stdout)
    assert (comparison["run_a"]["number"], comparison["run_b"]["number"]) == (1, 3)
    drift = comparison["statistics_drift"]
    assert {(row["split"], row["feature"]) for row in drift} == {
        (split, name) for split in ("train", "eval") for name in [*IRIS_FEATURES, IRIS_SPEC.label]
    }
    assert all(row["distance"] == pytest.approx(0, abs=1e-12) for row in drift)
    assert all(row["rows_a"] == row["rows_b"] for row in drift)
    deltas = {row["metric"]: row for row in comparison["metric_deltas"]}
    assert deltas["accuracy"]["delta"] == 0
    assert {name for name in deltas} >= {f"recall [{name}]" for name in SPECIES}


@pytest.mark.long
def test_inspect_and_report_name_what_is_missing(first_run, output_dir, tmp_path):
    process = pipeline_command("inspect", "--output-dir", str(output_dir), "--run", "99")
    assert process.returncode == 2
    assert "no run number 99: runs are numbered 1 to" in process.stderr
    empty = tmp_path / "nothing-here"
    process = pipeline_command("report", "--output-dir", str(empty), "--html", "r.html")
    assert process.returncode == 2
    assert f"no runs recorded under {empty}" in process.stderr
    assert not (REPO_ROOT / "r.html").exists()


def test_report_renders_in_chromium_offline_without_console_errors(
    first_run, first_run_record, output_dir, tmp_path
):
    report = tmp_path / "report.html"
    process = pipeline_command(
        "report", "--output-dir", str(output_dir), "--run", "1", "--html", str(report)
    )
    assert process.returncode == 0, process.stderr
    assert re.match(r"wrote .*report\.html \(\d+ KiB, run 1: ", process.stdout)
    page = report.read_text()
    # Self-contained: nothing to load from anywhere, enforced by the page's own CSP as well.
    assert "<script" not in page and "<link" not in page and "<img" not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "default-src 'none'" in page

    with HeadlessChromium() as browser:
        loaded = browser.load(report.as_uri())
        rendered = browser.evaluate(RENDERED_FACTS)
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        screenshot = SCREENSHOT_DIR / "report.png"
        width, height = browser.screenshot(str(screenshot))

    assert loaded.console_errors == []
    assert loaded.requested_urls == [report.as_uri()]
    metrics = first_run_record["metrics"]
    version = first_run_record["pushed_model"]["version"]
    assert rendered["verdict"] == f"Blessed and pushed as version {version}"
    assert rendered["title"] == f"iris run 1: Blessed and pushed as version {version}"
    assert rendered["sections"] == [
        "run", "data", "anomalies", "schema", "evaluation", "blessing", "training", "model",
        "versions",
    ]  # fmt: skip
    assert sorted(rendered["features"]) == sorted([*IRIS_FEATURES, IRIS_SPEC.label])
    assert rendered["histogramBars"] == 20  # 10 buckets for each of train and eval
    assert rendered["confusion"] == [
        c for row in metrics["confusion_matrix"]["counts"] for c in row
    ]
    assert rendered["accuracy"] == f"{metrics['accuracy']:.4f}"
    assert all(area > 1000 for area in rendered["chartAreas"])  # every chart drawn, none empty
    assert "No anomalies" in rendered["anomalies"]
    assert first_run_record["pushed_model"]["path"] in rendered["pushed"]
    assert sorted(rendered["signatures"]) == ["evaluate", "serving_default", "transform_features"]
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert width >= 1000 and height > 3000


def test_the_browser_check_sees_console_errors_and_failed_loads(tmp_path):
    """The check above can fail: a script error and a missing image are both caught."""
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><title>broken</title><script>console.error('boom')</script>"
        f'<img src="{(tmp_path / "missing.png").as_uri()}">'
    )
    with HeadlessChromium() as browser:
        loaded = browser.load(page.as_uri())
    assert "boom" in loaded.console_errors
    assert any("ERR_FILE_NOT_FOUND" in error for error in loaded.console_errors)
    assert (tmp_path / "missing.png").as_uri() in loaded.requested_urls
