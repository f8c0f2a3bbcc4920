"""The one typed configuration every runner builds the same pipeline from."""

import dataclasses
import os
import re

from tensorflow_metadata.proto.v0 import anomalies_pb2

from components.hyperparameters import HParams

# ExampleGen's splits, by hash of each row: their shares of the rows are buckets / total.
SPLIT_HASH_BUCKETS = {"train": 2, "eval": 1}
# The files of data_root that are data: the curated schema may sit in the same folder.
DATA_FILE_PATTERN = "*.csv"
# Which model to train: "auto" picks the DNN (Dense 10 -> Dense 10, the Iris reference model)
# for numeric features only and Wide & Deep when there are categorical ones.
MODEL_TYPES = ("auto", "dnn", "wide_deep")
# A pipeline name is a context in ML Metadata, a folder of the serving path and an Airflow DAG id.
PIPELINE_NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*")
# The curated schema's file name in data_root: schema_path's default on every front end.
SCHEMA_FILE_NAME = "schema.pbtxt"


class _SchemaInDataRoot:
    """schema_path's default: <data_root>/schema.pbtxt, resolved when the config is made (None
    is a value of its own: on a local run, the schema the pipeline kept)."""

    def __repr__(self) -> str:
        return f"<data_root>/{SCHEMA_FILE_NAME}"


SCHEMA_IN_DATA_ROOT = _SchemaInDataRoot()
# Paths that may be unset: an empty one is unset, never the working directory.
OPTIONAL_PATH_FIELDS = ("schema_path", "serving_data_root", "serving_root")


def pipeline_name_of(data_root: str) -> str:
    """The default pipeline name of the data in `data_root`: its folder's name, lowercased, with
    each run of characters other than letters and digits made one '-' (no '_': Kubeflow's
    pipeline names take none); ValueError when that leaves nothing (e.g. data_root "/")."""
    if "://" in data_root:
        folder = data_root.rstrip("/").rsplit("/", 1)[-1]
    else:
        folder = os.path.basename(os.path.abspath(data_root))
    name = re.sub(r"[^a-z0-9]+", "-", folder.lower()).strip("-")
    if not name:
        raise ValueError(
            f"pipeline_name: the data folder's name, {folder!r} (data_root {data_root}), has no "
            "letter or digit to name the pipeline after: name it with --pipeline-name NAME"
        )
    return name


