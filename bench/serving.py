"""In-process serving latency of a pushed model through its serving_default signature."""

import time
from typing import Any

import numpy as np

# Calls timed after the warm-up calls (which trace and load the graph's kernels).
WARMUP_CALLS = 20
SINGLE_EXAMPLE_CALLS = 2000
BATCH_CALLS = 200
BATCH_SIZE = 1000


def serving_latency(model_dir: str, rows_csv: str) -> dict[str, Any]:
    """p50 and p99 milliseconds of serving_default on one example, and of a 1,000-example
    batch, with examples serialized from the rows of `rows_csv` (as `predict` builds them)."""
    import tensorflow as tf

    from components.signatures import SERVING_SIGNATURE
    from pipeline.serving.predict import read_rows, read_serving_info, to_example

    info = read_serving_info(model_dir)
    examples = [
        to_example(row, info, rows_csv, line).SerializeToString()
        for line, row in read_rows(rows_csv)
    ]
    serve = tf.saved_model.load(model_dir).signatures[SERVING_SIGNATURE]
    one = tf.constant(examples[:1])
    batch = tf.constant([examples[i % len(examples)] for i in range(BATCH_SIZE)])
    return {
        "one_example": _latency_ms(lambda: serve(examples=one), SINGLE_EXAMPLE_CALLS),
        f"batch_of_{BATCH_SIZE}": _latency_ms(lambda: serve(examples=batch), BATCH_CALLS),
    }


def _latency_ms(call, times: int) -> dict[str, float]:
    for _ in range(WARMUP_CALLS):
        call()
    milliseconds = np.empty(times)
    for i in range(times):
        started = time.perf_counter()
        call()
        milliseconds[i] = (time.perf_counter() - started) * 1000
    return {
        "p50_ms": round(float(np.percentile(milliseconds, 50)), 4),
        "p99_ms": round(float(np.percentile(milliseconds, 99)), 4),
        "calls": times,
    }
