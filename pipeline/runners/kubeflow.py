"""Compile the pipeline into a Kubeflow Pipelines v2 spec (also what Vertex AI Pipelines runs)."""

import json
import os
from typing import Any

from pipeline.config import PipelineConfig


def kubeflow_pipeline(config: PipelineConfig):
    """The tfx Pipeline compile_kubeflow compiles for `config`.

    No ML Metadata connection is given: Kubeflow brings its own. The drift baseline is found
    with TFX's own LatestArtifactStrategy, the only one of its kind the compiler takes. Paths
    are kept as they are, because they are read inside the container: relative ones resolve
    against the image's working directory, where the Dockerfile puts the sample data and
    schema. The schema is also read here, on the compiling machine, for the dataset's spec.
    """
    from tfx.dsl.input_resolution.strategies.latest_artifact_strategy import (
        LatestArtifactStrategy,
    )

    from pipeline.inputs import resolve_inputs
    from pipeline.pipeline import create_pipeline

    return create_pipeline(config, resolve_inputs(config), baseline_strategy=LatestArtifactStrategy)


def compile_kubeflow(config: PipelineConfig) -> dict[str, Any]:
    """The KFP v2 PipelineJob (as a dict) of the pipeline `config` describes."""
    from tfx.orchestration.kubeflow.v2.kubeflow_v2_dag_runner import (
        KubeflowV2DagRunner,
        KubeflowV2DagRunnerConfig,
    )

    runner = KubeflowV2DagRunner(KubeflowV2DagRunnerConfig(default_image=config.container_image))
    return runner.run(kubeflow_pipeline(config), write_out=False)


def write_spec(pipeline_job: dict[str, Any], output_path: str) -> None:
    """Write the spec as stable JSON: sorted keys, so equal specs are equal bytes."""
    directory = os.path.dirname(output_path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    with open(output_path, "w", encoding="utf-8") as f:
        json.dump(pipeline_job, f, indent=2, sort_keys=True)
        f.write("\n")
