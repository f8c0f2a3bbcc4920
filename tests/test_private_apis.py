"""Every private or internal API of TFX, tfx_bsl, TFMA, TFDV, ML Metadata, Beam, Keras and
TensorFlow this project relies on, in one table, each checked for the shape we rely on; an
upgrade that breaks one fails here, naming the package, what is gone and what it breaks.

A second test reads our sources and fails on a private name of those libraries that is not in
the table, so the table cannot fall behind the code (nor keep an entry the code no longer uses).
"""

import ast
import dataclasses
import importlib
import importlib.metadata
import inspect
import os
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.conftest import REPO_ROOT

# The distribution each library's top-level package comes from.
DISTRIBUTIONS = {
    "tfx": "tfx",
    "tfx_bsl": "tfx-bsl",
    "tensorflow_model_analysis": "tensorflow-model-analysis",
    "tensorflow_data_validation": "tensorflow-data-validation",
    "tensorflow_transform": "tensorflow-transform",
    "tensorflow_metadata": "tensorflow-metadata",
    "ml_metadata": "ml-metadata",
    "apache_beam": "apache-beam",
    "tensorflow": "tensorflow",
    "tf_keras": "tf-keras",
    "keras": "keras",
    "keras_tuner": "keras-tuner",
}
# TensorFlow's own implementation, outside the tf.* API: every name in it is internal.
INTERNAL_PACKAGES = ("tensorflow.python", "tensorflow.core")
# Where our code lives; this file names every entry and is not scanned.
SCANNED = ("pipeline", "components", "bench", "tests", "local_runner.py")
NOT_SCANNED = {"tests/test_private_apis.py"}
_NOT_CHECKED = object()


@dataclasses.dataclass(frozen=True)
class PrivateApi:
    """One upstream name we rely on, and the shape we rely on it having."""

    module: str
    attribute: str  # dotted from the module: "Executor._MarkPushed"
    used_for: str
    used_in: tuple[str, ...]  # our files that rely on it, from the repository root
    # A callable whose leading parameters (after self) are these, in this order.
    parameters: tuple[str, ...] | None = None
    # A constant whose value we repeat (a property name, a context type).
    value: Any = _NOT_CHECKED
    # Text that must be in the attribute's source: a log message we match, a call we rely on.
    in_source: str | None = None
    # Anything else: (what it must be, a test of it).
    shape: tuple[str, Callable[[Any], bool]] | None = None
    # How the files in used_in name it; by default the attribute's last name.
    mentioned_as: str | None = None

    @property
    def dotted(self) -> str:
        return f"{self.module}.{self.attribute}"

    @property
    def mention(self) -> str:
        return self.mentioned_as or self.attribute.rpartition(".")[2]


PUSHER = "tfx.components.pusher.executor"
CSV_EXECUTOR = "tfx.components.example_gen.csv_example_gen.executor"
AUTOGRAPH_CONFIG = "tensorflow.python.autograph.core.config"
LOCAL_DAG_RUNNER = "tfx.orchestration.local.local_dag_runner"
AIRFLOW_COMPONENT = "tfx.orchestration.airflow.airflow_component"
BASE_DRIVER = "tfx.dsl.components.base.base_driver"
COMPILER_CONSTANTS = "tfx.dsl.compiler.constants"
RECORDS = "pipeline/records/metadata.py"
PROGRESS = "pipeline/runners/progress.py"
CSV_TO_EXAMPLES = "components/checked_csv_example_gen/csv_to_examples.py"
CSV_COMPONENT = "components/checked_csv_example_gen/component.py"
ATOMIC_PUSHER = "components/atomic_pusher/component.py"


def _is_beam_dofn(cls: type) -> bool:
    import apache_beam as beam

    return issubclass(cls, beam.DoFn)


# The shape of the two classes ExampleGen reads CSV files with.
A_BEAM_DOFN = ("a beam.DoFn", _is_beam_dofn)

