"""Run flags -> PipelineConfig, the config's own checks, and the pipeline name that follows the
data."""

import argparse
import os

import pytest

from components.hyperparameters import HParams
from pipeline.cli.exit_codes import BadInputError
from pipeline.cli.run import add_run_arguments, config_from_args
from pipeline.config import PipelineConfig
from pipeline.settings import KUBEFLOW, RUN, config_from_environment, resolve_settings
from tests.conftest import REPO_ROOT


def parse(*flags: str, environ: dict[str, str] | None = None) -> PipelineConfig:
    """The config of a local run's flags, in an environment of `environ` only."""
    parser = argparse.ArgumentParser()
    add_run_arguments(parser)
    return config_from_args(parser.parse_args(list(flags)), environ=environ or {})


@pytest.fixture(autouse=True)
def in_repo_root(monkeypatch):
    monkeypatch.chdir(REPO_ROOT)


def test_defaults_describe_a_local_run_on_the_sample_data():
    config = parse()
    assert config.data_root == "data/iris"
    assert config.schema_path == os.path.join("data/iris", "schema.pbtxt")
    assert config.output_dir == "outputs"
    assert config.hyperparameters == HParams()
    assert config.hyperparameters.train_steps == 1000
    assert config.enable_cache is True
    assert config.enable_tuner is False
    assert config.beam_args == ()


def test_flags_set_every_field(tmp_path):
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    config = parse(
        "--data-root",
        str(tmp_path),
        "--output-dir",
        "/tmp/out",
        "--train-steps",
        "42",
        "--no-cache",
        "--tuner",
        "--accuracy-threshold",
        "0.8",
        "--beam-arg=--direct_num_workers=2",
        "--beam-arg=--direct_running_mode=multi_processing",
    )
    assert config.data_root == str(tmp_path)
    assert config.schema_path is None  # no schema.pbtxt beside that data
    assert config.output_dir == "/tmp/out"
    assert config.hyperparameters == HParams(train_steps=42)
    assert config.enable_cache is False
    assert config.enable_tuner is True
    assert config.accuracy_threshold == 0.8
    assert config.beam_args == ("--direct_num_workers=2", "--direct_running_mode=multi_processing")


def test_enable_cache_turns_the_cache_back_on_where_the_environment_turned_it_off():
    cache_off = {"PIPELINE_ENABLE_CACHE": "false"}
    assert parse(environ=cache_off).enable_cache is False
    assert parse("--enable-cache", environ=cache_off).enable_cache is True
    assert parse("--enable-cache", "--no-cache").enable_cache is False


def test_missing_data_root_is_named():
    with pytest.raises(BadInputError, match="--data-root /no/such/dir"):
        parse("--data-root", "/no/such/dir")


def test_missing_schema_is_named():
    with pytest.raises(BadInputError, match="--schema nope.pbtxt: no such file"):
        parse("--schema", "nope.pbtxt")


def test_a_missing_folder_set_in_the_environment_names_the_variable():
    with pytest.raises(BadInputError, match="^PIPELINE_SERVING_DATA_ROOT /no/such: no such dir"):
        parse(environ={"PIPELINE_SERVING_DATA_ROOT": "/no/such"})


def test_the_schema_beside_the_data_is_used_only_when_none_is_named(tmp_path):
    (tmp_path / "rows.csv").write_text("a,b\n1,2\n")
    (tmp_path / "schema.pbtxt").write_text("")
    assert parse("--data-root", str(tmp_path)).schema_path == str(tmp_path / "schema.pbtxt")
    named = parse("--data-root", str(tmp_path), "--schema", "data/iris/schema.pbtxt")
    assert named.schema_path == "data/iris/schema.pbtxt"


@pytest.mark.parametrize(
    "field, value",
    [
        ("tuner_trials", 0),
        ("accuracy_threshold", 1.5),
        ("auc_threshold", 2.0),
        ("max_metric_drop", -0.1),
        ("model_type", "gbdt"),
        ("pipeline_name", "Iris"),
        ("pipeline_name", "-iris"),
    ],
)
def test_invalid_values_are_rejected_with_the_field_name(field, value):
    with pytest.raises(ValueError, match=field):
        PipelineConfig(**{field: value})


def test_paths_become_absolute_but_uris_stay():
    config = PipelineConfig(output_dir="gs://bucket/run").with_absolute_paths()
    assert config.output_dir == "gs://bucket/run"
    assert config.data_root == str(REPO_ROOT / "data" / "iris")
    assert config.metadata_path == "gs://bucket/run/metadata.sqlite"
    assert config.serving_model_dir == "gs://bucket/run/serving_model/iris"


def test_serving_root_overrides_the_default_push_destination():
    assert PipelineConfig().serving_model_dir == "outputs/serving_model/iris"
    config = PipelineConfig(serving_root="gs://models/iris")
    assert config.serving_model_dir == "gs://models/iris"
    assert PipelineConfig(serving_root="models").with_absolute_paths().serving_model_dir == str(
        REPO_ROOT / "models"
    )


@pytest.mark.parametrize("field", ["trainer_cpu_limit", "trainer_memory_limit_gb"])
def test_trainer_limits_must_be_positive(field):
    with pytest.raises(ValueError, match=field):
        PipelineConfig(**{field: 0})


