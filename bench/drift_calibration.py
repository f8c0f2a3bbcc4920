"""`python -m bench.drift_calibration` (make calibrate): how often the validation gate stops a run,
on three datasets with the schema a pipeline given none infers and keeps, and what TFDV's drift
comparators measure, so that the inferred schema's thresholds can be read off.

For each dataset a first run infers the schema from the original data (write_inferred_schema)
and computes the data's statistics per split: the drift baseline. Then each case, a CSV of its
own (bench/drift_cases.py), goes through the same executors as a pipeline run (our ExampleGen,
TFX's StatisticsGen and ExampleValidator, run in this process with the execution properties of
the pipeline's own nodes) and the gate's decision against that baseline:
- bootstrap resamples of the original rows: nothing changed, none should be stopped;
- shifts, each of which should be stopped: every numeric column in units ten times smaller,
  every numeric column's mean moved by one standard deviation, a new category in 5% of the
  rows of every categorical column, and the label's most frequent class's share moved by 30
  points.
Besides the decision, every case records TFDV's drift measurement of every column in every
split, taken with a copy of the schema whose comparators (both kinds on every column) never
trigger. The thresholds in the report are read from the schema written, never set here.

Writes drift_calibration.json (every case) and drift_calibration.md (the tables) to the results
directory and prints the Markdown and the wall time.
"""

import argparse
import csv
import dataclasses
import datetime
import json
import math
import os
import pathlib
import platform
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import components  # noqa: F401 - pins Keras 2 (TF_USE_LEGACY_KERAS) before TensorFlow loads
from bench.drift_cases import (
    add_new_category,
    bootstrap_resample,
    class_shares,
    scale_column,
    shift_class_share,
    shift_column_mean,
)
from pipeline.nodes import EXAMPLE_GEN, EXAMPLE_VALIDATOR, STATISTICS_GEN
from tests.datasets import write_churn_dataset

REPO_ROOT = pathlib.Path(__file__).resolve().parent.parent
# Fewer resamples than this say too little about the largest drift unchanged data shows.
MIN_RESAMPLES = 20
UNITS_FACTOR = 10
# TFDV's drift measurements (DriftSkewInfo.Measurement.Type names) and the schema comparator
# that makes each.
COMPARATORS = {
    "L_INFTY": "infinity_norm",
    "JENSEN_SHANNON_DIVERGENCE": "jensen_shannon_divergence",
}
# Neither measure exceeds 1, and a comparator reports an anomaly only above its threshold.
NEVER_TRIGGERING_THRESHOLD = 1.0
# The case kinds, in the report's order, and how the report names them.
RESAMPLE = "resample"
UNITS = "units_x10"
MEAN = "mean_plus_sd"
NEW_CATEGORY = "new_category"
LABEL_SHARE = "label_share"
CASE_KINDS = {
    RESAMPLE: "bootstrap resample",
    UNITS: f"units ×{UNITS_FACTOR}",
    MEAN: "mean + 1 sd",
    NEW_CATEGORY: "new category (5% of rows)",
    LABEL_SHARE: "label class share ±0.30",
}
SHIFT_KINDS = tuple(kind for kind in CASE_KINDS if kind != RESAMPLE)
DATA_FILE = "data.csv"
SPLITS = ("train", "eval")


@dataclasses.dataclass(frozen=True)
class CalibrationDataset:
    """A dataset the gate is calibrated on: its label, and how its one CSV file is written."""

    name: str
    label: str
    source: str  # where the rows come from, for the report
    write_csv: Callable[[pathlib.Path], pathlib.Path]  # into a folder; returns the file


def _copy_into(source: pathlib.Path) -> Callable[[pathlib.Path], pathlib.Path]:
    """Only the CSV file, so that a schema beside it is not the user's: one is inferred."""

    def write(folder: pathlib.Path) -> pathlib.Path:
        folder.mkdir(parents=True, exist_ok=True)
        return pathlib.Path(shutil.copy(source, folder / source.name))

    return write


