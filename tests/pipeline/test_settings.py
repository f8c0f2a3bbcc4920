"""The one declaration of the settings: every PipelineConfig and HParams field reachable from each
front end, where a value comes from (file < environment < flag), --print-config, the config
file's errors and paths, and the README's table."""

import argparse
import dataclasses
import json
import os
import re
import sys

import pytest

from components.hyperparameters import HParams
from pipeline.cli import main
from pipeline.cli.compile_kubeflow import add_kubeflow_arguments
from pipeline.cli.exit_codes import BadInputError
from pipeline.cli.infer_schema import INFER_SCHEMA_SETTINGS
from pipeline.cli.run import add_run_arguments, config_from_args
from pipeline.config import PipelineConfig
from pipeline.settings import (
    AIRFLOW,
    KUBEFLOW,
    RUN,
    SETTINGS,
    config_from_environment,
    settings_from_args,
    settings_table_markdown,
)
from tests.conftest import REPO_ROOT

SETTING_BY_NAME = {setting.name: setting for setting in SETTINGS}
CONFIG_FIELDS = [f.name for f in dataclasses.fields(PipelineConfig) if f.name != "hyperparameters"]
HPARAMS_FIELDS = [f.name for f in dataclasses.fields(HParams)]


@pytest.fixture(autouse=True)
def in_repo_root_without_pipeline_variables(monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    for name in [name for name in os.environ if name.startswith("PIPELINE_")]:
        monkeypatch.delenv(name)


@pytest.fixture
def non_default_values(tmp_path) -> dict[str, tuple[object, object]]:
    """For each field, (what a user gives, what the config then holds): never the default."""
    data, serving = tmp_path / "data", tmp_path / "serving"
    data.mkdir()
    serving.mkdir()
    (data / "rows.csv").write_text("a,b\n1,2\n")
    (tmp_path / "schema.pbtxt").write_text("")
    (tmp_path / "features.json").write_text('{"zip": "categorical"}')
    given = {
        "data_root": str(data),
        "schema_path": str(tmp_path / "schema.pbtxt"),
        "label": "churned",
        "excluded_columns": ("row_id", "email"),
        "model_type": "wide_deep",
        "pipeline_name": "churn",
        "output_dir": "gs://bucket/outputs",
        "serving_data_root": str(serving),
        "serving_root": "gs://bucket/models",
        "allowed_anomaly_kinds": ("FLOAT_TYPE_BIG_FLOAT", "COMPARATOR_L_INFTY_HIGH"),
        "accuracy_threshold": 0.75,
        "auc_threshold": 0.7,
        "max_metric_drop": 0.05,
        "hidden_units": (8, 4),
        "learning_rate": 0.05,
        "batch_size": 32,
        "eval_batch_size": 64,
        "train_steps": 42,
        "eval_steps": 7,
        "steps_per_execution": 5,
        "seed": 7,
        "enable_tuner": True,
        "tuner_trials": 6,
        "tuner_train_steps": 50,
        "enable_cache": False,
        "beam_args": ("--direct_num_workers=2", "--direct_running_mode=multi_processing"),
        "tfx_csv_reader": True,
        "container_image": "registry.example/pipeline:7",
        "trainer_cpu_limit": 2.5,
        "trainer_memory_limit_gb": 16.0,
    }
    values = {name: (value, value) for name, value in given.items()}
    values["feature_overrides"] = (str(tmp_path / "features.json"), (("zip", "categorical"),))
    return values


def value_in(config: PipelineConfig, name: str) -> object:
    if name in HPARAMS_FIELDS:
        return getattr(config.hyperparameters, name)
    return getattr(config, name)


def as_flags(name: str, value: object, front_end: str) -> list[str]:
    """`value` on the command line, as --flag=value (a Beam option's own dashes need the '=')."""
    setting = SETTING_BY_NAME[name]
    flag = setting.flag_on(front_end)
    if isinstance(value, bool):
        return [flag if value else setting.off_flag_on(front_end)]
    if isinstance(value, tuple) and all(isinstance(item, str) for item in value):
        return [f"{flag}={item}" for item in value]
    return [f"{flag}={as_text(value)}"]


def as_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ",".join(str(item) for item in value)
    return str(value)


def as_toml(values: dict[str, object]) -> str:
    def literal(value: object) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, tuple):
            return "[" + ", ".join(literal(item) for item in value) + "]"
        return json.dumps(value)

    top = [f"{name} = {literal(v)}" for name, v in values.items() if name not in HPARAMS_FIELDS]
    table = [f"{name} = {literal(v)}" for name, v in values.items() if name in HPARAMS_FIELDS]
    return "\n".join([*top, "[hyperparameters]", *table]) + "\n"


