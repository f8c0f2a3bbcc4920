"""The generated Iris-like data: written chunk by chunk, yet the very file the unchunked
generator wrote (all picks, then all noise, from one generator), and the same for the same
seed."""

import csv
import hashlib

import numpy as np
import pytest

import bench.synthetic
from bench.synthetic import read_iris, write_iris_like_csv


def unchunked_iris_like_text(num_rows: int, seed: int) -> str:
    """The generator as it was before it was chunked: every pick, then every row's noise."""
    header, measurements, species = read_iris()
    generator = np.random.default_rng(seed)
    picks = generator.integers(0, len(measurements), size=num_rows)
    noise = generator.normal(0.0, bench.synthetic.NOISE_FRACTION, size=(num_rows, 4))
    values = measurements[picks] + noise * measurements.std(axis=0)
    values = np.clip(values.round(1), measurements.min(axis=0), measurements.max(axis=0))
    lines = [",".join(header)]
    lines += [
        ",".join([*(f"{value:.1f}" for value in row), name])
        for row, name in zip(values, species[picks], strict=True)
    ]
    return "\n".join(lines) + "\n"


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 1,000 rows, so a few thousand rows cross chunk boundaries."""
    monkeypatch.setattr(bench.synthetic, "CHUNK_ROWS", 1_000)


def test_the_first_rows_are_those_the_generator_has_always_written(tmp_path):
    path = tmp_path / "data.csv"
    write_iris_like_csv(str(path), 5)
    assert path.read_text().splitlines() == [
        "sepal_length,sepal_width,petal_length,petal_width,species",
        "6.1,3.0,5.0,1.9,virginica",
        "5.8,3.0,4.0,1.2,versicolor",
        "6.8,2.7,4.8,1.3,versicolor",
        "4.9,3.5,1.2,0.3,setosa",
        "5.2,3.8,1.8,0.1,setosa",
    ]


@pytest.mark.parametrize("num_rows", [1, 999, 1_000, 2_503])
def test_chunked_output_is_the_unchunked_generators_file(tmp_path, small_chunks, num_rows):
    path = tmp_path / "data.csv"
    write_iris_like_csv(str(path), num_rows, seed=4)
    assert path.read_text() == unchunked_iris_like_text(num_rows, seed=4)


def test_the_file_is_pinned_byte_for_byte(tmp_path, small_chunks):
    # The SHA-256 of the file the unchunked generator (before this change) wrote for
    # (2,503 rows, seed 4).
    path = tmp_path / "data.csv"
    write_iris_like_csv(str(path), 2_503, seed=4)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == (
        "a44bd3af3336e0c5b3f63f313b742caf001c3d2362ee0027234f8392bb8ef7a7"
    )


def test_the_same_rows_and_seed_give_the_same_file_and_another_seed_another(tmp_path):
    first, again, other = (tmp_path / name for name in ("first.csv", "again.csv", "other.csv"))
    write_iris_like_csv(str(first), 3_000, seed=1)
    write_iris_like_csv(str(again), 3_000, seed=1)
    write_iris_like_csv(str(other), 3_000, seed=2)
    assert first.read_bytes() == again.read_bytes()
    assert first.read_bytes() != other.read_bytes()


def test_rows_stay_inside_iris_ranges_with_one_decimal(tmp_path):
    _, measurements, species = read_iris()
    path = tmp_path / "data.csv"
    write_iris_like_csv(str(path), 2_000, seed=3)
    with path.open(newline="") as f:
        rows = list(csv.reader(f))[1:]
    assert len(rows) == 2_000
    values = np.array([[float(value) for value in row[:4]] for row in rows])
    assert (values >= measurements.min(axis=0)).all() and (values <= measurements.max(axis=0)).all()
    assert all(len(value.split(".")[1]) == 1 for row in rows for value in row[:4])
    assert {row[4] for row in rows} == set(species)
