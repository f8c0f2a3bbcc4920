"""Reading runs back from ML Metadata written as TFX's local runner writes it (no pipeline run):
the list of runs, choosing one, a run's record, and choosing the pipeline when none is named."""

import json
import pathlib

import pandas as pd
import pytest
import tensorflow_data_validation as tfdv
from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2

from components.validation_gate.anomalies import read_anomalies
from pipeline.cli import main
from pipeline.records.metadata import is_blessed, open_store, pushed_version_and_path
from pipeline.records.run_record import FAILED, SUCCEEDED, PushedModel, RunOverview
from pipeline.records.runs import (
    RunNotFoundError,
    find_run,
    metric_deltas,
    read_run_record,
    recorded_pipelines,
)
from pipeline.schemas.kept import INFERRED, KEPT, SchemaChoice, record_choice_in_run
from tests.conftest import CURATED_SCHEMA
from tests.pipeline.records.metadata_store import (
    RecordedNode,
    record_run,
    record_run_with_deleted_artifacts,
)

FIRST_RUN = "2026-12-01T10:00:00.000001"
SECOND_RUN = "2026-12-01T11:00:00.000002"
PUSHED_PATH = "/serving/churn/1796000000"
# Two rows, the second far outside the curated schema: 49 cm, and a species that is none.
ROWS = pd.DataFrame(
    {
        "sepal_length": [5.1, 49.0],
        "sepal_width": [3.5, 3.0],
        "petal_length": [1.4, 1.3],
        "petal_width": [0.2, 0.2],
        "species": ["setosa", "rose"],
    }
)

RUNS = [
    RunOverview(1, "2026-11-20T10:00:00.1", "2026-11-20 10:00:00", SUCCEEDED, 60.0),
    RunOverview(2, "2026-11-21T09:00:00.2", "2026-11-21 09:00:00", SUCCEEDED, 60.0),
    RunOverview(3, "2026-11-21T11:30:00.3", "2026-11-21 11:30:00", FAILED, 30.0),
]


@pytest.mark.parametrize(
    ("selector", "number"),
    [
        (None, 3),
        ("latest", 3),
        ("1", 1),
        ("3", 3),
        ("2026-11-20", 1),
        ("2026-11-21T11", 3),
        ("2026-11-21T09:00:00.2", 2),
    ],
)
def test_find_run_by_number_id_prefix_or_latest(selector, number):
    assert find_run(RUNS, selector).number == number


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        ("4", "no run number 4: runs are numbered 1 to 3"),
        ("0", "no run number 0"),
        ("2025", "no run number 2025: runs are numbered 1 to 3"),
        ("2025-", "no run id starts with '2025-'"),
        ("2026-11-21", "'2026-11-21' matches 2 runs"),
        ("2026", "'2026' matches 3 runs"),
    ],
)
def test_find_run_says_why_nothing_matched(selector, message):
    with pytest.raises(RunNotFoundError, match=message):
        find_run(RUNS, selector)


def test_find_run_with_no_runs():
    with pytest.raises(RunNotFoundError, match="no runs recorded yet"):
        find_run([], None)


def test_metric_deltas_are_b_minus_a_and_none_where_either_is_missing():
    a = {
        "accuracy": 0.9,
        "slices": {"species=setosa": {"accuracy": 1.0}},
        "per_class": {"setosa": {"precision": 0.5, "recall": None}},
    }
    b = {
        "accuracy": 0.95,
        "slices": {"species=setosa": {"accuracy": 0.75}},
        "per_class": {"setosa": {"precision": 1.0, "recall": 1.0}},
    }
    deltas = {row["metric"]: row for row in metric_deltas(a, b)}
    assert deltas["accuracy"]["delta"] == pytest.approx(0.05)
    assert deltas["accuracy [species=setosa]"]["delta"] == pytest.approx(-0.25)
    assert deltas["precision [setosa]"] == {
        "metric": "precision [setosa]",
        "a": 0.5,
        "b": 1.0,
        "delta": 0.5,
    }
    assert deltas["recall [setosa]"]["delta"] is None
    assert list(deltas)[0] == "accuracy"


def write_split_protos(uri: pathlib.Path, file_name: str, by_split: dict) -> str:
    """An artifact laid out as TFX's: Split-<name>/<file_name> per split."""
    for split, proto in by_split.items():
        (uri / f"Split-{split}").mkdir(parents=True)
        (uri / f"Split-{split}" / file_name).write_bytes(proto.SerializeToString())
    return str(uri)