def run_config(*flags: str, environ: dict[str, str] | None = None) -> PipelineConfig:
    parser = argparse.ArgumentParser()
    add_run_arguments(parser)
    return config_from_args(parser.parse_args(list(flags)), environ=environ or {})


def kubeflow_config(*flags: str, environ: dict[str, str] | None = None) -> PipelineConfig:
    parser = argparse.ArgumentParser()
    add_kubeflow_arguments(parser)
    return settings_from_args(parser.parse_args(list(flags)), KUBEFLOW, environ or {}).config()


def config_through(front_end: str, name: str, given: object, tmp_path) -> PipelineConfig:
    """The config `front_end` builds when a user sets only `name` to `given` through it."""
    if front_end == "run flags":
        return run_config(*as_flags(name, given, RUN))
    if front_end == "compile-kubeflow flags":
        return kubeflow_config(*as_flags(name, given, KUBEFLOW))
    if front_end == "Airflow environment":
        return config_from_environment({SETTING_BY_NAME[name].env_var: as_text(given)})
    config_file = tmp_path / f"{name}.toml"
    config_file.write_text(as_toml({name: given}))
    if front_end == "run config file":
        return run_config("--config", str(config_file))
    return kubeflow_config("--config", str(config_file))


FRONT_END_OF = {
    "run flags": RUN,
    "compile-kubeflow flags": KUBEFLOW,
    "Airflow environment": AIRFLOW,
    "run config file": RUN,
    "compile-kubeflow config file": KUBEFLOW,
}


def test_the_declaration_has_each_field_once_with_its_own_flag_and_variable():
    names = [setting.name for setting in SETTINGS]
    assert sorted(names) == sorted([*CONFIG_FIELDS, *HPARAMS_FIELDS])
    assert len({setting.env_var for setting in SETTINGS}) == len(SETTINGS)
    for front_end in (RUN, KUBEFLOW):
        flags = [s.flag_on(front_end) for s in SETTINGS if s.used_on(front_end)]
        assert len(set(flags)) == len(flags)
    assert all(setting.env_var.startswith("PIPELINE_") for setting in SETTINGS)
    assert SETTING_BY_NAME["train_steps"].env_var == "PIPELINE_TRAIN_STEPS"
    assert SETTING_BY_NAME["pipeline_name"].env_var == "PIPELINE_NAME"
    assert SETTING_BY_NAME["output_dir"].flag_on(KUBEFLOW) == "--pipeline-root"


def test_the_example_values_are_not_the_defaults(non_default_values):
    defaults = PipelineConfig()
    same = [
        name for name, (_, held) in non_default_values.items() if held == value_in(defaults, name)
    ]
    assert same == []


@pytest.mark.parametrize("front_end", FRONT_END_OF)
def test_every_field_is_reachable_from_every_front_end(front_end, non_default_values, tmp_path):
    unreachable = []
    for name in [*CONFIG_FIELDS, *HPARAMS_FIELDS]:
        setting = SETTING_BY_NAME.get(name)
        if setting is None or name not in non_default_values:
            unreachable.append(f"{name} (not declared, or no example value in this test)")
            continue
        if not setting.used_on(FRONT_END_OF[front_end]):
            assert setting.only_on_because, f"{name} is left out of {front_end} without a reason"
            continue
        given, held = non_default_values[name]
        config = config_through(front_end, name, given, tmp_path)
        if value_in(config, name) != held:
            unreachable.append(f"{name}: got {value_in(config, name)!r}, expected {held!r}")
    assert unreachable == [], f"not settable through {front_end}: {unreachable}"


