"""The commands that read runs back (inspect, report, predict, propose-schema) take --output-dir
and --pipeline-name from the settings declaration: the flag over PIPELINE_* over --config."""

import pytest

from pipeline.cli import build_parser, main

READERS = [
    ["inspect"],
    ["report", "--html", "report.html"],
    ["predict", "--input", "rows.csv"],
    ["propose-schema", "--output", "proposed.pbtxt"],
]


@pytest.fixture(autouse=True)
def no_pipeline_variables(monkeypatch):
    for name in ("PIPELINE_CONFIG", "PIPELINE_NAME", "PIPELINE_OUTPUT_DIR"):
        monkeypatch.delenv(name, raising=False)


def resolved(arguments: list[str]) -> tuple[str, str | None]:
    args = build_parser().parse_args(arguments)
    args.resolve_arguments(args)
    return args.output_dir, args.pipeline_name


@pytest.mark.parametrize("command", READERS, ids=lambda command: command[0])
def test_each_reader_takes_the_flag_over_the_environment_over_the_file(
    command, tmp_path, monkeypatch
):
    config_file = tmp_path / "pipeline.toml"
    config_file.write_text('output_dir = "from-file"\npipeline_name = "churn"\n')
    assert resolved(command) == ("outputs", None)  # None: the only pipeline recorded
    with_file = [*command, "--config", str(config_file)]
    assert resolved(with_file) == (str(tmp_path / "from-file"), "churn")
    monkeypatch.setenv("PIPELINE_OUTPUT_DIR", "/env/outputs")
    monkeypatch.setenv("PIPELINE_NAME", "penguins")
    assert resolved(with_file) == ("/env/outputs", "penguins")
    flags = [*with_file, "--output-dir", "/flag/outputs", "--pipeline-name", "iris"]
    assert resolved(flags) == ("/flag/outputs", "iris")
    monkeypatch.delenv("PIPELINE_OUTPUT_DIR")
    monkeypatch.setenv("PIPELINE_CONFIG", str(config_file))
    assert resolved(command) == (str(tmp_path / "from-file"), "penguins")


def test_the_environment_chooses_the_outputs_a_command_reads(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PIPELINE_OUTPUT_DIR", str(tmp_path / "nothing here"))
    assert main(["inspect"]) == 2
    assert f"{tmp_path / 'nothing here'}" in capsys.readouterr().err


def test_a_bad_config_file_is_bad_input_for_a_reader(tmp_path, capsys):
    assert main(["inspect", "--config", str(tmp_path / "missing.toml")]) == 2
    assert f"config file {tmp_path / 'missing.toml'}" in capsys.readouterr().err
