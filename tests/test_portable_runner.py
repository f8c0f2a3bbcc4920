"""The whole pipeline on Beam's portable runner, the way Flink and Spark run Python: each
Beam-using node's job goes to Beam's job service, whose SDK workers an external worker pool
starts (tests/portable_runner.py). It must compute what the in-process run computes; a worker
environment without TF_USE_LEGACY_KERAS=1 fails the Evaluator with a message that says so."""

import dataclasses
import pathlib
import re

import pytest
import tensorflow as tf
from tensorflow_metadata.proto.v0 import statistics_pb2

from components.artifact_files import read_split_statistics
from pipeline import nodes
from pipeline.records.metadata import RunExecutions, open_store
from tests.components.atomic_pusher.test_atomic_pusher import files_under
from tests.conftest import DEFAULT_NODES
from tests.pipeline_runs import Run, run_pipeline
from tests.portable_runner import PortableRunner, portable_runner

pytestmark = [pytest.mark.portable, pytest.mark.long, pytest.mark.e2e]

# The nodes that run a Beam pipeline, in the order they run. The others read and write small
# protos (schemas, anomalies, blessings) or train in the driver's process.
BEAM_NODES = [nodes.EXAMPLE_GEN, nodes.STATISTICS_GEN, nodes.TRANSFORM, nodes.EVALUATOR]
# What the rerun against the pushed model runs again (tests/test_end_to_end.py); the Pusher
# does not run after the Evaluator failed.
RUN_AGAIN = {nodes.SERVING_BASELINE, nodes.VALIDATION_GATE, nodes.EVALUATOR}
NODE_RUNNING = re.compile(r"Component (\w+) is running\.")
JOB_DONE = "Job state changed to DONE"  # the portable runner's log line, in the driver
# Beam combines floating-point sums in whatever order its bundles come.
RELATIVE_TOLERANCE = 1e-6


@dataclasses.dataclass(frozen=True)
class PortableRun:
    """A pipeline run through a job service and worker pool, and what those two logged."""

    run: Run
    runner: PortableRunner
    completed_jobs: list[str]  # the final state of each job the job service ran
    workers_started: int


def run_portably(runner: PortableRunner, output_dir: pathlib.Path, label: str) -> PortableRun:
    """`run_pipeline` with the runner's Beam args, its time printed."""
    run = run_pipeline(output_dir, *runner.pipeline_flags)
    print_times(label, run)
    return PortableRun(run, runner, runner.completed_jobs(), runner.workers_started())


def print_times(label: str, run: Run) -> None:
    """The run's wall time and its Beam-using nodes' seconds, for `pytest -s` to show."""
    beam_seconds = ", ".join(
        f"{node} {run.summary['nodes'][node]['seconds']:.1f} s" for node in BEAM_NODES
    )
    print(f"\n{label}: {run.summary['wall_seconds']:.1f} s ({beam_seconds})")


@pytest.fixture(scope="module")
def portable_dir(tmp_path_factory) -> pathlib.Path:
    """The portable runs' outputs, and the job services' and worker pools' logs."""
    return tmp_path_factory.mktemp("portable")


@pytest.fixture(scope="module")
def in_process_run(first_run) -> Run:
    """The shared first run on Beam's default, in-process runner."""
    print_times("in-process run (DirectRunner)", first_run)
    return first_run


@pytest.fixture(scope="module")
def portable_run(portable_dir) -> PortableRun:
    with portable_runner(portable_dir / "beam") as runner:
        return run_portably(runner, portable_dir / "outputs", "portable run")


@pytest.fixture(scope="module")
def keras_3_rerun(portable_run, portable_dir) -> tuple[PortableRun, dict[str, bytes]]:
    """A rerun in the portable run's output directory, with workers that lack
    TF_USE_LEGACY_KERAS, and the served model's files before it. The same endpoints make the
    same Beam args: only what the pushed model changes runs again."""
    served_before = files_under(portable_dir / "outputs" / "serving_model")
    ports = (portable_run.runner.job_port, portable_run.runner.worker_pool_port)
    with portable_runner(portable_dir / "beam-keras-3", legacy_keras=False, ports=ports) as runner:
        assert runner.beam_args == portable_run.runner.beam_args
        rerun = run_portably(runner, portable_dir / "outputs", "rerun, workers on Keras 3")
    return rerun, served_before


