"""What each column of a tabular dataset is to the model, decided from its schema and
statistics: the rules that let a new CSV go through the pipeline by naming its label.

- FLOAT columns are numeric: z-scored, a missing value imputed with the mean and flagged.
- INT columns are categorical when their values are few whole numbers (a schema
  `int_domain` marked categorical, or at most MAX_CATEGORICAL_INTEGERS distinct values in
  the statistics), numeric otherwise.
- BYTES (text) columns are categorical: a vocabulary of the most frequent values plus
  out-of-vocabulary buckets, one-hot encoded when it has at most MAX_ONE_HOT_VALUES values,
  embedded otherwise.
- The label is text or whole-number classes, listed by its domain in the schema. The model's
  class order is ascending for whole numbers (a binary label's positive class is 1) and by
  frequency in the training data for text (a binary label's positive class is the rarer).
- Excluded columns (ids, leaks) and the schema's deprecated features are dropped; an override
  names the kind of any column, e.g. a zip code stored as INT is categorical.
"""

import dataclasses
import json
from collections.abc import Iterable, Mapping

from tensorflow_metadata.proto.v0 import schema_pb2, statistics_pb2

NUMERIC = "numeric"
CATEGORICAL = "categorical"
ONE_HOT = "one_hot"
EMBEDDING = "embedding"
KINDS = (NUMERIC, CATEGORICAL)

MAX_ONE_HOT_VALUES = 10
MAX_CATEGORICAL_INTEGERS = 20
# The vocabulary of a categorical column keeps this many most frequent values; the rest, and
# values never seen in training, share the out-of-vocabulary buckets.
VOCABULARY_TOP_K = 1000
OOV_BUCKETS = 1
MAX_EMBEDDING_DIM = 32
# More classes than this is not a classification label but an id or a measurement.
MAX_CLASSES = 100


class DatasetSpecError(ValueError):
    """The label, an excluded column or an override does not fit the data."""


@dataclasses.dataclass(frozen=True)
class FeatureSpec:
    """One input column and how the model takes it."""

    name: str
    kind: str  # NUMERIC or CATEGORICAL
    raw_type: str  # the schema's type of the column: FLOAT, INT or BYTES
    encoding: str | None = None  # ONE_HOT or EMBEDDING, for categorical columns
    # Distinct values known from the schema or statistics (None: not known, taken as many).
    distinct_values: int | None = None


def embedding_dim(vocabulary_size: int) -> int:
    """A common rule of thumb, 1.6 * values^0.56, capped at MAX_EMBEDDING_DIM; sized by the
    vocabulary Transform computed, which may be smaller than the values the schema allows."""
    return min(MAX_EMBEDDING_DIM, max(2, round(1.6 * vocabulary_size**0.56)))


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
    """The label, its classes, and the features in the schema's column order."""

    label: str
    label_type: str  # "string" or "integer"
    # Sorted, integers as text. For whole-number labels this is also the model's class order;
    # text labels are ordered by Transform's vocabulary, most frequent first.
    label_classes: tuple[str, ...]
    features: tuple[FeatureSpec, ...]

    @property
    def num_classes(self) -> int:
        return len(self.label_classes)

    @property
    def is_binary(self) -> bool:
        return self.num_classes == 2

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "DatasetSpec":
        values = json.loads(text)
        return cls(
            label=values["label"],
            label_type=values["label_type"],
            label_classes=tuple(values["label_classes"]),
            features=tuple(FeatureSpec(**feature) for feature in values["features"]),
        )

    def names(self, kind: str) -> tuple[str, ...]:
        return tuple(feature.name for feature in self.features if feature.kind == kind)


