"""The HTML report of runs that went wrong: failed nodes, anomalies, no model; and the charts."""

import dataclasses
import re

from pipeline.records.run_record import FAILED, NodeResult, RunOverview, RunRecord
from pipeline.views import charts
from pipeline.views.report import build_report
from tests.pipeline.records.run_records import anomaly, run_record


def failed_run_record() -> RunRecord:
    """What read_run_record gives for a run that stopped at Transform after finding anomalies."""
    run = RunOverview(1, "r1", "2026-11-22 10:00:00", FAILED, 12.5)
    return run_record(
        output_dir="/data/outputs",
        pipeline="iris",
        run=run,
        nodes={
            "CsvExampleGen": NodeResult("COMPLETE", 1.0),
            "ExampleValidator": NodeResult("COMPLETE", 0.5),
            "Transform": NodeResult("FAILED", 3.0),
        },
        anomalies=[
            anomaly(
                "sepal_width",
                "FLOAT_TYPE_STRING_NOT_FLOAT",
                "Found <script>alert(1)</script> & 3 other values",
            )
        ],
        versions={"python": "3.11.7"},
    )


def test_a_failed_run_says_where_it_failed_and_lists_its_anomalies():
    page = build_report(failed_run_record())
    assert "<title>iris run 1: Run failed at Transform</title>" in page
    assert 'class="verdict bad"' in page
    assert "FLOAT_TYPE_STRING_NOT_FLOAT" in page
    assert "1 anomaly found by ExampleValidator" in page
    assert "No statistics: StatisticsGen did not complete" in page
    assert "No evaluation: the Evaluator did not complete" in page
    assert "Nothing pushed in this run." in page


def test_a_run_whose_validator_did_not_run_says_so():
    record = failed_run_record()
    nodes = {node: r for node, r in record.nodes.items() if node != "ExampleValidator"}
    page = build_report(dataclasses.replace(record, nodes=nodes, anomalies=[]))
    assert "ExampleValidator did not run." in page
    assert "No anomalies" not in page
    page = build_report(dataclasses.replace(record, anomalies=[]))
    assert "No anomalies: every split matches the schema." in page


def test_text_from_the_data_is_escaped():
    page = build_report(failed_run_record())
    assert "<script>" not in page
    assert "Found &lt;script&gt;alert(1)&lt;/script&gt; &amp; 3 other values" in page


def test_histograms_share_one_axis_and_show_shares_of_each_split():
    svg = charts.overlaid_histograms(
        "x",
        {
            "train": [{"low": 0, "high": 1, "count": 30}, {"low": 1, "high": 2, "count": 10}],
            "eval": [{"low": 0, "high": 2, "count": 10}],
        },
    )
    heights = [float(h) for h in re.findall(r'class="bar"[^>]* height="([\d.]+)"', svg)]
    # Densities: train 0.75 and 0.25 per unit, eval 0.5 per unit; the tallest fills the plot.
    assert heights[0] / heights[1] == 3
    assert heights[2] / heights[0] == 0.5 / 0.75
    assert "train: 0 to 1: 30.0 rows (75.0%)" in svg


def test_confusion_matrix_cells_hold_the_counts():
    svg = charts.confusion_matrix("m", ["a", "b"], [[5, 1], [0, 4]])
    assert re.findall(r'class="count"[^>]*>(\d+)<', svg) == ["5", "1", "0", "4"]
    assert "actual a, predicted b: 1" in svg
