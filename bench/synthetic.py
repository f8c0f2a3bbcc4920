"""Deterministic Iris-like data of any size: the Iris rows, resampled with a little noise."""

import csv
import os

import numpy as np

IRIS_CSV = os.path.join("data", "iris", "iris.csv")
# Noise added to a resampled row, as a fraction of each measurement's standard deviation in
# Iris: enough that rows are not copies, little enough that the classes stay as separable.
NOISE_FRACTION = 0.1
# Rows made and written at a time: the memory a chunk takes (a few tens of MB) does not grow
# with the file.
CHUNK_ROWS = 100_000


def read_iris(path: str = IRIS_CSV) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Iris's header, its measurements (rows x 4) and its species names."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    measurements = np.array([[float(value) for value in row[:-1]] for row in body])
    species = np.array([row[-1] for row in body])
    return header, measurements, species


def write_iris_like_csv(path: str, num_rows: int, seed: int = 0) -> None:
    """Write `num_rows` Iris-like rows to `path`: each a random Iris row plus Gaussian noise,
    rounded to 0.1 cm like Iris and kept inside Iris's observed ranges (so the curated schema's
    domains hold). The same (num_rows, seed) always gives the same file.

    Rows are made and written CHUNK_ROWS at a time, so memory stays flat at any size. The
    file is the one drawing every row's pick, then every row's noise, from one generator would
    give (as this function did before it was chunked): the noise comes from a second generator
    moved past all the picks first."""
    header, measurements, species = read_iris()
    scale, low, high = measurements.std(axis=0), measurements.min(axis=0), measurements.max(axis=0)
    row_format = ",".join(["%.1f"] * measurements.shape[1] + ["%s"]) + "\n"
    picks_generator = np.random.default_rng(seed)
    noise_generator = _past_the_picks(seed, num_rows, len(measurements))
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    partial = f"{path}.partial"
    with open(partial, "w", encoding="utf-8") as f:
        f.write(",".join(header) + "\n")
        for chunk_rows in _chunk_sizes(num_rows):
            picks = picks_generator.integers(0, len(measurements), size=chunk_rows)
            noise = noise_generator.normal(
                0.0, NOISE_FRACTION, size=(chunk_rows, measurements.shape[1])
            )
            values = np.clip((measurements[picks] + noise * scale).round(1), low, high)
            # One %-format per row over Python floats: eight times as fast as numpy's
            # element-wise string functions, and the same text.
            rows = zip(*values.T.tolist(), species[picks].tolist(), strict=True)
            f.write("".join(row_format % row for row in rows))
    os.replace(partial, path)


def _past_the_picks(seed: int, num_rows: int, num_choices: int) -> np.random.Generator:
    """A generator of `seed` that has drawn the `num_rows` picks: where the noise starts. The
    picks are drawn (and dropped) rather than skipped, as how many of the bit generator's
    numbers a pick uses is numpy's to decide."""
    generator = np.random.default_rng(seed)
    for chunk_rows in _chunk_sizes(num_rows):
        generator.integers(0, num_choices, size=chunk_rows)
    return generator


def _chunk_sizes(num_rows: int) -> list[int]:
    return [min(CHUNK_ROWS, num_rows - start) for start in range(0, num_rows, CHUNK_ROWS)]
