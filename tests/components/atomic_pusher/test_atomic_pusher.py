"""Pushes land whole, under versions of their own, and ML Metadata says where."""

import json
import os
import pathlib
import signal
import subprocess
import sys
import threading
import time

from tfx.types import standard_artifacts, standard_component_specs

from components.artifact_files import STATISTICS_FILE
from components.atomic_pusher.component import TRAINING_STATISTICS_KEY, Executor
from components.atomic_pusher.push import STAGING_PREFIX, push_model
from components.serving_directory import EXTRA_DIR, PUSH_RECORD_FILE, TRAINING_STATISTICS_DIR
from components.validation_gate.component import ValidatedStatistics

FILES_IN_BIG_MODEL = 400


def make_model(directory, files: int = 3, size: int = 16) -> str:
    """A SavedModel-shaped folder: saved_model.pb, variables and assets."""
    (directory / "variables").mkdir(parents=True)
    (directory / "assets").mkdir()
    (directory / "saved_model.pb").write_bytes(b"graph")
    for i in range(files):
        (directory / "variables" / f"part-{i}").write_bytes(os.urandom(size))
    (directory / "assets" / "species").write_text("setosa\n")
    return str(directory)


def files_under(directory) -> dict[str, bytes]:
    found = {}
    for root, _, names in os.walk(directory):
        for name in names:
            path = pathlib.Path(root, name)
            found[str(path.relative_to(directory))] = path.read_bytes()
    return found


def test_two_pushes_in_the_same_second_keep_both_models(tmp_path):
    first = make_model(tmp_path / "first")
    second = make_model(tmp_path / "second")
    serving = tmp_path / "serving"
    same_second = lambda: 1_800_000_000.4  # noqa: E731
    assert push_model(first, str(serving), clock=same_second) == (
        "1800000000",
        str(serving / "1800000000"),
    )
    assert push_model(second, str(serving), clock=same_second)[0] == "1800000001"
    assert files_under(serving / "1800000000") == files_under(first)
    assert files_under(serving / "1800000001") == files_under(second)
    assert sorted(os.listdir(serving)) == ["1800000000", "1800000001"]  # no staging left


def test_a_push_is_newer_than_every_version_already_there(tmp_path):
    serving = tmp_path / "serving"
    (serving / "1900000000").mkdir(parents=True)  # e.g. pushed by a clock running ahead
    model = make_model(tmp_path / "model")
    assert push_model(model, str(serving), clock=lambda: 1_800_000_000)[0] == "1900000001"


def test_a_reader_polling_the_serving_directory_never_sees_a_partial_model(tmp_path):
    model = make_model(tmp_path / "model", files=FILES_IN_BIG_MODEL, size=64 * 1024)
    expected = files_under(model)
    serving = tmp_path / "serving"
    serving.mkdir()
    seen_partial, pushing = [], True

    def poll() -> None:
        while pushing:
            for name in os.listdir(serving):
                if name.isdigit() and set(files_under(serving / name)) != set(expected):
                    seen_partial.append(name)

    reader = threading.Thread(target=poll)
    reader.start()
    try:
        for _ in range(3):
            push_model(model, str(serving))
    finally:
        pushing = False
        reader.join()
    assert seen_partial == []
    assert len([n for n in os.listdir(serving) if n.isdigit()]) == 3


