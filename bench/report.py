"""The benchmark's results as targets met or missed, Markdown tables and a plot."""

import math
from typing import Any

from pipeline.nodes import EVALUATOR, EXAMPLE_GEN, STATISTICS_GEN, TRAINER, TRANSFORM

# Measures where more is better; for every other one (seconds, ms, MB) less is.
HIGHER_IS_BETTER = ("rows/s", "examples/s")
# The nodes that do the work; the others (the baseline, schema import, validation) take
# hundredths of a second.
WORK_NODES = (EXAMPLE_GEN, STATISTICS_GEN, TRANSFORM, TRAINER, EVALUATOR)
# The sizes issue 17's goals name, as keys of results["sizes"].
MILLION_ROWS = "1000000"
TEN_MILLION_ROWS = "10000000"
PEAK_MEMORY_LIMIT_MB = 2048
# How far an overall metric of the stock run may be from ours and still count as unchanged:
# both train the same weights on the same examples, so only the order in which Beam adds up
# floating-point numbers may differ.
METRIC_TOLERANCE = 1e-4
SUCCEEDED = "succeeded"


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 17's goals, and issue 7's targets they leave standing, each with what this
    project's settings measured and `met`: True or False, None when only reported or not run;
    for a miss, why, from the measurements. Iris figures are medians of the repeats, and a
    miss's why comes from the run of the median."""
    iris = results["iris"]["ours"]
    medians = iris["medians"]
    million = results["sizes"].get(MILLION_ROWS, {})
    ten_million = results["sizes"].get(TEN_MILLION_ROWS, {}).get("ours")
    return [
        _wall_target(
            "Iris cold run, process wall",
            medians["cold_process_seconds"],
            20,
            _median_run(iris["cold"]["runs"]),
        ),
        _wall_target(
            "fully cached Iris rerun, process wall",
            medians["cached_process_seconds"],
            8,
            _median_run(iris["cached"]["runs"]),
        ),
        _limit_target(7, "training, Iris DNN", medians["trainer_ms_per_step"], "ms/step", 1),
        _limit_target(7, "serving one example, p50", medians["serving_one_p50_ms"], "ms", 1),
        _limit_target(7, "serving one example, p99", medians["serving_one_p99_ms"], "ms", 5),
        _limit_target(7, "serving 1,000 examples, p50", medians["serving_batch_p50_ms"], "ms", 20),
        _million_throughput(million.get("ours")),
        _wall_target(
            "whole pipeline on 1M rows, process wall",
            million["ours"]["process_seconds"] if "ours" in million else None,
            150,
            million.get("ours"),
            absent="not run: no 1,000,000-row run (--sizes)",
        ),
        _unchanged_evaluation(million.get("ours"), million.get("stock")),
        _ten_million_finishes(ten_million),
        _ten_million_memory(ten_million, million.get("ours")),
        _ten_million_throughput(ten_million),
        _wide_transform(results.get("wide")),
    ]


def _target(
    issue: int,
    target: str,
    measured: str,
    value: float | None = None,
    met: bool | None = None,
    why: str | None = None,
) -> dict[str, Any]:
    return {
        "issue": issue,
        "target": target,
        "measured": measured,
        "value": value,
        "met": met,
        # Only a miss needs explaining.
        "why": why if met is False else None,
    }


def _limit_text(name: str, limit: float, unit: str, at_least: bool = False) -> str:
    return f"{name} {'>=' if at_least else '<='} {limit:,} {unit}"


def _limit_target(
    issue: int,
    name: str,
    value: float | None,
    unit: str,
    limit: float,
    at_least: bool = False,
    why: str | None = None,
    absent: str = "not run",
) -> dict[str, Any]:
    """`name` <= `limit` (>= when `at_least`); `absent` is what is measured when value is
    None."""
    text = _limit_text(name, limit, unit, at_least)
    if value is None:
        return _target(issue, text, absent)
    met = value >= limit if at_least else value <= limit
    return _target(issue, text, f"{_number(value)} {unit}", value, met, why)


