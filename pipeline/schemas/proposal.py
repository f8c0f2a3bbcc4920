"""`python -m pipeline propose-schema`: when validation stopped a run, a schema that accepts
what the run's data had, proposed by TFDV from that run's statistics and written for review;
drift and skew, which no schema change accepts, are named with the flag that lets them through.
"""

import dataclasses
import difflib
import os
import shlex
from typing import Any

from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2, statistics_pb2

from components.artifact_files import read_split_statistics
from components.validation_gate.anomalies import (
    describe_anomalies,
    format_anomalies,
    read_anomalies,
)
from components.validation_gate.drift import drift_and_skew_anomalies
from pipeline.nodes import EXAMPLE_VALIDATOR, IMPORT_SCHEMA_GEN, STATISTICS_GEN, VALIDATION_GATE
from pipeline.records.metadata import RunExecutions, imported_schema_file
from pipeline.records.run_record import RunOverview
from pipeline.records.runs import find_run, list_runs, open_pipeline
from pipeline.records.schema import SCHEMA_FILE

# The ValidationGate's inputs that drift and skew are measured against.
BASELINE_INPUT = "baseline_statistics"
SERVING_INPUT = "serving_statistics"
# The feature fields a change line describes; any other difference is reported as such.
DESCRIBED_FEATURE_FIELDS = ("type", "lifecycle_stage", "presence", "shape", "value_count")
# A domain that gains more values than this lists the first ones and counts the rest.
MAX_LISTED_VALUES = 10


class IncompleteRunError(LookupError):
    """The chosen run did not record what a proposal is made from."""


@dataclasses.dataclass(frozen=True)
class RunFindings:
    """What one run validated its data against and what it found, read back from ML Metadata
    and the artifacts it points to."""

    output_dir: str
    pipeline_name: str
    run: RunOverview
    schema: schema_pb2.Schema
    schema_source: str  # the file ImportSchemaGen imported, or its artifact's uri
    statistics_uri: str
    statistics: dict[str, statistics_pb2.DatasetFeatureStatisticsList]
    anomalies: list[dict[str, str]] | None  # ExampleValidator's; None: it did not complete
    drift: list[dict[str, Any]] | None  # recomputed; None: the ValidationGate did not start


@dataclasses.dataclass(frozen=True)
class Proposal:
    """A schema that accepts a run's statistics, what changed, and what it still leaves out."""

    findings: RunFindings
    proposed: schema_pb2.Schema
    changes: list[str]
    unaccepted: list[dict[str, str]]  # anomalies the proposed schema still finds

    @property
    def nothing_to_accept(self) -> bool:
        """No schema change, and the run recorded no anomaly and measured no drift or skew."""
        return not self.changes and self.findings.anomalies == [] and self.findings.drift == []


def propose(
    schema: schema_pb2.Schema,
    statistics_by_split: dict[str, statistics_pb2.DatasetFeatureStatisticsList],
) -> tuple[schema_pb2.Schema, list[str]]:
    """`schema` updated by tfdv.update_schema to accept each split's statistics in turn (it
    keeps the drift and skew thresholds and the environments), and what changed, one line per
    feature (see `schema_changes`)."""
    import tensorflow_data_validation as tfdv

    proposed = schema_pb2.Schema()
    proposed.CopyFrom(schema)
    for split in sorted(statistics_by_split):
        proposed = tfdv.update_schema(proposed, statistics_by_split[split])
    return proposed, schema_changes(schema, proposed)


def schema_changes(before: schema_pb2.Schema, after: schema_pb2.Schema) -> list[str]:
    """How `after` differs from `before`, one line per changed feature in words, e.g.
    "species: domain gains 'iris-virginica-new'" or "colour: new feature (BYTES)"."""
    before_features = {feature.name: feature for feature in before.feature}
    after_features = {feature.name: feature for feature in after.feature}
    before_domains = _string_domains(before)
    after_domains = _string_domains(after)
    lines = []
    for name, feature in after_features.items():
        old = before_features.get(name)
        if old is None:
            lines.append(f"{name}: new feature ({schema_pb2.FeatureType.Name(feature.type)})")
            continue
        changes = _feature_changes(old, feature, before_domains, after_domains)
        if changes:
            lines.append(f"{name}: {'; '.join(changes)}")
    lines += [f"{name}: removed" for name in before_features if name not in after_features]
    if list(before.default_environment) != list(after.default_environment):
        lines.append(
            f"(schema): default environments {', '.join(before.default_environment) or 'none'} "
            f"-> {', '.join(after.default_environment) or 'none'}"
        )
    if _without(before, "feature", "string_domain", "default_environment") != _without(
        after, "feature", "string_domain", "default_environment"
    ):
        lines.append("(schema): dataset-level fields changed (see the diff)")
    return lines


