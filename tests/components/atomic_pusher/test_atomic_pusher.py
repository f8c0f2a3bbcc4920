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

from components.atomic_pusher.component import Executor
from components.atomic_pusher.push import STAGING_PREFIX, push_model

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


def test_the_executor_records_the_version_it_really_pushed(tmp_path):
    model_artifact = artifact(standard_artifacts.Model, tmp_path / "model")
    make_model(tmp_path / "model" / "Format-Serving")
    blessing = artifact(standard_artifacts.ModelBlessing, tmp_path / "blessing", blessed=1)
    serving = tmp_path / "serving"
    destination = json.dumps({"filesystem": {"base_directory": str(serving)}})
    pushed = []
    for i in range(2):  # two pushes, as fast as they go: usually within one second
        output = artifact(standard_artifacts.PushedModel, tmp_path / f"pushed-{i}")
        Executor().Do(
            {
                standard_component_specs.MODEL_KEY: [model_artifact],
                standard_component_specs.MODEL_BLESSING_KEY: [blessing],
            },
            {standard_component_specs.PUSHED_MODEL_KEY: [output]},
            {standard_component_specs.PUSH_DESTINATION_KEY: destination},
        )
        pushed.append(output)
    destinations = [p.get_string_custom_property("pushed_destination") for p in pushed]
    versions = [p.get_string_custom_property("pushed_version") for p in pushed]
    assert [p.get_int_custom_property("pushed") for p in pushed] == [1, 1]
    assert int(versions[1]) > int(versions[0])
    assert destinations == [str(serving / v) for v in versions]
    for path in destinations:
        assert files_under(path) == files_under(tmp_path / "model" / "Format-Serving")


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
