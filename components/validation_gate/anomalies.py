"""ExampleValidator's anomalies as plain records, and which of them stop a run."""

from typing import Any

from tensorflow_metadata.proto.v0 import anomalies_pb2

from components.artifact_files import split_files

ANOMALIES_FILE = "SchemaDiff.pb"
DATASET_FEATURE = "(dataset)"  # anomalies of the split as a whole, e.g. too few rows


def read_anomalies(anomalies_uri: str) -> list[dict[str, str]]:
    """Every anomaly ExampleValidator recorded, per split and feature."""
    import tensorflow as tf  # for gfile: the artifact may live on gs:// or s3://

    found = []
    for split, path in split_files(anomalies_uri, ANOMALIES_FILE):
        anomalies = anomalies_pb2.Anomalies.FromString(tf.io.gfile.GFile(path, "rb").read())
        found += describe_anomalies(anomalies, split)
    return found


def describe_anomalies(anomalies: anomalies_pb2.Anomalies, split: str) -> list[dict[str, str]]:
    """One record per anomalous feature: split, feature, severity, kind(s), description."""

    def record(feature: str, info: anomalies_pb2.AnomalyInfo) -> dict[str, str]:
        return {
            "split": split,
            "feature": feature,
            "severity": anomalies_pb2.AnomalyInfo.Severity.Name(info.severity),
            "kind": ", ".join(
                anomalies_pb2.AnomalyInfo.Type.Name(reason.type) for reason in info.reason
            ),
            "description": info.description or info.short_description,
        }

    found = [record(feature, info) for feature, info in sorted(anomalies.anomaly_info.items())]
    if anomalies.HasField("dataset_anomaly_info"):
        found.append(record(DATASET_FEATURE, anomalies.dataset_anomaly_info))
    return found


def blocking_anomalies(
    anomalies: list[dict[str, Any]], allowed_kinds: set[str]
) -> list[dict[str, Any]]:
    """The anomalies that stop a run: those with any kind not in `allowed_kinds`."""
    return [
        anomaly for anomaly in anomalies if not set(anomaly["kind"].split(", ")) <= allowed_kinds
    ]


def format_anomalies(anomalies: list[dict[str, Any]]) -> str:
    """'[train] sepal_width: FLOAT_TYPE_STRING_NOT_FLOAT: <description>', one per line."""
    return "\n".join(
        f"  [{a['split']}] {a['feature']}: {a['kind']}: {a['description']}" for a in anomalies
    )
