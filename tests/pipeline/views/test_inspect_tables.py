"""`inspect`'s tables show the data as it is: square brackets in names and descriptions are
text, not rich markup."""

import io

from pipeline.records.run_record import (
    FAILED,
    INCOMPLETE,
    SUCCEEDED,
    Blessing,
    NodeResult,
    PushedModel,
    RunComparison,
    RunOverview,
    RunSchema,
    SchemaOrigin,
)
from pipeline.schemas.kept import CURATED, INFERRED, KEPT
from pipeline.views.inspect_tables import (
    STATE_STYLES,
    print_comparison,
    print_record,
    print_runs,
    terminal_console,
)
from tests.pipeline.records.run_records import anomaly, run_record

FIRST = RunOverview(1, "r1", "2026-12-01 10:00:00", SUCCEEDED, 60.0)
SECOND = RunOverview(2, "r2", "2026-12-01 11:00:00", SUCCEEDED, 58.0)


def rendered(print_to, *args) -> str:
    """What a print function writes to a wide terminal, without colours."""
    console = terminal_console(file=io.StringIO(), width=200, color_system=None)
    print_to(console, *args)
    return console.file.getvalue()


def test_slice_and_class_names_of_metric_deltas_keep_their_brackets():
    comparison = RunComparison(
        run_a=FIRST,
        run_b=SECOND,
        statistics_drift=[],
        metric_deltas=[
            {"metric": "accuracy", "a": 0.9, "b": 0.95, "delta": 0.05},
            {"metric": "accuracy [species=setosa]", "a": 1.0, "b": 0.75, "delta": -0.25},
            {"metric": "recall [bold]", "a": 0.5, "b": 0.5, "delta": 0.0},
        ],
    )
    out = rendered(print_comparison, comparison)
    assert "accuracy [species=setosa] │ 1.0000 │ 0.7500 │ -0.2500" in out
    assert "recall [bold]" in out
    assert "Run 1 (r1) -> run 2 (r2)" in out


def test_data_in_a_record_is_printed_as_it_is():
    record = run_record(
        output_dir="/out/[prod]",
        runs=[FIRST],
        run=FIRST,
        nodes={"CsvExampleGen": NodeResult("COMPLETE", 1.25)},
        anomalies=[
            anomaly(
                "plan[0]",
                "ENUM_TYPE_UNEXPECTED_STRING_VALUES",
                "Examples contain values missing from the schema: [gold]",
            )
        ],
        metrics={
            "accuracy": 0.9,
            "auc": None,
            "example_count": 140.0,
            "per_class": {"[yes]": {"precision": 0.8, "recall": None}},
            "slices": {"tier=[red]": {"accuracy": 0.75, "example_count": 40.0}},
            "confusion_matrix": None,
        },
        blessing=Blessing(False, "accuracy 0.9000 < 0.95 (tier=[red])", [], False),
        pushed_model=PushedModel("17", "/serving/[prod]/17"),
        versions={"python": "3.11.7"},
    )
    out = rendered(print_record, record)
    for text in (
        "pipeline churn, outputs in /out/[prod]",
        "plan[0]",
        "values missing from the schema: [gold]",
        "[yes]",
        "tier=[red] │   0.7500 │   40",
        "NOT BLESSED: accuracy 0.9000 < 0.95 (tier=[red])",
        "Pushed model: version 17 at /serving/[prod]/17",
        "CsvExampleGen │ COMPLETE │     1.2",
    ):
        assert text in out, text


def test_the_runs_list_marks_the_selected_run():
    out = rendered(print_runs, [FIRST, SECOND], "r2")
    rows = [line for line in out.splitlines() if " r1 " in line or " r2 " in line]
    assert len(rows) == 2
    assert "◂" in rows[1] and "◂" not in rows[0]


def test_emoji_codes_in_data_are_printed_as_typed():
    record = run_record(
        anomalies=[anomaly("plan", "ENUM_TYPE_UNEXPECTED_STRING_VALUES", "values :smile: :+1:")],
        versions={"python": "3.11.7"},
    )
    out = rendered(print_record, record)
    assert "values :smile: :+1:" in out


def test_every_run_state_has_a_style():
    assert {SUCCEEDED, FAILED, INCOMPLETE} <= set(STATE_STYLES)


def schema_made_as(made_as: str, source: str) -> RunSchema:
    """A schema kept from run 1, made as `made_as`, described in words as `source`, with one
    difference from the schema inferred from this run's data."""
    origin = SchemaOrigin("kept from run 1 (r1)", "/s.pbtxt", KEPT, "/data", made_as, "r1", 1)
    difference = {"feature": "plan", "field": "domain", "used": "gold, silver", "inferred": None}
    return RunSchema(source, "/tfx/schema/3", [], {}, [difference], origin)


def test_a_curated_schema_is_compared_whatever_its_description_says():
    # The comparison follows how the schema was made, not the words describing it.
    curated = rendered(print_record, run_record(schema=schema_made_as(CURATED, "given")))
    assert "│ plan    │ domain │ gold, silver │          │" in curated
    inferred = rendered(print_record, run_record(schema=schema_made_as(INFERRED, "curated?")))
    assert "gold, silver" not in inferred
