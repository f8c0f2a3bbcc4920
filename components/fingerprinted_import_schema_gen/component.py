"""ImportSchemaGen whose cache key includes the schema file's content.

TFX's ImportSchemaGen has one execution property, the file's path, so with the cache on an edited
schema (a tightened range, a new drift threshold) is not imported again and the run validates
against the old one. The runner reads the file before the pipeline is built anyway (the
dataset's spec comes from it: pipeline/inputs.py), and its fingerprint is passed as a second
property, which the executor ignores.
"""

from tfx import types
from tfx.components.schema_gen.import_schema_gen.component import ImportSchemaGen
from tfx.dsl.components.base import base_component
from tfx.types import standard_artifacts, standard_component_specs
from tfx.types.component_spec import ExecutionParameter

SCHEMA_FINGERPRINT_KEY = "schema_fingerprint"


class FingerprintedImportSchemaGenSpec(standard_component_specs.ImportSchemaGenSpec):
    PARAMETERS = {
        **standard_component_specs.ImportSchemaGenSpec.PARAMETERS,
        SCHEMA_FINGERPRINT_KEY: ExecutionParameter(type=str),
    }


class FingerprintedImportSchemaGen(ImportSchemaGen):
    """ImportSchemaGen(schema_file) re-run whenever `schema_fingerprint` changes."""

    SPEC_CLASS = FingerprintedImportSchemaGenSpec

    def __init__(self, schema_file: str, schema_fingerprint: str):
        spec = FingerprintedImportSchemaGenSpec(
            schema_file=schema_file,
            schema_fingerprint=schema_fingerprint,
            schema=types.Channel(type=standard_artifacts.Schema),
        )
        base_component.BaseComponent.__init__(self, spec=spec)