def _feature_changes(
    old: schema_pb2.Feature,
    new: schema_pb2.Feature,
    old_domains: dict[str, list[str]],
    new_domains: dict[str, list[str]],
) -> list[str]:
    changes = []
    if old.type != new.type:
        changes.append(
            f"type {schema_pb2.FeatureType.Name(old.type)} -> "
            f"{schema_pb2.FeatureType.Name(new.type)}"
        )
    if old.lifecycle_stage != new.lifecycle_stage:
        if new.lifecycle_stage == schema_pb2.DEPRECATED:
            # update_schema's answer to a column that is missing or no longer of its type.
            changes.append(
                "deprecated: no longer validated, and TFX no longer reads it, so the model "
                f"must not take it (--exclude {new.name})"
            )
        else:
            changes.append(
                f"lifecycle stage {schema_pb2.LifecycleStage.Name(old.lifecycle_stage)} -> "
                f"{schema_pb2.LifecycleStage.Name(new.lifecycle_stage)}"
            )
    if presence := _presence_change(old, new):
        changes.append(presence)
    if _shape(old) != _shape(new):
        change = f"{_shape(old)} -> {_shape(new)}"
        changes.append(f"{change} (a row may lack it)" if not _has_shape(new) else change)
    changes += _domain_changes(old, new, old_domains, new_domains)
    if not changes and _without(old, *DESCRIBED_FEATURE_FIELDS) != _without(
        new, *DESCRIBED_FEATURE_FIELDS
    ):
        changes.append("other fields changed (see the diff)")
    return changes


def _presence_change(old: schema_pb2.Feature, new: schema_pb2.Feature) -> str | None:
    if old.HasField("presence") != new.HasField("presence"):
        return "presence check added" if new.HasField("presence") else "presence check removed"
    a, b = old.presence, new.presence
    pieces = []
    if a.min_fraction != b.min_fraction:
        pieces.append(f"min_fraction {a.min_fraction:.3g} -> {b.min_fraction:.3g}")
    if a.min_count != b.min_count:
        pieces.append(f"min_count {a.min_count} -> {b.min_count}")
    if not pieces:
        return None
    change = f"presence {', '.join(pieces)}"
    if a.min_fraction == 1 and b.min_fraction < 1:
        return f"no longer required in every row ({change})"
    return change


def _has_shape(feature: schema_pb2.Feature) -> bool:
    return feature.WhichOneof("shape_type") is not None


def _shape(feature: schema_pb2.Feature) -> str:
    """How many values a row has, in words: 'shape [1]', '1-3 values' or 'no fixed shape'."""
    kind = feature.WhichOneof("shape_type")
    if kind == "shape":
        return f"shape [{', '.join(str(dim.size) for dim in feature.shape.dim)}]"
    if kind == "value_count":
        return f"{feature.value_count.min}-{feature.value_count.max} values"
    if kind == "value_counts":
        return f"nested value counts ({len(feature.value_counts.value_count)} levels)"
    return "no fixed shape"