@pytest.fixture(scope="module")
def output_dir(tmp_path_factory) -> pathlib.Path:
    """Two runs of pipeline "churn": the first validated ROWS against the curated schema and
    pushed a model; the second, on the schema the pipeline kept, failed at Transform."""
    artifacts = tmp_path_factory.mktemp("artifacts")
    statistics = tfdv.generate_statistics_from_dataframe(ROWS)
    curated = tfdv.load_schema_text(str(CURATED_SCHEMA))
    statistics_uri = write_split_protos(
        artifacts / "statistics", "FeatureStats.pb", {"train": statistics}
    )
    anomalies_uri = write_split_protos(
        artifacts / "anomalies",
        "SchemaDiff.pb",
        {"train": tfdv.validate_statistics(statistics, curated)},
    )
    imported, inferred = artifacts / "imported", artifacts / "inferred"
    imported.mkdir()
    inferred.mkdir()
    tfdv.write_schema_text(curated, str(imported / "schema.pbtxt"))
    tfdv.write_schema_text(tfdv.infer_schema(statistics), str(inferred / "schema.pbtxt"))
    validated = {
        "CsvExampleGen": RecordedNode(outputs={"examples": str(artifacts / "examples")}),
        "StatisticsGen": RecordedNode(outputs={"statistics": statistics_uri}),
        "SchemaGen": RecordedNode(outputs={"schema": str(inferred)}),
        "ImportSchemaGen": RecordedNode(
            outputs={"schema": str(imported)}, properties={"schema_file": str(CURATED_SCHEMA)}
        ),
        "ExampleValidator": RecordedNode(outputs={"anomalies": anomalies_uri}),
    }
    output_dir = tmp_path_factory.mktemp("churn") / "outputs"
    pushed = {"pushed": 1, "pushed_destination": PUSHED_PATH, "pushed_version": "1796000000"}
    record_run(
        output_dir,
        {
            **validated,
            "Transform": RecordedNode(),
            "Pusher": RecordedNode(
                outputs={"pushed_model": PUSHED_PATH}, output_properties={"pushed_model": pushed}
            ),
        },
        pipeline_name="churn",
        run_id=FIRST_RUN,
    )
    record_run(
        output_dir,
        {**validated, "CsvExampleGen": RecordedNode("CACHED"), "Transform": RecordedNode("FAILED")},
        pipeline_name="churn",
        run_id=SECOND_RUN,
    )
    kept = SchemaChoice(KEPT, "/out/schema/churn/schema.pbtxt", "/data/first", INFERRED, FIRST_RUN)
    record_choice_in_run(str(output_dir / "metadata.sqlite"), SECOND_RUN, kept)
    return output_dir


def test_the_runs_are_listed_oldest_first_with_their_state(output_dir):
    record = read_run_record(str(output_dir), "churn", "1")
    assert [(run.number, run.run_id, run.state) for run in record.runs] == [
        (1, FIRST_RUN, SUCCEEDED),
        (2, SECOND_RUN, FAILED),
    ]
    assert record.run == record.runs[0]
    assert record.pipeline == "churn"
    assert record.output_dir == str(output_dir)


def test_a_record_holds_what_each_node_wrote(output_dir):
    record = read_run_record(str(output_dir), "churn", FIRST_RUN)
    assert {node: result.state for node, result in record.nodes.items()} == {
        "CsvExampleGen": "COMPLETE",
        "StatisticsGen": "COMPLETE",
        "SchemaGen": "COMPLETE",
        "ImportSchemaGen": "COMPLETE",
        "ExampleValidator": "COMPLETE",
        "Transform": "COMPLETE",
        "Pusher": "COMPLETE",
    }
    assert record.statistics["train"]["rows"] == 2
    assert record.statistics["train"]["features"]["sepal_length"]["max"] == 49.0
    assert {a["feature"] for a in record.anomalies} == {"sepal_length", "species"}
    assert record.pushed_model == PushedModel("1796000000", PUSHED_PATH)
    # No Trainer or Evaluator in this run: nothing to read for them.
    assert (record.metrics, record.blessing, record.training, record.model) == (
        {},
        None,
        None,
        None,
    )


