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


def test_the_pipeline_keys_transform_and_trainer_on_their_code():
    from pipeline.config import PipelineConfig
    from pipeline.pipeline import PREPROCESSING_FN, TRAINER_RUN_FN, create_pipeline

    nodes = {c.id: c for c in create_pipeline(PipelineConfig(output_dir="/tmp/unused")).components}
    transform_config = json.loads(nodes["Transform"].exec_properties["custom_config"])
    trainer_config = json.loads(nodes["Trainer"].exec_properties["custom_config"])
    assert transform_config["code_fingerprint"] == code_fingerprint(PREPROCESSING_FN)
    assert trainer_config["code_fingerprint"] == code_fingerprint(TRAINER_RUN_FN)