def _domain_changes(
    old: schema_pb2.Feature,
    new: schema_pb2.Feature,
    old_domains: dict[str, list[str]],
    new_domains: dict[str, list[str]],
) -> list[str]:
    old_values = _string_values(old, old_domains)
    new_values = _string_values(new, new_domains)
    if old_values is not None and new_values is not None:
        changes = []
        if gained := [value for value in new_values if value not in old_values]:
            changes.append(f"domain gains {_listed(gained)}")
        if lost := [value for value in old_values if value not in new_values]:
            changes.append(f"domain loses {_listed(lost)}")
        return changes
    old_kind, new_kind = old.WhichOneof("domain_info"), new.WhichOneof("domain_info")
    if old_kind == new_kind:
        if old_kind in ("float_domain", "int_domain"):
            before, after = _bounds(getattr(old, old_kind)), _bounds(getattr(new, new_kind))
            if before != after:
                return [f"{_domain_name(old_kind)} {before} -> {after}"]
        return []
    changes = []
    if old_kind is not None:
        changes.append(f"{_domain_words(old, old_kind, old_domains)} removed")
    if new_kind is not None:
        changes.append(f"{_domain_words(new, new_kind, new_domains)} added")
    return changes


def _string_domains(schema: schema_pb2.Schema) -> dict[str, list[str]]:
    return {domain.name: list(domain.value) for domain in schema.string_domain}


def _string_values(feature: schema_pb2.Feature, domains: dict[str, list[str]]) -> list[str] | None:
    """A string feature's allowed values, whether its domain is named or inline."""
    kind = feature.WhichOneof("domain_info")
    if kind == "domain":
        return domains.get(feature.domain, [])
    if kind == "string_domain":
        return list(feature.string_domain.value)
    return None


def _domain_name(kind: str) -> str:
    return kind.replace("_", " ")


def _domain_words(feature: schema_pb2.Feature, kind: str, domains: dict[str, list[str]]) -> str:
    if kind in ("float_domain", "int_domain"):
        return f"{_domain_name(kind)} {_bounds(getattr(feature, kind))}"
    if (values := _string_values(feature, domains)) is not None:
        return f"string domain of {len(values)} values"
    return _domain_name(kind)


def _bounds(domain: schema_pb2.FloatDomain | schema_pb2.IntDomain) -> str:
    low = f"{domain.min:g}" if domain.HasField("min") else "-inf"
    high = f"{domain.max:g}" if domain.HasField("max") else "inf"
    return f"[{low}, {high}]"


def _listed(values: list[str]) -> str:
    listed = ", ".join(repr(value) for value in values[:MAX_LISTED_VALUES])
    more = len(values) - MAX_LISTED_VALUES
    return f"{listed} and {more} more" if more > 0 else listed


def _without(message, *fields: str):
    """A copy of a proto with `fields` cleared."""
    copy = type(message)()
    copy.CopyFrom(message)
    for field in fields:
        copy.ClearField(field)
    return copy


def unaccepted_anomalies(
    schema: schema_pb2.Schema,
    statistics_by_split: dict[str, statistics_pb2.DatasetFeatureStatisticsList],
) -> list[dict[str, str]]:
    """The anomalies TFDV still finds in each split's statistics under `schema`."""
    import tensorflow_data_validation as tfdv

    found = []
    for split in sorted(statistics_by_split):
        found += describe_anomalies(
            tfdv.validate_statistics(statistics_by_split[split], schema), split
        )
    return found


