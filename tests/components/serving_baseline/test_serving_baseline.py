"""ServingBaseline finds the served model and its training statistics in the serving
directory the Pusher wrote; before any push, both are empty."""

import os
import pathlib

import pytest
from tfx.types import standard_artifacts

from components.artifact_files import STATISTICS_FILE
from components.serving_baseline.component import (
    PUSHED_FROM_PROPERTY,
    SERVED_VERSION_PROPERTY,
    ServingBaseline,
    holds_model,
)
from components.serving_directory import EXTRA_DIR, PUSH_RECORD_FILE
from components.validation_gate.component import ValidatedStatistics
from tests.components.atomic_pusher.test_atomic_pusher import (
    artifact,
    files_under,
    make_model,
    push,
    trained_model,
)


def find_baseline(tmp_path, serving_model_dir, name="baseline"):
    """Run ServingBaseline's executor; return its (model, statistics) outputs."""
    model = artifact(standard_artifacts.Model, tmp_path / name / "model")
    statistics = artifact(ValidatedStatistics, tmp_path / name / "statistics")
    ServingBaseline.EXECUTOR_SPEC.executor_class().Do(
        {},
        {"model": [model], "statistics": [statistics]},
        {"serving_model_dir": str(serving_model_dir), "served_version_when_built": ""},
    )
    return model, statistics


def training_statistics(tmp_path, name: str) -> ValidatedStatistics:
    statistics = artifact(ValidatedStatistics, tmp_path / name)
    for split in ("train", "eval"):
        (tmp_path / name / f"Split-{split}").mkdir(parents=True)
        (tmp_path / name / f"Split-{split}" / STATISTICS_FILE).write_bytes(
            f"{name}/{split}".encode()
        )
    return statistics


def test_before_any_push_the_baseline_is_empty(tmp_path):
    model, statistics = find_baseline(tmp_path, tmp_path / "serving")
    assert not holds_model(model.uri)
    assert not os.path.exists(statistics.uri) or os.listdir(statistics.uri) == []
    assert model.get_string_custom_property(SERVED_VERSION_PROPERTY) == ""


def test_the_baseline_is_the_newest_push_with_the_statistics_it_was_trained_on(tmp_path):
    push(
        tmp_path,
        trained_model(tmp_path, "old"),
        "pushed-old",
        [training_statistics(tmp_path, "s1")],
    )
    newest = push(
        tmp_path,
        trained_model(tmp_path, "new"),
        "pushed-new",
        [training_statistics(tmp_path, "s2")],
    )
    # A push still copying (no saved_model.pb yet) is not served.
    (tmp_path / "serving" / "9999999999" / "variables").mkdir(parents=True)
    model, statistics = find_baseline(tmp_path, tmp_path / "serving")
    version = newest.get_string_custom_property("pushed_version")
    assert model.get_string_custom_property(SERVED_VERSION_PROPERTY) == version
    assert model.get_string_custom_property(PUSHED_FROM_PROPERTY) == str(tmp_path / "new")
    assert holds_model(model.uri)
    assert files_under(pathlib.Path(model.uri, "Format-Serving")) == files_under(
        tmp_path / "serving" / version
    )
    kept = {
        split: (pathlib.Path(statistics.uri) / f"Split-{split}" / STATISTICS_FILE).read_bytes()
        for split in ("train", "eval")
    }
    assert kept == {"train": b"s2/train", "eval": b"s2/eval"}


def test_a_version_another_pusher_wrote_is_the_baseline_without_drift_statistics(tmp_path):
    """TFX's own Pusher keeps no statistics or push record: the model is still compared with,
    and the next push of any model is a new version."""
    make_model(tmp_path / "serving" / "1800000000")
    model, statistics = find_baseline(tmp_path, tmp_path / "serving")
    assert holds_model(model.uri)
    assert model.get_string_custom_property(PUSHED_FROM_PROPERTY) == ""
    assert not os.path.exists(statistics.uri) or os.listdir(statistics.uri) == []
    pushed = push(tmp_path, trained_model(tmp_path, "model"), "pushed")
    assert int(pushed.get_string_custom_property("pushed_version")) > 1800000000


def test_a_broken_push_record_is_named(tmp_path):
    make_model(tmp_path / "serving" / "1800000000")
    record = tmp_path / "serving" / "1800000000" / EXTRA_DIR / PUSH_RECORD_FILE
    record.parent.mkdir()
    record.write_text("{not json")
    with pytest.raises(ValueError, match=f"{record}: not a push record"):
        find_baseline(tmp_path, tmp_path / "serving")
