"""How the gate finds its drift baseline: the latest statistics that passed an earlier gate."""

import ml_metadata as mlmd
from tfx import types
from tfx.dsl.input_resolution.strategies.latest_artifact_strategy import LatestArtifactStrategy


class LatestOrNothingStrategy(LatestArtifactStrategy):
    """The latest artifact of each channel, or nothing before the first one exists.

    TFX's LatestArtifactStrategy returns None then, which marks the resolver node failed and
    with it the first run of every new output directory. Kubeflow's compiler accepts only
    TFX's own class, which it turns into an artifact query of its own.
    """

    def resolve_artifacts(  # noqa: D102 - as documented on the class
        self, store: mlmd.MetadataStore, input_dict: dict[str, list[types.Artifact]]
    ) -> dict[str, list[types.Artifact]]:
        return self._resolve(input_dict)
