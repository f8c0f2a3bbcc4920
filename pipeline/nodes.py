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
# The served model and the statistics of its training data, read from the serving directory.
SERVING_BASELINE = "ServingBaseline"
VALIDATION_GATE = "ValidationGate"
TRANSFORM = "Transform"
TUNER = "Tuner"
TRAINER = "Trainer"
EVALUATOR = "Evaluator"
PUSHER = "Pusher"
