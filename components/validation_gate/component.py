"""ValidationGate: between ExampleValidator and Transform, it fails when the data has
anomalies, so nothing is transformed, trained or pushed from bad data.

TFX's ExampleValidator records anomalies but lets the pipeline go on; this reads them. Its
output is the schema it was given, validated: Transform and the Trainer take the schema from
here, which makes them wait for, and depend on, the gate on every orchestrator.
"""

import os

from absl import logging
from tfx.dsl.component.experimental.annotations import InputArtifact, OutputArtifact, Parameter
from tfx.dsl.component.experimental.decorators import component
from tfx.types.standard_artifacts import ExampleAnomalies, Schema

from components.validation_gate.anomalies import (
    blocking_anomalies,
    format_anomalies,
    read_anomalies,
)

SCHEMA_FILE = "schema.pbtxt"


class AnomaliesFoundError(RuntimeError):
    """The data has anomalies that are not allowed through."""


@component
def ValidationGate(  # noqa: N802 - TFX names a component after its function
    anomalies: InputArtifact[ExampleAnomalies],
    schema: InputArtifact[Schema],
    validated_schema: OutputArtifact[Schema],
    allowed_anomaly_kinds: Parameter[str] = "",
) -> None:
    """Fail on any anomaly whose kinds are not all in `allowed_anomaly_kinds` (comma-separated
    AnomalyInfo.Type names, e.g. "FEATURE_TYPE_LOW_FRACTION_PRESENT"); log the allowed ones."""
    import tensorflow as tf

    allowed = {kind.strip() for kind in allowed_anomaly_kinds.split(",") if kind.strip()}
    found = read_anomalies(anomalies.uri)
    blocking = blocking_anomalies(found, allowed)
    if blocking:
        raise AnomaliesFoundError(
            f"{len(blocking)} anomal{'y' if len(blocking) == 1 else 'ies'} in the data; "
            f"nothing was transformed, trained or pushed:\n{format_anomalies(blocking)}"
        )
    if found:
        logging.warning("Anomalies let through (allowed kinds):\n%s", format_anomalies(found))
    tf.io.gfile.copy(
        os.path.join(schema.uri, SCHEMA_FILE),
        os.path.join(validated_schema.uri, SCHEMA_FILE),
        overwrite=True,
    )
