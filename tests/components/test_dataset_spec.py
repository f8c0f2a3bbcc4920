"""Each rule that turns a schema (and statistics) into what the model takes."""

import pytest
from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2, statistics_pb2

from components.dataset_spec import (
    CATEGORICAL,
    EMBEDDING,
    NUMERIC,
    ONE_HOT,
    DatasetSpec,
    DatasetSpecError,
    FeatureSpec,
    embedding_dim,
    infer_dataset_spec,
    record_decisions_in_schema,
)
from tests.conftest import CURATED_SCHEMA, IRIS_SPEC

SCHEMA = """
feature { name: "age" type: FLOAT }
feature { name: "children" type: INT }
feature { name: "income" type: INT }
feature { name: "zip" type: INT }
feature { name: "smoker" type: INT bool_domain {} }
feature { name: "rating" type: INT int_domain { min: 1 max: 5 } }
feature { name: "grade" type: INT int_domain { is_categorical: true } }
feature { name: "island" type: BYTES domain: "islands" }
feature { name: "colour" type: BYTES string_domain { value: "red" value: "blue" } }
feature { name: "city" type: BYTES }
feature { name: "user_id" type: BYTES }
feature { name: "churned" type: BYTES domain: "yes_no" }
string_domain { name: "islands" value: "Biscoe" value: "Dream" value: "Torgersen" }
string_domain { name: "yes_no" value: "yes" value: "no" }
"""

STATISTICS = """
features { path { step: "children" } type: INT num_stats { min: 0 max: 6 } }
features { path { step: "income" } type: INT num_stats { min: 0 max: 250000 } }
features { path { step: "zip" } type: INT num_stats { min: 10000 max: 99999 } }
features { path { step: "city" } type: STRING string_stats { unique: 400 } }
features { path { step: "user_id" } type: STRING string_stats { unique: 5 } }
"""


def schema() -> schema_pb2.Schema:
    return text_format.Parse(SCHEMA, schema_pb2.Schema())


def statistics() -> statistics_pb2.DatasetFeatureStatistics:
    return text_format.Parse(STATISTICS, statistics_pb2.DatasetFeatureStatistics())


def spec(**kwargs) -> dict[str, FeatureSpec]:
    inferred = infer_dataset_spec(schema(), "churned", statistics(), **kwargs)
    return {feature.name: feature for feature in inferred.features}


def test_float_columns_are_numeric():
    assert spec()["age"] == FeatureSpec("age", NUMERIC, "FLOAT")


def test_integers_with_few_distinct_values_are_categorical_many_are_numeric():
    features = spec()
    # 0..6 children: 7 values, one-hot; an income range of 250001 values: numeric.
    assert features["children"] == FeatureSpec("children", CATEGORICAL, "INT", ONE_HOT, 7)
    assert features["income"] == FeatureSpec("income", NUMERIC, "INT")


def test_integer_domains_in_the_schema_decide_before_statistics():
    features = spec()
    assert features["smoker"] == FeatureSpec("smoker", CATEGORICAL, "INT", ONE_HOT, 2)
    assert features["rating"] == FeatureSpec("rating", CATEGORICAL, "INT", ONE_HOT, 5)
    # Marked categorical with no bounds: how many values is unknown, so embedded.
    assert features["grade"] == FeatureSpec("grade", CATEGORICAL, "INT", EMBEDDING, None)


def test_text_is_categorical_one_hot_when_few_values_embedded_when_many():
    features = spec()
    assert features["island"] == FeatureSpec("island", CATEGORICAL, "BYTES", ONE_HOT, 3)
    assert features["colour"] == FeatureSpec("colour", CATEGORICAL, "BYTES", ONE_HOT, 2)
    assert features["city"] == FeatureSpec("city", CATEGORICAL, "BYTES", EMBEDDING, 400)


def test_embedding_dimension_grows_slowly_with_the_vocabulary_and_is_capped():
    assert round(1.6 * 400**0.56) == 46
    assert embedding_dim(401) == 32
    assert embedding_dim(21) == 9
    assert embedding_dim(2) == 2


def test_excluded_columns_and_the_label_are_not_features():
    features = spec(exclude=["user_id"])
    assert "user_id" not in features and "churned" not in features
    assert list(features)[:3] == ["age", "children", "income"]  # the schema's order


def test_an_override_names_the_kind_of_any_column():
    features = spec(overrides={"zip": CATEGORICAL, "rating": NUMERIC})
    assert features["zip"] == FeatureSpec("zip", CATEGORICAL, "INT", EMBEDDING, 90000)
    assert features["rating"] == FeatureSpec("rating", NUMERIC, "INT")


def test_the_label_is_text_or_whole_number_classes():
    assert infer_dataset_spec(schema(), "churned").label_type == "string"
    assert infer_dataset_spec(schema(), "rating").label_type == "integer"
    with pytest.raises(DatasetSpecError, match="label 'age' holds FLOAT values; a classification"):
        infer_dataset_spec(schema(), "age")


