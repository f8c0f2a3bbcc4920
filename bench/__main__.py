"""`python -m bench` (make bench): run the pipeline on the Iris sample and on generated data of
growing size, with this project's settings and with TFX's stock ones (the largest size with
ours only), and on a generated wide table, and write what it cost to bench/results
(latest.json, latest.md, latest.png)."""

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from bench.measure import BenchmarkRunError, RunMeasurement, run_pipeline
from bench.report import targets, write_markdown, write_plot
from bench.serving import serving_latency
from bench.synthetic import IRIS_CSV, write_iris_like_csv
from bench.wide_table import (
    CATEGORICAL_COLUMNS,
    LABEL_COLUMN,
    NUMERIC_COLUMNS,
    write_wide_table_csv,
)

IRIS_ROWS = 150
SCHEMA = os.path.join("data", "iris", "schema.pbtxt")
# What each side of the comparison passes to local_runner.py. "stock" is what TFX gives
# without tuning: ExampleGen's own Beam pipeline, Beam's default DirectRunner (in memory, one
# worker; ours too: more workers were slower on 2 cores), Keras calling its training function
# once per step as TFX's templates do. Both evaluate with the same metrics.
SETTINGS = {
    "ours": [],
    "stock": [
        "--tfx-csv-reader",
        "--beam-arg=--direct_running_mode=in_memory",
        "--beam-arg=--direct_num_workers=1",
        "--steps-per-execution",
        "1",
    ],
}
# The changed input of the "one changed input" rerun: the Trainer's steps (so the Trainer,
# the Evaluator and the Pusher run again, the rest is reused).
CHANGED_TRAIN_STEPS = 1100


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="*",
        default=[10_000, 100_000, 1_000_000],
        help="rows of generated data to run the pipeline on (default: %(default)s)",
    )
    parser.add_argument(
        "--large-sizes",
        type=int,
        nargs="*",
        default=[10_000_000],
        help="rows of generated data to run the pipeline on with this project's settings only: "
        "TFX's stock ones would take over an hour at 10M rows; no value skips them "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--wide-rows",
        type=int,
        default=100_000,
        help="rows of the generated wide table (bench/wide_table.py: 100 feature columns and a "
        "label, no curated schema); 0 skips it (default: %(default)s)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="runs of each Iris measurement; the median is reported (default: %(default)s)",
    )
    parser.add_argument(
        "--work-dir",
        default=os.path.join("outputs", "bench"),
        help="generated data and the runs' outputs (default: %(default)s)",
    )
    parser.add_argument(
        "--results-dir",
        default=os.path.join("bench", "results"),
        help="where latest.json, latest.md and latest.png go (default: %(default)s)",
    )
    args = parser.parse_args()
    if args.repeats < 1:
        parser.error("--repeats must be >= 1")
    if set(args.sizes) & set(args.large_sizes):
        parser.error("a size is either in --sizes (both settings) or in --large-sizes (ours)")
    if args.wide_rows < 0:
        parser.error("--wide-rows must be >= 0")
    _quiet_libraries()

    results: dict[str, Any] = {
        "started": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "repeats": args.repeats,
        "settings": SETTINGS,
        "iris": {},
        "sizes": {},  # rows -> settings -> run; a size of --large-sizes has "ours" only
        "large_sizes": [str(rows) for rows in args.large_sizes],
        "wide": None,  # rows, feature_columns, runs: settings -> run
        "generation_seconds": {},  # data set -> seconds its generator took
    }
    try:
        for settings in SETTINGS:
            results["iris"][settings] = bench_iris(settings, args.repeats, args.work_dir)
        generated = results["generation_seconds"]
        for rows in args.sizes:
            data_root, generated[f"{rows}"] = generate(
                f"{rows}", write_iris_like_csv, rows, args.work_dir
            )
            results["sizes"][f"{rows}"] = bench_size(rows, data_root, SETTINGS, args.work_dir)
        if args.wide_rows:
            name = f"wide-{args.wide_rows}"
            data_root, generated[name] = generate(
                name, write_wide_table_csv, args.wide_rows, args.work_dir
            )
            results["wide"] = bench_wide_table(name, data_root, args.wide_rows, args.work_dir)
        # Last, the longest runs. A failed one (out of memory) is a result, not the end.
        for rows in args.large_sizes:
            data_root, generated[f"{rows}"] = generate(
                f"{rows}", write_iris_like_csv, rows, args.work_dir
            )
            results["sizes"][f"{rows}"] = bench_size(
                rows, data_root, ["ours"], args.work_dir, must_succeed=False
            )
    except BenchmarkRunError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    results["finished"] = datetime.datetime.now().isoformat(timespec="seconds")
    results["targets"] = targets(results)

    os.makedirs(args.results_dir, exist_ok=True)
    json_path = os.path.join(args.results_dir, "latest.json")
    with open(json_path, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=2)
    markdown_path = write_markdown(results, os.path.join(args.results_dir, "latest.md"))
    plot_path = write_plot(results, os.path.join(args.results_dir, "latest.png"))
    with open(markdown_path, encoding="utf-8") as f:
        print(f.read())
    print(f"wrote {json_path}, {markdown_path}, {plot_path}")
    return 0