DATASETS = (
    CalibrationDataset(
        "iris", "species", "data/iris/iris.csv", _copy_into(REPO_ROOT / "data/iris/iris.csv")
    ),
    CalibrationDataset(
        "penguins",
        "species",
        "data/penguins/penguins.csv",
        _copy_into(REPO_ROOT / "data/penguins/penguins.csv"),
    ),
    CalibrationDataset(
        "churn", "churned", "tests.datasets.write_churn_dataset (3,000 rows)", write_churn_dataset
    ),
)


@dataclasses.dataclass(frozen=True)
class Case:
    """One CSV the gate decides on: a resample, or a shift of one column."""

    kind: str
    column: str | None  # the shifted column; None for a resample
    description: str
    rows: list[dict[str, str]]


class PipelineExecutors:
    """The executors of the pipeline's ExampleGen, StatisticsGen and ExampleValidator, run in
    this process (no orchestrator, no ML Metadata) with the execution properties of the nodes
    create_pipeline builds from `config`, so that a case is read, split and validated as a run
    of that pipeline would do it. Beam runs with the pipeline's default options (none): the
    DirectRunner, in memory; the artifacts are on local disk."""

    def __init__(self, config) -> None:
        from tfx.types import standard_artifacts

        from pipeline.inputs import resolve_inputs
        from pipeline.pipeline import create_pipeline

        nodes = {
            node.id: node for node in create_pipeline(config, resolve_inputs(config)).components
        }
        self._properties = {
            node_id: dict(nodes[node_id].exec_properties)
            for node_id in (EXAMPLE_GEN, STATISTICS_GEN, EXAMPLE_VALIDATOR)
        }
        self._schema = standard_artifacts.Schema()
        # ExampleValidator reads the one file of the artifact's folder.
        self._schema.uri = os.path.dirname(config.schema_path)
        self.allowed_kinds = set(config.allowed_anomaly_kinds)

    def run(self, data_root: str, work_dir: str):
        """(statistics, anomalies) artifacts of the CSV files in `data_root`, under `work_dir`."""
        from tfx.components.example_validator.executor import Executor as ValidatorExecutor
        from tfx.components.statistics_gen.executor import Executor as StatisticsExecutor
        from tfx.types import standard_artifacts
        from tfx.types import standard_component_specs as keys

        from components.checked_csv_example_gen.component import Executor as ExampleGenExecutor

        examples = standard_artifacts.Examples()
        examples.uri = os.path.join(work_dir, "examples")
        ExampleGenExecutor().Do(
            {},
            {keys.EXAMPLES_KEY: [examples]},
            {**self._properties[EXAMPLE_GEN], keys.INPUT_BASE_KEY: data_root},
        )
        statistics = standard_artifacts.ExampleStatistics()
        statistics.uri = os.path.join(work_dir, "statistics")
        StatisticsExecutor().Do(
            {keys.EXAMPLES_KEY: [examples]},
            {keys.STATISTICS_KEY: [statistics]},
            self._properties[STATISTICS_GEN],
        )
        anomalies = standard_artifacts.ExampleAnomalies()
        anomalies.uri = os.path.join(work_dir, "anomalies")
        ValidatorExecutor().Do(
            {keys.STATISTICS_KEY: [statistics], keys.SCHEMA_KEY: [self._schema]},
            {keys.ANOMALIES_KEY: [anomalies]},
            self._properties[EXAMPLE_VALIDATOR],
        )
        return statistics, anomalies