PRIVATE_APIS = [
    # ExampleGen: our examples are TFX's, row for row and split for split.
    PrivateApi(
        "tfx.components.example_gen.base_example_gen_executor",
        "_PartitionFn",
        "put each row in the split TFX's ExampleGen would (a hash of the serialized example)",
        (CSV_TO_EXAMPLES,),
        parameters=("record", "num_partitions", "buckets", "split_config"),
    ),
    PrivateApi(
        "tfx_bsl.coders.csv_decoder",
        "_InferValueType",
        "type each CSV column by TFX's rule (INT, FLOAT, STRING) without Beam",
        (CSV_TO_EXAMPLES,),
        parameters=("value",),
    ),
    PrivateApi(
        CSV_EXECUTOR,
        "_ReadCsvRecordsFromTextFile",
        "read a CSV file's rows after its header as TFX does, quoted newlines joined",
        (CSV_COMPONENT,),
        parameters=(),
        shape=A_BEAM_DOFN,
    ),
    PrivateApi(
        CSV_EXECUTOR,
        "_ParsedCsvToTfExample",
        "turn parsed CSV cells into tf.Examples with the column types as a side input",
        (CSV_COMPONENT,),
        parameters=(),
        shape=A_BEAM_DOFN,
    ),
    PrivateApi(
        CSV_EXECUTOR,
        "_ParsedCsvToTfExample.process",
        "pass the column types as the second argument of each element's processing",
        (CSV_COMPONENT,),
        parameters=("csv_cells", "column_infos"),
        mentioned_as="column_infos",
    ),
    PrivateApi(
        CSV_EXECUTOR,
        "Executor._make_beam_pipeline",
        "run our ExampleGen's Beam pipeline with the pipeline's Beam options, as TFX's does",
        (CSV_COMPONENT,),
        parameters=(),
    ),
    PrivateApi(
        "tfx.components.example_gen.write_split",
        "DEFAULT_FILE_NAME",
        "name the examples files as TFX does (deprecated: TFX warns it will go)",
        (CSV_TO_EXAMPLES,),
        value="data_tfrecord",
    ),
    # The Pusher: TFX's blessing check and ML Metadata record around our atomic push.
    PrivateApi(
        PUSHER,
        "Executor._MarkPushed",
        "record a push on the pushed_model artifact as TFX's Pusher does",
        (ATOMIC_PUSHER,),
        parameters=("model_push", "pushed_destination", "pushed_version"),
    ),
    PrivateApi(
        PUSHER,
        "Executor._MarkNotPushed",
        "record that an unblessed model was not pushed",
        (ATOMIC_PUSHER,),
        parameters=("model_push",),
    ),
    PrivateApi(
        PUSHER,
        "Executor._log_startup",
        "log the execution's start as every TFX executor does",
        (ATOMIC_PUSHER,),
        parameters=("inputs", "outputs", "exec_properties"),
    ),
    PrivateApi(
        PUSHER,
        "_PUSHED_KEY",
        "read whether a run pushed its model (pushed_version_and_path)",
        (RECORDS,),
        value="pushed",
        mentioned_as='"pushed"',
    ),
    PrivateApi(
        PUSHER,
        "_PUSHED_DESTINATION_KEY",
        "read where a run pushed its model",
        (RECORDS,),
        value="pushed_destination",
        mentioned_as='"pushed_destination"',
    ),
    PrivateApi(
        PUSHER,
        "_PUSHED_VERSION_KEY",
        "read the version a run pushed",
        (RECORDS,),
        value="pushed_version",
        mentioned_as='"pushed_version"',
    ),
    # Airflow: artifact names scoped by component, and the component behind each task.
    PrivateApi(
        BASE_DRIVER,
        "BaseDriver._prepare_output_artifacts",
        "name output artifacts <component>.<key>:<run> (ComponentScopedNamesDriver overrides it)",
        ("pipeline/runners/airflow.py", "tests/pipeline/runners/test_airflow_dag.py"),
        parameters=(
            "input_artifacts",
            "output_dict",
            "exec_properties",
            "execution_id",
            "pipeline_info",
            "component_info",
        ),
    ),
    PrivateApi(
        BASE_DRIVER,
        "BaseDriver.pre_execution",
        "have Airflow's launcher call the overridden _prepare_output_artifacts",
        ("pipeline/runners/airflow.py",),
        in_source="self._prepare_output_artifacts(",
        mentioned_as="_prepare_output_artifacts",
    ),
    PrivateApi(
        AIRFLOW_COMPONENT,
        "_airflow_component_launcher",
        "find the TFX component each Airflow task runs: its `component` keyword",
        ("tests/pipeline/runners/test_airflow_dag.py",),
        parameters=("component",),
        mentioned_as='keywords["component"]',
    ),
    PrivateApi(
        AIRFLOW_COMPONENT,
        "AirflowComponent.__init__",
        "find the TFX component each Airflow task runs: a functools.partial as python_callable",
        ("tests/pipeline/runners/test_airflow_dag.py",),
        in_source="python_callable=functools.partial(",
        mentioned_as="python_callable.keywords",
    ),
    # AutoGraph: leave tf_keras's code unconverted, as TensorFlow leaves keras's.
    PrivateApi(
        AUTOGRAPH_CONFIG,
        "CONVERSION_RULES",
        "add a DoNotConvert rule for tf_keras in front of TensorFlow's rules",
        ("components/model.py", "tests/components/test_model.py"),
        shape=(
            "a tuple of rules with matches(module_name)",
            lambda rules: isinstance(rules, tuple) and all(hasattr(r, "matches") for r in rules),
        ),
    ),
    PrivateApi(
        AUTOGRAPH_CONFIG,
        "DoNotConvert",
        "make the rule that exempts tf_keras",
        ("components/model.py",),
        parameters=("module_prefix",),
    ),
    PrivateApi(
        "tensorflow.python.autograph.impl.conversion",
        "is_allowlisted",
        "read the rules at each call (so a replaced CONVERSION_RULES is the one read)",
        ("tests/components/test_model.py",),
        parameters=("o",),
        in_source="config.CONVERSION_RULES",
    ),
    PrivateApi(
        "tensorflow.core.protobuf.saved_model_pb2",
        "SavedModel",
        "read a pushed model's signatures from saved_model.pb without loading it",
        ("pipeline/records/training_results.py",),
        shape=(
            "a SavedModel proto with meta_graphs",
            lambda message: "meta_graphs" in message.DESCRIPTOR.fields_by_name,
        ),
    ),
    # LocalDagRunner's log lines, which the terminal's progress lines are made from.
    PrivateApi(
        LOCAL_DAG_RUNNER,
        "LocalDagRunner.run_with_ir",
        "print a progress line as each node starts",
        (PROGRESS,),
        in_source="logging.info('Component %s is running.', node_id)",
        mentioned_as="Component %s is running.",
    ),
    PrivateApi(
        LOCAL_DAG_RUNNER,
        "LocalDagRunner.run_with_ir",
        "print a progress line, with its seconds, as each node finishes",
        (PROGRESS,),
        in_source="logging.info('Component %s is finished.', node_id)",
        mentioned_as="Component %s is finished.",
    ),
    PrivateApi(
        "tfx.orchestration.portable.launcher",
        "Launcher._prepare_execution",
        "tell a cached node from one that ran",
        (PROGRESS,),
        in_source="logging.info('A cached execution %d is used.', execution.id)",
        mentioned_as="A cached execution %d is used.",
    ),
    # How TFX lays a run out in ML Metadata, which the records read back.
    PrivateApi(
        COMPILER_CONSTANTS,
        "PIPELINE_CONTEXT_TYPE_NAME",
        "find the pipelines an output directory recorded",
        (RECORDS,),
        value="pipeline",
        mentioned_as='PIPELINE_CONTEXT = "pipeline"',
    ),
    PrivateApi(
        COMPILER_CONSTANTS,
        "PIPELINE_RUN_CONTEXT_TYPE_NAME",
        "find a pipeline's runs",
        (RECORDS, "pipeline/schemas/kept.py"),
        value="pipeline_run",
        mentioned_as='"pipeline_run"',
    ),
    PrivateApi(
        COMPILER_CONSTANTS,
        "NODE_CONTEXT_TYPE_NAME",
        "find each node's execution in a run",
        (RECORDS,),
        value="node",
        mentioned_as='NODE_CONTEXT = "node"',
    ),
    PrivateApi(
        "tfx.dsl.compiler.compiler_utils",
        "node_context_name",
        "tell a node's execution by its context's name, <pipeline>.<node id>",
        (RECORDS,),
        parameters=("pipeline_context_name", "node_id"),
        in_source='f"{pipeline_context_name}.{node_id}"',
        mentioned_as='f"{pipeline_name}."',
    ),
    PrivateApi(
        "tfx.components.evaluator.constants",
        "ARTIFACT_PROPERTY_BLESSED_KEY",
        "read whether the Evaluator blessed a model",
        (RECORDS,),
        value="blessed",
        mentioned_as='"blessed"',
    ),
    PrivateApi(
        "tensorflow_model_analysis.writers.eval_config_writer",
        "load_eval_run",
        "read back the EvalConfig an Evaluator ran with (not in TFMA's documented API)",
        ("pipeline/records/evaluation_results.py",),
        parameters=("output_path",),
    ),
]