def test_a_curated_schema_is_compared_with_the_one_inferred_from_the_data(output_dir):
    schema = read_run_record(str(output_dir), "churn", "1").schema
    assert schema.source == "curated (ImportSchemaGen)"
    assert schema.environments == ["TRAINING", "SERVING"]
    assert schema.features["sepal_length"]["domain"] == "[3, 9]"
    differences = {(d["feature"], d["field"]): d for d in schema.differences_from_inferred}
    assert differences[("sepal_length", "domain")]["inferred"] is None
    # The first run recorded no choice (as on Airflow): the file it imported is all there is.
    assert schema.origin.path == str(CURATED_SCHEMA)
    assert schema.origin.description == f"the file {CURATED_SCHEMA}"
    assert schema.origin.origin is None


def test_a_kept_schema_names_the_run_it_was_kept_since(output_dir):
    record = read_run_record(str(output_dir), "churn")
    assert record.run.run_id == SECOND_RUN
    origin = record.schema.origin
    assert (origin.origin, origin.made_as, origin.since_run_number) == (KEPT, INFERRED, 1)
    assert origin.description == f"kept from run 1 ({FIRST_RUN}): inferred from /data/first"
    assert record.schema.source == "kept, inferred by the pipeline's first run (ImportSchemaGen)"
    assert record.nodes["Transform"].state == "FAILED"
    assert record.pushed_model is None


def test_the_record_as_json_has_the_keys_inspect_json_prints(output_dir):
    record = json.loads(json.dumps(read_run_record(str(output_dir), "churn", "1").to_json_dict()))
    assert list(record) == [
        "output_dir", "pipeline", "runs", "run", "nodes", "statistics", "schema", "anomalies",
        "metrics", "blessing", "pushed_model", "training", "model", "versions", "unavailable",
    ]  # fmt: skip
    assert record["run"]["run_id"] == FIRST_RUN
    assert record["runs"][1]["number"] == 2
    assert record["nodes"]["Pusher"]["state"] == "COMPLETE"
    assert record["pushed_model"] == {"version": "1796000000", "path": PUSHED_PATH}
    assert record["schema"]["origin"]["path"] == str(CURATED_SCHEMA)
    assert record["versions"]["tfx"].startswith("1.16")
    assert record["unavailable"] == {}


def test_a_pusher_that_pushed_nothing_records_no_model(tmp_path):
    record_run(
        tmp_path,
        {
            "Pusher": RecordedNode(
                outputs={"pushed_model": "/unused"},
                output_properties={"pushed_model": {"pushed": 0}},
            )
        },
    )
    record = read_run_record(str(tmp_path), "iris")
    assert record.run.state == SUCCEEDED
    assert record.pushed_model is None


def test_blessed_and_pushed_are_read_from_the_properties_tfx_writes():
    blessing = metadata_store_pb2.Artifact()
    blessing.custom_properties["blessed"].int_value = 1
    assert is_blessed(blessing)
    blessing.custom_properties["blessed"].int_value = 0
    assert not is_blessed(blessing)
    pushed = metadata_store_pb2.Artifact()
    pushed.custom_properties["pushed"].int_value = 1
    pushed.custom_properties["pushed_destination"].string_value = "/serving/iris/17"
    # Without a version, the folder's name is the version.
    assert pushed_version_and_path(pushed) == ("17", "/serving/iris/17")


def test_an_unknown_pipeline_is_an_error_naming_the_recorded_ones(output_dir):
    with pytest.raises(RunNotFoundError, match=r"no run of pipeline 'iris' .*records: churn"):
        read_run_record(str(output_dir), "iris")


def test_anomalies_name_the_split_feature_and_kind(output_dir):
    record = read_run_record(str(output_dir), "churn", "1")
    found = {a["feature"]: a for a in record.anomalies}
    assert found["sepal_length"]["split"] == "train"
    assert "FLOAT_TYPE_BIG_FLOAT" in found["sepal_length"]["kind"]
    assert found["species"]["kind"] == "ENUM_TYPE_UNEXPECTED_STRING_VALUES"
    assert "rose" in found["species"]["description"]
    assert found["species"]["severity"] == "ERROR"


def test_no_anomalies_file_means_no_anomalies(tmp_path):
    assert read_anomalies(str(tmp_path)) == []


# Choosing the pipeline when a command is not given --pipeline-name.


