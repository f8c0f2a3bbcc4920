"""Schemas: read one back from a run, and compare two."""

import os
from typing import Any

from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2

SCHEMA_FILE = "schema.pbtxt"
# The fields of a feature's summary that `schema_differences` compares.
COMPARED_FIELDS = ("type", "presence", "domain", "shape", "environments")


def read_schema(schema_uri: str) -> dict[str, Any]:
    """A schema artifact (SchemaGen's or ImportSchemaGen's) as plain data."""
    import tensorflow as tf  # for gfile: the artifact may live on gs:// or s3://

    text = tf.io.gfile.GFile(os.path.join(schema_uri, SCHEMA_FILE)).read()
    return summarize_schema(text_format.Parse(text, schema_pb2.Schema()))


def summarize_schema(schema: schema_pb2.Schema) -> dict[str, Any]:
    """Environments and, per feature, type, presence, domain, shape and environments."""
    string_domains = {domain.name: list(domain.value) for domain in schema.string_domain}
    environments = list(schema.default_environment)
    features = {}
    for feature in schema.feature:
        if feature.in_environment:
            in_environments = list(feature.in_environment)
        else:
            in_environments = [e for e in environments if e not in feature.not_in_environment]
        features[feature.name] = {
            "type": schema_pb2.FeatureType.Name(feature.type),
            "presence": _presence(feature),
            "domain": _domain(feature, string_domains),
            "shape": [dim.size for dim in feature.shape.dim] if feature.HasField("shape") else None,
            "environments": in_environments,
            "thresholds": _thresholds(feature),
        }
    return {"environments": environments, "features": features}


def _thresholds(feature: schema_pb2.Feature) -> dict[str, str]:
    """The drift and skew thresholds of a feature, e.g. {"drift": "L-infinity 0.2"}."""
    thresholds = {}
    for name in ("drift", "skew"):
        comparator = getattr(feature, f"{name}_comparator")
        if comparator.HasField("infinity_norm"):
            thresholds[name] = f"L-infinity {comparator.infinity_norm.threshold:g}"
        elif comparator.HasField("jensen_shannon_divergence"):
            threshold = comparator.jensen_shannon_divergence.threshold
            thresholds[name] = f"Jensen-Shannon {threshold:g}"
    return thresholds


def _presence(feature: schema_pb2.Feature) -> str:
    if feature.HasField("presence"):
        return f"min fraction {feature.presence.min_fraction:g}"
    if feature.HasField("value_count"):
        return f"{feature.value_count.min}-{feature.value_count.max} values"
    return "optional"


def _domain(feature: schema_pb2.Feature, string_domains: dict[str, list[str]]) -> str | None:
    """The allowed values in words: '[3, 9]' for a range, the names for a string domain."""
    kind = feature.WhichOneof("domain_info")
    if kind == "domain":
        return ", ".join(string_domains.get(feature.domain, [])) or f"domain {feature.domain!r}"
    if kind == "string_domain":
        return ", ".join(feature.string_domain.value)
    if kind in ("float_domain", "int_domain"):
        domain = getattr(feature, kind)
        low = f"{domain.min:g}" if domain.HasField("min") else "-inf"
        high = f"{domain.max:g}" if domain.HasField("max") else "inf"
        return f"[{low}, {high}]"
    return kind


def describe_schema_value(field: str, value: Any) -> str:
    """A schema field's value in words; a feature with no environments is in every one."""
    if field == "environments":
        return ", ".join(value) or "any"
    if field == "thresholds":
        return ", ".join(f"{kind} {threshold}" for kind, threshold in value.items()) or "none"
    return "" if value is None else str(value)


def schema_differences(used: dict[str, Any], inferred: dict[str, Any]) -> list[dict[str, Any]]:
    """Where the schema a run used differs from the one SchemaGen inferred from its data:
    one row per feature and field, with both values."""
    differences = []
    names = sorted(used["features"].keys() | inferred["features"].keys())
    for name in names:
        a = used["features"].get(name)
        b = inferred["features"].get(name)
        if a is None or b is None:
            differences.append(
                {
                    "feature": name,
                    "field": "feature",
                    "used": "absent" if a is None else "present",
                    "inferred": "absent" if b is None else "present",
                }
            )
            continue
        for field in COMPARED_FIELDS:
            if a[field] != b[field]:
                differences.append(
                    {"feature": name, "field": field, "used": a[field], "inferred": b[field]}
                )
    return differences
