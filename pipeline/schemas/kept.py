"""The schema a pipeline keeps.

A pipeline is its name in its output directory. Its first run infers a schema from its data,
and from then on every run validates against that schema: data that drifts from the first
data is stopped instead of quietly becoming the new normal, as it would if each run inferred
a schema from its own data. The schema changes only when a run is given one (--schema FILE, or
schema.pbtxt beside the data), never by a later inference.

The kept schema lives in <output_dir>/schema/<pipeline_name>/schema.pbtxt, the one file
ImportSchemaGen imports whichever way a run got its schema: the same content is then the same
input, and a run given the schema it already keeps is cached like any other. Beside it,
origin.json says where it came from; each run's choice is recorded on its pipeline_run context
in ML Metadata, for the summary and `inspect`.
"""

import dataclasses
import hashlib
import json
import os
import tempfile

from pipeline.config import PipelineConfig

KEPT_SCHEMA_DIR = "schema"
SCHEMA_FILE = "schema.pbtxt"
ORIGIN_FILE = "origin.json"

# Where a run's schema came from.
CURATED = "curated"  # given to this run: --schema FILE, or schema.pbtxt beside the data
KEPT = "kept"  # the pipeline's, from an earlier run
INFERRED = "inferred"  # inferred from this run's data: the pipeline's first run

# Custom properties of a pipeline_run context in ML Metadata: the run's SchemaChoice.
ORIGIN_PROPERTY = "schema_origin"
SOURCE_PROPERTY = "schema_source"
SINCE_RUN_PROPERTY = "schema_kept_since_run"
MADE_AS_PROPERTY = "schema_made_as"


class KeptSchemaError(ValueError):
    """The kept schema does not fit this run (another label), or cannot be read."""


@dataclasses.dataclass(frozen=True)
class SchemaChoice:
    """Which schema a run validates against, and where it came from."""

    origin: str  # CURATED, KEPT or INFERRED
    path: str  # the pipeline's kept schema file, which ImportSchemaGen imports
    # The curated file, or the data root the schema was inferred from.
    source: str
    # How the schema was made, CURATED or INFERRED; for a KEPT one, by the run it came from.
    made_as: str
    # The run that first used the kept schema; None until that run is recorded.
    since_run: str | None = None


def kept_schema_dir(config: PipelineConfig) -> str:
    return os.path.join(config.output_dir, KEPT_SCHEMA_DIR, config.pipeline_name)


def kept_schema_path(config: PipelineConfig) -> str:
    return os.path.join(kept_schema_dir(config), SCHEMA_FILE)


def read_kept_schema(config: PipelineConfig) -> tuple[str, dict] | None:
    """(schema text, origin) of the schema the pipeline keeps, or None before its first run."""
    path = kept_schema_path(config)
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        with open(os.path.join(kept_schema_dir(config), ORIGIN_FILE), encoding="utf-8") as f:
            origin = json.load(f)
    except (OSError, json.JSONDecodeError):
        origin = {}
    if not isinstance(origin, dict) or origin.get("sha256") != _sha256(text):
        # Edited by hand since it was kept (or a run was killed between writing the two
        # files): the file is all there is to say where it came from.
        origin = {"made_as": CURATED, "source": path, "label": None, "since_run": None}
    return text, origin


def kept_choice(config: PipelineConfig) -> SchemaChoice | None:
    """The pipeline's kept schema for a run given none, or None when there is none yet.
    KeptSchemaError when it was kept for another label: a pipeline predicts one label."""
    kept = read_kept_schema(config)
    if kept is None:
        return None
    _, origin = kept
    if origin.get("label") not in (None, config.label):
        raise KeptSchemaError(
            f"pipeline {config.pipeline_name!r} in {config.output_dir} keeps a schema for the "
            f"label {origin['label']!r} ({kept_schema_path(config)}); this run's label is "
            f"{config.label!r}. A pipeline predicts one label: give this one its own "
            "--pipeline-name or --output-dir, or pass its schema with --schema"
        )
    return SchemaChoice(
        KEPT, kept_schema_path(config), origin["source"], origin["made_as"], origin.get("since_run")
    )


