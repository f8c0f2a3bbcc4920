"""A deterministic wide table for the benchmark: 100 feature columns, numbers and text codes,
and a four-class label a model can learn from a few of them."""

import os

import numpy as np

NUMERIC_COLUMNS = tuple(f"number_{index:02d}" for index in range(70))
# How many values each text column takes, cycled over the columns: from a few (one-hot
# encoded, and crossed pairwise by the Wide & Deep model) to many (embedded).
CARDINALITY_CYCLE = (3, 4, 6, 8, 10, 12, 16, 24, 36, 50)
CATEGORICAL_CARDINALITIES = {
    f"code_{index:02d}": CARDINALITY_CYCLE[index % len(CARDINALITY_CYCLE)] for index in range(30)
}
CATEGORICAL_COLUMNS = tuple(CATEGORICAL_CARDINALITIES)
LABEL_COLUMN = "label"
CLASSES = ("class_0", "class_1", "class_2", "class_3")
# The columns the label depends on: class k's score rises with the k-th of these numbers'
# z-score, and with the two text codes' values that favour k.
LABEL_NUMERIC_COLUMNS = NUMERIC_COLUMNS[: len(CLASSES)]
LABEL_CATEGORICAL_COLUMNS = ("code_00", "code_07")  # 3 values (one-hot) and 24 (embedded)
NUMERIC_WEIGHT = 3.0
CATEGORICAL_WEIGHT = 2.0
# Of the Gumbel noise on the scores: the label is a draw from their softmax (scaled by 1 /
# this), so no model is always right; the generating rule's own accuracy is about 0.91.
NOISE_SCALE = 0.4
# Rows made and written at a time, so memory stays flat at any number of rows.
CHUNK_ROWS = 10_000


def code(value: int) -> str:
    """The text of a categorical column's value: never read as a number."""
    return f"v{value:02d}"


def write_wide_table_csv(path: str, num_rows: int = 100_000, seed: int = 0) -> None:
    """Write `num_rows` rows of the wide table to `path`, the same file for the same
    (num_rows, seed).

    Each number column is normal, with a centre and spread of its own (so z-scoring matters),
    written with 4 decimals; each code column uniform over its values. Class k's score is
    NUMERIC_WEIGHT times the z-score of LABEL_NUMERIC_COLUMNS[k], plus CATEGORICAL_WEIGHT for
    each of LABEL_CATEGORICAL_COLUMNS whose value is k modulo its class count, plus Gumbel
    noise; the label is the class of the highest score."""
    column_generator, row_generator = (
        np.random.default_rng(child) for child in np.random.SeedSequence(seed).spawn(2)
    )
    centres = column_generator.uniform(-100.0, 100.0, size=len(NUMERIC_COLUMNS))
    spreads = 10.0 ** column_generator.uniform(-1.0, 2.0, size=len(NUMERIC_COLUMNS))
    cardinalities = np.array(list(CATEGORICAL_CARDINALITIES.values()))
    codes = np.array([code(value) for value in range(cardinalities.max())], dtype=object)
    classes = np.array(CLASSES, dtype=object)
    label_numbers = [NUMERIC_COLUMNS.index(column) for column in LABEL_NUMERIC_COLUMNS]
    label_codes = [CATEGORICAL_COLUMNS.index(column) for column in LABEL_CATEGORICAL_COLUMNS]
    row_format = ",".join(["%.4f"] * len(NUMERIC_COLUMNS) + ["%s"] * (len(cardinalities) + 1))

    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    partial = f"{path}.partial"
    with open(partial, "w", encoding="utf-8") as f:
        f.write(",".join([*NUMERIC_COLUMNS, *CATEGORICAL_COLUMNS, LABEL_COLUMN]) + "\n")
        for start in range(0, num_rows, CHUNK_ROWS):
            chunk_rows = min(CHUNK_ROWS, num_rows - start)
            z_scores = row_generator.normal(size=(chunk_rows, len(NUMERIC_COLUMNS)))
            values = row_generator.integers(0, cardinalities, size=(chunk_rows, len(cardinalities)))
            scores = NUMERIC_WEIGHT * z_scores[:, label_numbers]
            for column in label_codes:
                favoured = values[:, column] % len(CLASSES)
                scores[np.arange(chunk_rows), favoured] += CATEGORICAL_WEIGHT
            noise = row_generator.gumbel(scale=NOISE_SCALE, size=scores.shape)
            labels = classes[np.argmax(scores + noise, axis=1)]
            numbers = (centres + spreads * z_scores).tolist()
            texts = codes[values].tolist()
            rows = zip(numbers, texts, labels.tolist(), strict=True)
            f.write("".join(row_format % (*n, *t, label) + "\n" for n, t, label in rows))
    os.replace(partial, path)
