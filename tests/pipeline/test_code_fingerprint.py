"""The code fingerprint follows what a function's module imports from its own package, so an
edit anywhere in that code changes the cache key, and an edit elsewhere does not."""

import importlib
import json
import sys

import pytest

from pipeline.code_fingerprint import code_fingerprint

MODULES = {
    "__init__.py": "",
    "trainer.py": "import json\nfrom userpkg import model\nfrom .features import KEYS\n"
    "def run_fn(args):\n    return model.build(KEYS)\n",
    "model.py": "import userpkg.layers.dense\ndef build(keys):\n    return keys\n",
    "features.py": "KEYS = ['a']\n",
    "layers/__init__.py": "",
    "layers/dense.py": "UNITS = 10\n",
    "unrelated.py": "X = 1\n",
}


@pytest.fixture
def package(tmp_path, monkeypatch):
    root = tmp_path / "userpkg"
    for name, text in MODULES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    yield root
    for name in [m for m in sys.modules if m.startswith("userpkg")]:
        del sys.modules[name]


@pytest.mark.parametrize(
    "edited", ["trainer.py", "model.py", "features.py", "layers/dense.py", "layers/__init__.py"]
)
def test_editing_any_module_the_function_imports_changes_the_fingerprint(package, edited):
    before = code_fingerprint("userpkg.trainer.run_fn")
    (package / edited).write_text((package / edited).read_text() + "# edited\n")
    assert code_fingerprint("userpkg.trainer.run_fn") != before


def test_editing_a_module_it_does_not_import_leaves_it(package):
    before = code_fingerprint("userpkg.trainer.run_fn")
    (package / "unrelated.py").write_text("X = 2\n")
    assert code_fingerprint("userpkg.trainer.run_fn") == before
    assert before.startswith("sha256:") and len(before) == len("sha256:") + 64


def test_nothing_is_imported_to_compute_it(package):
    code_fingerprint("userpkg.trainer.run_fn")
    assert not [m for m in sys.modules if m.startswith("userpkg")]


def test_a_missing_module_is_named(package):
    with pytest.raises(ValueError, match=r"module userpkg.absent \(of userpkg.absent.fn\)"):
        code_fingerprint("userpkg.absent.fn")


def test_the_pipeline_keys_transform_the_trainer_and_the_tuner_on_their_code():
    from pipeline.config import PipelineConfig
    from pipeline.inputs import PREPROCESSING_FN, TRAINER_RUN_FN, TUNER_FN, resolve_inputs
    from pipeline.pipeline import create_pipeline

    config = PipelineConfig(output_dir="/tmp/unused", enable_tuner=True)
    nodes = {c.id: c for c in create_pipeline(config, resolve_inputs(config)).components}
    fingerprints = {
        node: json.loads(nodes[node].exec_properties["custom_config"])["code_fingerprint"]
        for node in ("Transform", "Trainer", "Tuner")
    }
    assert fingerprints == {
        "Transform": code_fingerprint(PREPROCESSING_FN),
        "Trainer": code_fingerprint(TRAINER_RUN_FN),
        "Tuner": code_fingerprint(TUNER_FN),
    }