def _wall_target(
    name: str, seconds: float | None, limit: float, run: dict[str, Any] | None, absent: str = ""
) -> dict[str, Any]:
    """A process wall time of issue 17; a miss explained by the time outside any node and the
    slowest node."""
    why = _wall_why(run) if run else None
    return _limit_target(17, name, seconds, "s", limit, why=why, absent=absent or "not run")


def _wall_why(run: dict[str, Any]) -> str:
    seconds = {node: s for node, s in run["node_seconds"].items() if s is not None}
    why = (
        f"{_outside_nodes(run):.1f} of {run['process_seconds']:.1f} s outside any node "
        "(start-up, imports, building the pipeline)"
    )
    if seconds:
        slowest = max(seconds, key=seconds.__getitem__)
        why += f"; slowest node {slowest}, {seconds[slowest]:.1f} s"
    return why


def _outside_nodes(run: dict[str, Any]) -> float:
    """Seconds of the run's process not spent in any node: start-up, imports, building the
    pipeline, reading ML Metadata."""
    in_nodes = sum(s for s in run["node_seconds"].values() if s is not None)
    return round(run["process_seconds"] - in_nodes, 2)


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of the median process wall (of an even number, the lower of the middle two)."""
    return sorted(runs, key=lambda run: run["process_seconds"])[(len(runs) - 1) // 2]


def _million_throughput(run: dict[str, Any] | None) -> dict[str, Any]:
    name = "ExampleGen + StatisticsGen at 1M rows"
    if run is None:
        return _limit_target(7, name, None, "rows/s", 25_000, at_least=True)
    per_second = run["rows_per_second"]
    why = (
        f"ExampleGen {_number(per_second[EXAMPLE_GEN])} rows/s, "
        f"StatisticsGen {_number(per_second[STATISTICS_GEN])} rows/s"
    )
    return _limit_target(7, name, _reading_rate(run), "rows/s", 25_000, True, why)


def _reading_rate(run: dict[str, Any]) -> float | None:
    """Rows per second of ExampleGen and StatisticsGen together: reading the data once."""
    seconds = [run["node_seconds"].get(node) for node in (EXAMPLE_GEN, STATISTICS_GEN)]
    if not run["rows"] or None in seconds:
        return None
    return round(run["rows"] / sum(seconds))


def _unchanged_evaluation(
    ours: dict[str, Any] | None, stock: dict[str, Any] | None
) -> dict[str, Any]:
    """The Evaluator's blessing and overall metrics at 1M rows, ours against the stock run's."""
    target = (
        "1M rows: the Evaluator's blessing and overall metrics as with stock settings "
        f"(within {METRIC_TOLERANCE:g})"
    )
    if ours is None or stock is None:
        return _target(17, target, "not run: needs both 1,000,000-row runs (--sizes)")
    measured = (
        f"blessed: {_yes_no(ours['blessed'])} (stock: {_yes_no(stock['blessed'])}); "
        f"accuracy {_metric(ours['accuracy'])} (stock: {_metric(stock['accuracy'])})"
    )
    differences = _metric_differences(ours["overall_metrics"], stock["overall_metrics"])
    why = []
    if ours["blessed"] != stock["blessed"]:
        why.append(
            "our model is blessed, stock's is not"
            if ours["blessed"]
            else "stock's model is blessed, ours is not"
        )
    why += [
        f"{name} {_metric_value(mine)} (stock: {_metric_value(theirs)})"
        for name, (mine, theirs) in differences.items()
    ]
    return _target(17, target, measured, None, not why, "; ".join(why))


def _metric_differences(
    ours: dict[str, float | None], stock: dict[str, float | None]
) -> dict[str, tuple[float | None, float | None]]:
    """The metrics (ours, stock's) that differ by more than METRIC_TOLERANCE or that only one
    run has, by name."""
    differences = {}
    for name in sorted({*ours, *stock}):
        mine, theirs = ours.get(name), stock.get(name)
        if mine is None or theirs is None:
            if mine is not theirs:
                differences[name] = (mine, theirs)
        elif abs(mine - theirs) > METRIC_TOLERANCE:
            differences[name] = (mine, theirs)
    return differences


def _ten_million_finishes(run: dict[str, Any] | None) -> dict[str, Any]:
    target = "whole pipeline on 10M rows finishes"
    if run is None:
        return _target(17, target, "not run: no 10,000,000-row run (--large-sizes)")
    failed = [node for node, state in run["node_states"].items() if state == "FAILED"]
    where = f"at {failed[0]}" if failed else "with no node failed"
    return _target(
        17,
        target,
        f"{run['status']} in {run['process_seconds']:,.0f} s",
        None,
        run["status"] == SUCCEEDED,
        f"failed {where}: {run['error']}",
    )


def _ten_million_memory(
    run: dict[str, Any] | None, million: dict[str, Any] | None
) -> dict[str, Any]:
    """Peak memory at 10M rows; a miss explained by when the peak came and, given the 1M run,
    how much the peak grows per million rows."""
    name = "10M rows: peak memory of the process tree"
    if run is None:
        return _limit_target(17, name, None, "MB", PEAK_MEMORY_LIMIT_MB)
    peak = run["peak_memory_mb"]
    why = (
        f"peaked {run['peak_memory_at_seconds']:,.0f} s into the "
        f"{run['process_seconds']:,.0f}-s run"
    )
    if million:
        growth = (peak - million["peak_memory_mb"]) / (int(TEN_MILLION_ROWS) / 1e6 - 1)
        why += (
            f"; 1M rows peaked at {million['peak_memory_mb']:,.0f} MB: "
            f"{growth:+,.0f} MB per million rows"
        )
    return _limit_target(17, name, peak, "MB", PEAK_MEMORY_LIMIT_MB, why=why)


def _ten_million_throughput(run: dict[str, Any] | None) -> dict[str, Any]:
    target = "10M rows: ExampleGen + StatisticsGen rows/s, reported"
    rate = _reading_rate(run) if run else None
    if rate is None:
        reason = "no 10,000,000-row run (--large-sizes)" if run is None else f"run {run['status']}"
        return _target(17, target, f"not measured: {reason}")
    seconds = run["node_seconds"]
    return _target(
        17,
        target,
        f"{rate:,} rows/s (ExampleGen {seconds[EXAMPLE_GEN]:,.1f} s, "
        f"StatisticsGen {seconds[STATISTICS_GEN]:,.1f} s)",
        rate,
    )


def _wide_transform(wide: dict[str, Any] | None) -> dict[str, Any]:
    """Transform on the wide table; a miss explained by its cost per column and per value, and
    its share of the run."""
    name, limit = "wide table: Transform", 60
    if wide is None:
        return _limit_target(17, name, None, "s", limit, absent="not run (--wide-rows 0)")
    run = wide["runs"]["ours"]
    seconds = run["node_seconds"].get(TRANSFORM)
    if seconds is None or run["node_states"].get(TRANSFORM) != "COMPLETE":
        return _target(
            17,
            _limit_text(name, limit, "s"),
            f"Transform {run['node_states'].get(TRANSFORM, 'did not run')}",
            None,
            False,
            f"the run {run['status']}: {run['error']}",
        )
    values = wide["rows"] * wide["feature_columns"]
    why = (
        f"{seconds / wide['feature_columns']:.2f} s per feature column "
        f"({wide['feature_columns']} columns) and {seconds / values * 1e6:,.1f} µs per value "
        f"({wide['rows']:,} rows); {seconds / run['process_seconds']:.0%} of the run's process wall"
    )
    return _limit_target(17, name, seconds, "s", limit, why=why)


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def _metric(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def _metric_value(value: float | None) -> str:
    """A metric of any scale (a count, a rate) with digits enough to show a difference above
    METRIC_TOLERANCE."""
    return "none" if value is None else f"{value:.6g}"


def write_markdown(results: dict[str, Any], path: str) -> str:
    """Targets, then Iris's runs, then each size's nodes, ours against stock, then every node
    of the large sizes' and the wide table's runs."""
    lines = [
        "## Targets",
        "",
        "| issue | target | measured | met | why (of a miss) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for target in results["targets"]:
        met = {True: "met", False: "**missed**", None: "-"}[target["met"]]
        lines.append(
            f"| {target['issue']} | {target['target']} | {target['measured']} | {met} | "
            f"{target['why'] or ''} |"
        )
    lines += [
        "",
        f"## Iris (150 rows), medians of {results['repeats']}",
        "",
        "| measure | ours | stock | stock / ours |",
        "| --- | --- | --- | --- |",
    ]
    ours, stock = results["iris"]["ours"]["medians"], results["iris"]["stock"]["medians"]
    for key, label in (
        ("cold_process_seconds", "cold run, process wall (s)"),
        ("cached_process_seconds", "fully cached rerun, process wall (s)"),
        ("changed_input_process_seconds", "rerun with the Trainer's steps changed (s)"),
        ("trainer_ms_per_step", "training (ms/step)"),
        ("trainer_examples_per_second", "training (examples/s)"),
        ("serving_one_p50_ms", "serving one example, p50 (ms)"),
        ("serving_one_p99_ms", "serving one example, p99 (ms)"),
        ("serving_batch_p50_ms", "serving 1,000 examples, p50 (ms)"),
    ):
        lines.append(
            f"| {label} | {_number(ours[key])} | {_number(stock[key])} | "
            f"{_ratio(stock[key], ours[key], label)} |"
        )
    if results["sizes"]:
        lines += [
            "",
            "## Generated Iris-like data, one cold run each (stock `-`: not run at that size)",
            "",
            "| rows | measure | ours | stock | stock / ours |",
            "| --- | --- | --- | --- | --- |",
        ]
    for rows, by_settings in results["sizes"].items():
        stock_measures = _size_measures(by_settings.get("stock"))
        for label, value in _size_measures(by_settings["ours"]).items():
            stock_value = stock_measures.get(label)
            lines.append(
                f"| {int(rows):,} | {label} | {_number(value)} | {_number(stock_value)} | "
                f"{_ratio(stock_value, value, label)} |"
            )
    lines += _every_node_table(results)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return path


def _every_node_table(results: dict[str, Any]) -> list[str]:
    """The large sizes' and the wide table's runs side by side: every node's seconds, rows per
    second, peak memory; then how long generating each data set took."""
    columns = [
        (f"{int(rows):,} rows, ours", results["sizes"][rows]["ours"])
        for rows in results.get("large_sizes", [])
        if rows in results["sizes"]
    ]
    wide = results.get("wide")
    if wide:
        columns += [
            (f"wide table ({wide['rows']:,} rows), {settings}", run)
            for settings, run in wide["runs"].items()
        ]
    if not columns:
        return []
    runs = [run for _, run in columns]
    nodes = list(dict.fromkeys(node for run in runs for node in run["node_seconds"]))
    row_nodes = list(dict.fromkeys(node for run in runs for node in run["rows_per_second"]))
    measures = [
        ("status", [run["status"] for run in runs]),
        ("process wall (s)", [_number(run["process_seconds"]) for run in runs]),
        ("outside any node (s)", [_number(_outside_nodes(run)) for run in runs]),
        ("peak memory (MB)", [_number(run["peak_memory_mb"]) for run in runs]),
        *(
            (f"{node} (s)", [_number(run["node_seconds"].get(node)) for run in runs])
            for node in nodes
        ),
        *(
            (f"{node} (rows/s)", [_number(run["rows_per_second"].get(node)) for run in runs])
            for node in row_nodes
        ),
        ("ExampleGen + StatisticsGen (rows/s)", [_number(_reading_rate(run)) for run in runs]),
        ("eval accuracy", [_metric(run["accuracy"]) for run in runs]),
        ("blessed", [_yes_no(run["blessed"]) for run in runs]),
    ]
    lines = [
        "",
        "## Every node: the large sizes (ours only) and the wide table",
        "",
        f"| measure | {' | '.join(title for title, _ in columns)} |",
        "| --- |" + " --- |" * len(columns),
        *(f"| {label} | {' | '.join(cells)} |" for label, cells in measures),
    ]
    generated = results.get("generation_seconds", {})
    if generated:
        lines += [
            "",
            "Generating the data (in the benchmark's process, before its runs): "
            + ", ".join(
                f"{_data_set(name)} {seconds:,.1f} s" for name, seconds in generated.items()
            )
            + ".",
        ]
    return lines


def _data_set(name: str) -> str:
    """A generated data set by its name in the work dir: Iris-like ones are named by rows."""
    return f"{int(name):,} Iris-like rows" if name.isdigit() else name


def _size_measures(run: dict[str, Any] | None) -> dict[str, float | None]:
    """A size's measures by label; none for a size not run with these settings."""
    if run is None:
        return {}
    seconds = run["node_seconds"]
    measures: dict[str, float | None] = {"process wall (s)": run["process_seconds"]}
    for node in WORK_NODES:
        measures[f"{node} (s)"] = seconds.get(node)
    for node, per_second in run["rows_per_second"].items():
        measures[f"{node} (rows/s)"] = per_second
    training = run["training"] or {}
    measures["Trainer (examples/s)"] = training.get("examples_per_second")
    measures["Trainer (ms/step)"] = training.get("ms_per_step")
    measures["peak memory (MB)"] = run["peak_memory_mb"]
    return measures


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}" if value >= 1 else f"{value:.3f}"


