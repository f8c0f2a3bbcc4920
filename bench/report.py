"""The benchmark's results as targets met or missed, a Markdown table and a plot."""

from typing import Any

from pipeline.nodes import EVALUATOR, EXAMPLE_GEN, STATISTICS_GEN, TRAINER, TRANSFORM

# Measures where more is better; for every other one (seconds, ms, MB) less is.
HIGHER_IS_BETTER = ("rows/s", "examples/s")
# The nodes that do the work; the others (the baseline, schema import, validation) take
# hundredths of a second.
WORK_NODES = (EXAMPLE_GEN, STATISTICS_GEN, TRANSFORM, TRAINER, EVALUATOR)


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each of issue 7's targets with the measured value (this project's settings) and
    whether it is met. Iris figures are medians of the repeats."""
    iris = results["iris"]["ours"]["medians"]
    found = [
        _target("cold full run on Iris, process wall", iris["cold_process_seconds"], "s", 60),
        _target("fully cached rerun, process wall", iris["cached_process_seconds"], "s", 15),
        _target("training, Iris DNN", iris["trainer_ms_per_step"], "ms/step", 1),
        _target("serving one example, p50", iris["serving_one_p50_ms"], "ms", 1),
        _target("serving one example, p99", iris["serving_one_p99_ms"], "ms", 5),
        _target("serving 1,000 examples, p50", iris["serving_batch_p50_ms"], "ms", 20),
    ]
    million = results["sizes"].get("1000000", {}).get("ours")
    if million:
        seconds = million["node_seconds"][EXAMPLE_GEN] + million["node_seconds"][STATISTICS_GEN]
        found.append(
            _target(
                "ExampleGen + StatisticsGen at 1M rows",
                round(million["rows"] / seconds),
                "rows/s",
                25_000,
                at_least=True,
            )
        )
        found.append(
            {
                "target": "whole pipeline on 1M rows finishes",
                "measured": f"{million['process_seconds']:.0f} s",
                "met": million["status"] == "succeeded",
            }
        )
    return found


def _target(
    name: str, value: float, unit: str, limit: float, at_least: bool = False
) -> dict[str, Any]:
    met = value >= limit if at_least else value <= limit
    sign = ">=" if at_least else "<="
    return {
        "target": f"{name} {sign} {limit:,} {unit}",
        "measured": f"{value:,} {unit}",
        "value": value,
        "met": met,
    }


def write_markdown(results: dict[str, Any], path: str) -> str:
    """Targets, then Iris's runs, then each size's nodes, ours against stock."""
    lines = ["## Targets", "", "| target | measured | met |", "| --- | --- | --- |"]
    for target in results["targets"]:
        lines.append(
            f"| {target['target']} | {target['measured']} | {'yes' if target['met'] else 'NO'} |"
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
            "## Generated Iris-like data, one cold run each",
            "",
            "| rows | measure | ours | stock | stock / ours |",
            "| --- | --- | --- | --- | --- |",
        ]
    for rows, by_settings in results["sizes"].items():
        stock_measures = _size_measures(by_settings["stock"])
        for label, value in _size_measures(by_settings["ours"]).items():
            stock_value = stock_measures[label]
            lines.append(
                f"| {int(rows):,} | {label} | {_number(value)} | {_number(stock_value)} | "
                f"{_ratio(stock_value, value, label)} |"
            )
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return path


def _size_measures(run: dict[str, Any]) -> dict[str, float | None]:
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
    """Seconds per node against rows, log-log: ours solid, stock dashed."""
    import matplotlib

    matplotlib.use("Agg")  # no display: write the file only
    import matplotlib.pyplot as plt

    sizes = sorted(results["sizes"], key=int)
    figure, axes = plt.subplots(figsize=(8, 5), dpi=120)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for color, node in zip(colors, (*WORK_NODES, "process wall"), strict=False):
        for settings, style in (("ours", "-"), ("stock", "--")):
            rows = [int(size) for size in sizes]
            seconds = [_node_seconds(results["sizes"][size][settings], node) for size in sizes]
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
    if node == "process wall":
        return run["process_seconds"]
    return run["node_seconds"][node]