def test_the_only_pipeline_recorded_is_read_without_its_name(output_dir, capsys):
    assert recorded_pipelines(str(output_dir)) == ["churn"]
    assert main(["inspect", "--output-dir", str(output_dir), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert (record["pipeline"], record["run"]["run_id"]) == ("churn", SECOND_RUN)


@pytest.mark.parametrize(
    "command",
    [["inspect"], ["report", "--html", "r.html"], ["propose-schema", "--output", "p.pbtxt"]],
)
def test_several_pipelines_need_a_name(tmp_path, command, capsys):
    for name in ("iris", "churn"):
        record_run(tmp_path, {"CsvExampleGen": RecordedNode()}, pipeline_name=name, run_id=name)
    assert main([*command, "--output-dir", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"error: {tmp_path} holds the runs of 2 pipelines (churn, iris): "
        "choose one with --pipeline-name NAME\n"
    )
    assert (
        main(["inspect", "--output-dir", str(tmp_path), "--pipeline-name", "iris", "--json"]) == 0
    )
    assert json.loads(capsys.readouterr().out)["run"]["run_id"] == "iris"


def test_no_pipeline_recorded_is_no_runs_recorded(tmp_path, capsys):
    assert main(["inspect", "--output-dir", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"error: no runs recorded under {tmp_path}: {tmp_path}/metadata.sqlite does not exist "
        "(run the pipeline first, e.g. `make run`, or pass --output-dir)\n"
    )
    empty = tmp_path / "metadata.sqlite"
    config = metadata_store_pb2.ConnectionConfig()
    config.sqlite.filename_uri = str(empty)
    config.sqlite.connection_mode = (
        metadata_store_pb2.SqliteMetadataSourceConfig.READWRITE_OPENCREATE
    )
    metadata_store.MetadataStore(config)  # creates the database, with no pipeline in it
    assert open_store(str(empty)).get_contexts() == []
    assert main(["inspect", "--output-dir", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith(
        f"error: no runs recorded under {tmp_path}: its ML Metadata names no pipeline"
    )


# A run whose artifacts were deleted after it finished (e.g. outputs/tfx cleaned up by hand).


def test_deleted_artifacts_leave_their_part_of_the_record_unavailable(tmp_path):
    gone = record_run_with_deleted_artifacts(tmp_path)
    record = read_run_record(str(tmp_path), "iris")
    assert record.unavailable == {
        "statistics": f"artifact deleted: {gone / 'statistics'}",
        "anomalies": f"artifact deleted: {gone / 'anomalies'}",
        "model": f"artifact deleted: {gone / 'model' / 'Format-Serving'}",
        "training": f"artifact deleted: {gone / 'model_run'}",
        "metrics": f"the model's classes are unavailable (artifact deleted: {gone / 'model'}"
        "/Format-Serving)",
        "schema": f"artifact deleted: {gone / 'schema'}",
    }
    assert (record.statistics, record.anomalies, record.schema) == ({}, [], None)
    assert (record.model, record.training, record.metrics) == (None, None, {})
    # What ML Metadata itself holds is still there: the blessing and the push.
    assert record.blessing.blessed
    assert record.blessing.reason.startswith("evaluation unavailable: the model's classes")
    assert record.pushed_model == PushedModel("17", "/serving/iris/17")
    assert record.run.state == SUCCEEDED


def test_an_unreadable_artifact_says_why(tmp_path):
    statistics = tmp_path / "statistics"
    (statistics / "Split-train").mkdir(parents=True)
    (statistics / "Split-train" / "FeatureStats.pb").write_bytes(b"not a proto")
    record_run(tmp_path, {"StatisticsGen": RecordedNode(outputs={"statistics": str(statistics)})})
    record = read_run_record(str(tmp_path), "iris")
    assert record.statistics == {}
    assert record.unavailable["statistics"].startswith(
        f"artifact unreadable: {statistics} (DecodeError: "
    )


def test_inspect_and_report_show_deleted_artifacts(tmp_path, capsys):
    gone = record_run_with_deleted_artifacts(tmp_path)
    assert main(["inspect", "--output-dir", str(tmp_path)]) == 0
    out = " ".join(capsys.readouterr().out.split())  # rich wraps long lines
    for line in (
        f"Statistics: unavailable (artifact deleted: {gone / 'statistics'})",
        f"Schema: unavailable (artifact deleted: {gone / 'schema'})",
        f"Anomalies: unavailable (artifact deleted: {gone / 'anomalies'})",
        "Evaluation: unavailable (the model's classes are unavailable",
        f"Training: unavailable (artifact deleted: {gone / 'model_run'})",
        "BLESSED: evaluation unavailable",
    ):
        assert line in out, line
    html = tmp_path / "report.html"
    assert main(["report", "--output-dir", str(tmp_path), "--html", str(html)]) == 0
    page = html.read_text()
    assert f"Unavailable: artifact deleted: {gone / 'statistics'}" in page
    assert f"Unavailable: artifact deleted: {gone / 'model_run'}" in page