def read_run_findings(output_dir: str, pipeline_name: str, run: str | None = None) -> RunFindings:
    """The schema run `run` (see runs.find_run; default the latest) validated against,
    its statistics, ExampleValidator's anomalies, and its drift and skew recomputed against the
    baseline and serving statistics its ValidationGate was given."""
    import tensorflow as tf  # for gfile: the artifacts may live on gs:// or s3://
    import tensorflow_data_validation as tfdv

    store = open_pipeline(output_dir, pipeline_name)
    this_run = find_run(list_runs(store, pipeline_name), run)
    executions = RunExecutions.of_run(store, pipeline_name, this_run.run_id)
    where = f"run {this_run.number} ({this_run.run_id})"

    def required_output_uri(node: str, key: str, missing: str) -> str:
        uri = executions.output_uri(node, key)
        if uri is None:
            state = executions.state(node)
            raise IncompleteRunError(f"{where}: {node} did not complete ({state}), so {missing}")
        return uri

    statistics_uri = required_output_uri(
        STATISTICS_GEN, "statistics", "the run has no statistics to propose a schema from"
    )
    statistics = read_split_statistics(statistics_uri)
    if not statistics:
        raise IncompleteRunError(f"{where}: no statistics files under {statistics_uri}")
    schema_uri = required_output_uri(
        IMPORT_SCHEMA_GEN, "schema", "the run has no record of the schema it validated against"
    )
    schema_path = os.path.join(schema_uri, SCHEMA_FILE)
    if not tf.io.gfile.exists(schema_path):
        raise IncompleteRunError(f"{where}: the schema {schema_path} no longer exists")
    schema = tfdv.load_schema_text(schema_path)

    anomalies = None
    if anomalies_uri := executions.output_uri(EXAMPLE_VALIDATOR, "anomalies"):
        anomalies = read_anomalies(anomalies_uri)

    drift = None
    if VALIDATION_GATE in executions.executions:
        inputs = executions.inputs(VALIDATION_GATE)
        baseline = inputs.get(BASELINE_INPUT)
        serving = inputs.get(SERVING_INPUT)
        drift = drift_and_skew_anomalies(
            schema,
            statistics_uri,
            baseline_uri=baseline[0].uri if baseline else None,
            serving_uri=serving[0].uri if serving else None,
        )
    return RunFindings(
        output_dir=output_dir,
        pipeline_name=pipeline_name,
        run=this_run,
        schema=schema,
        schema_source=imported_schema_file(executions.executions[IMPORT_SCHEMA_GEN]) or schema_path,
        statistics_uri=statistics_uri,
        statistics=statistics,
        anomalies=anomalies,
        drift=drift,
    )


def propose_for_run(output_dir: str, pipeline_name: str, run: str | None = None) -> Proposal:
    """The proposal for run `run` of `pipeline_name` under `output_dir` (see
    `read_run_findings`)."""
    findings = read_run_findings(output_dir, pipeline_name, run)
    proposed, changes = propose(findings.schema, findings.statistics)
    return Proposal(
        findings=findings,
        proposed=proposed,
        changes=changes,
        unaccepted=unaccepted_anomalies(proposed, findings.statistics),
    )


def proposed_schema_text(proposal: Proposal) -> str:
    """The proposed schema in text format, under a header saying where it comes from."""
    findings = proposal.findings
    run = findings.run
    header = [
        "# PROPOSED FOR REVIEW, by `python -m pipeline propose-schema`: check every change",
        "# (the command printed them, and a diff) before running with it.",
        f"# From run {run.number} ({run.run_id}) of pipeline {findings.pipeline_name!r}"
        f" under {findings.output_dir}:",
        f"# the schema it validated against, {findings.schema_source},",
        "# updated with tfdv.update_schema to accept the statistics of its splits "
        f"{', '.join(sorted(findings.statistics))}.",
        "# Drift and skew thresholds and environments are the original's; its comments are not",
        "# carried over.",
    ]
    return "\n".join(header) + "\n" + text_format.MessageToString(proposal.proposed)


def schema_diff(
    before: schema_pb2.Schema, after: schema_pb2.Schema, before_name: str, after_name: str
) -> str:
    """A unified diff of two schemas' text format (so comments and field order do not show)."""
    return "".join(
        difflib.unified_diff(
            text_format.MessageToString(before).splitlines(keepends=True),
            text_format.MessageToString(after).splitlines(keepends=True),
            fromfile=before_name,
            tofile=after_name,
        )
    )


def newly_deprecated(before: schema_pb2.Schema, after: schema_pb2.Schema) -> list[str]:
    """The features `after` deprecates that `before` did not."""
    deprecated_before = {
        f.name for f in before.feature if f.lifecycle_stage == schema_pb2.DEPRECATED
    }
    return [
        f.name
        for f in after.feature
        if f.lifecycle_stage == schema_pb2.DEPRECATED and f.name not in deprecated_before
    ]


def run_command(
    output_dir: str,
    pipeline_name: str,
    schema_file: str | None = None,
    excluded: tuple[str, ...] = (),
    allowed_kinds: tuple[str, ...] = (),
) -> str:
    """The local run that uses a proposal, as a shell command; it names the pipeline, whose
    default name depends on the data."""
    words = ["python", "local_runner.py"]
    if schema_file:
        words += ["--schema", schema_file]
    words += ["--output-dir", output_dir, "--pipeline-name", pipeline_name]
    for name in excluded:
        words += ["--exclude", name]
    for kind in allowed_kinds:
        words += ["--allow-anomaly", kind]
    return shlex.join(words)