def nodes_with_jobs(log_file: str) -> list[str]:
    """The nodes during which the driver saw a Beam job finish on the job service, in order."""
    node, found = None, []
    for line in pathlib.Path(log_file).read_text().splitlines():
        if match := NODE_RUNNING.search(line):
            node = match.group(1)
        elif JOB_DONE in line:
            found.append(node)
    return list(dict.fromkeys(found))  # a line can be there twice: absl's handler and ours


def output_uri(run: Run, output_dir: pathlib.Path, node: str, key: str) -> str:
    """Where `node` wrote its output `key` in `run`, as ML Metadata recorded it."""
    store = open_store(str(output_dir / "metadata.sqlite"))
    executions = RunExecutions.of_run(store, run.summary["pipeline_name"], run.summary["run_id"])
    return executions.output_uri(node, key)


def examples_by_split(run: Run, output_dir: pathlib.Path) -> dict[str, list[bytes]]:
    """ExampleGen's serialized tf.Examples of each split, sorted."""
    uri = pathlib.Path(output_uri(run, output_dir, nodes.EXAMPLE_GEN, "examples"))
    return {
        split_dir.name.removeprefix("Split-"): sorted(
            record.numpy()
            for record in tf.data.TFRecordDataset(
                sorted(map(str, split_dir.glob("*.gz"))), compression_type="GZIP"
            )
        )
        for split_dir in sorted(uri.glob("Split-*"))
    }


def statistics_by_split(
    run: Run, output_dir: pathlib.Path
) -> dict[str, statistics_pb2.DatasetFeatureStatistics]:
    """StatisticsGen's statistics of each split."""
    uri = output_uri(run, output_dir, nodes.STATISTICS_GEN, "statistics")
    return {split: stats.datasets[0] for split, stats in read_split_statistics(uri).items()}


def feature_statistics(dataset: statistics_pb2.DatasetFeatureStatistics) -> dict[str, dict]:
    """Feature -> its counts (exact) and moments (floating point) in one split."""
    by_feature = {}
    for feature in dataset.features:
        name = ".".join(feature.path.step)
        if feature.HasField("num_stats"):
            numbers = feature.num_stats
            by_feature[name] = {
                "num_non_missing": numbers.common_stats.num_non_missing,
                "moments": [numbers.mean, numbers.std_dev, numbers.min, numbers.max],
            }
        else:
            strings = feature.string_stats
            by_feature[name] = {
                "num_non_missing": strings.common_stats.num_non_missing,
                "top_values": sorted((v.value, v.frequency) for v in strings.top_values),
            }
    return by_feature


def numbers_in(metrics, path: str = "") -> dict[str, float]:
    """Every number of the summary's metrics, by its path ("per_class.setosa.recall")."""
    if isinstance(metrics, dict):
        return {
            name: number
            for key, value in metrics.items()
            for name, number in numbers_in(value, f"{path}{key}.").items()
        }
    if isinstance(metrics, list):
        return {
            name: number
            for index, value in enumerate(metrics)
            for name, number in numbers_in(value, f"{path}{index}.").items()
        }
    if isinstance(metrics, int | float) and not isinstance(metrics, bool):
        return {path.rstrip("."): float(metrics)}
    return {}


def test_the_portable_run_sends_each_beam_node_to_the_job_service(in_process_run, portable_run):
    run = portable_run.run
    assert run.returncode == 0, run.stdout
    assert run.states == {node: "COMPLETE" for node in DEFAULT_NODES}
    assert nodes_with_jobs(run.summary["log_file"]) == BEAM_NODES
    # One job per node, and one SDK worker per job (the job service's default parallelism),
    # each started by the worker pool.
    assert portable_run.completed_jobs == ["DONE"] * len(BEAM_NODES)
    assert portable_run.workers_started == len(BEAM_NODES)
    # The run compared with it ran every Beam pipeline in its own process.
    assert nodes_with_jobs(in_process_run.summary["log_file"]) == []


