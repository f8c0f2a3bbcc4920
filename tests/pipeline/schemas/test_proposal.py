"""Proposing a schema that accepts a run's anomalies: TFDV's update_schema on in-memory
statistics, the change lines, and the command on an ML Metadata store laid out as a run's."""

import pathlib

import pandas as pd
import pytest
import tensorflow_data_validation as tfdv
from tensorflow_metadata.proto.v0 import schema_pb2

from pipeline.cli import main
from pipeline.schemas.proposal import propose, run_command, schema_changes
from tests.conftest import IRIS_CSV
from tests.pipeline.records.metadata_store import RUN_ID, RecordedNode, record_run

# The file ImportSchemaGen records it imported.
IMPORTED_SCHEMA_FILE = "data/schema.pbtxt"
DEPRECATED_NOTE = "deprecated: no longer validated, and TFX no longer reads it, so the model "
# Value ranges a curator set, and the drift and skew thresholds of every feature.
FLOAT_BOUNDS = {"sepal_length": (3.0, 9.0), "petal_length": (0.5, 8.0)}
JENSEN_SHANNON_THRESHOLD = 0.25
L_INFINITY_THRESHOLD = 0.2


@pytest.fixture(scope="module")
def iris() -> pd.DataFrame:
    return pd.read_csv(IRIS_CSV)


@pytest.fixture
def schema(iris) -> schema_pb2.Schema:
    """Inferred from the sample data, then curated as data/iris/schema.pbtxt is: value ranges,
    drift and skew thresholds, and TRAINING and SERVING environments without the label at
    serving time."""
    schema = tfdv.infer_schema(statistics_of(iris), infer_feature_shape=True)
    schema.default_environment.extend(["TRAINING", "SERVING"])
    for feature in schema.feature:
        if feature.name == "species":
            feature.drift_comparator.infinity_norm.threshold = L_INFINITY_THRESHOLD
            feature.not_in_environment.append("SERVING")
            continue
        if feature.name in FLOAT_BOUNDS:
            feature.float_domain.min, feature.float_domain.max = FLOAT_BOUNDS[feature.name]
        for comparator in (feature.drift_comparator, feature.skew_comparator):
            comparator.jensen_shannon_divergence.threshold = JENSEN_SHANNON_THRESHOLD
    return schema


def statistics_of(frame: pd.DataFrame):
    return tfdv.generate_statistics_from_dataframe(frame)


def features_of(schema: schema_pb2.Schema) -> dict[str, schema_pb2.Feature]:
    return {feature.name: feature for feature in schema.feature}


def species_values(schema: schema_pb2.Schema) -> list[str]:
    return next(list(d.value) for d in schema.string_domain if d.name == "species")


def test_a_new_category_is_added_to_the_domain_and_nothing_else(iris, schema):
    frame = iris.copy()
    frame.loc[0, "species"] = "iris-virginica-new"
    proposed, changes = propose(schema, {"train": statistics_of(frame)})
    assert species_values(proposed) == ["setosa", "versicolor", "virginica", "iris-virginica-new"]
    assert changes == ["species: domain gains 'iris-virginica-new'"]


def test_each_split_is_accepted_in_turn(iris, schema):
    train, evaluation = iris.copy(), iris.copy()
    train.loc[0, "species"] = "rose"
    evaluation.loc[0, "species"] = "tulip"
    proposed, changes = propose(
        schema, {"train": statistics_of(train), "eval": statistics_of(evaluation)}
    )
    assert species_values(proposed)[3:] == ["tulip", "rose"]  # eval first: splits are sorted
    assert changes == ["species: domain gains 'tulip', 'rose'"]


def test_a_new_column_becomes_a_new_feature(iris, schema):
    proposed, changes = propose(schema, {"train": statistics_of(iris.assign(colour="red"))})
    colour = features_of(proposed)["colour"]
    assert colour.type == schema_pb2.BYTES
    assert colour.presence.min_fraction == 1.0
    assert changes == ["colour: new feature (BYTES)"]


