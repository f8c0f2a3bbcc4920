"""Names of the exported model's signatures and files, shared by export and its clients
(the Evaluator's config, `python -m pipeline predict`) without importing TensorFlow."""

SERVING_SIGNATURE = "serving_default"
EVALUATION_SIGNATURE = "evaluate"
TRANSFORM_SIGNATURE = "transform_features"
# Beside the SavedModel (TF Serving ignores assets.extra): what serving_default expects and
# returns, so clients can check rows before calling it.
SERVING_INFO_FILE = "assets.extra/serving_info.json"