def format_proposal(proposal: Proposal, schema_file: str) -> str:
    """What the proposal changes and how to use it, for the terminal; `schema_file` is where
    the proposed schema was written (when there are changes)."""
    findings = proposal.findings
    run = findings.run
    lines = [
        f"Run {run.number} ({run.run_id}, {run.state}) of pipeline "
        f"{findings.pipeline_name!r} under {findings.output_dir} validated against "
        f"{findings.schema_source}."
    ]
    if proposal.nothing_to_accept:
        lines.append("Nothing to accept: no anomalies, no drift, no skew. No file written.")
        return "\n".join(lines)
    lines += ["", *_anomaly_lines(proposal, schema_file)]
    drift_kinds = tuple(sorted({k for a in findings.drift or [] for k in a["kind"].split(", ")}))
    allow_flags = " ".join(f"--allow-anomaly {kind}" for kind in drift_kinds)
    if findings.drift is None:
        lines += [
            "",
            f"Drift and skew were not measured: the run's {VALIDATION_GATE} did not start.",
        ]
    elif findings.drift:
        lines += [
            "",
            "Drift and skew are not schema changes (the proposal keeps their thresholds):",
            format_anomalies(findings.drift),
            f"If the shift is real, accept it once by rerunning with {allow_flags}: that run's "
            "statistics then become the drift baseline of later runs.",
        ]
    lines.append("")
    if proposal.changes:
        excluded = tuple(newly_deprecated(findings.schema, proposal.proposed))
        command = run_command(findings.output_dir, findings.pipeline_name, schema_file, excluded)
        shift = f", adding {allow_flags} only if the shift is real" if drift_kinds else ""
        lines += [
            f"Review {schema_file} before using it: it accepts whatever this run's data had. "
            f"Then run with it (and the run's other flags, e.g. --data-root{shift}):",
            f"  {command}",
        ]
    elif drift_kinds:
        # No --schema: the run keeps the schema it validated against (pipeline/schemas/kept.py).
        command = run_command(
            findings.output_dir, findings.pipeline_name, allowed_kinds=drift_kinds
        )
        lines += [
            "To accept the shift (with the run's other flags, e.g. --data-root):",
            f"  {command}",
        ]
    return "\n".join(lines).rstrip("\n")


def _anomaly_lines(proposal: Proposal, schema_file: str) -> list[str]:
    """ExampleValidator's anomalies, then the schema changes that accept them and their diff."""
    findings = proposal.findings
    lines = []
    if findings.anomalies is None:
        lines.append(f"{EXAMPLE_VALIDATOR} did not complete; the proposal is from the statistics.")
    elif findings.anomalies:
        lines += [f"{EXAMPLE_VALIDATOR} found:", format_anomalies(findings.anomalies)]
    if not proposal.changes:
        if findings.anomalies:
            lines.append(
                "tfdv.update_schema changes nothing for these: edit the schema by hand. "
                "No file written."
            )
        else:
            lines.append("The data fits the schema: no schema change to propose. No file written.")
        return lines
    splits = ", ".join(sorted(findings.statistics))
    diff = schema_diff(findings.schema, proposal.proposed, findings.schema_source, schema_file)
    lines += [
        "",
        f"Proposed schema, written to {schema_file}, accepting the statistics of splits {splits}:",
        *(f"  {change}" for change in proposal.changes),
        "",
        diff.rstrip("\n"),
    ]
    if proposal.unaccepted:
        lines += [
            "",
            "Still anomalous under the proposed schema (update_schema cannot accept these; "
            "edit it by hand):",
            format_anomalies(proposal.unaccepted),
        ]
    return lines


def write_proposed_schema(proposal: Proposal, schema_file: str) -> None:
    """Write the proposed schema, with its header, to `schema_file`."""
    with open(schema_file, "w", encoding="utf-8") as f:
        f.write(proposed_schema_text(proposal))
