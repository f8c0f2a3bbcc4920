"""Evaluator: TFX's, with no baseline before the first push, and its blessing threshold an
execution parameter that a Kubeflow run can set."""
