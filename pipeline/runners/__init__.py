"""The runners: each builds the one pipeline of pipeline/pipeline.py from a PipelineConfig and
hands it to an orchestrator (this machine, Kubeflow Pipelines, Airflow)."""
