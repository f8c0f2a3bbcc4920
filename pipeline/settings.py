"""Every setting of a run, declared once: its name, flag, environment variable and config-file
key, with its type and default taken from PipelineConfig (HParams for a hyperparameter). The
command line (`run`, `compile-kubeflow`, `infer-schema`) and the Airflow DAG file are built from
this declaration, and so are the --output-dir and --pipeline-name of the commands that read
runs back (pipeline/cli/common.py): a new setting is its field and an entry here, and the
README's table of settings is regenerated from it (settings_table_markdown).

Where a setting's value comes from, the later winning: its default, the config file
(`--config FILE`, else $PIPELINE_CONFIG), its environment variable (PIPELINE_<NAME>), its flag.

The config file is TOML whose keys are the setting names; the hyperparameters go in a
`[hyperparameters]` table, as they sit in PipelineConfig. A relative path in the file is
relative to the file's folder, except on compile-kubeflow, where the paths the pipeline's steps
read are paths in their containers and are kept as written.
"""

import argparse
import dataclasses
import difflib
import json
import os
import re
import tomllib
import types
from collections.abc import Callable, Collection, Mapping
from typing import Any

from components.hyperparameters import HParams
from pipeline.config import MODEL_TYPES, PipelineConfig
from pipeline.errors import BadInputError

# The front ends, each building a PipelineConfig from the settings (infer-schema takes a few of
# the local run's).
RUN = "run"
KUBEFLOW = "compile-kubeflow"
AIRFLOW = "airflow"

ENV_PREFIX = "PIPELINE_"
CONFIG_ENV_VAR = "PIPELINE_CONFIG"
CONFIG_FLAG = "--config"
HYPERPARAMETERS_TABLE = "hyperparameters"

# Where a value came from, in the order of precedence.
DEFAULT = "default"
FILE = "file"
ENV = "env"
FLAG = "flag"

_TRUE_WORDS = ("true", "1", "yes", "on")
_FALSE_WORDS = ("false", "0", "no", "off")


@dataclasses.dataclass(frozen=True)
class _Kind:
    """How a type of setting is written: as text (a flag, an environment variable) and in TOML."""

    expected: str
    from_text: Callable[[str], Any]
    from_toml: Callable[[Any], Any]
    # How the text form is written, where `expected` does not say it.
    text_form: str = ""
    # A list: its flag is given once per item, its environment variable is comma-separated.
    is_list: bool = False

    def expected_as_text(self) -> str:
        return f"{self.expected} ({self.text_form})" if self.text_form else self.expected