def infer_dataset_spec(
    schema: schema_pb2.Schema,
    label: str,
    statistics: statistics_pb2.DatasetFeatureStatistics | None = None,
    exclude: Iterable[str] = (),
    overrides: Mapping[str, str] | None = None,
) -> DatasetSpec:
    """The DatasetSpec of `schema` with `label` as the label (see the module's rules)."""
    columns = {feature.name: feature for feature in schema.feature}
    overrides = dict(overrides or {})
    exclude = set(exclude)
    for what, names in (("--exclude", exclude), ("override", set(overrides))):
        unknown = sorted(names - set(columns))
        if unknown:
            raise DatasetSpecError(
                f"{what} names {', '.join(unknown)}, not a column of the data "
                f"(columns: {', '.join(columns)})"
            )
    if label not in columns:
        raise DatasetSpecError(
            f"label {label!r} is not a column of the data (columns: {', '.join(columns)})"
        )
    if label in exclude or label in overrides:
        raise DatasetSpecError(f"label {label!r} cannot be excluded or overridden")
    # A deprecated feature (what TFDV's update_schema makes of a column that went missing or
    # changed type) is not read by TFX's components: the model cannot take it.
    deprecated = {f.name for f in schema.feature if f.lifecycle_stage == schema_pb2.DEPRECATED}
    if label in deprecated:
        raise DatasetSpecError(f"label {label!r} is DEPRECATED in the schema; undeprecate it")
    exclude |= deprecated
    for name, kind in overrides.items():
        if kind not in KINDS:
            raise DatasetSpecError(f"override of {name}: {kind!r} is not one of {KINDS}")
    column_statistics = _statistics_by_name(statistics)
    named_domains = {domain.name: domain for domain in schema.string_domain}
    features = tuple(
        _feature_spec(
            column,
            _distinct_values(column, named_domains, column_statistics.get(column.name)),
            overrides.get(column.name),
        )
        for column in schema.feature
        if column.name not in exclude and column.name != label
    )
    if not features:
        raise DatasetSpecError(f"no feature is left besides the label {label!r}")
    label_column = columns[label]
    return DatasetSpec(
        label=label,
        label_type=_label_type(label_column),
        label_classes=_label_classes(label_column, named_domains, column_statistics.get(label)),
        features=features,
    )


def _label_type(column: schema_pb2.Feature) -> str:
    if column.type == schema_pb2.BYTES:
        return "string"
    if column.type == schema_pb2.INT:
        return "integer"
    raise DatasetSpecError(
        f"label {column.name!r} holds {schema_pb2.FeatureType.Name(column.type)} values; a "
        "classification label is text or whole-number classes"
    )


def _label_classes(
    column: schema_pb2.Feature,
    named_domains: Mapping[str, schema_pb2.StringDomain],
    statistics: statistics_pb2.FeatureNameStatistics | None,
) -> tuple[str, ...]:
    """The label's classes, sorted: its string domain, or the whole numbers of its int_domain
    (or, while a schema is being inferred, between its minimum and maximum)."""
    name = column.name
    domain = column.WhichOneof("domain_info")
    if column.type == schema_pb2.BYTES:
        if domain == "string_domain":
            values = list(column.string_domain.value)
        elif domain == "domain" and column.domain in named_domains:
            values = list(named_domains[column.domain].value)
        else:
            raise DatasetSpecError(
                f"label {name!r} has no string_domain in the schema to list its classes "
                f"(SchemaGen writes one for at most {MAX_CLASSES} distinct values); add one"
            )
        classes = tuple(sorted(set(values)))
    else:
        low, high = _integer_bounds(column, statistics)
        if low is None or high is None:
            raise DatasetSpecError(
                f"label {name!r} has no int_domain with min and max in the schema to bound "
                "its classes; add one"
            )
        if high - low + 1 > MAX_CLASSES:
            raise DatasetSpecError(
                f"label {name!r} takes the whole numbers {low}..{high}: more than {MAX_CLASSES} "
                "classes; a classification label has a few distinct values"
            )
        classes = tuple(str(value) for value in range(low, high + 1))
    if len(classes) < 2:
        raise DatasetSpecError(
            f"label {name!r} has one class ({', '.join(classes) or 'none'}); a classifier "
            "needs at least two"
        )
    if len(classes) > MAX_CLASSES:
        raise DatasetSpecError(
            f"label {name!r} has {len(classes)} values, more than {MAX_CLASSES} classes"
        )
    return classes


def _integer_bounds(
    column: schema_pb2.Feature, statistics: statistics_pb2.FeatureNameStatistics | None
) -> tuple[int | None, int | None]:
    """An INT column's least and greatest value: its schema domain's, else the statistics'."""
    if column.WhichOneof("domain_info") == "bool_domain":
        return 0, 1
    if column.WhichOneof("domain_info") == "int_domain":
        domain = column.int_domain
        if domain.HasField("min") and domain.HasField("max"):
            return domain.min, domain.max
    if statistics is not None and statistics.HasField("num_stats"):
        return int(statistics.num_stats.min), int(statistics.num_stats.max)
    return None, None


