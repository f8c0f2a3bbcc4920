"""What `run` refuses before anything runs (exit status 2): a data folder that would start a new
pipeline beside others unnamed, an output directory that is a file, a --summary-json that could
not be written; and the object-store paths it leaves to the run."""

import argparse
import sys

import pytest

from pipeline import nodes
from pipeline.cli import main
from pipeline.cli.run import add_run_arguments, config_from_args
from tests.pipeline.records.metadata_store import RecordedNode, record_run


@pytest.fixture(autouse=True)
def nothing_runs(monkeypatch):
    """Every run here is refused before the local runner is imported: importing it fails."""
    monkeypatch.setitem(sys.modules, "pipeline.runners.local", None)
    for name in ("PIPELINE_CONFIG", "PIPELINE_NAME", "PIPELINE_OUTPUT_DIR"):
        monkeypatch.delenv(name, raising=False)


def data_folder(tmp_path, name: str) -> str:
    folder = tmp_path / "data" / name
    folder.mkdir(parents=True)
    (folder / "rows.csv").write_text("a,b\n1,2\n")
    return str(folder)


def outputs_holding(tmp_path, *pipeline_names: str) -> str:
    output_dir = tmp_path / "outputs"
    for name in pipeline_names:
        record_run(output_dir, {nodes.EXAMPLE_GEN: RecordedNode()}, pipeline_name=name)
    return str(output_dir)


def test_data_in_a_new_folder_is_refused_unnamed_beside_the_pipeline_it_may_continue(
    tmp_path, capsys
):
    data, output_dir = data_folder(tmp_path, "2026-12-01"), outputs_holding(tmp_path, "iris")
    assert main(["run", "--data-root", data, "--output-dir", output_dir]) == 2
    assert capsys.readouterr().err == (
        f"error: {output_dir} holds the pipeline iris; data from {data} would start a new "
        "pipeline, 2026-12-01. Pass --pipeline-name iris to continue that one, or "
        "--pipeline-name 2026-12-01 to start a new one.\n"
    )


def test_the_refusal_names_every_pipeline_the_outputs_hold(tmp_path, capsys):
    data = data_folder(tmp_path, "2026-12-02")
    output_dir = outputs_holding(tmp_path, "iris", "penguins")
    assert main(["run", "--data-root", data, "--output-dir", output_dir]) == 2
    assert (
        f"{output_dir} holds the pipelines iris, penguins; data from {data} would start a new "
        "pipeline, 2026-12-02. Pass --pipeline-name iris or --pipeline-name penguins to "
        "continue one of those, or --pipeline-name 2026-12-02 to start a new one."
    ) in capsys.readouterr().err


@pytest.mark.parametrize(
    "folder, naming",
    [
        ("2026-12-01", ["--pipeline-name", "iris"]),  # named: continues iris
        ("2026-12-01", ["--pipeline-name", "2026-12-01"]),  # named: a new one, on purpose
        ("iris", []),  # unnamed, but the pipeline the outputs hold
    ],
)
def test_a_named_or_continuing_pipeline_is_not_refused(tmp_path, capsys, folder, naming):
    data, output_dir = data_folder(tmp_path, folder), outputs_holding(tmp_path, "iris")
    # Past the checks, the run imports the local runner, which this test made fail.
    with pytest.raises(ImportError):
        main(["run", "--data-root", data, "--output-dir", output_dir, *naming])


def test_a_pipeline_named_in_the_environment_is_not_refused(tmp_path, monkeypatch):
    data, output_dir = data_folder(tmp_path, "2026-12-01"), outputs_holding(tmp_path, "iris")
    monkeypatch.setenv("PIPELINE_NAME", "iris")
    with pytest.raises(ImportError):
        main(["run", "--data-root", data, "--output-dir", output_dir])


def test_the_first_pipeline_in_fresh_outputs_is_not_refused(tmp_path):
    data = data_folder(tmp_path, "2026-12-01")
    with pytest.raises(ImportError):
        main(["run", "--data-root", data, "--output-dir", str(tmp_path / "outputs")])


def test_an_output_dir_that_is_a_file_is_bad_input(tmp_path, capsys):
    a_file = tmp_path / "outputs"
    a_file.write_text("")
    data = data_folder(tmp_path, "iris")
    for output_dir in (a_file, a_file / "nested"):
        assert main(["run", "--data-root", data, "--output-dir", str(output_dir)]) == 2
        assert f"error: --output-dir {output_dir}: {a_file} is a file, not a folder" in (
            capsys.readouterr().err
        )


def test_a_summary_json_that_could_not_be_written_is_refused_before_the_run(tmp_path, capsys):
    data, output_dir = data_folder(tmp_path, "iris"), str(tmp_path / "outputs")
    common = ["run", "--data-root", data, "--output-dir", output_dir, "--summary-json"]
    missing = tmp_path / "no such folder" / "summary.json"
    assert main([*common, str(missing)]) == 2
    assert f"--summary-json {missing}: no such directory {missing.parent}" in (
        capsys.readouterr().err
    )
    assert main([*common, str(tmp_path)]) == 2
    assert "a folder, expected a file to write" in capsys.readouterr().err


def test_object_store_paths_are_left_to_the_run(tmp_path):
    parser = argparse.ArgumentParser()
    add_run_arguments(parser)
    flags = [
        "--data-root",
        "gs://bucket/data",
        "--schema",
        "gs://bucket/schema.pbtxt",
        "--serving-data",
        "s3://bucket/requests",
        "--output-dir",
        str(tmp_path / "outputs"),
    ]
    config = config_from_args(parser.parse_args(flags), environ={})
    assert (config.data_root, config.schema_path, config.serving_data_root) == (
        "gs://bucket/data",
        "gs://bucket/schema.pbtxt",
        "s3://bucket/requests",
    )
    # With no schema named, the run cannot look beside data on an object store: the kept one.
    unnamed = config_from_args(parser.parse_args(["--data-root", "gs://bucket/data"]), {})
    assert unnamed.schema_path is None
