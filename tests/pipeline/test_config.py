"""Run flags -> PipelineConfig, and the config's own checks."""

import argparse
import os

import pytest

from components.hyperparameters import HParams
from pipeline.cli.exit_codes import BadInputError
from pipeline.cli.run import add_run_arguments, config_from_args
from pipeline.config import PipelineConfig
from tests.conftest import REPO_ROOT


def parse(*flags: str) -> PipelineConfig:
    parser = argparse.ArgumentParser()
    add_run_arguments(parser)
    return config_from_args(parser.parse_args(list(flags)))


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


def test_enable_cache_flag_is_accepted():
    assert parse("--enable-cache").enable_cache is True


def test_missing_data_root_is_named():
    with pytest.raises(BadInputError, match="--data-root /no/such/dir"):
        parse("--data-root", "/no/such/dir")


def test_missing_schema_is_named():
    with pytest.raises(BadInputError, match="--schema nope.pbtxt"):
        parse("--schema", "nope.pbtxt")


@pytest.mark.parametrize(
    "field, value",
    [
        ("tuner_trials", 0),
        ("accuracy_threshold", 1.5),
        ("auc_threshold", 2.0),
        ("max_metric_drop", -0.1),
        ("model_type", "gbdt"),
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