def test_only_kubeflow_settings_are_left_out_of_a_local_run_and_airflow():
    left_out = {s.name for s in SETTINGS if not s.used_on(RUN) or not s.used_on(AIRFLOW)}
    assert left_out == {"container_image", "trainer_cpu_limit", "trainer_memory_limit_gb"}
    assert all(setting.used_on(KUBEFLOW) for setting in SETTINGS)


def write_config(tmp_path, text: str):
    config_file = tmp_path / "pipeline.toml"
    config_file.write_text(text)
    return config_file


def test_a_flag_overrides_the_environment_which_overrides_the_file(tmp_path):
    config_file = write_config(
        tmp_path, 'label = "from_file"\n[hyperparameters]\ntrain_steps = 10\n'
    )
    environ = {"PIPELINE_TRAIN_STEPS": "20"}
    assert run_config("--config", str(config_file)).hyperparameters.train_steps == 10
    assert run_config("--config", str(config_file), environ=environ).hyperparameters == HParams(
        train_steps=20
    )
    flagged = run_config("--config", str(config_file), "--train-steps", "30", environ=environ)
    assert flagged.hyperparameters.train_steps == 30
    assert flagged.label == "from_file"


def test_the_config_file_named_by_the_environment_is_read_and_a_flag_names_another(tmp_path):
    config_file = write_config(tmp_path, "tuner_trials = 9\n")
    other = tmp_path / "other.toml"
    other.write_text("tuner_trials = 3\n")
    environ = {"PIPELINE_CONFIG": str(config_file)}
    assert run_config(environ=environ).tuner_trials == 9
    assert run_config("--config", str(other), environ=environ).tuner_trials == 3


def printed_settings(output: str) -> dict[str, tuple[str, str]]:
    """--print-config's rows: setting -> (value, source)."""
    rows = {}
    for line in output.splitlines():
        match = re.fullmatch(r"(\S+)\s{2,}(.+?)\s{2,}(\S.*)", line)
        if match:
            rows[match[1]] = (match[2], match[3])
    return rows


def test_print_config_names_each_source_and_runs_nothing(tmp_path, monkeypatch, capsys):
    # The local runner's module is never imported: importing it would fail.
    monkeypatch.setitem(sys.modules, "pipeline.runners.local", None)
    config_file = write_config(tmp_path, 'label = "churned"\n[hyperparameters]\nseed = 3\n')
    monkeypatch.setenv("PIPELINE_TRAIN_STEPS", "20")
    exit_code = main(
        ["run", "--config", str(config_file), "--seed", "5", "--no-cache", "--print-config"]
    )
    output = capsys.readouterr().out
    rows = printed_settings(output)
    assert exit_code == 0
    assert f"config file: {config_file} (--config)" in output
    assert rows["label"] == ("churned", f"file {config_file}")
    assert rows["hyperparameters.train_steps"] == ("20", "env PIPELINE_TRAIN_STEPS")
    assert rows["hyperparameters.seed"] == ("5", "flag --seed")
    assert rows["enable_cache"] == ("false", "flag --no-cache")
    assert rows["data_root"] == ("data/iris", "default")
    assert rows["schema_path"] == ("data/iris/schema.pbtxt", "default: schema.pbtxt in data_root")
    assert rows["pipeline_name"] == (
        "iris",
        "default: the data folder's name, lowercased, each run of characters other than "
        "letters and digits made one '-'",
    )
    assert "container_image" not in rows
    assert "not used by run: container_image, trainer_cpu_limit, trainer_memory_limit_gb" in output


def test_compile_kubeflow_prints_its_settings_without_writing_a_spec(tmp_path, capsys):
    exit_code = main(
        [
            "compile-kubeflow",
            "--pipeline-root",
            "gs://bucket/root",
            "--train-steps",
            "7",
            "--print-config",
        ]
    )
    rows = printed_settings(capsys.readouterr().out)
    assert exit_code == 0
    assert rows["output_dir"] == ("gs://bucket/root", "flag --pipeline-root")
    assert rows["hyperparameters.train_steps"] == ("7", "flag --train-steps")
    assert rows["container_image"] == ("iris-tfx-pipeline:0.1.0", "default")
    assert list(tmp_path.iterdir()) == []


def test_compile_kubeflow_without_output_is_bad_input(capsys):
    assert main(["compile-kubeflow"]) == 2
    assert "compile-kubeflow needs --output FILE" in capsys.readouterr().err