def test_an_unknown_anomaly_kind_is_refused_with_examples_of_real_ones():
    with pytest.raises(ValueError, match="'BIG_VALUES' is not an AnomalyInfo.Type name"):
        PipelineConfig(allowed_anomaly_kinds=("BIG_VALUES",))
    assert PipelineConfig(allowed_anomaly_kinds=("FLOAT_TYPE_BIG_FLOAT",)).allowed_anomaly_kinds


def test_dataset_flags_name_the_label_excluded_columns_overrides_and_model(tmp_path):
    features_file = tmp_path / "features.json"
    features_file.write_text('{"zip": "categorical", "row_id": "exclude", "age": "numeric"}')
    config = parse(
        "--label",
        "churned",
        "--exclude",
        "email",
        "--exclude",
        "row_id",
        "--features",
        str(features_file),
        "--model",
        "dnn",
        "--pipeline-name",
        "churn",
    )
    assert config.label == "churned"
    assert config.excluded_columns == ("email", "row_id")
    assert config.feature_overrides == (("zip", "categorical"), ("age", "numeric"))
    assert config.model_type == "dnn"
    assert config.pipeline_name == "churn"


@pytest.mark.parametrize(
    "content, message",
    [
        (
            '{"zip": "text"}',
            "column 'zip' is 'text'; expected one of numeric, categorical, exclude",
        ),
        ('["zip"]', "expected a JSON object such as"),
        ('{"zip": "categorical",}', "line 1: not valid JSON"),
    ],
)
def test_a_bad_features_file_is_named_with_what_was_expected(tmp_path, content, message):
    features_file = tmp_path / "features.json"
    features_file.write_text(content)
    with pytest.raises(BadInputError, match=f"features file {features_file}.*{message}"):
        parse("--features", str(features_file))


@pytest.mark.parametrize(
    "data_root, name",
    [
        ("data/iris", "iris"),
        ("data/penguins/", "penguins"),
        ("/srv/My Taxi Trips (2024)", "my-taxi-trips-2024"),
        ("gs://bucket/churn_v2/", "churn-v2"),
        ("gs://bucket", "bucket"),
    ],
)
def test_the_pipeline_name_follows_the_data_folder(data_root, name):
    assert PipelineConfig(data_root=data_root).pipeline_name == name
    assert PipelineConfig(data_root=data_root).serving_model_dir == f"outputs/serving_model/{name}"


def test_a_given_pipeline_name_is_kept_and_the_default_config_still_names_one():
    assert PipelineConfig(data_root="data/penguins", pipeline_name="iris").pipeline_name == "iris"
    assert PipelineConfig().pipeline_name == "iris"
    assert parse("--data-root", str(REPO_ROOT / "data" / "penguins")).pipeline_name == "penguins"


@pytest.mark.parametrize("data_root", ["/", "data/___"])
def test_a_data_folder_that_names_no_pipeline_asks_for_a_name(data_root, tmp_path):
    with pytest.raises(ValueError, match=r"no letter or digit.*--pipeline-name NAME"):
        PipelineConfig(data_root=data_root)
    (tmp_path / "___").mkdir()
    with pytest.raises(BadInputError, match=r"--pipeline-name NAME \(data_root: flag --data-root"):
        parse("--data-root", str(tmp_path / "___"))
    assert parse("--data-root", "/", "--pipeline-name", "root").pipeline_name == "root"


def test_the_default_schema_is_the_one_in_the_data_root_on_every_front_end():
    assert PipelineConfig().schema_path == "data/iris/schema.pbtxt"
    assert PipelineConfig(data_root="gs://b/churn").schema_path == "gs://b/churn/schema.pbtxt"
    assert PipelineConfig(data_root="/srv/churn", schema_path=None).schema_path is None
    kubeflow = resolve_settings(KUBEFLOW, environ={}, flags={"data_root": "/data/churn"})
    assert kubeflow.config().schema_path == "/data/churn/schema.pbtxt"
    airflow = config_from_environment({"PIPELINE_DATA_ROOT": "/srv/churn"}, default_root="/p")
    assert airflow.schema_path == "/srv/churn/schema.pbtxt"
    assert config_from_environment({}, default_root="/p").schema_path == (
        "/p/data/iris/schema.pbtxt"
    )


def test_an_empty_optional_path_is_unset_never_a_folder(tmp_path):
    for field in ("serving_root", "serving_data_root", "schema_path"):
        config = PipelineConfig(**{field: ""}).with_absolute_paths()
        assert getattr(config, field) is None
    assert PipelineConfig(serving_root="").serving_model_dir == "outputs/serving_model/iris"
    for field in ("data_root", "output_dir"):
        with pytest.raises(ValueError, match=f"{field} must name a folder"):
            PipelineConfig(**{field: ""})
    assert parse("--serving-root", "").serving_root is None
    config_file = tmp_path / "pipeline.toml"
    config_file.write_text('serving_root = ""\nserving_data_root = ""\n')
    from_file = resolve_settings(RUN, environ={}, config_file=str(config_file)).config()
    assert (from_file.serving_root, from_file.serving_data_root) == (None, None)