def keep_schema(config: PipelineConfig, text: str, origin: str, source: str) -> SchemaChoice:
    """Make `text` the pipeline's schema (a curated file's, or one just inferred) unless it
    already is; the file is replaced atomically, so a killed run never leaves half a schema."""
    kept = read_kept_schema(config)
    if kept is not None and kept[0] == text:
        if kept[1]["label"] != config.label:  # given again for this run's label: it is its now
            _write_origin(config, {**kept[1], "label": config.label, "sha256": _sha256(text)})
        return SchemaChoice(
            origin, kept_schema_path(config), source, kept[1]["made_as"], kept[1].get("since_run")
        )
    os.makedirs(kept_schema_dir(config), exist_ok=True)
    _write_atomically(kept_schema_path(config), text)
    _write_origin(
        config,
        {
            "made_as": origin,
            "source": source,
            "label": config.label,
            "since_run": None,
            "sha256": _sha256(text),
        },
    )
    return SchemaChoice(origin, kept_schema_path(config), source, made_as=origin)


def note_first_run(config: PipelineConfig, choice: SchemaChoice, run_id: str) -> SchemaChoice:
    """Record `run_id` as the run the kept schema has been used since, if none is yet."""
    if choice.since_run is not None:
        return choice
    kept = read_kept_schema(config)
    if kept is not None:
        _write_origin(config, {**kept[1], "since_run": run_id, "sha256": _sha256(kept[0])})
    return dataclasses.replace(choice, since_run=run_id)


def record_choice_in_run(metadata_path: str, run_id: str, choice: SchemaChoice) -> None:
    """Write the run's schema choice onto its pipeline_run context in ML Metadata."""
    # Here, not at the top: a run refused before it starts does not load ML Metadata.
    from pipeline.records.metadata import open_store

    store = open_store(metadata_path, writable=True)
    run = store.get_context_by_type_and_name("pipeline_run", run_id)
    if run is None:
        return
    run.custom_properties[ORIGIN_PROPERTY].string_value = choice.origin
    run.custom_properties[SOURCE_PROPERTY].string_value = choice.source
    run.custom_properties[MADE_AS_PROPERTY].string_value = choice.made_as
    run.custom_properties[SINCE_RUN_PROPERTY].string_value = choice.since_run or ""
    store.put_contexts([run])


def choice_of_run(run_context) -> SchemaChoice | None:
    """The schema choice recorded on a pipeline_run context, if the run recorded one (a local
    run does; an Airflow run does not)."""
    properties = run_context.custom_properties
    if ORIGIN_PROPERTY not in properties:
        return None
    return SchemaChoice(
        origin=properties[ORIGIN_PROPERTY].string_value,
        path="",
        source=properties[SOURCE_PROPERTY].string_value,
        made_as=properties[MADE_AS_PROPERTY].string_value,
        since_run=properties[SINCE_RUN_PROPERTY].string_value or None,
    )


def describe_choice(choice: SchemaChoice, run_numbers: dict[str, int]) -> str:
    """Where a run's schema came from, in words: 'curated file F', 'kept from run 3 (inferred
    from D)', 'newly inferred from D: the pipeline's first run, this data now defines normal'."""
    if choice.origin == INFERRED:
        return (
            f"newly inferred from {choice.source}: the pipeline's first run, so this data "
            "now defines normal"
        )
    if choice.origin == CURATED:
        return f"curated file {choice.source}"
    since = run_numbers.get(choice.since_run or "")
    run = f"run {since} ({choice.since_run})" if since else "an earlier run"
    made = "inferred from" if choice.made_as == INFERRED else "curated file"
    return f"kept from {run}: {made} {choice.source}"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _write_origin(config: PipelineConfig, origin: dict) -> None:
    _write_atomically(os.path.join(kept_schema_dir(config), ORIGIN_FILE), json.dumps(origin))


def _write_atomically(path: str, text: str) -> None:
    directory = os.path.dirname(path)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