def _pinned_versions() -> dict[str, str]:
    """Distribution (normalized) -> version, from requirements.lock."""
    text = (REPO_ROOT / "requirements.lock").read_text()
    return {
        _normalized(name): version
        for name, version in re.findall(r"^([A-Za-z0-9_.-]+)==([^\s\\;]+)", text, re.MULTILINE)
    }


def _normalized(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def _package_versions(module: str) -> str:
    """ "tfx 1.16.0", or "tfx 1.16.0 -> 1.17.0" when the installed version is not the pinned."""
    distribution = DISTRIBUTIONS[module.partition(".")[0]]
    installed = importlib.metadata.version(distribution)
    pinned = _pinned_versions().get(_normalized(distribution), installed)
    return f"{distribution} {pinned}" + ("" if pinned == installed else f" -> {installed}")


def _resolve(dotted: str) -> Any:
    """The object at `dotted`: the longest importable module prefix, then attributes."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for name in parts[split:]:
            found = getattr(found, name)
        return found
    raise ImportError(dotted)


@pytest.fixture(scope="module", autouse=True)
def airflow_home_of_its_own(tmp_path_factory):
    """Importing Airflow writes its configuration to AIRFLOW_HOME: here, not in ~/airflow."""
    saved = os.environ.get("AIRFLOW_HOME")
    if saved is None:
        os.environ["AIRFLOW_HOME"] = str(tmp_path_factory.mktemp("airflow_home"))
    yield
    if saved is None:
        os.environ.pop("AIRFLOW_HOME", None)


@pytest.mark.parametrize("api", PRIVATE_APIS, ids=lambda api: f"{api.dotted}:{api.mention}")
def test_each_private_api_we_use_still_has_the_shape_we_rely_on(api: PrivateApi):
    broken = f"{_package_versions(api.module)}: {api.dotted} {{problem}}; used by " + (
        f"{', '.join(api.used_in)} to {api.used_for}"
    )
    try:
        found = _resolve(api.dotted)
    except (ImportError, AttributeError):
        pytest.fail(broken.format(problem="is gone"))
    if api.parameters is not None:
        assert callable(found), broken.format(problem="is no longer callable")
        names = [
            name for name in inspect.signature(found).parameters if name not in ("self", "cls")
        ]
        assert names[: len(api.parameters)] == list(api.parameters), broken.format(
            problem=f"takes ({', '.join(names)}), not ({', '.join(api.parameters)}) first"
        )
    if api.value is not _NOT_CHECKED:
        assert found == api.value, broken.format(problem=f"is {found!r}, not {api.value!r}")
    if api.in_source is not None:
        assert api.in_source in inspect.getsource(found), broken.format(
            problem=f"no longer has {api.in_source!r} in its source"
        )
    if api.shape is not None:
        description, fits = api.shape
        assert fits(found), broken.format(problem=f"is no longer {description}")


@pytest.mark.parametrize("api", PRIVATE_APIS, ids=lambda api: f"{api.dotted}:{api.mention}")
def test_the_table_names_where_our_code_uses_each_one(api: PrivateApi):
    """An entry whose use was removed or moved fails here: update the table with the code."""
    for path in api.used_in:
        assert (REPO_ROOT / path).is_file(), f"{path} (the user of {api.dotted}) is gone"
        source = (REPO_ROOT / path).read_text(encoding="utf-8")
        assert (
            api.mention in source
        ), f"{path} no longer mentions {api.mention!r}: does it still use {api.dotted}?"


def test_every_private_name_of_those_libraries_in_our_code_is_in_the_table():
    tabled = {api.dotted for api in PRIVATE_APIS}
    found = dict(private_api_uses())
    untabled = {dotted: where for dotted, where in found.items() if dotted not in tabled}
    assert not untabled, "private or internal APIs missing from PRIVATE_APIS:\n" + "\n".join(
        f"  {dotted} (in {where})" for dotted, where in sorted(untabled.items())
    )
    # Entries of names our code reaches by attribute, which the scan must then see.
    by_attribute = {
        api.dotted
        for api in PRIVATE_APIS
        if api.mentioned_as is None and _is_private_or_internal(api.dotted)
    }
    unused = sorted(by_attribute - set(found))
    assert not unused, f"PRIVATE_APIS lists {unused}, which no code of ours uses"


def _is_private_or_internal(dotted: str) -> bool:
    return dotted.startswith(INTERNAL_PACKAGES) or any(
        part.startswith("_") and not part.startswith("__") for part in dotted.split(".")
    )


def test_the_scan_sees_private_names_and_not_our_own():
    """The scanner on a sample: what it must report, and our own private names it must not."""
    source = (
        "from tfx.components.pusher import executor as pusher_executor\n"
        "from tfx_bsl.coders import csv_decoder\n"
        "from tensorflow.python.autograph.core import config\n"
        "import argparse\n"
        "class Executor(pusher_executor.Executor):\n"
        "    def Do(self):\n"
        "        self._cache = 1\n"
        "        self._MarkPushed(self._cache)\n"
        "        self._helper()\n"
        "    def _helper(self):\n"
        "        return csv_decoder._InferValueType(b'1'), config.CONVERSION_RULES\n"
        "def _ours(parser: argparse._ActionsContainer):\n"
        "    return _ours\n"
    )
    assert {dotted for dotted, _ in _uses_in(ast.parse(source), "sample.py")} == {
        "tfx.components.pusher.executor.Executor._MarkPushed",
        "tfx_bsl.coders.csv_decoder._InferValueType",
        "tensorflow.python.autograph.core.config.CONVERSION_RULES",
    }


def private_api_uses() -> Iterator[tuple[str, str]]:
    """(dotted name, file:line) of each private or internal upstream name our code uses."""
    for path in _scanned_files():
        relative = path.relative_to(REPO_ROOT).as_posix()
        if relative not in NOT_SCANNED:
            yield from _uses_in(ast.parse(path.read_text(encoding="utf-8")), relative)


def _scanned_files() -> Iterator:
    for name in SCANNED:
        path = REPO_ROOT / name
        if path.is_file():
            yield path
        else:
            yield from (p for p in sorted(path.rglob("*.py")) if "__pycache__" not in p.parts)


def _uses_in(tree: ast.Module, relative: str) -> Iterator[tuple[str, str]]:
    """Private names reached through an upstream module (module._name, or any name of
    TensorFlow's internal packages), imported by a private name, or reached through self in
    a class deriving from an upstream one (only when the upstream class has the name)."""
    aliases = _upstream_aliases(tree)
    upstream_bases = _upstream_bases_of_classes(tree, aliases)
    for node in ast.walk(tree):
        where = f"{relative}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                dotted = f"{node.module}.{alias.name}"
                private = _is_upstream(node.module) and alias.name.startswith("_")
                internal = node.module.startswith(INTERNAL_PACKAGES) and not _is_module(dotted)
                if private or internal:
                    yield dotted, where
        elif isinstance(node, ast.Attribute) and not isinstance(node.ctx, ast.Del):
            dotted = _dotted(node, aliases)
            if dotted is None:
                continue
            parent = dotted.rpartition(".")[0]
            # Report the name at its first private or internal step (a.b._c, not a.b._c.d).
            if node.attr.startswith("_") and not node.attr.startswith("__"):
                if not _is_private_or_internal(parent):
                    yield dotted, where
            elif parent.startswith(INTERNAL_PACKAGES) and _is_module_alias(node.value, aliases):
                yield dotted, where
        elif isinstance(node, ast.ClassDef):
            yield from _inherited_private_uses(node, upstream_bases[node.name], relative)


def _is_upstream(module: str) -> bool:
    return module.partition(".")[0] in DISTRIBUTIONS


def _upstream_aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> the dotted upstream name it is bound to by an import."""
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _is_upstream(alias.name):
                    if alias.asname:
                        aliases[alias.asname] = alias.name
                    else:
                        top = alias.name.partition(".")[0]
                        aliases[top] = top
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.level == 0
            and _is_upstream(node.module)
        ):
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def _dotted(node: ast.expr, aliases: dict[str, str]) -> str | None:
    """The upstream dotted name an expression like `csv_executor._Name` stands for."""
    if isinstance(node, ast.Name):
        return aliases.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value, aliases)
        return f"{base}.{node.attr}" if base else None
    return None


