"""AtomicPusher: TFX's Pusher, with each push published atomically under a version that no
other push has (see push.py), and the statistics of the data the model was trained on kept
beside it in the serving directory (components/serving_directory.py). Blessing checks and ML
Metadata records are TFX's own."""

import datetime
import os
import tempfile
from typing import Any

from absl import logging
from tfx import types
from tfx.components.pusher import executor as pusher_executor
from tfx.components.pusher.component import Pusher
from tfx.dsl.components.base import base_component, executor_spec
from tfx.proto import pusher_pb2
from tfx.types import artifact_utils, standard_artifacts, standard_component_specs
from tfx.types.component_spec import ChannelParameter
from tfx.utils import io_utils, proto_utils

from components.artifact_files import STATISTICS_FILE, copy_split_files
from components.atomic_pusher.push import push_model
from components.serving_directory import (
    PUSH_RECORD_FILE,
    TRAINING_STATISTICS_DIR,
    PushRecord,
    served_version,
)
from components.validation_gate.component import ValidatedStatistics

TRAINING_STATISTICS_KEY = "training_statistics"


class AtomicPusherSpec(standard_component_specs.PusherSpec):
    INPUTS = {
        **standard_component_specs.PusherSpec.INPUTS,
        TRAINING_STATISTICS_KEY: ChannelParameter(type=ValidatedStatistics, optional=True),
    }


class Executor(pusher_executor.Executor):
    """Pushes a blessed model to a filesystem destination with `push_model`."""

    def Do(  # noqa: N802 - TFX's executor interface
        self,
        input_dict: dict[str, list[types.Artifact]],
        output_dict: dict[str, list[types.Artifact]],
        exec_properties: dict[str, Any],
    ) -> None:
        self._log_startup(input_dict, output_dict, exec_properties)
        model_push = artifact_utils.get_single_instance(
            output_dict[standard_component_specs.PUSHED_MODEL_KEY]
        )
        if not self.CheckBlessing(input_dict):
            self._MarkNotPushed(model_push)
            return
        model_path = self.GetModelPath(input_dict)
        destination = pusher_pb2.PushDestination()
        proto_utils.json_to_proto(
            exec_properties[standard_component_specs.PUSH_DESTINATION_KEY], destination
        )
        if destination.WhichOneof("destination") != "filesystem":
            raise NotImplementedError("AtomicPusher pushes to a filesystem destination only")
        base_directory = destination.filesystem.base_directory
        model_uri = artifact_utils.get_single_uri(input_dict[standard_component_specs.MODEL_KEY])
        served = served_version(base_directory)
        if served and (record := served.push_record()) and record.model_uri == model_uri:
            # A rerun that evaluated the served model again (its baseline had just become
            # that model): pushing it again would make a new version, and so a new baseline
            # and another rerun, for the same model.
            logging.info("The model %s is already served as version %s.", model_uri, served.version)
            version, serving_path = served.version, served.path
        else:
            with tempfile.TemporaryDirectory() as extra_dir:
                _write_extras(extra_dir, model_uri, input_dict.get(TRAINING_STATISTICS_KEY) or [])
                version, serving_path = push_model(model_path, base_directory, extra_dir)
        # The pushed_model artifact keeps its own copy, as TFX's Pusher does.
        io_utils.copy_dir(model_path, model_push.uri)
        self._MarkPushed(model_push, pushed_destination=serving_path, pushed_version=version)


def _write_extras(
    extra_dir: str, model_uri: str, training_statistics: list[types.Artifact]
) -> None:
    """What the serving directory keeps beside the model: its push record and the statistics
    of the data it was trained on."""

    with open(os.path.join(extra_dir, PUSH_RECORD_FILE), "w", encoding="utf-8") as f:
        pushed_at = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        f.write(PushRecord(model_uri=model_uri, pushed_at=pushed_at).to_json())
    for statistics in training_statistics:
        copy_split_files(
            statistics.uri, os.path.join(extra_dir, TRAINING_STATISTICS_DIR), STATISTICS_FILE
        )


class AtomicPusher(Pusher):
    """tfx.components.Pusher with a filesystem push destination, given the (validated)
    statistics of the data the model was trained on, to keep beside the pushed model."""

    SPEC_CLASS = AtomicPusherSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(Executor)

    def __init__(
        self,
        model: types.BaseChannel,
        model_blessing: types.BaseChannel,
        push_destination: pusher_pb2.PushDestination,
        training_statistics: types.BaseChannel | None = None,
    ):
        spec = AtomicPusherSpec(
            model=model,
            model_blessing=model_blessing,
            push_destination=push_destination,
            training_statistics=training_statistics,
            pushed_model=types.Channel(type=standard_artifacts.PushedModel),
        )
        base_component.BaseComponent.__init__(self, spec=spec)
