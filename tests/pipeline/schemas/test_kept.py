"""The schema a pipeline keeps: made once, replaced only by a schema given to a run, per
pipeline name and output directory, and described the way the summary and inspect say it."""

import hashlib
import json

import pytest

from pipeline.config import PipelineConfig
from pipeline.schemas.kept import (
    CURATED,
    INFERRED,
    KEPT,
    KeptSchemaError,
    SchemaChoice,
    describe_choice,
    keep_schema,
    kept_choice,
    kept_schema_path,
    note_first_run,
)

SCHEMA_A = 'feature { name: "x" type: FLOAT }\n'
SCHEMA_B = 'feature { name: "x" type: INT }\n'


@pytest.fixture
def config(tmp_path) -> PipelineConfig:
    return PipelineConfig(pipeline_name="churn", output_dir=str(tmp_path), label="churned")


def test_a_pipeline_keeps_nothing_before_its_first_run(config):
    assert kept_choice(config) is None


def test_the_first_schema_is_kept_under_the_pipelines_name(config, tmp_path):
    choice = keep_schema(config, SCHEMA_A, INFERRED, "/data/first")
    assert choice == SchemaChoice(
        INFERRED, str(tmp_path / "schema" / "churn" / "schema.pbtxt"), "/data/first", INFERRED
    )
    assert (tmp_path / "schema" / "churn" / "schema.pbtxt").read_text() == SCHEMA_A
    # The next run given no schema gets it, from the run that made it.
    note_first_run(config, choice, "run-1")
    assert kept_choice(config) == SchemaChoice(
        KEPT, kept_schema_path(config), "/data/first", INFERRED, "run-1"
    )


def test_another_pipeline_name_or_output_dir_keeps_its_own(config, tmp_path):
    keep_schema(config, SCHEMA_A, INFERRED, "/data/first")
    assert kept_choice(PipelineConfig(pipeline_name="other", output_dir=str(tmp_path))) is None
    assert (
        kept_choice(PipelineConfig(pipeline_name="churn", output_dir=str(tmp_path / "o"))) is None
    )


def test_a_curated_schema_replaces_the_kept_one_and_starts_its_own_history(config):
    note_first_run(config, keep_schema(config, SCHEMA_A, INFERRED, "/data/first"), "run-1")
    curated = keep_schema(config, SCHEMA_B, CURATED, "/curated/schema.pbtxt")
    assert (curated.origin, curated.made_as, curated.since_run) == (CURATED, CURATED, None)
    note_first_run(config, curated, "run-4")
    assert kept_choice(config) == SchemaChoice(
        KEPT, kept_schema_path(config), "/curated/schema.pbtxt", CURATED, "run-4"
    )


def test_the_same_schema_given_again_keeps_its_history(config):
    note_first_run(config, keep_schema(config, SCHEMA_A, INFERRED, "/data/first"), "run-1")
    again = keep_schema(config, SCHEMA_A, CURATED, "/curated/copy.pbtxt")
    assert (again.origin, again.made_as, again.since_run) == (CURATED, INFERRED, "run-1")
    assert kept_choice(config).source == "/data/first"


def test_a_schema_kept_for_another_label_is_refused_with_the_way_out(config):
    keep_schema(config, SCHEMA_A, INFERRED, "/data/first")
    with pytest.raises(KeptSchemaError) as raised:
        kept_choice(PipelineConfig(pipeline_name="churn", output_dir=config.output_dir))
    message = str(raised.value)
    assert "keeps a schema for the label 'churned'" in message
    assert "this run's label is 'species'" in message
    assert "--pipeline-name" in message and "--schema" in message


def test_writing_leaves_no_temporary_file(config, tmp_path):
    keep_schema(config, SCHEMA_A, INFERRED, "/data/first")
    keep_schema(config, SCHEMA_B, CURATED, "/curated/schema.pbtxt")
    assert sorted(p.name for p in (tmp_path / "schema" / "churn").iterdir()) == [
        "origin.json",
        "schema.pbtxt",
    ]
    origin = json.loads((tmp_path / "schema" / "churn" / "origin.json").read_text())
    assert origin == {
        "made_as": CURATED,
        "source": "/curated/schema.pbtxt",
        "label": "churned",
        "since_run": None,
        "sha256": hashlib.sha256(SCHEMA_B.encode()).hexdigest(),
    }


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        (
            SchemaChoice(INFERRED, "k", "/data/first", INFERRED),
            "newly inferred from /data/first: the pipeline's first run, so this data now "
            "defines normal",
        ),
        (
            SchemaChoice(CURATED, "k", "/c/schema.pbtxt", INFERRED, "r1"),
            "curated file /c/schema.pbtxt",
        ),
        (
            SchemaChoice(KEPT, "k", "/data/first", INFERRED, "r1"),
            "kept from run 1 (r1): inferred from /data/first",
        ),
        (
            SchemaChoice(KEPT, "k", "/c/schema.pbtxt", CURATED, "r2"),
            "kept from run 2 (r2): curated file /c/schema.pbtxt",
        ),
        (
            SchemaChoice(KEPT, "k", "/data/first", INFERRED, None),
            "kept from an earlier run: inferred from /data/first",
        ),
    ],
)
def test_where_a_schema_came_from_in_words(choice, expected):
    assert describe_choice(choice, {"r1": 1, "r2": 2}) == expected


def test_a_kept_schema_edited_by_hand_is_described_as_the_file_it_now_is(config):
    note_first_run(config, keep_schema(config, SCHEMA_A, INFERRED, "/data/first"), "run-1")
    with open(kept_schema_path(config), "a", encoding="utf-8") as f:
        f.write('feature { name: "y" type: BYTES }\n')
    kept = kept_choice(config)
    assert (kept.made_as, kept.source, kept.since_run) == (CURATED, kept_schema_path(config), None)
    assert describe_choice(kept, {}) == (
        f"kept from an earlier run: curated file {kept_schema_path(config)}"
    )


def test_the_kept_schema_given_again_for_another_label_becomes_that_labels(config, tmp_path):
    keep_schema(config, SCHEMA_A, INFERRED, "/data/first")
    other_label = PipelineConfig(pipeline_name="churn", output_dir=str(tmp_path), label="plan")
    keep_schema(other_label, SCHEMA_A, CURATED, kept_schema_path(config))
    assert kept_choice(other_label).source == "/data/first"
    with pytest.raises(KeptSchemaError):
        kept_choice(config)