def _ratio(stock: float | None, ours: float | None, label: str) -> str:
    """How many times better ours is: stock / ours for seconds, ours / stock for a rate."""
    if not stock or not ours:
        return "-"
    higher_is_better = any(f"({unit})" in label for unit in HIGHER_IS_BETTER)
    return f"{(ours / stock if higher_is_better else stock / ours):.2f}x"


def write_plot(results: dict[str, Any], path: str) -> str:
    """Seconds per node against rows, log-log: ours solid, stock dashed (over the sizes each
    settings ran)."""
    import matplotlib

    matplotlib.use("Agg")  # no display: write the file only
    import matplotlib.pyplot as plt

    sizes = sorted(results["sizes"], key=int)
    figure, axes = plt.subplots(figsize=(8, 5), dpi=120)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for color, node in zip(colors, (*WORK_NODES, "process wall"), strict=False):
        for settings, style in (("ours", "-"), ("stock", "--")):
            ran = [size for size in sizes if settings in results["sizes"][size]]
            rows = [int(size) for size in ran]
            seconds = [_node_seconds(results["sizes"][size][settings], node) for size in ran]
            axes.plot(rows, seconds, style, marker="o", color=color, label=f"{node} ({settings})")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("rows of input CSV")
    axes.set_ylabel("seconds")
    axes.set_title("Seconds per node against rows (solid: ours, dashed: TFX stock settings)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize="x-small", ncol=2, loc="upper left")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


def _node_seconds(run: dict[str, Any], node: str) -> float:
    """A node's seconds in a run; NaN (a gap in the plot) for a node a failed run never ran."""
    if node == "process wall":
        return run["process_seconds"]
    seconds = run["node_seconds"].get(node)
    return math.nan if seconds is None else seconds