class CalibrationError(RuntimeError):
    """The calibration cannot go on (e.g. the gate would stop the original data itself)."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--resamples",
        type=int,
        default=30,
        help=f"bootstrap resamples per dataset, at least {MIN_RESAMPLES} (default: %(default)s)",
    )
    parser.add_argument(
        "--output-dir",
        default=os.path.join("outputs", "drift_calibration"),
        help="where the cases' data and artifacts go while they run (default: %(default)s)",
    )
    parser.add_argument(
        "--results-dir",
        default=os.path.join("bench", "results"),
        help="where drift_calibration.json and .md go (default: %(default)s)",
    )
    parser.add_argument(
        "--datasets",
        nargs="+",
        choices=[dataset.name for dataset in DATASETS],
        default=[dataset.name for dataset in DATASETS],
        help="the datasets to calibrate on (default: all)",
    )
    args = parser.parse_args()
    if args.resamples < MIN_RESAMPLES:
        parser.error(f"--resamples must be >= {MIN_RESAMPLES}, got {args.resamples}")
    _quiet_libraries()
    started = time.monotonic()
    results: dict[str, Any] = {
        "started": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "resamples": args.resamples,
        "comparators": COMPARATORS,
        "datasets": {},
    }
    os.makedirs(args.output_dir, exist_ok=True)
    work_dir = tempfile.mkdtemp(prefix="run-", dir=args.output_dir)
    try:
        for dataset in DATASETS:
            if dataset.name in args.datasets:
                results["datasets"][dataset.name] = calibrate(
                    dataset, args.resamples, pathlib.Path(work_dir) / dataset.name
                )
    except CalibrationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    results["wall_seconds"] = round(time.monotonic() - started, 1)

    os.makedirs(args.results_dir, exist_ok=True)
    json_path = os.path.join(args.results_dir, "drift_calibration.json")
    with open(json_path, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1)
    markdown = render_markdown(results)
    markdown_path = os.path.join(args.results_dir, "drift_calibration.md")
    with open(markdown_path, "w", encoding="utf-8") as f:
        f.write(markdown)
    print(markdown)
    print(f"wrote {json_path} and {markdown_path}; wall time {results['wall_seconds']:.0f} s")
    return 0


def calibrate(dataset: CalibrationDataset, resamples: int, work_dir: pathlib.Path) -> dict:
    """The first run on `dataset`, then every case against its statistics."""
    import tensorflow_data_validation as tfdv

    from components.dataset_spec import infer_dataset_spec
    from pipeline.config import PipelineConfig
    from pipeline.schemas.dataset import write_inferred_schema

    started = time.monotonic()
    original_dir = work_dir / "original"
    original_csv = dataset.write_csv(original_dir)
    schema_path = work_dir / "schema" / "schema.pbtxt"
    _say(f"{dataset.name}: inferring the schema from {dataset.source}")
    write_inferred_schema(str(original_dir), str(schema_path), dataset.label)
    schema = tfdv.load_schema_text(str(schema_path))
    spec = infer_dataset_spec(schema, dataset.label)
    config = PipelineConfig(
        pipeline_name=f"drift-calibration-{dataset.name}",
        data_root=str(original_dir),
        schema_path=str(schema_path),
        label=dataset.label,
        output_dir=str(work_dir / "pipeline"),
    ).with_absolute_paths()
    executors = PipelineExecutors(config)

    _say(f"{dataset.name}: first run (the drift baseline)")
    baseline, anomalies = executors.run(str(original_dir), str(work_dir / "first_run"))
    _, blocking = gate_findings(executors, schema, baseline.uri, anomalies.uri, None)
    if blocking:
        raise CalibrationError(
            f"the gate would stop the original {dataset.name} data itself: "
            f"{_describe_findings(blocking)}"
        )
    baseline_splits = _split_rows(baseline.uri)
    measuring = measuring_schema(schema)
    with open(original_csv, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        columns, rows = list(reader.fieldnames or ()), list(reader)

    records = []
    all_cases = list(generate_cases(dataset.name, rows, spec, resamples))
    for number, case in enumerate(all_cases, start=1):
        case_dir = work_dir / "case"
        data_dir = case_dir / "data"
        data_dir.mkdir(parents=True)
        _write_csv(data_dir / DATA_FILE, columns, case.rows)
        statistics, anomalies = executors.run(str(data_dir), str(case_dir))
        found, blocking = gate_findings(
            executors, schema, statistics.uri, anomalies.uri, baseline.uri
        )
        records.append(
            {
                "kind": case.kind,
                "column": case.column,
                "description": case.description,
                "split_rows": _split_rows(statistics.uri),
                "stopped": bool(blocking),
                "stopping": blocking,
                "let_through": [finding for finding in found if finding not in blocking],
                "drift": drift_measurements(measuring, statistics.uri, baseline.uri),
            }
        )
        shutil.rmtree(case_dir)
        verdict = f"stopped by {_describe_findings(blocking)}" if blocking else "passed"
        _say(f"{dataset.name} {number}/{len(all_cases)} {case.description}: {verdict}")
    return {
        "source": dataset.source,
        "label": dataset.label,
        "rows": len(rows),
        "baseline_split_rows": baseline_splits,
        "columns": column_descriptions(schema, spec, baseline.uri),
        "drift_thresholds": schema_thresholds(schema),
        "cases": records,
        "seconds": round(time.monotonic() - started, 1),
    }


def generate_cases(
    dataset: str, rows: list[dict[str, str]], spec, resamples: int
) -> Iterator[Case]:
    """The resamples, then every shift of every column it applies to; each case seeded by its
    dataset, kind and column, so a run gives the same cases every time."""
    from components.dataset_spec import CATEGORICAL, NUMERIC

    def seeded(*parts: object) -> random.Random:
        return random.Random("/".join(str(part) for part in (dataset, *parts)))

    for index in range(1, resamples + 1):
        yield Case(
            RESAMPLE,
            None,
            f"resample {index}",
            bootstrap_resample(rows, seeded(RESAMPLE, index)),
        )
    for column in spec.names(NUMERIC):
        yield Case(
            UNITS, column, f"{column} ×{UNITS_FACTOR}", scale_column(rows, column, UNITS_FACTOR)
        )
    for column in spec.names(NUMERIC):
        yield Case(MEAN, column, f"{column} + 1 sd", shift_column_mean(rows, column))
    for column in spec.names(CATEGORICAL):
        shifted, value = add_new_category(rows, column, seeded(NEW_CATEGORY, column))
        yield Case(NEW_CATEGORY, column, f"{column} = {value!r} in 5% of rows", shifted)
    shifted, target, new_share = shift_class_share(rows, spec.label, seeded(LABEL_SHARE))
    share = class_shares(rows, spec.label)[target]
    yield Case(
        LABEL_SHARE,
        spec.label,
        f"{spec.label} {target!r} share {share:.3f} -> {new_share:.3f}",
        shifted,
    )


def gate_findings(
    executors: PipelineExecutors,
    schema,
    statistics_uri: str,
    anomalies_uri: str,
    baseline_uri: str | None,
) -> tuple[list[dict], list[dict]]:
    """What the ValidationGate finds (ExampleValidator's anomalies, then drift against the
    baseline) and which of it stops the run."""
    from components.validation_gate.anomalies import blocking_anomalies, read_anomalies
    from components.validation_gate.drift import drift_and_skew_anomalies

    found = read_anomalies(anomalies_uri) + drift_and_skew_anomalies(
        schema, statistics_uri, baseline_uri=baseline_uri
    )
    return found, blocking_anomalies(found, executors.allowed_kinds)


def measuring_schema(schema):
    """A copy of `schema` with both comparators on every column's drift at a threshold never
    exceeded: TFDV then measures every column, and reports no anomaly for it."""
    from tensorflow_metadata.proto.v0 import schema_pb2

    measuring = schema_pb2.Schema()
    measuring.CopyFrom(schema)
    for feature in measuring.feature:
        feature.ClearField("drift_comparator")
        for field in COMPARATORS.values():
            getattr(feature.drift_comparator, field).threshold = NEVER_TRIGGERING_THRESHOLD
    return measuring


def drift_measurements(measuring, statistics_uri: str, baseline_uri: str) -> dict:
    """{split: {column: {measurement type: value}}}: what TFDV measures between each split and
    the same split of the baseline."""
    import tensorflow_data_validation as tfdv
    from tensorflow_metadata.proto.v0 import anomalies_pb2

    from components.artifact_files import read_split_statistics

    baseline = read_split_statistics(baseline_uri)
    measured = {}
    for split, statistics in sorted(read_split_statistics(statistics_uri).items()):
        anomalies = tfdv.validate_statistics(
            statistics, measuring, previous_statistics=baseline[split]
        )
        measured[split] = {
            ".".join(info.path.step): {
                anomalies_pb2.DriftSkewInfo.Measurement.Type.Name(m.type): round(m.value, 6)
                for m in info.drift_measurements
            }
            for info in anomalies.drift_skew_info
        }
    return measured


def column_descriptions(schema, spec, statistics_uri: str) -> dict[str, dict[str, str]]:
    """Each column's role (label, numeric or categorical), its type in the schema, and which
    statistics StatisticsGen computed for it (num_stats or string_stats), from the train split."""
    from tensorflow_metadata.proto.v0 import schema_pb2

    from components.artifact_files import read_split_statistics

    train = read_split_statistics(statistics_uri)[SPLITS[0]].datasets[0]
    kinds = {".".join(f.path.step): f.WhichOneof("stats") for f in train.features}
    roles = {feature.name: feature.kind for feature in spec.features}
    roles[spec.label] = "label"
    return {
        feature.name: {
            "role": roles[feature.name],
            "type": schema_pb2.FeatureType.Name(feature.type),
            "statistics": kinds.get(feature.name, "none"),
        }
        for feature in schema.feature
        if feature.name in roles
    }


def schema_thresholds(schema) -> dict[str, dict[str, float]]:
    """{column: {comparator field: threshold}} of the drift comparators in `schema`."""
    return {
        feature.name: {
            field: getattr(feature.drift_comparator, field).threshold
            for field in COMPARATORS.values()
            if feature.drift_comparator.HasField(field)
        }
        for feature in schema.feature
        if feature.HasField("drift_comparator")
    }


def render_markdown(results: dict) -> str:
    """Per dataset: how often each case kind was stopped and by what, and the drift measured
    over the resamples against the shifts; then the same across datasets, plain and scaled by
    the rows of the split."""
    lines = [
        "# Drift calibration",
        "",
        f"{results['started']}, {results['resamples']} bootstrap resamples per dataset, "
        f"{results['wall_seconds']:.0f} s wall time on {results['machine']['cpus']} CPUs. "
        "Drift is each split against the same split of the original data's statistics; the "
        "thresholds are those of the schema `write_inferred_schema` wrote.",
    ]
    for name, dataset in results["datasets"].items():
        lines += _dataset_section(name, dataset)
    lines += _across_datasets_section(results["datasets"])
    lines += _what_comparators_measure(results["datasets"])
    return "\n".join(lines) + "\n"


def _dataset_section(name: str, dataset: dict) -> list[str]:
    columns = dataset["columns"]
    splits = ", ".join(f"{split} {rows}" for split, rows in dataset["baseline_split_rows"].items())
    lines = [
        "",
        f"## {name}",
        "",
        f"{dataset['source']}: {dataset['rows']} rows (baseline splits: {splits}), label "
        f"`{dataset['label']}`; {dataset['seconds']:.0f} s.",
        "",
        "Columns: "
        + ", ".join(
            f"`{column}` {_group(description)} ({description['statistics']})"
            for column, description in columns.items()
        )
        + ".",
        "",
        f"Drift thresholds in the schema: {_describe_thresholds(dataset['drift_thresholds'])}.",
        "",
        "| case kind | cases | stopped | stopped by (feature: kind × cases) | not stopped |",
        "| --- | ---: | ---: | --- | --- |",
    ]
    for kind, title in CASE_KINDS.items():
        cases = [case for case in dataset["cases"] if case["kind"] == kind]
        if not cases:
            continue
        stopped = [case for case in cases if case["stopped"]]
        reasons = Counter(
            finding
            for case in stopped
            for finding in {(f["feature"], f["kind"]) for f in case["stopping"]}
        )
        passed = [case["column"] or case["description"] for case in cases if not case["stopped"]]
        not_stopped = "" if kind == RESAMPLE else ", ".join(passed)
        lines.append(
            f"| {title} | {len(cases)} | {len(stopped)} | "
            + "; ".join(f"{feature}: {k} ×{n}" for (feature, k), n in sorted(reasons.items()))
            + f" | {not_stopped} |"
        )
    lines += [
        "",
        "Measured drift (the column's value, and which column): the largest over the resamples "
        "and every column of the type, the smallest over the shifts of each kind on a column of "
        "the type.",
        "",
        "| measure | column type | split | max over resamples | "
        + " | ".join(f"min: {CASE_KINDS[kind]}" for kind in SHIFT_KINDS)
        + " | threshold in the schema |",
        "| --- | --- | --- | ---: | " + " | ".join("---:" for _ in SHIFT_KINDS) + " | --- |",
    ]
    for measure in COMPARATORS:
        for group in sorted({_group(description) for description in columns.values()}):
            group_columns = {c for c, d in columns.items() if _group(d) == group}
            thresholds = sorted(
                {
                    dataset["drift_thresholds"].get(column, {}).get(COMPARATORS[measure])
                    for column in group_columns
                },
                key=lambda value: (value is None, value),
            )
            threshold_text = ", ".join("none" if t is None else f"{t:g}" for t in thresholds)
            for split in SPLITS:
                cells = [_extreme(dataset, RESAMPLE, group_columns, split, measure, max)]
                cells += [
                    _extreme(dataset, kind, group_columns, split, measure, min)
                    for kind in SHIFT_KINDS
                ]
                lines.append(
                    f"| {measure} | {group} | {split} | "
                    + " | ".join(_cell(cell) for cell in cells)
                    + f" | {threshold_text} |"
                )
    return lines


def _across_datasets_section(datasets: dict) -> list[str]:
    """For each measure, column type and shift kind: the largest resample value and the
    smallest shift value over every dataset and split, plainly and multiplied by the rows of
    the split (√rows, rows), with whether a threshold of that form separates them."""
    lines = [
        "",
        "## Across datasets",
        "",
        "A fixed threshold t separates resamples from shifts when max over resamples < "
        "min over shifts; a threshold c/√rows (or c/rows) does when the same holds for the "
        "values times √rows (times rows), rows being those of the split compared.",
        "",
        "| measure | column type | shift | max over resamples | min over shifts | fixed? "
        "| ×√rows: max resample | ×√rows: min shift | c/√rows? "
        "| ×rows: max resample | ×rows: min shift | c/rows? |",
        "| --- | --- | --- | ---: | ---: | --- | ---: | ---: | --- | ---: | ---: | --- |",
    ]
    groups = sorted(
        {_group(d) for dataset in datasets.values() for d in dataset["columns"].values()}
    )
    scalings = (
        ("fixed", lambda value, rows: value),
        ("sqrt", lambda value, rows: value * math.sqrt(rows)),
        ("rows", lambda value, rows: value * rows),
    )
    for measure in COMPARATORS:
        for group in groups:
            resamples = _values(datasets, RESAMPLE, group, measure)
            for kind in SHIFT_KINDS:
                shifts = _values(datasets, kind, group, measure)
                if not shifts or not resamples:
                    continue
                cells = []
                for _, scale in scalings:
                    high = max(resamples, key=lambda v: scale(v["value"], v["rows"]))
                    low = min(shifts, key=lambda v: scale(v["value"], v["rows"]))
                    high_value = scale(high["value"], high["rows"])
                    low_value = scale(low["value"], low["rows"])
                    cells += [
                        f"{high_value:.4g} ({high['where']})",
                        f"{low_value:.4g} ({low['where']})",
                        "yes" if high_value < low_value else "**no**",
                    ]
                lines.append(
                    f"| {measure} | {group} | {CASE_KINDS[kind]} | " + " | ".join(cells) + " |"
                )
    return lines


def _what_comparators_measure(datasets: dict) -> list[str]:
    """For each measure and kind of statistics: the largest value it gave in any case, on any
    column: 0 everywhere means it measures nothing on those statistics."""
    largest: dict[tuple[str, str], tuple[float, str]] = {}
    for name, dataset in datasets.items():
        for case in dataset["cases"]:
            for split, measured in case["drift"].items():
                for column, values in measured.items():
                    statistics = dataset["columns"].get(column, {}).get("statistics", "none")
                    kind = f"{statistics}, {dataset['columns'].get(column, {}).get('type')}"
                    for measure, value in values.items():
                        key = (measure, kind)
                        if key not in largest or value > largest[key][0]:
                            where = f"{name} {case['description']} [{split}] {column}"
                            largest[key] = (value, where)
    lines = [
        "",
        "## What each measure gives on which statistics",
        "",
        "StatisticsGen gets no schema, so whole-number columns have num_stats. The largest "
        "value each measure gave on any column of the kind, in any case:",
        "",
        "| measure | statistics, type | largest value | where |",
        "| --- | --- | ---: | --- |",
    ]
    for (measure, kind), (value, where) in sorted(largest.items()):
        note = " (never anything but 0)" if value == 0 else ""
        lines.append(f"| {measure} | {kind} | {value:.4g}{note} | {where} |")
    return lines


def _values(datasets: dict, kind: str, group: str, measure: str) -> list[dict]:
    """Every value of `measure` on a column of `group` in the cases of `kind` (resamples: on
    every column; shifts: on the shifted one), with its split's rows and where it is from."""
    found = []
    for name, dataset in datasets.items():
        columns = dataset["columns"]
        for case in dataset["cases"]:
            if case["kind"] != kind:
                continue
            for split, measured in case["drift"].items():
                for column, values in measured.items():
                    if column not in columns or _group(columns[column]) != group:
                        continue
                    if kind != RESAMPLE and column != case["column"]:
                        continue
                    if measure in values:
                        found.append(
                            {
                                "value": values[measure],
                                "rows": case["split_rows"][split],
                                "where": f"{name} {split} {column}",
                            }
                        )
    return found