def _text_from_toml(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(value)
    return value


def _whole_number_from_toml(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(value)
    return value


def _number_from_toml(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(value)
    return float(value)


def _bool_from_toml(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(value)
    return value


def _bool_from_text(text: str) -> bool:
    if text.strip().lower() in _TRUE_WORDS:
        return True
    if text.strip().lower() in _FALSE_WORDS:
        return False
    raise ValueError(text)


def _items_of(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _list_from_toml(item_from_toml: Callable[[Any], Any]) -> Callable[[Any], tuple]:
    def from_toml(value: Any) -> tuple:
        if not isinstance(value, list):
            raise ValueError(value)
        return tuple(item_from_toml(item) for item in value)

    return from_toml


_TEXT = _Kind("text", str, _text_from_toml)
_WHOLE_NUMBER = _Kind("a whole number", int, _whole_number_from_toml)
_NUMBER = _Kind("a number", float, _number_from_toml)
_TRUE_OR_FALSE = _Kind(
    "true or false",
    _bool_from_text,
    _bool_from_toml,
    text_form=f"{'/'.join(_TRUE_WORDS)} or {'/'.join(_FALSE_WORDS)}",
)
_LIST_OF_TEXT = _Kind(
    "a list of text",
    lambda text: tuple(_items_of(text)),
    _list_from_toml(_text_from_toml),
    text_form="comma-separated",
    is_list=True,
)
_LIST_OF_WHOLE_NUMBERS = _Kind(
    "a list of whole numbers",
    lambda text: tuple(int(item) for item in _items_of(text)),
    _list_from_toml(_whole_number_from_toml),
    text_form="comma-separated, e.g. 10,10",
)
# feature_overrides is given as the JSON file that declares them (pipeline/schemas/dataset.py).
_FEATURES_FILE = _Kind("the path of a features file (JSON)", str, _text_from_toml)

_KIND_OF_TYPE = {
    str: _TEXT,
    int: _WHOLE_NUMBER,
    float: _NUMBER,
    bool: _TRUE_OR_FALSE,
    tuple[str, ...]: _LIST_OF_TEXT,
    tuple[int, ...]: _LIST_OF_WHOLE_NUMBERS,
    tuple[tuple[str, str], ...]: _FEATURES_FILE,
}


@dataclasses.dataclass(frozen=True)
class Setting:
    """One setting: the PipelineConfig field `name`, or the HParams field when
    `hyperparameter`. Its type and default are the field's."""

    name: str
    flag: str
    help: str
    metavar: str | None = None
    hyperparameter: bool = False
    # A true/false setting's flag that sets it false (default: --no-<flag>).
    off_flag: str | None = None
    choices: tuple[str, ...] | None = None
    # What the default is, where the field's default value does not say it.
    default_help: str | None = None
    # A path the pipeline's steps read: relative in a config file, it is relative to the file's
    # folder, except on compile-kubeflow (a path in the containers).
    is_path: bool = False
    # A path the command reads itself, so one on this machine on every front end.
    read_by_command: bool = False
    # compile-kubeflow's spelling and help, where they differ (its paths are the containers').
    kubeflow_flag: str | None = None
    kubeflow_help: str | None = None
    # The front ends the setting means something to (empty: all), and why not the others. A
    # config file or environment variable may still hold it: one file serves every front end.
    only_on: tuple[str, ...] = ()
    only_on_because: str = ""

    @property
    def env_var(self) -> str:
        """PIPELINE_<NAME>; pipeline_name's is PIPELINE_NAME."""
        return ENV_PREFIX + self.name.upper().removeprefix(ENV_PREFIX)

    @property
    def key(self) -> str:
        """The setting's place in a config file, as messages and --print-config show it."""
        if self.hyperparameter:
            return f"{HYPERPARAMETERS_TABLE}.{self.name}"
        return self.name

    @property
    def field(self) -> dataclasses.Field:
        owner = HParams if self.hyperparameter else PipelineConfig
        return {field.name: field for field in dataclasses.fields(owner)}[self.name]

    @property
    def default(self) -> Any:
        return self.field.default

    @property
    def optional(self) -> bool:
        """Whether None is a value (an unset path or limit)."""
        return type(None) in getattr(self.field.type, "__args__", ())

    @property
    def kind(self) -> _Kind:
        annotation = self.field.type
        if isinstance(annotation, types.UnionType):
            (annotation,) = (arg for arg in annotation.__args__ if arg is not type(None))
        return _KIND_OF_TYPE[annotation]

    def used_on(self, front_end: str) -> bool:
        return not self.only_on or front_end in self.only_on

    def flag_on(self, front_end: str) -> str:
        return (self.kubeflow_flag if front_end == KUBEFLOW else None) or self.flag

    def off_flag_on(self, front_end: str) -> str:
        return self.off_flag or "--no-" + self.flag_on(front_end).removeprefix("--")

    def flag_that_sets(self, front_end: str, value: Any) -> str:
        """The flag spelling that gives `value`: a true/false setting has two."""
        if self.kind is _TRUE_OR_FALSE and not value:
            return self.off_flag_on(front_end)
        return self.flag_on(front_end)

    def default_text(self) -> str:
        return self.default_help or format_value(self, self.default)

    def from_environment(self, text: str) -> Any:
        """The value of an environment variable: empty is None for an optional setting and no
        item for a list; otherwise it must be a value."""
        refused = BadInputError(
            f"environment variable {self.env_var}={text!r}: expected {self.kind.expected_as_text()}"
        )
        if not text.strip():
            if self.optional:
                return None
            if self.kind.is_list:
                return ()
            raise refused
        try:
            return self.kind.from_text(text)
        except ValueError:
            raise refused from None

    def add_argument(
        self,
        parser: argparse._ActionsContainer,
        front_end: str,
        described: str | None = None,
        default_help: str | None = None,
    ) -> None:
        """Add this setting's flag (two for a true/false one) to `parser`, its help `described`
        and `default_help` where a command means something narrower by it. Not given, a flag
        leaves no value, so the file's and the environment's stay."""
        described = described or (front_end == KUBEFLOW and self.kubeflow_help) or self.help
        default_help = default_help or self.default_text()
        help_text = f"{described} (default: {default_help}; {self.env_var})"
        # argparse %-formats help texts: a literal '%' is written '%%'.
        common = {
            "dest": self.name,
            "default": argparse.SUPPRESS,
            "help": help_text.replace("%", "%%"),
        }
        flag = self.flag_on(front_end)
        if self.kind is _TRUE_OR_FALSE:
            off_flag = self.off_flag_on(front_end)
            parser.add_argument(flag, off_flag, action=_OnOffAction, off_flag=off_flag, **common)
        elif self.kind.is_list:
            parser.add_argument(flag, action="append", metavar=self.metavar, **common)
        else:
            parser.add_argument(
                flag,
                type=_flag_type(self.kind),
                metavar=self.metavar,
                choices=self.choices,
                **common,
            )


class _OnOffAction(argparse.Action):
    """A true/false setting's two flags, e.g. --tuner and --no-tuner; the last one given wins."""

    def __init__(self, option_strings, dest, off_flag: str, **kwargs):
        super().__init__(option_strings, dest, nargs=0, **kwargs)
        self.off_flag = off_flag

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, option_string != self.off_flag)

    def format_usage(self) -> str:
        return " | ".join(self.option_strings)


def _flag_type(kind: _Kind) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            return kind.from_text(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected {kind.expected_as_text()}, got {text!r}"
            ) from None

    return parse


_KUBEFLOW_ONLY = "only Kubeflow runs the steps in containers of their own"


def _hyperparameter(name: str, description: str, metavar: str) -> Setting:
    """The setting of the HParams field `name`, its flag the name with dashes (--train-steps)."""
    return Setting(name, "--" + name.replace("_", "-"), description, metavar, hyperparameter=True)


SETTINGS = (
    # What the data is, and what its columns are to the model.
    Setting(
        "data_root",
        "--data-root",
        "folder of *.csv files with a header row",
        metavar="DIR",
        is_path=True,
        kubeflow_help="folder of *.csv files as the containers see it (the default is the "
        "sample data inside the image)",
    ),
    Setting(
        "schema_path",
        "--schema",
        "curated schema.pbtxt, kept from then on as the pipeline's schema",
        metavar="FILE",
        default_help="schema.pbtxt in data_root; on a local run, when there is none there, the "
        "schema the pipeline kept in <output_dir>/schema/<pipeline_name>/, which its first run "
        "infers from the data",
        is_path=True,
        kubeflow_help="curated schema as the containers see it, also read here to decide what "
        "each column is to the model",
    ),
    Setting(
        "label",
        "--label",
        "the column to predict: text or whole-number classes",
        metavar="COLUMN",
    ),
    Setting(
        "excluded_columns",
        "--exclude",
        "a column the model does not take, e.g. an id or a leak (repeatable)",
        metavar="COLUMN",
    ),
    Setting(
        "feature_overrides",
        "--features",
        'JSON file mapping columns to "numeric", "categorical" or "exclude", over what the '
        'schema says, e.g. {"zip": "categorical", "row_id": "exclude"}',
        metavar="FILE",
        is_path=True,
        read_by_command=True,
    ),
    Setting(
        "model_type",
        "--model",
        "auto: a DNN (Dense layers of hidden_units, by default 10 and 10: the Iris reference "
        "model) for numeric features only, Wide & Deep when some are categorical",
        choices=MODEL_TYPES,
    ),
    Setting(
        "pipeline_name",
        "--pipeline-name",
        "the pipeline's name in ML Metadata, the serving path and the Airflow DAG id; runs of "
        "one name share a cache and a serving directory, whose served model is their baseline, "
        "so name it when a pipeline's data comes in more than one folder",
        metavar="NAME",
        default_help="the data folder's name, lowercased, each run of characters other than "
        "letters and digits made one '-'",
    ),
    # Where the outputs go.
    Setting(
        "output_dir",
        "--output-dir",
        "where artifacts, ML Metadata, pushed models and logs go",
        metavar="DIR",
        is_path=True,
        kubeflow_flag="--pipeline-root",
        kubeflow_help="where artifacts go: gs://, s3:// or any filesystem URI TensorFlow "
        "writes; artifacts land in <root>/tfx",
    ),
    Setting(
        "serving_data_root",
        "--serving-data",
        "folder of *.csv serving requests (features, no label); the training data's skew "
        "against them is checked with the schema's skew_comparator thresholds",
        metavar="DIR",
        default_help="no skew check",
        is_path=True,
    ),
    Setting(
        "serving_root",
        "--serving-root",
        "where Pusher writes model versions",
        metavar="DIR",
        default_help="<output_dir>/serving_model/<pipeline_name>",
        is_path=True,
    ),
    # What stops a run, and what blesses a model.
    Setting(
        "allowed_anomaly_kinds",
        "--allow-anomaly",
        "an anomaly kind (AnomalyInfo.Type name) that only warns instead of stopping the run, "
        "e.g. FEATURE_TYPE_LOW_FRACTION_PRESENT (repeatable)",
        metavar="KIND",
    ),
    Setting(
        "accuracy_threshold",
        "--accuracy-threshold",
        "eval accuracy a model needs to be blessed and pushed (multi-class labels)",
        metavar="X",
    ),
    Setting(
        "auc_threshold",
        "--auc-threshold",
        "eval AUC a model of a binary label needs to be blessed and pushed",
        metavar="X",
    ),
    Setting(
        "max_metric_drop",
        "--max-metric-drop",
        "how much lower than the served model's the gating metric may be",
        metavar="X",
    ),
    # Training: the hyperparameters.
    _hyperparameter("hidden_units", "sizes of the Dense layers, comma-separated", "N,N"),
    _hyperparameter("learning_rate", "Adam's learning rate, in (0, 1)", "X"),
    _hyperparameter("batch_size", "training batch size", "N"),
    _hyperparameter("eval_batch_size", "evaluation batch size during training", "N"),
    _hyperparameter("train_steps", "training steps", "N"),
    _hyperparameter("eval_steps", "evaluation steps during training", "N"),
    _hyperparameter(
        "steps_per_execution",
        "training steps per call of Keras' training function; 1 is Keras' default, and the "
        "weights are the same either way",
        "N",
    ),
    _hyperparameter("seed", "random seed of training and of the Tuner's search", "N"),
    Setting(
        "enable_tuner",
        "--tuner",
        "run a KerasTuner random search first and train with its best hyperparameters",
    ),
    Setting("tuner_trials", "--tuner-trials", "the Tuner's trials", metavar="N"),
    Setting(
        "tuner_train_steps",
        "--tuner-train-steps",
        "training steps of each of the Tuner's trials",
        metavar="N",
    ),
    # How it runs.
    Setting(
        "enable_cache",
        "--enable-cache",
        "reuse outputs of nodes whose inputs did not change (on Kubeflow: KFP's step cache)",
        off_flag="--no-cache",
    ),
    Setting(
        "beam_args",
        "--beam-arg",
        "a Beam pipeline option for every Beam-using step, e.g. "
        "--beam-arg=--direct_num_workers=2 (repeatable; in the environment variable, "
        "comma-separated, so an option holding a comma goes in a flag or the config file); "
        "none is the fastest locally (README, Performance)",
        metavar="ARG",
    ),
    Setting(
        "tfx_csv_reader",
        "--tfx-csv-reader",
        "have ExampleGen write the examples through TFX's own Beam pipeline: the same "
        "examples, about four times slower",
    ),
    Setting(
        "container_image",
        "--image",
        "container image every step runs in",
        metavar="IMAGE",
        only_on=(KUBEFLOW,),
        only_on_because=_KUBEFLOW_ONLY,
    ),
    Setting(
        "trainer_cpu_limit",
        "--trainer-cpu",
        "CPU limit of the Trainer step",
        metavar="CPUS",
        default_help="none",
        only_on=(KUBEFLOW,),
        only_on_because=_KUBEFLOW_ONLY,
    ),
    Setting(
        "trainer_memory_limit_gb",
        "--trainer-memory-gb",
        "memory limit of the Trainer step, in GB",
        metavar="GB",
        default_help="none",
        only_on=(KUBEFLOW,),
        only_on_because=_KUBEFLOW_ONLY,
    ),
)

_SETTING_BY_KEY = {setting.key: setting for setting in SETTINGS}


def format_value(setting: Setting, value: Any) -> str:
    """A value as --print-config, --help and the README show it (lists as their environment
    variable takes them)."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if setting.kind is _FEATURES_FILE and not isinstance(value, str):
        return ", ".join(f"{column}={kind}" for column, kind in value) or "none"
    if isinstance(value, tuple):
        return ",".join(str(item) for item in value) or "none"
    return str(value)


@dataclasses.dataclass(frozen=True)
class SettingValue:
    """A setting's value and where it came from: `source` is DEFAULT, FILE, ENV or FLAG and
    `where` the file, variable or flag (or, for a default, how it was chosen)."""

    setting: Setting
    value: Any
    source: str = DEFAULT
    where: str = ""

    def describe_source(self) -> str:
        if self.source == DEFAULT:
            # A default of None stands for something (a derived name, an unset limit): say what.
            where = self.where or (self.setting.default is None and self.setting.default_help)
            return f"default: {where}" if where else DEFAULT
        return f"{self.source} {self.where}"

    def origin(self, front_end: str) -> str:
        """How a message about the value names the place to change it."""
        if self.source == FILE:
            return f"{self.setting.key} in {self.where}"
        if self.source == DEFAULT:
            return self.setting.flag_on(front_end)
        return self.where


@dataclasses.dataclass(frozen=True)
class ResolvedSettings:
    """The value of each setting a front end uses, and where it came from."""

    front_end: str
    values: Mapping[str, SettingValue]
    config_file: str | None = None
    # What named the config file: --config or PIPELINE_CONFIG.
    config_file_origin: str = ""

    def __getitem__(self, name: str) -> SettingValue:
        return self.values[name]

    def replaced(self, name: str, value: Any, source: str, where: str) -> "ResolvedSettings":
        """A copy with one setting's value replaced (e.g. a front end's own default)."""
        values = dict(self.values)
        values[name] = SettingValue(self.values[name].setting, value, source, where)
        return dataclasses.replace(self, values=values)

    def config(self) -> PipelineConfig:
        """The PipelineConfig of these values; a value PipelineConfig or HParams refuses is bad
        input, named with where it came from."""
        fields, hyperparameters = {}, {}
        for name, resolved in self.values.items():
            (hyperparameters if resolved.setting.hyperparameter else fields)[name] = resolved.value
        if isinstance(fields.get("feature_overrides"), str):
            overrides, excluded = _read_features_file(fields["feature_overrides"])
            fields["feature_overrides"] = overrides
            fields["excluded_columns"] = tuple(
                dict.fromkeys([*fields.get("excluded_columns", ()), *excluded])
            )
        try:
            return PipelineConfig(**fields, hyperparameters=HParams(**hyperparameters))
        except ValueError as error:
            raise BadInputError(
                f"invalid configuration: {error}{self._set_by(str(error))}"
            ) from None

    def _set_by(self, message: str) -> str:
        """Where the settings a validation message names were set, e.g. " (train_steps: flag
        --train-steps)"; nothing for defaults."""
        named = [
            f"{resolved.setting.name}: {resolved.describe_source()}"
            for resolved in self.values.values()
            if resolved.source != DEFAULT
            and re.search(rf"\b{re.escape(resolved.setting.name)}\b", message)
        ]
        return f" ({'; '.join(named)})" if named else ""

    def describe(self, config: PipelineConfig) -> str:
        """What --print-config prints: each setting's value in `config` and where it came from."""
        rows = [
            (
                resolved.setting.key,
                format_value(resolved.setting, _value_in(config, resolved.setting)),
                resolved.describe_source(),
            )
            for resolved in self.values.values()
        ]
        key_width = max(len(key) for key, _, _ in rows)
        value_width = max(len(value) for _, value, _ in rows)
        lines = [
            f"Settings of {self.front_end}, each from the last of: default, config file, "
            "environment variable, flag",
            f"config file: {self.config_file} ({self.config_file_origin})"
            if self.config_file
            else f"config file: none ({CONFIG_FLAG} FILE or {CONFIG_ENV_VAR})",
            "",
            *(
                f"{key:<{key_width}}  {value:<{value_width}}  {source}".rstrip()
                for key, value, source in rows
            ),
        ]
        unused = [setting for setting in SETTINGS if not setting.used_on(self.front_end)]
        for because in dict.fromkeys(setting.only_on_because for setting in unused):
            names = ", ".join(s.key for s in unused if s.only_on_because == because)
            lines.append(f"not used by {self.front_end}: {names} ({because})")
        return "\n".join(lines)


def _value_in(config: PipelineConfig, setting: Setting) -> Any:
    return getattr(config.hyperparameters if setting.hyperparameter else config, setting.name)


def _read_features_file(path: str) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    from components.dataset_spec import DatasetSpecError
    from pipeline.schemas.dataset import read_features_file

    try:
        return read_features_file(path)
    except DatasetSpecError as error:
        raise BadInputError(str(error)) from None


def settings_of(front_end: str, names: Collection[str] | None = None) -> tuple[Setting, ...]:
    """The settings `front_end` uses, in declaration order; only `names` when given."""
    return tuple(
        setting
        for setting in SETTINGS
        if setting.used_on(front_end) and (names is None or setting.name in names)
    )


def read_config_file(path: str, front_end: str) -> dict[str, Any]:
    """The values a TOML config file gives, by setting name, typed and with relative paths made
    relative to the file's folder (see the module docstring); an unknown key or a value of the
    wrong type is bad input naming the file and the key."""
    try:
        with open(path, "rb") as f:
            document = tomllib.load(f)
    except OSError as error:
        raise BadInputError(f"config file {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise BadInputError(f"config file {path}: not valid TOML: {error}") from None
    entries = []
    for key, value in document.items():
        if key == HYPERPARAMETERS_TABLE:
            if not isinstance(value, dict):
                raise BadInputError(
                    f"config file {path}: {key} must be a table ([{key}]), got {value!r}"
                )
            entries += [(f"{key}.{name}", item) for name, item in value.items()]
        else:
            entries.append((key, value))
    folder = os.path.dirname(os.path.abspath(path))
    values = {}
    for key, value in entries:
        setting = _SETTING_BY_KEY.get(key)
        if setting is None:
            raise BadInputError(f"config file {path}: unknown setting {key!r}{_did_you_mean(key)}")
        try:
            typed = setting.kind.from_toml(value)
        except ValueError:
            raise BadInputError(
                f"config file {path}: {key} = {json.dumps(value, default=str)}: expected "
                f"{setting.kind.expected}"
            ) from None
        typed = _unset_if_empty(setting, typed)
        if _relative_to_the_file(setting, typed, front_end):
            typed = os.path.normpath(os.path.join(folder, typed))
        values[setting.name] = typed
    return values


def _unset_if_empty(setting: Setting, value: Any) -> Any:
    """An empty path of an optional path setting is unset (None), as its environment variable
    takes it, never the working directory or the config file's folder."""
    if setting.is_path and setting.optional and value == "":
        return None
    return value


def _did_you_mean(key: str) -> str:
    by_name = {setting.name: setting for setting in SETTINGS}
    close = difflib.get_close_matches(key.removeprefix(f"{HYPERPARAMETERS_TABLE}."), by_name, n=1)
    if not close:
        return ""
    setting = by_name[close[0]]
    if setting.hyperparameter:
        return f"; did you mean {setting.name} in the [{HYPERPARAMETERS_TABLE}] table?"
    return f"; did you mean {setting.name}?"


def _relative_to_the_file(setting: Setting, value: Any, front_end: str) -> bool:
    return (
        setting.is_path
        and (front_end != KUBEFLOW or setting.read_by_command)
        and isinstance(value, str)
        and "://" not in value
        and not os.path.isabs(value)
    )


def resolve_settings(
    front_end: str,
    *,
    environ: Mapping[str, str],
    flags: Mapping[str, Any] | None = None,
    config_file: str | None = None,
    names: Collection[str] | None = None,
    default_root: str | None = None,
) -> ResolvedSettings:
    """Each setting `front_end` uses, from the last of: its default, the config file
    (`config_file`, the --config flag, else $PIPELINE_CONFIG), its environment variable, its
    flag (`flags`: the given flags' values by setting name). `default_root`: the folder
    relative default paths are in (the Airflow DAG file's project), else the working
    directory."""
    config_file_origin = CONFIG_FLAG
    if config_file is None and environ.get(CONFIG_ENV_VAR):
        config_file, config_file_origin = environ[CONFIG_ENV_VAR], CONFIG_ENV_VAR
    from_file = read_config_file(config_file, front_end) if config_file else {}
    flags = flags or {}
    values = {}
    for setting in settings_of(front_end, names):
        resolved = SettingValue(setting, _default_value(setting, default_root))
        if setting.name in from_file:
            resolved = SettingValue(setting, from_file[setting.name], FILE, config_file)
        if setting.env_var in environ:
            value = setting.from_environment(environ[setting.env_var])
            resolved = SettingValue(setting, value, ENV, setting.env_var)
        if setting.name in flags:
            value = flags[setting.name]
            resolved = SettingValue(setting, value, FLAG, setting.flag_that_sets(front_end, value))
        values[setting.name] = resolved
    return ResolvedSettings(
        front_end, values, config_file, config_file_origin if config_file else ""
    )


def _default_value(setting: Setting, default_root: str | None) -> Any:
    default = setting.default
    if default_root and setting.is_path and isinstance(default, str):
        return os.path.join(default_root, default)
    return default


def add_setting_arguments(
    parser: argparse.ArgumentParser,
    front_end: str,
    names: Collection[str] | None = None,
    print_config: bool = True,
) -> None:
    """--config, --print-config and a flag for each setting `front_end` uses (only `names`
    when given), in a group of their own."""
    group = parser.add_argument_group(
        "settings",
        f"each also an environment variable and a key of the {CONFIG_FLAG} file; a flag "
        "overrides the environment variable, which overrides the file",
    )
    add_config_argument(group)
    if print_config:
        group.add_argument(
            "--print-config",
            action="store_true",
            help="print each setting's value and where it came from, and exit",
        )
    for setting in settings_of(front_end, names):
        setting.add_argument(group, front_end)


def add_config_argument(parser: argparse._ActionsContainer) -> None:
    """--config FILE, the TOML file of settings settings_from_args reads."""
    parser.add_argument(
        CONFIG_FLAG,
        dest="config_file",
        metavar="FILE",
        help=f"TOML file of settings, keys as the setting names (default: ${CONFIG_ENV_VAR}; "
        "see README, Settings)",
    )


def settings_from_args(
    args: argparse.Namespace,
    front_end: str,
    environ: Mapping[str, str] | None = None,
    names: Collection[str] | None = None,
) -> ResolvedSettings:
    """The settings of a command line parsed with add_setting_arguments; `environ` defaults to
    this process's environment."""
    flags = {}
    for setting in settings_of(front_end, names):
        if hasattr(args, setting.name):
            value = getattr(args, setting.name)
            value = tuple(value) if isinstance(value, list) else value
            flags[setting.name] = _unset_if_empty(setting, value)
    return resolve_settings(
        front_end,
        environ=os.environ if environ is None else environ,
        flags=flags,
        config_file=getattr(args, "config_file", None),
        names=names,
    )


def config_from_environment(
    environ: Mapping[str, str], default_root: str | None = None
) -> PipelineConfig:
    """The Airflow DAG file's config: PIPELINE_* variables over $PIPELINE_CONFIG's file over the
    defaults, relative default paths in `default_root`."""
    return resolve_settings(AIRFLOW, environ=environ, default_root=default_root).config()


def settings_table_markdown() -> str:
    """The README's table of every setting, generated so that it cannot go stale."""
    lines = [
        "| setting (config file key) | flag | environment variable | default | meaning |",
        "| --- | --- | --- | --- | --- |",
    ]
    for setting in SETTINGS:
        if setting.hyperparameter:
            key_cell = f"`{setting.name}` in `[{HYPERPARAMETERS_TABLE}]`"
        else:
            key_cell = f"`{setting.name}`"
        if setting.kind is _TRUE_OR_FALSE:
            flag_cell = f"`{setting.flag}` / `{setting.off_flag_on(RUN)}`"
        else:
            value = setting.metavar or "\\|".join(setting.choices or ())
            flag_cell = f"`{setting.flag} {value}`"
        if setting.kubeflow_flag:
            flag_cell += f" (compile-kubeflow: `{setting.kubeflow_flag} {setting.metavar}`)"
        if setting.only_on:
            flag_cell += f" ({', '.join(setting.only_on)} only)"
        if setting.default_help:
            default_cell = _markdown_cell(setting.default_help)
        else:
            default_cell = f"`{format_value(setting, setting.default)}`"
        meaning = setting.help
        if setting.only_on:
            meaning += f"; {setting.only_on_because}"
        cells = [key_cell, flag_cell, f"`{setting.env_var}`", default_cell, _markdown_cell(meaning)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _markdown_cell(text: str) -> str:
    """Prose in a table cell: a '|' would end the cell, '<' open an HTML tag, '*' emphasis."""
    for character, escaped in (("|", "\\|"), ("*", "\\*"), ("<", "&lt;"), (">", "&gt;")):
        text = text.replace(character, escaped)
    return text