def _is_module_alias(node: ast.expr, aliases: dict[str, str]) -> bool:
    """Whether `node` is a name bound to a module (not to one of its classes or functions)."""
    return isinstance(node, ast.Name) and node.id in aliases and _is_module(aliases[node.id])


def _is_module(dotted: str) -> bool:
    try:
        return inspect.ismodule(_resolve(dotted))
    except (ImportError, AttributeError):
        return False


def _upstream_bases_of_classes(tree: ast.Module, aliases: dict[str, str]) -> dict[str, list]:
    """Class name -> the upstream classes it derives from, directly or through a class of the
    same file (TfxReaderExecutor(Executor), Executor(csv_executor.Executor))."""
    bases_by_class: dict[str, list[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            upstream = []
            for base in node.bases:
                if dotted := _dotted(base, aliases):
                    upstream.append(dotted)
                elif isinstance(base, ast.Name):
                    upstream += bases_by_class.get(base.id, [])
            bases_by_class[node.name] = upstream
    return bases_by_class


def _inherited_private_uses(
    cls: ast.ClassDef, bases: list[str], relative: str
) -> Iterator[tuple[str, str]]:
    """self._name, cls._name, super()._name and `def _name` in a class deriving from the
    upstream classes `bases`, when one has `_name`: an override or use of its private API."""
    for node in ast.walk(cls):
        name = None
        if isinstance(node, ast.Attribute) and _is_self_or_super(node.value):
            name = node.attr
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            name = node.name
        if name is None or not name.startswith("_") or name.startswith("__"):
            continue
        for base in bases:
            if hasattr(_resolve(base), name):
                yield f"{base}.{name}", f"{relative}:{node.lineno}"


def _is_self_or_super(node: ast.expr) -> bool:
    if isinstance(node, ast.Name):
        return node.id in ("self", "cls")
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"
    )
