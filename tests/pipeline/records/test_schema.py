"""Schema summaries and the differences between a curated schema and an inferred one."""

from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2

from pipeline.records.schema import describe_schema_value, schema_differences, summarize_schema
from tests.conftest import REPO_ROOT

INFERRED = """
feature { name: "sepal_length" type: FLOAT presence { min_fraction: 1 } shape { dim { size: 1 } } }
feature { name: "species" type: BYTES domain: "species" presence { min_fraction: 1 }
          shape { dim { size: 1 } } }
feature { name: "id" type: INT }
string_domain { name: "species" value: "setosa" value: "versicolor" value: "virginica" }
"""


def summary_of(text: str) -> dict:
    return summarize_schema(text_format.Parse(text, schema_pb2.Schema()))


def curated() -> dict:
    return summary_of((REPO_ROOT / "data" / "iris" / "schema.pbtxt").read_text())


def test_the_curated_iris_schema_in_words():
    schema = curated()
    assert schema["environments"] == ["TRAINING", "SERVING"]
    assert schema["features"]["sepal_length"] == {
        "type": "FLOAT",
        "presence": "min fraction 1",
        "domain": "[3, 9]",
        "shape": [1],
        "environments": ["TRAINING", "SERVING"],
        "thresholds": {"drift": "Jensen-Shannon 0.25", "skew": "Jensen-Shannon 0.25"},
    }
    assert schema["features"]["species"]["domain"] == "setosa, versicolor, virginica"
    assert schema["features"]["species"]["environments"] == ["TRAINING"]
    assert schema["features"]["species"]["thresholds"] == {"drift": "L-infinity 0.2"}
    assert describe_schema_value("thresholds", schema["features"]["species"]["thresholds"]) == (
        "drift L-infinity 0.2"
    )
    assert describe_schema_value("thresholds", {}) == "none"


def test_a_feature_without_presence_or_shape_is_optional_and_unshaped():
    feature = summary_of(INFERRED)["features"]["id"]
    assert (feature["presence"], feature["shape"], feature["domain"]) == ("optional", None, None)
    assert feature["environments"] == []  # no environments declared: every one


def test_differences_name_the_feature_the_field_and_both_values():
    differences = schema_differences(curated(), summary_of(INFERRED))
    by_key = {(d["feature"], d["field"]): (d["used"], d["inferred"]) for d in differences}
    assert by_key[("sepal_length", "domain")] == ("[3, 9]", None)
    assert by_key[("species", "environments")] == (["TRAINING"], [])
    assert by_key[("id", "feature")] == ("absent", "present")
    assert by_key[("petal_width", "feature")] == ("present", "absent")
    assert ("species", "domain") not in by_key
    assert schema_differences(curated(), curated()) == []