def _feature_spec(
    column: schema_pb2.Feature, distinct: int | None, override: str | None
) -> FeatureSpec:
    raw_type = schema_pb2.FeatureType.Name(column.type)
    if raw_type not in ("FLOAT", "INT", "BYTES"):
        raise DatasetSpecError(f"column {column.name!r} has type {raw_type}; expected a scalar")
    if override == NUMERIC and raw_type == "BYTES":
        raise DatasetSpecError(f"column {column.name!r} holds text: it cannot be numeric")
    if override == CATEGORICAL and raw_type == "FLOAT":
        raise DatasetSpecError(
            f"column {column.name!r} holds fractional numbers: it cannot be categorical"
        )
    kind = override or _inferred_kind(column, raw_type, distinct)
    if kind == NUMERIC:
        return FeatureSpec(column.name, NUMERIC, raw_type)
    small = distinct is not None and distinct <= MAX_ONE_HOT_VALUES
    return FeatureSpec(
        column.name, CATEGORICAL, raw_type, ONE_HOT if small else EMBEDDING, distinct
    )


def _inferred_kind(column: schema_pb2.Feature, raw_type: str, distinct: int | None) -> str:
    if raw_type == "BYTES":
        return CATEGORICAL
    if raw_type == "INT":
        domain = column.WhichOneof("domain_info")
        if domain == "bool_domain" or (domain == "int_domain" and column.int_domain.is_categorical):
            return CATEGORICAL
        if distinct is not None and distinct <= MAX_CATEGORICAL_INTEGERS:
            return CATEGORICAL
    return NUMERIC


def _distinct_values(
    column: schema_pb2.Feature,
    named_domains: Mapping[str, schema_pb2.StringDomain],
    statistics: statistics_pb2.FeatureNameStatistics | None,
) -> int | None:
    """How many values the column takes: from its domain in the schema, else the statistics
    (for whole numbers, at most max - min + 1)."""
    domain = column.WhichOneof("domain_info")
    if domain in ("bool_domain", "int_domain"):
        low, high = _integer_bounds(column, None)
        if low is not None:
            return high - low + 1
    if domain == "string_domain":
        return len(column.string_domain.value)
    if domain == "domain" and column.domain in named_domains:
        return len(named_domains[column.domain].value)
    if statistics is None:
        return None
    if statistics.HasField("string_stats"):
        return statistics.string_stats.unique or None
    if statistics.type == statistics.INT:
        low, high = _integer_bounds(column, statistics)
        return None if low is None else high - low + 1
    return None


def _statistics_by_name(
    statistics: statistics_pb2.DatasetFeatureStatistics | None,
) -> dict[str, statistics_pb2.FeatureNameStatistics]:
    if statistics is None:
        return {}
    return {".".join(feature.path.step) or feature.name: feature for feature in statistics.features}


def record_decisions_in_schema(
    schema: schema_pb2.Schema,
    spec: DatasetSpec,
    statistics: statistics_pb2.DatasetFeatureStatistics,
) -> schema_pb2.Schema:
    """A copy of an inferred `schema` that gives the same DatasetSpec without statistics, so it
    can be committed, tightened and used on any runner: whole-number categorical columns and
    an integer label get an `int_domain` marked categorical (bounded by the values seen when
    there are few), and the label is absent from the SERVING environment."""
    recorded = schema_pb2.Schema()
    recorded.CopyFrom(schema)
    column_statistics = _statistics_by_name(statistics)
    categorical = {f.name for f in spec.features if f.kind == CATEGORICAL}
    for column in recorded.feature:
        is_integer_label = column.name == spec.label and column.type == schema_pb2.INT
        if column.type != schema_pb2.INT or not (column.name in categorical or is_integer_label):
            continue
        if column.WhichOneof("domain_info") == "bool_domain":
            continue
        column.int_domain.is_categorical = True
        low, high = _integer_bounds(column, column_statistics.get(column.name))
        if low is not None and (is_integer_label or high - low < MAX_CATEGORICAL_INTEGERS):
            column.int_domain.min, column.int_domain.max = low, high
    for environment in ("TRAINING", "SERVING"):
        if environment not in recorded.default_environment:
            recorded.default_environment.append(environment)
    label_column = next(column for column in recorded.feature if column.name == spec.label)
    if "SERVING" not in label_column.not_in_environment:
        label_column.not_in_environment.append("SERVING")
    return recorded
