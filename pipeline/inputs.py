"""What the pipeline takes from files, read once by the runner before the pipeline is built.

create_pipeline (pipeline/pipeline.py) only wires nodes. The schema's text and the sources of
the user code are read here, by `resolve_inputs`, on the machine that builds the pipeline (for
Kubeflow, the one that compiles it), and handed to create_pipeline as a `ResolvedInputs`.
"""

import dataclasses

from components.dataset_spec import DatasetSpec, DatasetSpecError
from components.serving_directory import served_version
from pipeline.code_fingerprint import code_fingerprint
from pipeline.config import PipelineConfig
from pipeline.schemas.dataset import dataset_spec, read_schema_text, schema_fingerprint

# The user code the components run, by dotted path to the installed package's functions rather
# than TFX's module_file, which TFX would package with pip at run time (README: "Dotted paths").
PREPROCESSING_FN = "components.preprocessing.preprocessing_fn"
TRAINER_RUN_FN = "components.trainer.run_fn"
TUNER_FN = "components.tuner.tuner_fn"


@dataclasses.dataclass(frozen=True)
class ResolvedInputs:
    """The files a pipeline depends on, as values: enough to build it without reading any."""

    # The schema file, as the pipeline's nodes read it (on Kubeflow, a path inside the image).
    schema_path: str
    # Changes with the schema's text, so that ImportSchemaGen runs again after an edit.
    schema_fingerprint: str
    # What each column is to the model, from the schema.
    dataset_spec: DatasetSpec
    # Fingerprints (pipeline/code_fingerprint.py) of the code Transform, the Trainer and the
    # Tuner run, so that an edit to it is a cache miss.
    preprocessing_code_fingerprint: str
    trainer_code_fingerprint: str
    tuner_code_fingerprint: str
    # The version served from the serving directory when the pipeline was built, "" for none
    # or unknown: ServingBaseline's cache key, so it runs again only after a push.
    served_version: str


def resolve_inputs(config: PipelineConfig, read_served_version: bool = True) -> ResolvedInputs:
    """Read the schema `config` names, the sources of the user code and (unless
    `read_served_version` is False: Kubeflow compiles once for many runs) the version being
    served; a missing, unreadable or unparsable schema, or a label or column it does not have,
    is a DatasetSpecError."""
    if not config.schema_path:
        raise DatasetSpecError(
            "the pipeline takes its features from a schema: give one (a local pipeline keeps "
            "the one its first run inferred, in <output dir>/schema/<pipeline name>/)"
        )
    schema_text = read_schema_text(config.schema_path)
    return ResolvedInputs(
        schema_path=config.schema_path,
        schema_fingerprint=schema_fingerprint(schema_text),
        dataset_spec=dataset_spec(config, schema_text),
        preprocessing_code_fingerprint=code_fingerprint(PREPROCESSING_FN),
        trainer_code_fingerprint=code_fingerprint(TRAINER_RUN_FN),
        tuner_code_fingerprint=code_fingerprint(TUNER_FN),
        served_version=_served_version(config.serving_model_dir) if read_served_version else "",
    )


def _served_version(serving_model_dir: str) -> str:
    served = served_version(serving_model_dir)
    return served.version if served else ""