def test_compile_kubeflow_refuses_a_name_kubeflow_does_not_take_before_compiling(tmp_path, capsys):
    spec = tmp_path / "spec.yaml"
    arguments = ["compile-kubeflow", "--output", str(spec), "--pipeline-name", "churn_v2"]
    assert main(arguments) == 2
    assert "pipeline_name 'churn_v2' (flag --pipeline-name): Kubeflow takes" in (
        capsys.readouterr().err
    )
    assert not spec.exists()


@pytest.mark.parametrize(
    "text, message",
    [
        ('data-root = "x"\n', "unknown setting 'data-root'; did you mean data_root?"),
        (
            "train_steps = 5\n",
            r"unknown setting 'train_steps'; did you mean train_steps in the \[hyperparameters\]",
        ),
        (
            "[hyperparameters]\ntrian_steps = 5\n",
            "unknown setting 'hyperparameters.trian_steps'; did you mean train_steps in the",
        ),
        ("colour = 5\n", "unknown setting 'colour'$"),
        ("hyperparameters = 5\n", r"hyperparameters must be a table \(\[hyperparameters\]\)"),
    ],
)
def test_an_unknown_key_is_named_with_the_file_and_the_closest_setting(tmp_path, text, message):
    config_file = write_config(tmp_path, text)
    with pytest.raises(
        BadInputError, match=f"^config file {re.escape(str(config_file))}: {message}"
    ):
        run_config("--config", str(config_file))


@pytest.mark.parametrize(
    "text, message",
    [
        ('[hyperparameters]\ntrain_steps = "many"\n', 'train_steps = "many": expected a whole'),
        ("[hyperparameters]\ntrain_steps = 1.5\n", "train_steps = 1.5: expected a whole number"),
        ("enable_cache = 1\n", "enable_cache = 1: expected true or false"),
        ('excluded_columns = "id"\n', 'excluded_columns = "id": expected a list of text'),
        ("[hyperparameters]\nhidden_units = [8, true]\n", "expected a list of whole numbers"),
        ("label = \n", "not valid TOML: Invalid value \\(at line 1, column 9\\)"),
    ],
)
def test_a_value_of_the_wrong_type_is_named(tmp_path, text, message):
    config_file = write_config(tmp_path, text)
    with pytest.raises(
        BadInputError, match=f"config file {re.escape(str(config_file))}: .*{message}"
    ):
        run_config("--config", str(config_file))


def test_a_missing_config_file_is_named_with_what_named_it(tmp_path):
    with pytest.raises(BadInputError, match="config file /no/such.toml: No such file"):
        run_config(environ={"PIPELINE_CONFIG": "/no/such.toml"})


def test_relative_paths_in_the_file_are_relative_to_its_folder(tmp_path):
    project = tmp_path / "project"
    (project / "taxi").mkdir(parents=True)
    (project / "taxi" / "rows.csv").write_text("a,b\n1,2\n")
    (project / "taxi" / "curated.pbtxt").write_text("")
    (project / "features.json").write_text('{"zip": "categorical", "row_id": "exclude"}')
    config_file = write_config(
        project,
        'data_root = "taxi"\nschema_path = "taxi/curated.pbtxt"\nfeature_overrides = '
        '"features.json"\noutput_dir = "gs://bucket/out"\n',
    )
    config = run_config("--config", str(config_file))  # from the repository root
    assert config.data_root == str(project / "taxi")
    assert config.schema_path == str(project / "taxi" / "curated.pbtxt")
    assert config.output_dir == "gs://bucket/out"
    assert config.feature_overrides == (("zip", "categorical"),)
    assert config.excluded_columns == ("row_id",)
    assert config.pipeline_name == "taxi"
    # On compile-kubeflow the steps' paths are the containers': kept as written. The features
    # file is read by the command itself, so it is still the one beside the config file.
    kubeflow = kubeflow_config("--config", str(config_file))
    assert kubeflow.data_root == "taxi"
    assert kubeflow.schema_path == "taxi/curated.pbtxt"
    assert kubeflow.feature_overrides == (("zip", "categorical"),)


