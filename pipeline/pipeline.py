"""create_pipeline: the one pipeline every runner (local, Kubeflow, Airflow) builds.

Wiring only: what it needs from files (the schema, the user code's fingerprints) comes in
resolved (pipeline/inputs.py), so building it reads nothing and it can be built in a test.
"""

import apache_beam as beam
from kfp.pipeline_spec import pipeline_spec_pb2
from ml_metadata.proto import metadata_store_pb2
from tfx.components import (
    ExampleValidator,
    SchemaGen,
    StatisticsGen,
    Trainer,
    Transform,
    Tuner,
)
from tfx.orchestration import pipeline as tfx_pipeline
from tfx.proto import example_gen_pb2, pusher_pb2, trainer_pb2

from components.atomic_pusher.component import AtomicPusher
from components.checked_csv_example_gen.component import (
    CheckedCsvExampleGen,
    TfxReaderCsvExampleGen,
)
from components.custom_config import component_custom_config
from components.evaluator.component import Evaluator
from components.fingerprinted_import_schema_gen.component import FingerprintedImportSchemaGen
from components.serving_baseline.component import ServingBaseline
from components.validation_gate.component import ValidationGate
from pipeline import nodes
from pipeline.config import DATA_FILE_PATTERN, SPLIT_HASH_BUCKETS, PipelineConfig
from pipeline.evaluation import create_eval_config
from pipeline.inputs import PREPROCESSING_FN, TRAINER_RUN_FN, TUNER_FN, ResolvedInputs

# The Beam options by which TFX knows the workers have it (dependency_utils).
WORKER_DEPENDENCY_OPTIONS = (
    "extra_packages",
    "setup_file",
    "requirements_file",
    "worker_harness_container_image",
    "sdk_container_image",
)


def create_pipeline(
    config: PipelineConfig,
    inputs: ResolvedInputs,
    metadata_connection_config: metadata_store_pb2.ConnectionConfig | None = None,
) -> tfx_pipeline.Pipeline:
    """ExampleGen -> statistics, schema, validation (stopping on anomalies, drift and skew) ->
    Transform -> (Tuner) -> Trainer -> Evaluator against the model being served -> Pusher
    (only a blessed model is pushed). ServingBaseline reads the served model, and the
    statistics of the data it was trained on (the drift baseline), from the serving directory.

    `inputs` are what the runner read from files (resolve_inputs): the schema ImportSchemaGen
    imports, with the fingerprint that decides whether it runs again; what each column is to
    the model (the dataset's spec), which travels to Transform, the Trainer and the Tuner in
    their custom_config; and the fingerprints of the code those three run.

    The ML Metadata connection belongs to the runner: SQLite for local and Airflow runs,
    none for Kubeflow, which provides its own.
    """
    spec = inputs.dataset_spec
    example_gen = _csv_example_gen(
        config.data_root, SPLIT_HASH_BUCKETS, config.tfx_csv_reader
    ).with_id(nodes.EXAMPLE_GEN)
    statistics_gen = StatisticsGen(examples=example_gen.outputs["examples"]).with_id(
        nodes.STATISTICS_GEN
    )
    # Always inferred, so the curated schema can be compared with what the data says.
    schema_gen = SchemaGen(
        statistics=statistics_gen.outputs["statistics"], infer_feature_shape=True
    ).with_id(nodes.SCHEMA_GEN)
    curated_schema = FingerprintedImportSchemaGen(
        schema_file=inputs.schema_path, schema_fingerprint=inputs.schema_fingerprint
    ).with_id(nodes.IMPORT_SCHEMA_GEN)
    schema = curated_schema.outputs["schema"]
    components = [example_gen, statistics_gen, schema_gen, curated_schema]

    example_validator = ExampleValidator(
        statistics=statistics_gen.outputs["statistics"], schema=schema
    ).with_id(nodes.EXAMPLE_VALIDATOR)
    components += [example_validator]
    serving_statistics = None
    if config.serving_data_root:
        serving_example_gen = _csv_example_gen(
            config.serving_data_root, {"serving": 1}, config.tfx_csv_reader
        ).with_id(nodes.SERVING_EXAMPLE_GEN)
        serving_statistics_gen = StatisticsGen(
            examples=serving_example_gen.outputs["examples"]
        ).with_id(nodes.SERVING_STATISTICS_GEN)
        components += [serving_example_gen, serving_statistics_gen]
        serving_statistics = serving_statistics_gen.outputs["statistics"]
    # The model being served and the data it was trained on: what this run's model and data
    # are compared with.
    baseline = ServingBaseline(
        serving_model_dir=config.serving_model_dir,
        served_version_when_built=inputs.served_version,
    ).with_id(nodes.SERVING_BASELINE)
    # Stops the run on anomalies, drift or skew.
    validation_gate = ValidationGate(
        anomalies=example_validator.outputs["anomalies"],
        schema=schema,
        statistics=statistics_gen.outputs["statistics"],
        baseline_statistics=baseline.outputs["statistics"],
        serving_statistics=serving_statistics,
        allowed_anomaly_kinds=",".join(config.allowed_anomaly_kinds),
    ).with_id(nodes.VALIDATION_GATE)
    transform = Transform(
        examples=example_gen.outputs["examples"],
        schema=schema,
        preprocessing_fn=PREPROCESSING_FN,
        custom_config=component_custom_config(spec, inputs.preprocessing_code_fingerprint),
        # TFDV statistics of the data before and after transformation: the first repeats
        # StatisticsGen's, and nothing reads either (5 of Transform's 50 s on a million rows).
        disable_statistics=True,
        # An analyzer cache is for pipelines that feed the last run's back in over a rolling
        # span of data; this one does not, and TFX's own cache already skips an unchanged
        # Transform. Writing it costs a Beam write per analyzer: per column of a wide table.
        disable_analyzer_cache=True,
    ).with_id(nodes.TRANSFORM)
    # After the gate, without reading its output (see components/validation_gate).
    transform.add_upstream_node(validation_gate)
    components += [baseline, validation_gate, transform]

    # The Tuner's trials and the Trainer train the same model on the same transformed data,
    # evaluated for as many steps.
    training_inputs = {
        "examples": transform.outputs["transformed_examples"],
        "transform_graph": transform.outputs["transform_graph"],
        "schema": schema,
        "eval_args": trainer_pb2.EvalArgs(num_steps=config.hyperparameters.eval_steps),
    }
    model_settings = {"hyperparameters": config.hyperparameters, "model_type": config.model_type}

    tuned_hyperparameters = None
    if config.enable_tuner:
        tuner = Tuner(
            tuner_fn=TUNER_FN,
            train_args=trainer_pb2.TrainArgs(num_steps=config.tuner_train_steps),
            custom_config=component_custom_config(
                spec,
                inputs.tuner_code_fingerprint,
                **model_settings,
                tuner_max_trials=config.tuner_trials,
            ),
            **training_inputs,
        ).with_id(nodes.TUNER)
        components.append(tuner)
        tuned_hyperparameters = tuner.outputs["best_hyperparameters"]

    trainer = Trainer(
        run_fn=TRAINER_RUN_FN,
        hyperparameters=tuned_hyperparameters,
        train_args=trainer_pb2.TrainArgs(num_steps=config.hyperparameters.train_steps),
        custom_config=component_custom_config(
            spec, inputs.trainer_code_fingerprint, **model_settings
        ),
        **training_inputs,
    ).with_id(nodes.TRAINER)
    if config.trainer_cpu_limit or config.trainer_memory_limit_gb:
        # Read by the Kubeflow compiler into the Trainer task's container resources.
        trainer.with_platform_config(
            pipeline_spec_pb2.PipelineDeploymentConfig.PipelineContainerSpec.ResourceSpec(
                cpu_limit=config.trainer_cpu_limit or 0,
                memory_limit=config.trainer_memory_limit_gb or 0,
            )
        )
    blessing_threshold = config.auc_threshold if spec.is_binary else config.accuracy_threshold
    evaluator = Evaluator(
        examples=example_gen.outputs["examples"],
        model=trainer.outputs["model"],
        baseline_model=baseline.outputs["model"],
        eval_config=create_eval_config(spec, blessing_threshold, config.max_metric_drop),
        blessing_threshold=blessing_threshold,
    ).with_id(nodes.EVALUATOR)
    # Each push lands atomically under a version of its own (TFX's Pusher can overwrite or
    # skip a version pushed in the same second, and readers can see a half-copied model).
    pusher = AtomicPusher(
        model=trainer.outputs["model"],
        model_blessing=evaluator.outputs["blessing"],
        # Kept beside the model: the next run's drift baseline.
        training_statistics=validation_gate.outputs["validated_statistics"],
        push_destination=pusher_pb2.PushDestination(
            filesystem=pusher_pb2.PushDestination.Filesystem(
                base_directory=config.serving_model_dir
            )
        ),
    ).with_id(nodes.PUSHER)
    components += [trainer, evaluator, pusher]

    return tfx_pipeline.Pipeline(
        pipeline_name=config.pipeline_name,
        pipeline_root=config.pipeline_root,
        components=components,
        enable_cache=config.enable_cache,
        metadata_connection_config=metadata_connection_config,
        beam_pipeline_args=beam_pipeline_args(config),
    )