def _extreme(dataset, kind, group_columns, split, measure, choose) -> tuple[float, str] | None:
    """The largest (`choose` max) or smallest (min) value of `measure` in `split` over the
    cases of `kind`, on the columns of `group_columns` (the shifted column for a shift)."""
    values = [
        (case["drift"][split][column][measure], column)
        for case in dataset["cases"]
        if case["kind"] == kind and split in case["drift"]
        for column in group_columns
        if (kind == RESAMPLE or column == case["column"])
        and measure in case["drift"][split].get(column, {})
    ]
    return choose(values) if values else None


def _cell(extreme: tuple[float, str] | None) -> str:
    return "" if extreme is None else f"{extreme[0]:.4f} ({extreme[1]})"


def _group(description: dict[str, str]) -> str:
    """A column's type for calibration: its role and its type in the schema."""
    return f"{description['role']} {description['type']}"


def _describe_thresholds(thresholds: dict[str, dict[str, float]]) -> str:
    if not thresholds:
        return "none (the schema has no drift_comparator)"
    return "; ".join(
        f"`{column}` "
        + ", ".join(f"{field} {value:g}" for field, value in sorted(comparators.items()))
        for column, comparators in thresholds.items()
    )


def _describe_findings(findings: list[dict]) -> str:
    return "; ".join(f"[{f['split']}] {f['feature']}: {f['kind']}" for f in findings)


def _split_rows(statistics_uri: str) -> dict[str, int]:
    from components.artifact_files import read_split_statistics

    return {
        split: int(statistics.datasets[0].num_examples)
        for split, statistics in sorted(read_split_statistics(statistics_uri).items())
    }


def _write_csv(path: pathlib.Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _quiet_libraries() -> None:
    """Keep TensorFlow's, Beam's and TFX's notices out of the output: one line per case."""
    import logging
    import warnings

    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf
    from absl import logging as absl_logging

    tf.get_logger().setLevel("ERROR")
    absl_logging.set_verbosity(absl_logging.ERROR)
    logging.getLogger("apache_beam").setLevel(logging.ERROR)


def _say(message: str) -> None:
    print(f"[{datetime.datetime.now():%H:%M:%S}] {message}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
