"""Reading a run's findings back: anomalies as ExampleValidator writes them, and errors."""

import pandas as pd
import pytest
import tensorflow_data_validation as tfdv
from google.protobuf import text_format
from tensorflow_model_analysis.proto import metrics_for_slice_pb2, validation_result_pb2

from components.validation_gate.anomalies import read_anomalies
from pipeline.records.evaluation_results import describe_failure
from pipeline.records.summary import describe_error
from tests.conftest import REPO_ROOT


@pytest.fixture
def anomalies_uri(tmp_path):
    """An anomalies artifact as ExampleValidator lays it out, from TFDV on bad rows."""
    rows = pd.DataFrame(
        {
            "sepal_length": [5.1, 49.0],  # 49 cm: far outside the curated range
            "sepal_width": [3.5, 3.0],
            "petal_length": [1.4, 1.3],
            "petal_width": [0.2, 0.2],
            "species": ["setosa", "rose"],  # not one of the three species
        }
    )
    schema = tfdv.load_schema_text(str(REPO_ROOT / "data" / "iris" / "schema.pbtxt"))
    anomalies = tfdv.validate_statistics(tfdv.generate_statistics_from_dataframe(rows), schema)
    split_dir = tmp_path / "Split-train"
    split_dir.mkdir()
    (split_dir / "SchemaDiff.pb").write_bytes(anomalies.SerializeToString())
    return str(tmp_path)


def test_anomalies_name_the_split_feature_and_kind(anomalies_uri):
    found = {a["feature"]: a for a in read_anomalies(anomalies_uri)}
    assert set(found) == {"sepal_length", "species"}
    assert found["sepal_length"]["split"] == "train"
    assert "FLOAT_TYPE_BIG_FLOAT" in found["sepal_length"]["kind"]
    assert found["species"]["kind"] == "ENUM_TYPE_UNEXPECTED_STRING_VALUES"
    assert "rose" in found["species"]["description"]
    assert found["species"]["severity"] == "ERROR"


def test_no_anomalies_file_means_no_anomalies(tmp_path):
    assert read_anomalies(str(tmp_path)) == []


def test_error_description_adds_the_root_cause_beam_wraps():
    try:
        try:
            raise ValueError("Feature petal_width is required but could not be found")
        except ValueError as cause:
            raise RuntimeError("while running 'Analyze/ApplySavedModel'") from cause
    except RuntimeError as error:
        message = describe_error(error)
    assert message == (
        "RuntimeError: while running 'Analyze/ApplySavedModel' (caused by ValueError: "
        "Feature petal_width is required but could not be found)"
    )


def test_error_without_a_cause_is_described_once():
    assert describe_error(KeyError("species")) == "KeyError: 'species'"


def failure_of(text_proto: str) -> validation_result_pb2.ValidationFailure:
    return text_format.Parse(text_proto, validation_result_pb2.ValidationFailure())


def test_value_threshold_failure_names_metric_value_bound_and_slice():
    failure = failure_of("""
        metric_key { name: "sparse_categorical_accuracy" }
        metric_threshold { value_threshold { lower_bound { value: 0.9 } } }
        metric_value { double_value { value: 0.849056 } }
    """)
    assert describe_failure(metrics_for_slice_pb2.SliceKey(), failure) == (
        "sparse_categorical_accuracy 0.8491 < 0.9 (overall)"
    )


def test_change_threshold_failure_names_the_drop_and_the_slice():
    failure = failure_of("""
        metric_key { name: "sparse_categorical_accuracy" is_diff: true }
        metric_threshold { change_threshold { absolute { value: -1e-10 } } }
        metric_value { double_value { value: -0.0377 } }
    """)
    slice_key = metrics_for_slice_pb2.SliceKey(
        single_slice_keys=[
            metrics_for_slice_pb2.SingleSliceKey(column="species", bytes_value=b"virginica")
        ]
    )
    assert describe_failure(slice_key, failure) == (
        "sparse_categorical_accuracy dropped 0.0377 below the last blessed model's, "
        "more than the 0 allowed (species=virginica)"
    )


def test_a_gate_stopped_run_names_its_schema_and_how_to_accept_the_change():
    from pipeline.records.run_summary import RunSummary
    from pipeline.records.summary import format_summary

    summary = RunSummary(
        status="failed",
        run_id="r2",
        pipeline_name="churn",
        nodes={"ValidationGate": {"state": "FAILED", "seconds": 0.1}},
        anomalies=[],
        metrics={},
        blessed=False,
        blessing_reason="the Evaluator did not run",
        pushed_model=None,
        schema={
            "description": "kept from run 1 (r1): inferred from /data/first",
            "path": "/out/schema/churn/schema.pbtxt",
        },
        failed_node="ValidationGate",
        error="AnomaliesFoundError: 1 anomaly",
        output_dir="/out",
    )
    lines = format_summary(summary).splitlines()
    assert "Schema: kept from run 1 (r1): inferred from /data/first" in lines
    assert "  /out/schema/churn/schema.pbtxt" in lines
    assert (
        "To accept what the gate found (after checking the data is right): python -m pipeline "
        "propose-schema --output-dir /out --pipeline-name churn --output proposed_schema.pbtxt, "
        "review it, then pass it with --schema" in lines
    )
