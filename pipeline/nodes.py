"""The id of every node of the pipeline: pipeline.py gives them, and everything that reads a
run back (records, views, the benchmark) finds a node's outputs by them."""

EXAMPLE_GEN = "CsvExampleGen"
STATISTICS_GEN = "StatisticsGen"
# Always inferred from the statistics, to compare with the schema the run validates against.
SCHEMA_GEN = "SchemaGen"
# The schema the run validates against: curated, or kept by its pipeline.
IMPORT_SCHEMA_GEN = "ImportSchemaGen"
EXAMPLE_VALIDATOR = "ExampleValidator"
SERVING_EXAMPLE_GEN = "ServingExampleGen"
SERVING_STATISTICS_GEN = "ServingStatisticsGen"
DRIFT_BASELINE_RESOLVER = "drift_baseline_resolver"
VALIDATION_GATE = "ValidationGate"
TRANSFORM = "Transform"
TUNER = "Tuner"
TRAINER = "Trainer"
LATEST_BLESSED_MODEL_RESOLVER = "latest_blessed_model_resolver"
EVALUATOR = "Evaluator"
PUSHER = "Pusher"
