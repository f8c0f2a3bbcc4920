"""Run records built in memory, as records/runs.py reads them back: the tests of what a summary,
the inspect tables and the HTML report make of a run build theirs from these."""

from pipeline.records.run_record import FAILED, RunOverview, RunRecord, SchemaOrigin

# Run 2 of pipeline "churn", on the schema its first run inferred and kept.
SECOND_RUN = RunOverview(2, "r2", "2026-12-01 11:00:00", FAILED, 12.0)
KEPT_SCHEMA = SchemaOrigin(
    description="kept from run 1 (r1): inferred from /data/first",
    path="/out/schema/churn/schema.pbtxt",
    origin="kept",
    made_as="inferred",
    since_run="r1",
    since_run_number=1,
)


def anomaly(feature: str, kind: str, description: str) -> dict[str, str]:
    """An anomaly ExampleValidator found in the train split, as a record lists it."""
    return {
        "split": "train",
        "feature": feature,
        "kind": kind,
        "severity": "ERROR",
        "description": description,
    }


def run_record(**fields) -> RunRecord:
    """The record of `fields`, the others empty: by default the only run recorded (SECOND_RUN)
    of pipeline "churn" in /out, with no node run, no schema and nothing installed."""
    run = fields.get("run", SECOND_RUN)
    empty = {
        "output_dir": "/out",
        "pipeline": "churn",
        "runs": [run],
        "run": run,
        "nodes": {},
        "statistics": {},
        "schema": None,
        "anomalies": [],
        "metrics": {},
        "blessing": None,
        "pushed_model": None,
        "training": None,
        "model": None,
        "versions": {},
    }
    return RunRecord(**{**empty, **fields})
