"""ValidationGate: between ExampleValidator and Transform, it fails when the data has
anomalies, drifted from the data the served model was trained on, or is skewed against serving
data; so nothing is transformed, trained or pushed from bad data.

TFX's ExampleValidator records anomalies but lets the pipeline go on, and compares with no
earlier or serving statistics; this reads its anomalies and adds drift and skew (drift.py).
Transform runs after the gate (an explicit dependency, not an artifact it reads), so that a
gate that runs again, as it does whenever a new model is served, does not make Transform and
the Trainer run again on unchanged data.
"""

import os

from absl import logging
from tfx.dsl.component.experimental.annotations import InputArtifact, OutputArtifact, Parameter
from tfx.dsl.component.experimental.decorators import component
from tfx.types.artifact import Artifact
from tfx.types.standard_artifacts import ExampleAnomalies, ExampleStatistics, Schema

from components.artifact_files import STATISTICS_FILE, copy_split_files
from components.validation_gate.anomalies import (
    blocking_anomalies,
    format_anomalies,
    read_anomalies,
)
from components.validation_gate.drift import drift_and_skew_anomalies

SCHEMA_FILE = "schema.pbtxt"


class ValidatedStatistics(Artifact):
    """Statistics of data that passed the gate. The Pusher keeps them beside the model trained
    on that data, and later runs measure their drift against them (ServingBaseline)."""

    # Kubeflow's compiler requires a custom type's name to be <namespace>.<Name> (a short
    # lowercase namespace), and each step imports the type's class by that name: so it is the
    # import path of this class, exported lazily by components/__init__.py.
    TYPE_NAME = "components.ValidatedStatistics"


class AnomaliesFoundError(RuntimeError):
    """The data has anomalies that are not allowed through."""


@component
def ValidationGate(  # noqa: N802 - TFX names a component after its function
    anomalies: InputArtifact[ExampleAnomalies],
    schema: InputArtifact[Schema],
    statistics: InputArtifact[ExampleStatistics],
    validated_statistics: OutputArtifact[ValidatedStatistics],
    baseline_statistics: InputArtifact[ValidatedStatistics] = None,
    serving_statistics: InputArtifact[ExampleStatistics] = None,
    allowed_anomaly_kinds: Parameter[str] = "",
) -> None:
    """Fail on any anomaly, drift or skew whose kinds are not all in `allowed_anomaly_kinds`
    (comma-separated AnomalyInfo.Type names, e.g. "FEATURE_TYPE_LOW_FRACTION_PRESENT"); log
    the allowed ones. On success, `statistics` become `validated_statistics`."""
    import tensorflow_data_validation as tfdv

    allowed = {kind.strip() for kind in allowed_anomaly_kinds.split(",") if kind.strip()}
    found = read_anomalies(anomalies.uri) + drift_and_skew_anomalies(
        tfdv.load_schema_text(os.path.join(schema.uri, SCHEMA_FILE)),
        statistics.uri,
        baseline_uri=baseline_statistics.uri if baseline_statistics else None,
        serving_uri=serving_statistics.uri if serving_statistics else None,
    )
    blocking = blocking_anomalies(found, allowed)
    if blocking:
        raise AnomaliesFoundError(
            f"{len(blocking)} anomal{'y' if len(blocking) == 1 else 'ies'} in the data; "
            f"nothing was transformed, trained or pushed:\n{format_anomalies(blocking)}"
        )
    if found:
        logging.warning("Anomalies let through (allowed kinds):\n%s", format_anomalies(found))
    copy_split_files(statistics.uri, validated_statistics.uri, STATISTICS_FILE)