def test_the_label_classes_come_from_its_domain_sorted():
    churned = infer_dataset_spec(schema(), "churned")
    assert churned.label_classes == ("no", "yes") and churned.is_binary
    assert infer_dataset_spec(schema(), "rating").label_classes == ("1", "2", "3", "4", "5")
    assert infer_dataset_spec(schema(), "smoker").label_classes == ("0", "1")
    # While a schema is inferred, a whole-number label is bounded by the statistics.
    children = infer_dataset_spec(schema(), "children", statistics())
    assert children.num_classes == 7


@pytest.mark.parametrize(
    "label, message",
    [
        ("city", "label 'city' has no string_domain in the schema to list its classes"),
        ("grade", "label 'grade' has no int_domain with min and max in the schema"),
        ("income", "label 'income' takes the whole numbers 0..250000: more than 100 classes"),
    ],
)
def test_a_label_without_few_known_classes_is_an_error(label, message):
    with pytest.raises(DatasetSpecError, match=message):
        infer_dataset_spec(schema(), label, statistics())


def test_a_fractional_column_cannot_be_made_categorical():
    with pytest.raises(DatasetSpecError, match="'age' holds fractional numbers"):
        infer_dataset_spec(schema(), "churned", overrides={"age": CATEGORICAL})


def test_the_recorded_schema_gives_the_same_spec_without_statistics():
    # (user_id is left out: text with few values gets its string_domain from TFDV's inference,
    # which this hand-written schema skips.)
    decided = {"exclude": ["user_id"], "overrides": {"zip": CATEGORICAL}}
    inferred = infer_dataset_spec(schema(), "children", statistics(), **decided)
    recorded = record_decisions_in_schema(schema(), inferred, statistics())
    again = infer_dataset_spec(recorded, "children", **decided)
    assert again.label_classes == inferred.label_classes
    assert [(f.name, f.kind, f.encoding) for f in again.features] == [
        (f.name, f.kind, f.encoding) for f in inferred.features
    ]
    columns = {column.name: column for column in recorded.feature}
    # The label's classes, bounded; and it is not expected in serving requests.
    assert (columns["children"].int_domain.min, columns["children"].int_domain.max) == (0, 6)
    assert list(columns["children"].not_in_environment) == ["SERVING"]
    # zip: categorical with too many values to bound.
    assert columns["zip"].int_domain.is_categorical
    assert not columns["zip"].int_domain.HasField("max")
    assert not columns["income"].HasField("int_domain")  # numeric: left as it was


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"label": "churn"}, "label 'churn' is not a column of the data (columns: age, "),
        ({"label": "churned", "exclude": ["userid"]}, "--exclude names userid, not a column"),
        ({"label": "churned", "overrides": {"cty": NUMERIC}}, "override names cty, not a column"),
        ({"label": "churned", "overrides": {"city": "text"}}, "override of city: 'text' is not"),
        ({"label": "churned", "overrides": {"city": NUMERIC}}, "'city' holds text: it cannot"),
        ({"label": "churned", "exclude": ["churned"]}, "label 'churned' cannot be excluded"),
    ],
)
def test_names_that_do_not_fit_the_data_are_errors_that_say_so(kwargs, message):
    with pytest.raises(DatasetSpecError, match=message.replace("(", r"\(").replace(")", r"\)")):
        infer_dataset_spec(schema(), statistics=statistics(), **kwargs)


def test_the_spec_round_trips_through_json():
    inferred = infer_dataset_spec(schema(), "churned", statistics())
    assert DatasetSpec.from_json(inferred.to_json()) == inferred


def test_iris_is_four_numeric_features_and_a_text_label():
    import tensorflow_data_validation as tfdv

    iris = infer_dataset_spec(tfdv.load_schema_text(str(CURATED_SCHEMA)), "species")
    assert iris == IRIS_SPEC
    assert iris.names(NUMERIC) == ("sepal_length", "sepal_width", "petal_length", "petal_width")
    assert iris.names(CATEGORICAL) == ()


def test_a_deprecated_feature_is_not_the_models():
    from tensorflow_metadata.proto.v0 import schema_pb2

    from components.dataset_spec import DatasetSpecError, infer_dataset_spec

    schema = schema_pb2.Schema()
    schema.feature.add(name="size", type=schema_pb2.FLOAT)
    gone = schema.feature.add(name="colour", type=schema_pb2.FLOAT)
    gone.lifecycle_stage = schema_pb2.DEPRECATED
    label = schema.feature.add(name="kind", type=schema_pb2.BYTES)
    label.string_domain.value.extend(["a", "b"])
    spec = infer_dataset_spec(schema, "kind")
    assert [feature.name for feature in spec.features] == ["size"]
    label.lifecycle_stage = schema_pb2.DEPRECATED
    with pytest.raises(DatasetSpecError, match="label 'kind' is DEPRECATED"):
        infer_dataset_spec(schema, "kind")