def test_a_column_turned_text_is_deprecated_not_retyped(iris, schema):
    # update_schema keeps the type and deprecates the feature: the statistics cannot say which
    # type is right, and a deprecated feature is no longer validated.
    frame = iris.assign(sepal_length=iris.sepal_length.astype(str) + " cm")
    proposed, changes = propose(schema, {"train": statistics_of(frame)})
    sepal_length = features_of(proposed)["sepal_length"]
    assert sepal_length.type == schema_pb2.FLOAT
    assert sepal_length.lifecycle_stage == schema_pb2.DEPRECATED
    assert not sepal_length.HasField("float_domain")
    assert changes == [
        f"sepal_length: {DEPRECATED_NOTE}must not take it (--exclude sepal_length); "
        "float domain [3, 9] removed"
    ]


def test_a_missing_column_is_deprecated(iris, schema):
    proposed, changes = propose(schema, {"train": statistics_of(iris.drop(columns="sepal_width"))})
    sepal_width = features_of(proposed)["sepal_width"]
    assert sepal_width.lifecycle_stage == schema_pb2.DEPRECATED
    assert sepal_width.presence.min_fraction == 1.0  # presence is left as it was
    assert changes == [f"sepal_width: {DEPRECATED_NOTE}must not take it (--exclude sepal_width)"]


def test_a_column_missing_from_some_rows_is_no_longer_required(iris, schema):
    frame = iris.copy()
    frame.loc[:10, "sepal_width"] = None  # 11 of 150 rows
    proposed, changes = propose(schema, {"train": statistics_of(frame)})
    sepal_width = features_of(proposed)["sepal_width"]
    assert sepal_width.presence.min_fraction == pytest.approx(139 / 150)
    assert not sepal_width.HasField("shape")
    assert changes == [
        "sepal_width: no longer required in every row (presence min_fraction 1 -> 0.927); "
        "shape [1] -> no fixed shape (a row may lack it)"
    ]


def test_drift_and_skew_thresholds_and_environments_are_kept(iris, schema):
    # update_schema keeps them; this fails if an upgrade of TFDV stops doing so.
    frame = iris.assign(petal_length=iris.petal_length * 10, colour="red")
    proposed, changes = propose(schema, {"train": statistics_of(frame)})
    assert changes == [
        "petal_length: float domain [0.5, 8] -> [0.5, 69]",
        "colour: new feature (BYTES)",
    ]
    proposed_features = features_of(proposed)
    for name, original in features_of(schema).items():
        feature = proposed_features[name]
        assert feature.drift_comparator == original.drift_comparator, name
        assert feature.skew_comparator == original.skew_comparator, name
        assert list(feature.not_in_environment) == list(original.not_in_environment), name
    species, petal_length = proposed_features["species"], proposed_features["petal_length"]
    assert species.drift_comparator.infinity_norm.threshold == L_INFINITY_THRESHOLD
    assert (
        petal_length.skew_comparator.jensen_shannon_divergence.threshold == JENSEN_SHANNON_THRESHOLD
    )
    assert list(species.not_in_environment) == ["SERVING"]
    assert list(proposed.default_environment) == ["TRAINING", "SERVING"]


def test_data_with_no_anomalies_changes_nothing(iris, schema):
    proposed, changes = propose(schema, {"train": statistics_of(iris), "eval": statistics_of(iris)})
    assert changes == []
    assert proposed == schema


def test_type_bounds_and_removed_features_are_described(schema):
    after = schema_pb2.Schema()
    after.CopyFrom(schema)
    features = features_of(after)
    features["sepal_length"].type = schema_pb2.BYTES
    features["sepal_length"].ClearField("float_domain")
    features["petal_length"].float_domain.max = 9.5
    features["petal_length"].ClearField("presence")
    features["petal_width"].float_domain.min = 0.0
    after.feature.remove(features["sepal_width"])
    assert schema_changes(schema, after) == [
        "sepal_length: type FLOAT -> BYTES; float domain [3, 9] removed",
        "petal_length: presence check removed; float domain [0.5, 8] -> [0.5, 9.5]",
        "petal_width: float domain [0, inf] added",
        "sepal_width: removed",
    ]


