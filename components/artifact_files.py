"""Finding files inside TFX artifacts, on local disk or any filesystem TensorFlow reads."""

import os
from collections.abc import Iterator

from tensorflow_metadata.proto.v0 import statistics_pb2

# What StatisticsGen writes in each Split-<name> folder of its artifact.
STATISTICS_FILE = "FeatureStats.pb"


def split_files(artifact_uri: str, file_name: str) -> Iterator[tuple[str, str]]:
    """(split name, path) of `file_name` in each Split-<name> folder of an artifact that has it:
    how StatisticsGen and ExampleValidator lay out their outputs."""
    import tensorflow as tf  # for gfile: the artifact may live on gs:// or s3://

    for split_dir in sorted(tf.io.gfile.glob(os.path.join(artifact_uri, "Split-*"))):
        path = os.path.join(split_dir, file_name)
        if tf.io.gfile.exists(path):
            yield os.path.basename(split_dir).removeprefix("Split-"), path


def copy_split_files(source_uri: str, destination_uri: str, file_name: str) -> list[str]:
    """Copy `file_name` of each Split-<name> folder of `source_uri` into the same folder under
    `destination_uri`; return the splits copied."""
    import tensorflow as tf

    splits = []
    for split, path in split_files(source_uri, file_name):
        split_dir = os.path.join(destination_uri, f"Split-{split}")
        tf.io.gfile.makedirs(split_dir)
        tf.io.gfile.copy(path, os.path.join(split_dir, file_name), overwrite=True)
        splits.append(split)
    return splits


def read_split_statistics(
    statistics_uri: str,
) -> dict[str, statistics_pb2.DatasetFeatureStatisticsList]:
    """The statistics of each split of a statistics artifact, by split name."""
    import tensorflow as tf

    return {
        split: statistics_pb2.DatasetFeatureStatisticsList.FromString(
            tf.io.gfile.GFile(path, "rb").read()
        )
        for split, path in split_files(statistics_uri, STATISTICS_FILE)
    }
