"""compile-kubeflow's bad input is exit status 2 with the file named, not a traceback; and
infer-schema starts TensorFlow as quietly as the other commands."""

import pytest

from pipeline.cli import infer_schema, main
from tests.conftest import CURATED_SCHEMA


@pytest.fixture(autouse=True)
def no_pipeline_variables(monkeypatch):
    for name in ("PIPELINE_CONFIG", "PIPELINE_SCHEMA_PATH", "PIPELINE_LABEL"):
        monkeypatch.delenv(name, raising=False)


def test_a_missing_schema_is_bad_input_naming_it(tmp_path, capsys):
    spec = tmp_path / "spec.yaml"
    missing = tmp_path / "nonexistent.pbtxt"
    assert main(["compile-kubeflow", "--output", str(spec), "--schema", str(missing)]) == 2
    assert f"cannot read the schema {missing}" in capsys.readouterr().err
    assert not spec.exists()


def test_a_label_the_schema_does_not_have_is_bad_input_naming_the_schema(tmp_path, capsys):
    arguments = ["--output", str(tmp_path / "spec.yaml"), "--schema", str(CURATED_SCHEMA)]
    assert main(["compile-kubeflow", *arguments, "--label", "nope"]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"error: schema {CURATED_SCHEMA} (flag --schema): label 'nope'")


def test_an_output_that_cannot_be_written_is_bad_input(tmp_path, capsys):
    a_file = tmp_path / "a file"
    a_file.write_text("")
    output = a_file / "spec.yaml"
    assert main(["compile-kubeflow", "--output", str(output)]) == 2
    assert f"error: --output {output}: cannot write it" in capsys.readouterr().err


def test_infer_schema_quiets_tensorflow_first(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(infer_schema, "quiet_tensorflow", lambda: calls.append("quiet"))
    arguments = ["--output", str(tmp_path / "s.pbtxt"), "--data-root", str(tmp_path / "none")]
    assert main(["infer-schema", *arguments]) == 2
    assert calls == ["quiet"]