def test_the_run_command_names_the_schema_and_the_pipeline_quoted_for_a_shell():
    assert run_command("my outputs", "iris", "new schema.pbtxt") == (
        "python local_runner.py --schema 'new schema.pbtxt' --output-dir 'my outputs' "
        "--pipeline-name iris"
    )
    assert run_command("/tmp/o", "penguins", "s.pbtxt", excluded=("bill",)) == (
        "python local_runner.py --schema s.pbtxt --output-dir /tmp/o --pipeline-name penguins "
        "--exclude bill"
    )
    assert run_command("/tmp/o", "churn", allowed_kinds=("COMPARATOR_L_INFTY_HIGH",)) == (
        "python local_runner.py --output-dir /tmp/o --pipeline-name churn "
        "--allow-anomaly COMPARATOR_L_INFTY_HIGH"
    )


# The command, on ML Metadata laid out as a local run records it.


def write_statistics(uri: pathlib.Path, **splits: pd.DataFrame) -> str:
    """A StatisticsGen-style artifact: Split-<name>/FeatureStats.pb per split."""
    for split, frame in splits.items():
        (uri / f"Split-{split}").mkdir(parents=True)
        (uri / f"Split-{split}" / "FeatureStats.pb").write_bytes(
            statistics_of(frame).SerializeToString()
        )
    return str(uri)


def write_anomalies(uri: pathlib.Path, statistics_uri: str, schema: schema_pb2.Schema) -> str:
    """An ExampleValidator-style artifact: Split-<name>/SchemaDiff.pb per split."""
    for split_dir in sorted(pathlib.Path(statistics_uri).glob("Split-*")):
        statistics = tfdv.load_stats_binary(str(split_dir / "FeatureStats.pb"))
        (uri / split_dir.name).mkdir(parents=True)
        (uri / split_dir.name / "SchemaDiff.pb").write_bytes(
            tfdv.validate_statistics(statistics, schema).SerializeToString()
        )
    return str(uri)


def recorded_run(
    tmp_path: pathlib.Path,
    schema: schema_pb2.Schema,
    train: pd.DataFrame,
    baseline: pd.DataFrame,
    evaluation: pd.DataFrame,
) -> pathlib.Path:
    """The output directory of a run that validated `train` and `evaluation` against `schema`
    and measured drift against `baseline` (in both splits), as far as its ValidationGate."""
    statistics = write_statistics(tmp_path / "statistics", train=train, eval=evaluation)
    baseline_statistics = write_statistics(tmp_path / "baseline", train=baseline, eval=baseline)
    schema_dir = tmp_path / "schema"
    schema_dir.mkdir()
    tfdv.write_schema_text(schema, str(schema_dir / "schema.pbtxt"))
    anomalies = write_anomalies(tmp_path / "anomalies", statistics, schema)
    gate_inputs = {
        "anomalies": anomalies,
        "schema": str(schema_dir),
        "statistics": statistics,
        "baseline_statistics": baseline_statistics,
    }
    output_dir = tmp_path / "outputs"
    record_run(
        output_dir,
        {
            "CsvExampleGen": RecordedNode(outputs={"examples": str(tmp_path / "examples")}),
            "StatisticsGen": RecordedNode(outputs={"statistics": statistics}),
            "ImportSchemaGen": RecordedNode(
                outputs={"schema": str(schema_dir)},
                properties={"schema_file": IMPORTED_SCHEMA_FILE},
            ),
            "ExampleValidator": RecordedNode(outputs={"anomalies": anomalies}),
            "ValidationGate": RecordedNode("FAILED", inputs=gate_inputs),
        },
    )
    return output_dir