def bench_iris(settings: str, repeats: int, work_dir: str) -> dict[str, Any]:
    """Cold run, fully cached rerun, and rerun with one changed input on the Iris sample,
    `repeats` times each, and serving latency of each cold run's pushed model."""
    runs: dict[str, list[dict[str, Any]]] = {"cold": [], "cached": [], "changed_input": []}
    serving: list[dict[str, Any]] = []
    for repeat in range(1, repeats + 1):
        output_dir = _fresh_dir(os.path.join(work_dir, "runs", f"iris-{settings}-{repeat}"))
        run = _IrisRun(settings, f"{repeat}/{repeats}", output_dir)
        cold = run.measured("cold")
        _check_rows(cold, IRIS_ROWS, "Iris")
        runs["cold"].append(cold.to_json_dict())
        serving.append(serving_latency(_pushed_model(output_dir), IRIS_CSV))
        # The first rerun evaluates the model against itself, now the one served (the
        # Evaluator's baseline changed); the one after it is fully cached.
        run.measured("rerun after the first push")
        cached = run.measured("fully cached rerun")
        _check_fully_cached(cached)
        runs["cached"].append(cached.to_json_dict())
        changed = run.measured("changed input", ["--train-steps", str(CHANGED_TRAIN_STEPS)])
        runs["changed_input"].append(changed.to_json_dict())
    return {
        **{kind: {"runs": measured_runs} for kind, measured_runs in runs.items()},
        "serving": serving,
        "medians": {
            "cold_process_seconds": _median(runs["cold"], "process_seconds"),
            "cached_process_seconds": _median(runs["cached"], "process_seconds"),
            "changed_input_process_seconds": _median(runs["changed_input"], "process_seconds"),
            "trainer_ms_per_step": statistics.median(
                run["training"]["ms_per_step"] for run in runs["cold"]
            ),
            "trainer_examples_per_second": statistics.median(
                run["training"]["examples_per_second"] for run in runs["cold"]
            ),
            "serving_one_p50_ms": statistics.median(s["one_example"]["p50_ms"] for s in serving),
            "serving_one_p99_ms": statistics.median(s["one_example"]["p99_ms"] for s in serving),
            "serving_batch_p50_ms": statistics.median(
                s["batch_of_1000"]["p50_ms"] for s in serving
            ),
        },
    }


class _IrisRun:
    """Runs on the Iris sample into one output directory, one after the other."""

    def __init__(self, settings: str, repeat: str, output_dir: str) -> None:
        self.settings, self.repeat, self.output_dir = settings, repeat, output_dir

    def measured(self, label: str, extra_args: Sequence[str] = ()) -> RunMeasurement:
        _say(f"Iris, {self.settings} settings, run {self.repeat}: {label}")
        log_name = f"iris-{self.settings}-{self.repeat.split('/')[0]}-{label.replace(' ', '-')}"
        return run_pipeline(
            ["--data-root", os.path.dirname(IRIS_CSV), *SETTINGS[self.settings], *extra_args],
            self.output_dir,
            os.path.join(os.path.dirname(self.output_dir), "logs", f"{log_name}.log"),
        )