def beam_pipeline_args(config: PipelineConfig) -> list[str]:
    """The Beam options of every Beam-using step: the configured ones, and, when there are any,
    the container image as the workers' image unless they say how the workers get TFX.

    Given Beam options naming none of extra_packages, setup_file, requirements_file,
    worker_harness_container_image or sdk_container_image, TFX builds a source package of
    itself for the workers at every Beam step (tfx.utils.dependency_utils: 2.5 s and 42 MB in
    the temporary folder each time, never removed). The image has TFX and this project; a
    runner without containers (Beam's DirectRunner, an EXTERNAL worker pool) ignores it."""
    args = list(config.beam_args)
    if not args:
        return args
    options = beam.options.pipeline_options.PipelineOptions(flags=args).get_all_options()
    if any(options.get(name) for name in WORKER_DEPENDENCY_OPTIONS):
        return args
    return [*args, f"--sdk_container_image={config.container_image}"]


def _csv_example_gen(
    data_root: str, hash_buckets: dict[str, int], tfx_csv_reader: bool
) -> CheckedCsvExampleGen:
    """ExampleGen over the CSV files of `data_root` (a malformed one is named, with its line),
    their rows divided into splits by hash: {"train": 2, "eval": 1} gives 2/3 and 1/3."""
    example_gen_class = TfxReaderCsvExampleGen if tfx_csv_reader else CheckedCsvExampleGen
    return example_gen_class(
        input_base=data_root,
        input_config=example_gen_pb2.Input(
            splits=[example_gen_pb2.Input.Split(name="single_split", pattern=DATA_FILE_PATTERN)]
        ),
        output_config=example_gen_pb2.Output(
            split_config=example_gen_pb2.SplitConfig(
                splits=[
                    example_gen_pb2.SplitConfig.Split(name=name, hash_buckets=buckets)
                    for name, buckets in hash_buckets.items()
                ]
            )
        ),
    )