def test_the_command_writes_the_proposal_and_says_what_changed(tmp_path, iris, schema, capsys):
    # A new species in 40 of the 50 setosa rows: an anomaly, and a drift of the species shares.
    train = iris.copy()
    train.loc[:39, "species"] = "iris-virginica-new"
    output_dir = recorded_run(tmp_path, schema, train, baseline=iris, evaluation=iris)
    proposed_file = tmp_path / "proposed.pbtxt"
    assert (
        main(["propose-schema", "--output-dir", str(output_dir), "--output", str(proposed_file)])
        == 0
    )
    out = capsys.readouterr().out
    proposed = tfdv.load_schema_text(str(proposed_file))
    assert species_values(proposed)[-1] == "iris-virginica-new"
    text = proposed_file.read_text()
    assert text.startswith("# PROPOSED FOR REVIEW")
    assert f"From run 1 ({RUN_ID}) of pipeline 'iris'" in text
    assert f"# the schema it validated against, {IMPORTED_SCHEMA_FILE}," in text
    lines = out.splitlines()
    found = lines.index("ExampleValidator found:")
    assert lines[found + 1].startswith(
        "  [train] species: ENUM_TYPE_UNEXPECTED_STRING_VALUES: Examples contain values missing "
        "from the schema: iris-virginica-new"
    )
    changes = lines.index(
        f"Proposed schema, written to {proposed_file}, accepting the statistics of splits "
        "eval, train:"
    )
    assert lines[changes + 1 : changes + 3] == ["  species: domain gains 'iris-virginica-new'", ""]
    assert f"+++ {proposed_file}\n" in out
    assert '+  value: "iris-virginica-new"\n' in out
    assert "Still anomalous" not in out
    # The species shares drifted from the baseline's, 50 setosa of 150 rows to 10: not a
    # schema change.
    drift = lines.index(
        "Drift and skew are not schema changes (the proposal keeps their thresholds):"
    )
    assert lines[drift + 1].startswith(
        "  [train] species: COMPARATOR_L_INFTY_HIGH: The Linfty distance between current and "
        "previous is 0.266667"
    )
    assert lines[drift + 2].startswith(
        "If the shift is real, accept it once by rerunning with --allow-anomaly "
        "COMPARATOR_L_INFTY_HIGH: "
    )
    assert (
        f"  python local_runner.py --schema {proposed_file} --output-dir {output_dir} "
        "--pipeline-name iris\n" in out
    )
    # The diff comes after the change lines, the command after the diff.
    assert out.index("domain gains") < out.index("+++ ") < out.index("local_runner.py")


def test_a_run_with_nothing_to_accept_writes_no_file(tmp_path, iris, schema, capsys):
    output_dir = recorded_run(tmp_path, schema, iris, baseline=iris, evaluation=iris)
    proposed_file = tmp_path / "proposed.pbtxt"
    assert (
        main(["propose-schema", "--output-dir", str(output_dir), "--output", str(proposed_file)])
        == 0
    )
    assert (
        "Nothing to accept: no anomalies, no drift, no skew. No file written."
        in capsys.readouterr().out
    )
    assert not proposed_file.exists()


@pytest.mark.parametrize(
    ("statistics_gen_state", "message"),
    [
        (
            "FAILED",
            "StatisticsGen did not complete (FAILED), so the run has no statistics to propose a "
            "schema from",
        ),
        (
            "COMPLETE",
            "ImportSchemaGen did not complete (NOT_RUN), so the run has no record of the schema "
            "it validated against",
        ),
    ],
)
def test_a_run_without_statistics_or_schema_is_an_error(
    tmp_path, iris, statistics_gen_state, message, capsys
):
    statistics = write_statistics(tmp_path / "statistics", train=iris)
    outputs = {"statistics": statistics} if statistics_gen_state == "COMPLETE" else {}
    output_dir = tmp_path / "outputs"
    record_run(
        output_dir,
        {
            "CsvExampleGen": RecordedNode(),
            "StatisticsGen": RecordedNode(statistics_gen_state, outputs=outputs),
        },
    )
    args = ["propose-schema", "--output-dir", str(output_dir), "--output", str(tmp_path / "p")]
    assert main(args) == 2
    assert capsys.readouterr().err == f"error: run 1 ({RUN_ID}): {message}\n"
    assert not (tmp_path / "p").exists()


def test_no_metadata_under_the_output_dir_is_an_error(tmp_path, capsys):
    output = tmp_path / "proposed.pbtxt"
    assert main(["propose-schema", "--output-dir", str(tmp_path), "--output", str(output)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: no runs recorded under {tmp_path}: ")
    assert f"{tmp_path}/metadata.sqlite does not exist" in err
    assert not output.exists()


def test_an_unknown_run_is_an_error(tmp_path, iris, schema, capsys):
    output_dir = recorded_run(tmp_path, schema, iris, baseline=iris, evaluation=iris)
    args = ["propose-schema", "--output-dir", str(output_dir), "--run", "7"]
    assert main([*args, "--output", str(tmp_path / "p")]) == 2
    assert capsys.readouterr().err == "error: no run number 7: runs are numbered 1 to 1\n"