def generate(
    name: str, write_csv: Callable[[str, int], None], rows: int, work_dir: str
) -> tuple[str, float]:
    """Write data set `name` (`rows` rows, by `write_csv`) as data.csv in a folder of its own;
    its folder and the seconds writing took."""
    data_root = os.path.join(work_dir, "data", name)
    _say(f"generating {name} ({rows:,} rows) in {data_root}")
    started = time.monotonic()
    write_csv(os.path.join(data_root, "data.csv"), rows)
    return data_root, round(time.monotonic() - started, 1)


def bench_size(
    rows: int,
    data_root: str,
    settings_names: Sequence[str],
    work_dir: str,
    must_succeed: bool = True,
) -> dict[str, dict[str, Any]]:
    """A cold run per settings on `rows` Iris-like rows, checked against the curated schema."""
    data_args = ["--data-root", data_root, "--schema", SCHEMA]
    return {
        settings: bench_generated(settings, f"{rows}", data_args, rows, work_dir, must_succeed)
        for settings in settings_names
    }


def bench_generated(
    settings: str,
    name: str,
    data_args: list[str],
    rows: int,
    work_dir: str,
    must_succeed: bool = True,
) -> dict[str, Any]:
    """One cold run on `rows` generated rows, named `name` in the work dir. A failed run is
    measured (its error kept) unless `must_succeed`."""
    output_dir = _fresh_dir(os.path.join(work_dir, "runs", f"{name}-{settings}"))
    _say(f"{name}, {rows:,} rows, {settings} settings: cold run")
    run = run_pipeline(
        [*data_args, *SETTINGS[settings]],
        output_dir,
        os.path.join(work_dir, "runs", "logs", f"{name}-{settings}.log"),
        must_succeed=must_succeed,
    )
    if run.status == "succeeded":
        _check_rows(run, rows, f"the {name} data ({settings} settings)")
    return run.to_json_dict()


def bench_wide_table(name: str, data_root: str, rows: int, work_dir: str) -> dict[str, Any]:
    """A cold run per settings on the generated wide table, its label named and no schema
    given, so the pipeline infers one (README, "Use your own data")."""
    data_args = ["--data-root", data_root, "--label", LABEL_COLUMN]
    return {
        "rows": rows,
        "feature_columns": len(NUMERIC_COLUMNS) + len(CATEGORICAL_COLUMNS),
        "runs": {
            settings: bench_generated(settings, name, data_args, rows, work_dir, must_succeed=False)
            for settings in SETTINGS
        },
    }


def _check_rows(run: RunMeasurement, expected: int, data: str) -> None:
    """Exactness before speed: StatisticsGen counted every row of the CSV, once."""
    if run.rows != expected:
        raise BenchmarkRunError(f"StatisticsGen counted {run.rows} rows of {data}, not {expected}")


def _check_fully_cached(run: RunMeasurement) -> None:
    executed = [node for node, state in run.node_states.items() if state != "CACHED"]
    if executed:
        raise BenchmarkRunError(f"the rerun was meant to be fully cached, but ran {executed}")


def _pushed_model(output_dir: str) -> str:
    """The latest model an Iris run (its pipeline named after the data's folder) pushed."""
    from pipeline.config import PipelineConfig
    from pipeline.serving.predict import latest_pushed_model

    iris_run = PipelineConfig(data_root=os.path.dirname(IRIS_CSV), output_dir=output_dir)
    return latest_pushed_model(iris_run.serving_model_dir)


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return round(statistics.median(run[key] for run in runs), 2)


def _fresh_dir(path: str) -> str:
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return os.path.abspath(path)


def _quiet_libraries() -> None:
    """Keep the libraries' notices (TensorFlow deprecations, google-api-core's Python support
    calendar) out of the benchmark's output; the runs' own logs are in the work dir."""
    import warnings

    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")


def _say(message: str) -> None:
    print(f"[{datetime.datetime.now():%H:%M:%S}] {message}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
