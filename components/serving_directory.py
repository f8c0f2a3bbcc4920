"""The serving directory: numbered SavedModel versions, as TF Serving reads them, each with
what the pipeline keeps beside the model in its assets.extra/ folder, which the SavedModel
loader and TF Serving leave alone (TF Serving reads only its warmup file there).

Beside each model the Pusher keeps the statistics of the data it was trained on and a record
of where it was pushed from. A later run finds both here (components/serving_baseline): its
model is compared with the one being served, and its data with the data that model learnt
from. The serving directory is the one place every orchestrator (local, Airflow, open-source
Kubeflow, Vertex AI) can reach, which an ML Metadata query is not.
"""

import dataclasses
import json
import os

SAVED_MODEL_FILE = "saved_model.pb"
EXTRA_DIR = "assets.extra"
# Under assets.extra/: Split-<name>/FeatureStats.pb, as StatisticsGen lays out its artifact.
TRAINING_STATISTICS_DIR = "training_statistics"
# Under assets.extra/: JSON, see PushRecord.
PUSH_RECORD_FILE = "push_record.json"


@dataclasses.dataclass(frozen=True)
class PushRecord:
    """Where a served version came from."""

    model_uri: str  # the Trainer's Model artifact that was pushed
    pushed_at: str  # ISO 8601, UTC

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True)


@dataclasses.dataclass(frozen=True)
class ServedVersion:
    version: str
    path: str

    @property
    def training_statistics_path(self) -> str:
        return os.path.join(self.path, EXTRA_DIR, TRAINING_STATISTICS_DIR)

    def push_record(self) -> PushRecord | None:
        """The record the Pusher kept, or None for a model pushed some other way."""
        import tensorflow as tf  # for gfile: the serving root may be gs:// or s3://

        path = os.path.join(self.path, EXTRA_DIR, PUSH_RECORD_FILE)
        if not tf.io.gfile.exists(path):
            return None
        try:
            fields = json.loads(tf.io.gfile.GFile(path).read())
            return PushRecord(model_uri=fields["model_uri"], pushed_at=fields["pushed_at"])
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(
                f"{path}: not a push record (JSON with model_uri and pushed_at): {error}"
            ) from None


def existing_versions(base_directory: str) -> list[int]:
    """The numbered versions under `base_directory`, complete or not."""
    import tensorflow as tf

    if not tf.io.gfile.isdir(base_directory):
        return []
    return [int(name.rstrip("/")) for name in tf.io.gfile.listdir(base_directory)
            if name.rstrip("/").isdigit()]  # fmt: skip


def served_version(base_directory: str) -> ServedVersion | None:
    """The version TF Serving serves from `base_directory`: the highest-numbered one whose
    saved_model.pb is there (a push writes it last), or None when there is none."""
    import tensorflow as tf

    for version in sorted(existing_versions(base_directory), reverse=True):
        path = os.path.join(base_directory, str(version))
        if tf.io.gfile.exists(os.path.join(path, SAVED_MODEL_FILE)):
            return ServedVersion(version=str(version), path=path)
    return None
