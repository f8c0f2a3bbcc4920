"""Deterministic Iris-like data of any size: the Iris rows, resampled with a little noise."""

import csv
import os

import numpy as np

IRIS_CSV = os.path.join("data", "iris", "iris.csv")
# Noise added to a resampled row, as a fraction of each measurement's standard deviation in
# Iris: enough that rows are not copies, little enough that the classes stay as separable.
NOISE_FRACTION = 0.1


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
    domains hold). The same (num_rows, seed) always gives the same file."""
    header, measurements, species = read_iris()
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(measurements), size=num_rows)
    noise = rng.normal(0.0, NOISE_FRACTION, size=(num_rows, measurements.shape[1]))
    values = measurements[picks] + noise * measurements.std(axis=0)
    values = np.clip(values.round(1), measurements.min(axis=0), measurements.max(axis=0))
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    partial = f"{path}.partial"
    with open(partial, "w", encoding="utf-8") as f:
        f.write(",".join(header) + "\n")
        # One formatted block per chunk: a million rows are written in about a second.
        chunk_rows = 100_000
        for start in range(0, num_rows, chunk_rows):
            stop = min(start + chunk_rows, num_rows)
            columns = [np.char.mod("%.1f", values[start:stop, i]) for i in range(values.shape[1])]
            lines = columns[0]
            for column in [*columns[1:], species[picks[start:stop]]]:
                lines = np.char.add(np.char.add(lines, ","), column)
            f.write("\n".join(lines.tolist()) + "\n")
    os.replace(partial, path)