@dataclasses.dataclass(frozen=True)
class PipelineConfig:
    """What a run may vary; the defaults describe a local run on the sample data."""

    # The name in ML Metadata, the serving path and the Airflow DAG id; runs of one name share a
    # cache and a serving directory, whose served model is their baseline. None: the data
    # folder's name (pipeline_name_of), so other data is not taken for the sample's pipeline.
    # Resolved when the config is made, so dataclasses.replace(data_root=...) keeps the first
    # data's name.
    pipeline_name: str | None = None
    data_root: str = "data/iris"
    # The curated schema; by default schema.pbtxt in data_root, resolved when the config is made
    # (like pipeline_name). None, on a local run: the schema its pipeline kept, which the
    # pipeline's first run infers (pipeline/schemas/kept.py); every other runner needs one.
    schema_path: str | None = SCHEMA_IN_DATA_ROOT  # type: ignore[assignment]
    # The column to predict; every other column is a feature, less the excluded ones (ids,
    # leaks). An override names a column's kind, "numeric" or "categorical", where the
    # schema's type says otherwise (e.g. a zip code stored as a number).
    label: str = "species"
    excluded_columns: tuple[str, ...] = ()
    feature_overrides: tuple[tuple[str, str], ...] = ()
    model_type: str = "auto"
    # Every output of a run lives under this directory (may be gs://... on a cluster).
    output_dir: str = "outputs"
    # A folder of CSV files of serving requests (features without the label); when set, the
    # training data's skew against it is checked with the schema's skew_comparator thresholds.
    serving_data_root: str | None = None
    # Where Pusher writes model versions; None: <output_dir>/serving_model/<pipeline_name>.
    serving_root: str | None = None
    hyperparameters: HParams = HParams()
    # Blessing: accuracy (AUC for a binary label) must reach this, and drop by at most
    # max_metric_drop against the served model.
    accuracy_threshold: float = 0.9
    auc_threshold: float = 0.8
    max_metric_drop: float = 0.0
    # ExampleValidator anomaly kinds (AnomalyInfo.Type names) that only warn; any other
    # anomaly stops the run before Transform.
    allowed_anomaly_kinds: tuple[str, ...] = ()
    enable_tuner: bool = False
    tuner_trials: int = 4
    tuner_train_steps: int = 200
    enable_cache: bool = True
    # Extra Beam pipeline options, e.g. ("--direct_num_workers=2",); empty uses Beam's defaults,
    # the fastest here (see README, Performance).
    beam_args: tuple[str, ...] = ()
    # ExampleGen writes the examples through TFX's own Beam pipeline (the same examples, about
    # four times slower) instead of components/checked_csv_example_gen/csv_to_examples.py.
    tfx_csv_reader: bool = False
    # On Kubeflow: the image every step runs in (see Dockerfile) and the Trainer's limits.
    container_image: str = "iris-tfx-pipeline:0.1.0"
    trainer_cpu_limit: float | None = None
    trainer_memory_limit_gb: float | None = None

    def __post_init__(self) -> None:
        for name in ("data_root", "output_dir"):
            if not getattr(self, name):
                raise ValueError(f"{name} must name a folder, got {getattr(self, name)!r}")
        for name in OPTIONAL_PATH_FIELDS:
            if getattr(self, name) == "":
                object.__setattr__(self, name, None)
        if self.schema_path is SCHEMA_IN_DATA_ROOT:
            object.__setattr__(self, "schema_path", os.path.join(self.data_root, SCHEMA_FILE_NAME))
        if self.pipeline_name is None:
            object.__setattr__(self, "pipeline_name", pipeline_name_of(self.data_root))
        if not PIPELINE_NAME_PATTERN.fullmatch(self.pipeline_name):
            raise ValueError(
                f"pipeline_name must be lowercase letters, digits, '-' and '_', starting with a "
                f"letter or digit, got {self.pipeline_name!r}"
            )
        for name in ("tuner_trials", "tuner_train_steps"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        for name in ("accuracy_threshold", "auc_threshold"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)}")
        if self.max_metric_drop < 0:
            raise ValueError(f"max_metric_drop must be >= 0, got {self.max_metric_drop}")
        if self.model_type not in MODEL_TYPES:
            raise ValueError(f"model_type must be one of {MODEL_TYPES}, got {self.model_type!r}")
        known_kinds = set(anomalies_pb2.AnomalyInfo.Type.keys())
        for kind in self.allowed_anomaly_kinds:
            if kind not in known_kinds:
                raise ValueError(
                    f"allowed_anomaly_kinds: {kind!r} is not an AnomalyInfo.Type name "
                    "(e.g. FEATURE_TYPE_LOW_FRACTION_PRESENT, FLOAT_TYPE_BIG_FLOAT)"
                )
        for name in ("trainer_cpu_limit", "trainer_memory_limit_gb"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be > 0 when set, got {value}")

    @property
    def pipeline_root(self) -> str:
        """Where TFX writes every artifact."""
        return os.path.join(self.output_dir, "tfx")

    @property
    def metadata_path(self) -> str:
        """The SQLite ML Metadata database of local runs."""
        return os.path.join(self.output_dir, "metadata.sqlite")

    @property
    def serving_model_dir(self) -> str:
        """Pusher's destination: a numbered subdirectory per pushed model, as TF Serving wants."""
        return self.serving_root or os.path.join(
            self.output_dir, "serving_model", self.pipeline_name
        )

    @property
    def logs_dir(self) -> str:
        """Full logs of each run (TensorFlow, Beam, TFX), one file per run."""
        return os.path.join(self.output_dir, "logs")

    def with_absolute_paths(self) -> "PipelineConfig":
        """A copy with local paths made absolute, so the paths ML Metadata stores do not depend
        on the directory a run was started from. URIs (gs://, s3://) are left as they are."""

        def absolute(path: str | None) -> str | None:
            if not path or "://" in path:
                return path
            return os.path.abspath(path)

        return dataclasses.replace(
            self,
            data_root=absolute(self.data_root),
            schema_path=absolute(self.schema_path),
            serving_data_root=absolute(self.serving_data_root),
            output_dir=absolute(self.output_dir),
            serving_root=absolute(self.serving_root),
        )