def test_a_push_killed_midway_publishes_nothing(tmp_path):
    model = make_model(tmp_path / "model", files=FILES_IN_BIG_MODEL, size=256 * 1024)
    serving = tmp_path / "serving"
    serving.mkdir()
    pusher = subprocess.Popen(
        [sys.executable, "-c",
         "import sys; from components.atomic_pusher.push import push_model; "
         "push_model(sys.argv[1], sys.argv[2])", model, str(serving)],
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not any(name.startswith(STAGING_PREFIX) for name in os.listdir(serving)):
        assert time.monotonic() < deadline and pusher.poll() is None, "the push never started"
        time.sleep(0.005)
    pusher.send_signal(signal.SIGKILL)
    pusher.wait(timeout=30)
    # Killed while copying: no version exists, only the hidden staging folder.
    assert [name for name in os.listdir(serving) if name.isdigit()] == []
    # The next push is unaffected and complete.
    version, path = push_model(model, str(serving))
    assert files_under(path) == files_under(model)


def artifact(kind, uri, **int_properties):
    instance = kind()
    instance.uri = str(uri)
    for name, value in int_properties.items():
        instance.set_int_custom_property(name, value)
    return instance


def push(tmp_path, model_artifact, name: str, training_statistics=()):
    """Run the executor once on a blessed `model_artifact`; return its PushedModel."""
    blessing = artifact(standard_artifacts.ModelBlessing, tmp_path / "blessing", blessed=1)
    output = artifact(standard_artifacts.PushedModel, tmp_path / name)
    Executor().Do(
        {
            standard_component_specs.MODEL_KEY: [model_artifact],
            standard_component_specs.MODEL_BLESSING_KEY: [blessing],
            TRAINING_STATISTICS_KEY: list(training_statistics),
        },
        {standard_component_specs.PUSHED_MODEL_KEY: [output]},
        {
            standard_component_specs.PUSH_DESTINATION_KEY: json.dumps(
                {"filesystem": {"base_directory": str(tmp_path / "serving")}}
            )
        },
    )
    return output


def trained_model(tmp_path, name: str):
    model_artifact = artifact(standard_artifacts.Model, tmp_path / name)
    make_model(tmp_path / name / "Format-Serving")
    return model_artifact


def test_the_executor_records_the_version_it_really_pushed(tmp_path):
    # Two models pushed as fast as they go: usually within one second.
    pushed = [push(tmp_path, trained_model(tmp_path, f"model-{i}"), f"pushed-{i}") for i in (0, 1)]
    destinations = [p.get_string_custom_property("pushed_destination") for p in pushed]
    versions = [p.get_string_custom_property("pushed_version") for p in pushed]
    assert [p.get_int_custom_property("pushed") for p in pushed] == [1, 1]
    assert int(versions[1]) > int(versions[0])
    assert destinations == [str(tmp_path / "serving" / v) for v in versions]
    for i, path in enumerate(destinations):
        served = files_under(path)
        record = json.loads(served.pop(f"{EXTRA_DIR}/{PUSH_RECORD_FILE}"))
        assert record["model_uri"] == str(tmp_path / f"model-{i}")
        assert served == files_under(tmp_path / f"model-{i}" / "Format-Serving")


def test_the_statistics_of_the_training_data_are_kept_beside_the_model(tmp_path):
    statistics = artifact(ValidatedStatistics, tmp_path / "statistics")
    for split in ("train", "eval"):
        (tmp_path / "statistics" / f"Split-{split}").mkdir(parents=True)
        (tmp_path / "statistics" / f"Split-{split}" / STATISTICS_FILE).write_bytes(split.encode())
    output = push(tmp_path, trained_model(tmp_path, "model"), "pushed", [statistics])
    kept = pathlib.Path(output.get_string_custom_property("pushed_destination"), EXTRA_DIR)
    for split in ("train", "eval"):
        path = kept / TRAINING_STATISTICS_DIR / f"Split-{split}" / STATISTICS_FILE
        assert path.read_bytes() == split.encode()


def test_the_served_model_is_not_pushed_again(tmp_path):
    """A rerun that evaluates the served model against itself keeps its version: a new one
    would be a new baseline, and the run after it would evaluate the same model again."""
    model_artifact = trained_model(tmp_path, "model")
    first = push(tmp_path, model_artifact, "pushed-0")
    again = push(tmp_path, model_artifact, "pushed-1")
    assert again.get_int_custom_property("pushed") == 1
    assert again.get_string_custom_property("pushed_version") == first.get_string_custom_property(
        "pushed_version"
    )
    assert os.listdir(tmp_path / "serving") == [first.get_string_custom_property("pushed_version")]


def test_an_unblessed_model_is_not_pushed(tmp_path):
    make_model(tmp_path / "model" / "Format-Serving")
    output = artifact(standard_artifacts.PushedModel, tmp_path / "pushed")
    Executor().Do(
        {
            standard_component_specs.MODEL_KEY: [
                artifact(standard_artifacts.Model, tmp_path / "model")
            ],
            standard_component_specs.MODEL_BLESSING_KEY: [
                artifact(standard_artifacts.ModelBlessing, tmp_path / "blessing", blessed=0)
            ],
        },
        {standard_component_specs.PUSHED_MODEL_KEY: [output]},
        {
            standard_component_specs.PUSH_DESTINATION_KEY: json.dumps(
                {"filesystem": {"base_directory": str(tmp_path / "serving")}}
            )
        },
    )
    assert output.get_int_custom_property("pushed") == 0
    assert not (tmp_path / "serving").exists()
