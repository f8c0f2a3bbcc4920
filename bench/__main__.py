"""`python -m bench` (make bench): run the pipeline on the Iris sample and on generated data of
growing size, with this project's settings and with TFX's stock ones, and write what it cost
to bench/results (latest.json, latest.md, latest.png)."""

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import sys
from collections.abc import Sequence
from typing import Any

from bench.measure import BenchmarkRunError, RunMeasurement, run_pipeline
from bench.report import targets, write_markdown, write_plot
from bench.serving import serving_latency
from bench.synthetic import IRIS_CSV, write_iris_like_csv

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
    _quiet_libraries()

    results: dict[str, Any] = {
        "started": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "repeats": args.repeats,
        "settings": SETTINGS,
        "iris": {},
        "sizes": {},
    }
    try:
        for settings in SETTINGS:
            results["iris"][settings] = bench_iris(settings, args.repeats, args.work_dir)
        for rows in args.sizes:
            data_root = os.path.join(args.work_dir, "data", f"{rows}")
            _say(f"generating {rows:,} Iris-like rows in {data_root}")
            write_iris_like_csv(os.path.join(data_root, "data.csv"), rows)
            results["sizes"][str(rows)] = {
                settings: bench_size(settings, rows, data_root, args.work_dir)
                for settings in SETTINGS
            }
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


def bench_size(settings: str, rows: int, data_root: str, work_dir: str) -> dict[str, Any]:
    """One cold run on `rows` generated rows."""
    output_dir = _fresh_dir(os.path.join(work_dir, "runs", f"{rows}-{settings}"))
    _say(f"{rows:,} rows, {settings} settings: cold run")
    run = run_pipeline(
        ["--data-root", data_root, "--schema", SCHEMA, *SETTINGS[settings]],
        output_dir,
        os.path.join(work_dir, "runs", "logs", f"{rows}-{settings}.log"),
    )
    _check_rows(run, rows, data_root)
    return run.to_json_dict()


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
