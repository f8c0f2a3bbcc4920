"""Which anomalies stop a run, and how they are described, on ExampleValidator's own protos."""

from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import anomalies_pb2

from components.validation_gate.anomalies import (
    blocking_anomalies,
    describe_anomalies,
    format_anomalies,
)

ANOMALIES = """
anomaly_info {
  key: "petal_length"
  value {
    severity: ERROR
    description: "Unexpectedly high value: 69>8"
    reason { type: FLOAT_TYPE_BIG_FLOAT }
  }
}
anomaly_info {
  key: "sepal_width"
  value {
    severity: ERROR
    short_description: "Column dropped"
    reason { type: FEATURE_TYPE_LOW_FRACTION_PRESENT }
    reason { type: FEATURE_TYPE_LOW_NUMBER_PRESENT }
  }
}
dataset_anomaly_info {
  severity: ERROR
  description: "Low number of examples"
  reason { type: DATASET_LOW_NUM_EXAMPLES }
}
"""


def found() -> list[dict[str, str]]:
    return describe_anomalies(text_format.Parse(ANOMALIES, anomalies_pb2.Anomalies()), "train")


def test_each_anomalous_feature_is_one_record_with_its_kinds():
    assert found() == [
        {
            "split": "train",
            "feature": "petal_length",
            "severity": "ERROR",
            "kind": "FLOAT_TYPE_BIG_FLOAT",
            "description": "Unexpectedly high value: 69>8",
        },
        {
            "split": "train",
            "feature": "sepal_width",
            "severity": "ERROR",
            "kind": "FEATURE_TYPE_LOW_FRACTION_PRESENT, FEATURE_TYPE_LOW_NUMBER_PRESENT",
            "description": "Column dropped",
        },
        {
            "split": "train",
            "feature": "(dataset)",
            "severity": "ERROR",
            "kind": "DATASET_LOW_NUM_EXAMPLES",
            "description": "Low number of examples",
        },
    ]


def test_every_anomaly_blocks_unless_all_its_kinds_are_allowed():
    assert blocking_anomalies(found(), set()) == found()
    allowed = {"FLOAT_TYPE_BIG_FLOAT", "FEATURE_TYPE_LOW_FRACTION_PRESENT"}
    # sepal_width also has FEATURE_TYPE_LOW_NUMBER_PRESENT, which is not allowed.
    assert [a["feature"] for a in blocking_anomalies(found(), allowed)] == [
        "sepal_width",
        "(dataset)",
    ]
    every_kind = allowed | {"FEATURE_TYPE_LOW_NUMBER_PRESENT", "DATASET_LOW_NUM_EXAMPLES"}
    assert blocking_anomalies(found(), every_kind) == []


def test_the_message_names_split_feature_and_kind():
    assert format_anomalies(found()[:1]) == (
        "  [train] petal_length: FLOAT_TYPE_BIG_FLOAT: Unexpectedly high value: 69>8"
    )
