"""What each column of a tabular dataset is to the model, decided from its schema and
statistics: the rules that let a new CSV go through the pipeline by naming its label.

- FLOAT columns are numeric: z-scored, a missing value imputed with the mean and flagged.
- INT columns are categorical when their values are few whole numbers (a schema
  `int_domain` marked categorical, or at most MAX_CATEGORICAL_INTEGERS distinct values in
  the statistics), numeric otherwise.
- BYTES (text) columns are categorical: a vocabulary of the most frequent values plus
  out-of-vocabulary buckets, one-hot encoded when it has at most MAX_ONE_HOT_VALUES values,
  embedded otherwise.
- The label is text or whole-number classes; excluded columns (ids, leaks) are dropped; an
  override names the kind of any column, e.g. a zip code stored as INT is categorical.
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

    @property
    def vocabulary_size(self) -> int | None:
        """Ids a categorical column maps to: its kept values plus the out-of-vocabulary
        buckets (None when the number of values is not known until Transform runs)."""
        if self.kind != CATEGORICAL or self.distinct_values is None:
            return None
        return min(self.distinct_values, VOCABULARY_TOP_K) + OOV_BUCKETS

    @property
    def embedding_dim(self) -> int | None:
        """A common rule of thumb, 1.6 * values^0.56, capped at MAX_EMBEDDING_DIM."""
        if self.encoding != EMBEDDING:
            return None
        values = min(self.distinct_values or VOCABULARY_TOP_K, VOCABULARY_TOP_K)
        return min(MAX_EMBEDDING_DIM, max(2, round(1.6 * values**0.56)))


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
    """The label and the features, in the schema's column order."""

    label: str
    label_type: str  # "string" or "integer"
    features: tuple[FeatureSpec, ...]

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "DatasetSpec":
        values = json.loads(text)
        return cls(
            label=values["label"],
            label_type=values["label_type"],
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
    return DatasetSpec(label=label, label_type=_label_type(columns[label]), features=features)


def _label_type(column: schema_pb2.Feature) -> str:
    if column.type == schema_pb2.BYTES:
        return "string"
    if column.type == schema_pb2.INT:
        return "integer"
    raise DatasetSpecError(
        f"label {column.name!r} holds {schema_pb2.FeatureType.Name(column.type)} values; a "
        "classification label is text or whole-number classes"
    )


def _feature_spec(
    column: schema_pb2.Feature, distinct: int | None, override: str | None
) -> FeatureSpec:
    raw_type = schema_pb2.FeatureType.Name(column.type)
    if raw_type not in ("FLOAT", "INT", "BYTES"):
        raise DatasetSpecError(f"column {column.name!r} has type {raw_type}; expected a scalar")
    if override == NUMERIC and raw_type == "BYTES":
        raise DatasetSpecError(f"column {column.name!r} holds text: it cannot be numeric")
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
    if domain == "bool_domain":
        return 2
    if (
        domain == "int_domain"
        and column.int_domain.HasField("min")
        and column.int_domain.HasField("max")
    ):
        return column.int_domain.max - column.int_domain.min + 1
    if domain == "string_domain":
        return len(column.string_domain.value)
    if domain == "domain" and column.domain in named_domains:
        return len(named_domains[column.domain].value)
    if statistics is None:
        return None
    if statistics.HasField("string_stats"):
        return statistics.string_stats.unique or None
    if statistics.HasField("num_stats") and statistics.type == statistics.INT:
        return int(statistics.num_stats.max - statistics.num_stats.min) + 1
    return None


def _statistics_by_name(
    statistics: statistics_pb2.DatasetFeatureStatistics | None,
) -> dict[str, statistics_pb2.FeatureNameStatistics]:
    if statistics is None:
        return {}
    return {".".join(feature.path.step) or feature.name: feature for feature in statistics.features}