def test_environment_variables_take_lists_empty_values_and_true_or_false_words():
    config = config_from_environment(
        {
            "PIPELINE_EXCLUDED_COLUMNS": "row_id, email,",
            "PIPELINE_HIDDEN_UNITS": "16,8,4",
            "PIPELINE_ENABLE_CACHE": "No",
            "PIPELINE_ENABLE_TUNER": "1",
            "PIPELINE_SERVING_DATA_ROOT": "",
            "PIPELINE_BEAM_ARGS": "",
        }
    )
    assert config.excluded_columns == ("row_id", "email")
    assert config.hyperparameters.hidden_units == (16, 8, 4)
    assert config.enable_cache is False
    assert config.enable_tuner is True
    assert config.serving_data_root is None
    assert config.beam_args == ()


@pytest.mark.parametrize(
    "variable, value, message",
    [
        ("PIPELINE_TRAIN_STEPS", "many", "PIPELINE_TRAIN_STEPS='many': expected a whole number"),
        (
            "PIPELINE_ENABLE_CACHE",
            "maybe",
            r"PIPELINE_ENABLE_CACHE='maybe': expected true or false \(true/1/yes/on or false",
        ),
        ("PIPELINE_LABEL", "", "PIPELINE_LABEL='': expected text"),
    ],
)
def test_a_bad_environment_variable_is_named(variable, value, message):
    with pytest.raises(BadInputError, match=f"environment variable {message}"):
        config_from_environment({variable: value})


@pytest.mark.parametrize(
    "flags, environ, message",
    [
        (["--train-steps", "0"], {}, r"train_steps must be >= 1, got 0 \(train_steps: flag"),
        (
            [],
            {"PIPELINE_LEARNING_RATE": "3"},
            r"learning_rate must be in \(0, 1\), got 3.0 \(learning_rate: env PIPELINE_LEARNING",
        ),
        (["--tuner-trials", "0"], {}, r"tuner_trials must be >= 1, got 0 \(tuner_trials: flag"),
        (["--allow-anomaly", "BIG"], {}, "allowed_anomaly_kinds: 'BIG' is not an AnomalyInfo"),
        (["--pipeline-name", "My Iris"], {}, "pipeline_name must be lowercase letters"),
    ],
)
def test_an_invalid_value_is_bad_input_naming_the_setting_and_where_it_was_set(
    flags, environ, message
):
    with pytest.raises(BadInputError, match=f"^invalid configuration: {message}"):
        run_config(*flags, environ=environ)


def test_a_bad_flag_value_is_refused_by_the_parser_with_what_was_expected(capsys):
    with pytest.raises(SystemExit) as exit_info:
        run_config("--hidden-units", "8,x")
    assert exit_info.value.code == 2
    assert "--hidden-units: expected a list of whole numbers" in capsys.readouterr().err


def test_true_or_false_flags_come_in_pairs_and_the_last_one_wins():
    assert run_config("--tuner").enable_tuner is True
    assert run_config("--tuner", "--no-tuner").enable_tuner is False
    assert run_config("--no-tfx-csv-reader", "--tfx-csv-reader").tfx_csv_reader is True


def test_infer_schema_takes_the_dataset_settings_only(tmp_path):
    from pipeline.cli import build_parser

    args = build_parser().parse_args(
        [
            "infer-schema",
            "--output",
            "x.pbtxt",
            "--data-root",
            str(tmp_path),
            "--label",
            "churned",
            "--exclude",
            "row_id",
            "--model",
            "dnn",
        ]
    )
    config = settings_from_args(args, RUN, {}, names=INFER_SCHEMA_SETTINGS).config()
    assert (config.data_root, config.label, config.excluded_columns, config.model_type) == (
        str(tmp_path),
        "churned",
        ("row_id",),
        "dnn",
    )
    with pytest.raises(SystemExit):
        build_parser().parse_args(["infer-schema", "--output", "x", "--train-steps", "5"])


def test_the_readme_holds_the_declarations_table_and_no_sample_named_variables():
    readme = (REPO_ROOT / "README.md").read_text()
    assert settings_table_markdown() in readme
    assert readme.count("| setting (config file key) |") == 1
    assert "IRIS_" not in readme
    assert "IRIS_" not in (REPO_ROOT / "pipeline" / "runners" / "airflow_dag.py").read_text()
