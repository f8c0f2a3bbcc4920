"""Datasets for the bring-your-own-data tests: the Palmer penguins as committed, and a generated
mixed-type table whose label depends on its columns in a known way."""

import csv
import math
import pathlib
import random

from tests.pipeline_runs import REPO_ROOT

PENGUINS_DIR = REPO_ROOT / "data" / "penguins"

PLANS = {"basic": -0.8, "plus": 0.0, "premium": 0.9}
REGIONS = [f"region_{n}" for n in range(8)]
CITIES = [f"city_{n:02d}" for n in range(40)]
# The label's dependence on the columns: it is what a model can learn, and its noise is why
# no model reaches an AUC of 1.
CHURN_COLUMNS = ("age", "monthly_fee", "plan", "region", "city", "support_calls", "churned")


def penguins_csv_from_package() -> str:
    """The palmerpenguins package's penguins.csv with its "NA" fields left empty, the way
    CsvExampleGen reads a missing value."""
    import importlib.resources

    text = importlib.resources.files("palmerpenguins").joinpath("data/penguins.csv").read_text()
    rows = csv.reader(text.splitlines())
    lines = [",".join("" if field == "NA" else field for field in row) for row in rows]
    return "\n".join(lines) + "\n"


def churn_probability(row: dict) -> float:
    """The generating model: logistic in older age, a lower fee, the plan, more support calls,
    a city effect, and the plan crossed with the region (premium churns in half the regions)."""
    region = REGIONS.index(row["region"])
    city = CITIES.index(row["city"])
    logit = (
        -0.5
        + 0.05 * ((row["age"] if row["age"] is not None else 45.0) - 45.0)
        - 0.04 * (row["monthly_fee"] - 50.0)
        + PLANS[row["plan"]]
        + 0.45 * (row["support_calls"] - 2)
        + (0.8 if city % 5 == 0 else 0.0)
        + (1.2 if row["plan"] == "premium" and region % 2 == 1 else 0.0)
    )
    return 1.0 / (1.0 + math.exp(-logit))


def write_churn_dataset(folder: pathlib.Path, rows: int = 3000, seed: int = 7) -> pathlib.Path:
    """A deterministic churn table: numbers (age with 5% missing, monthly_fee), text (plan,
    region, city) and whole numbers (support_calls 0-6), and a 0/1 label drawn from
    churn_probability."""
    generator = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "churn.csv"
    with path.open("w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(CHURN_COLUMNS)
        for _ in range(rows):
            row = {
                "age": None if generator.random() < 0.05 else round(generator.uniform(18, 80), 1),
                "monthly_fee": round(generator.uniform(10, 90), 2),
                "plan": generator.choice(list(PLANS)),
                "region": generator.choice(REGIONS),
                "city": generator.choice(CITIES),
                "support_calls": min(6, int(generator.expovariate(0.5))),
            }
            row["churned"] = int(generator.random() < churn_probability(row))
            writer.writerow(["" if row[c] is None else row[c] for c in CHURN_COLUMNS])
    return path


def best_possible_auc(path: pathlib.Path) -> float:
    """The AUC of the generating probabilities themselves on the table: the ceiling a model
    can approach."""
    scored = []
    with path.open(newline="") as f:
        for record in csv.DictReader(f):
            row = {
                "age": float(record["age"]) if record["age"] else None,
                "monthly_fee": float(record["monthly_fee"]),
                "plan": record["plan"],
                "region": record["region"],
                "city": record["city"],
                "support_calls": int(record["support_calls"]),
            }
            scored.append((churn_probability(row), int(record["churned"])))
    positives = [p for p, label in scored if label == 1]
    negatives = [p for p, label in scored if label == 0]
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))