def test_examplegen_wrote_the_same_examples_in_the_same_splits(
    in_process_run, output_dir, portable_run, portable_dir, iris_rows
):
    in_process = examples_by_split(in_process_run, output_dir)
    portable = examples_by_split(portable_run.run, portable_dir / "outputs")
    assert {split: len(rows) for split, rows in portable.items()} == {
        split: len(rows) for split, rows in in_process.items()
    }
    assert set(portable) == {"train", "eval"}
    assert sum(map(len, portable.values())) == len(iris_rows)
    assert portable == in_process


def test_statisticsgen_computed_the_same_statistics(
    in_process_run, output_dir, portable_run, portable_dir
):
    in_process = statistics_by_split(in_process_run, output_dir)
    portable = statistics_by_split(portable_run.run, portable_dir / "outputs")
    examples = examples_by_split(portable_run.run, portable_dir / "outputs")
    assert set(portable) == set(in_process) == {"train", "eval"}
    for split, dataset in portable.items():
        assert dataset.num_examples == in_process[split].num_examples == len(examples[split])
        features, expected = feature_statistics(dataset), feature_statistics(in_process[split])
        assert set(features) == set(expected) == {
            "sepal_length", "sepal_width", "petal_length", "petal_width", "species"
        }  # fmt: skip
        for name, statistics in features.items():
            assert statistics["num_non_missing"] == dataset.num_examples, (split, name)
            if "moments" in statistics:
                assert statistics["moments"] == pytest.approx(
                    expected[name]["moments"], rel=RELATIVE_TOLERANCE
                ), (split, name)
            else:
                assert statistics == expected[name], (split, name)


def test_the_evaluator_measured_the_same_metrics_and_blessed_alike(in_process_run, portable_run):
    in_process, portable = in_process_run.summary, portable_run.run.summary
    metrics = numbers_in(portable["metrics"])
    assert metrics["accuracy"] >= 0.9
    assert metrics["example_count"] == in_process["metrics"]["example_count"]
    assert metrics == pytest.approx(numbers_in(in_process["metrics"]), rel=RELATIVE_TOLERANCE)
    assert portable["metrics"]["confusion_matrix"] == in_process["metrics"]["confusion_matrix"]
    assert portable["blessed"] is in_process["blessed"] is True
    assert portable["blessing_reason"] == in_process["blessing_reason"]
    assert portable["pushed_model"] is not None


def test_workers_without_tf_use_legacy_keras_fail_the_evaluator_saying_what_to_set(
    portable_run, keras_3_rerun, portable_dir
):
    rerun, served_before = keras_3_rerun
    run = rerun.run
    assert run.returncode == 1, run.stdout
    assert run.summary["failed_node"] == nodes.EVALUATOR
    error = run.summary["error"]
    assert error.startswith(
        "Keras3WorkerError: the Beam workers run Keras 3: TF_USE_LEGACY_KERAS=1 must be set in "
        "every Beam worker's environment before it imports TensorFlow"
    )
    # The first worker to fail names the model it was loading: the candidate or the served one.
    trainer_model = output_uri(portable_run.run, portable_dir / "outputs", nodes.TRAINER, "model")
    models = [f"{trainer_model}/Format-Serving", portable_run.run.summary["pushed_model"]]
    assert re.search(
        rf"has keras 3\.\S+ as tf\.keras and cannot load the Keras 2 SavedModel "
        rf"({'|'.join(map(re.escape, models))})( |$)",
        error,
    )
    # The check ran before the model was loaded: Keras 3's own message never came.
    assert "File format not supported" not in rerun.runner.job_service_log.read_text()
    assert rerun.workers_started >= 1
    assert run.states == {
        **{node: "CACHED" for node in DEFAULT_NODES},
        **{node: "COMPLETE" for node in RUN_AGAIN - {nodes.EVALUATOR}},
        nodes.EVALUATOR: "FAILED",
        nodes.PUSHER: "NOT_RUN",
    }
    # Nothing was pushed; the served model is as the portable run left it.
    assert files_under(portable_dir / "outputs" / "serving_model") == served_before
    assert len(served_before) > 0
