"""A fingerprint of the input files' content, for ExampleGen's cache decision.

TFX fingerprints input files by count, total size and modification second, so a file
rewritten with the same size within the same second (a corrected value, a copy that kept its
timestamp) looks unchanged and the run reuses examples of the old data.
"""

import hashlib
import os

from tfx.components.example_gen import driver, utils
from tfx.dsl.io import fileio
from tfx.proto import example_gen_pb2
from tfx.types import standard_component_specs
from tfx.utils import proto_utils

READ_CHUNK_BYTES = 1 << 20


def content_fingerprint(input_base: str, patterns: dict[str, str]) -> str:
    """SHA-256 over the names and bytes of the files matching each split's pattern."""
    digest = hashlib.sha256()
    for split, pattern in sorted(patterns.items()):
        digest.update(f"split:{split}\n".encode())
        for path in sorted(fileio.glob(os.path.join(input_base, pattern))):
            digest.update(f"file:{os.path.relpath(path, input_base)}\n".encode())
            with fileio.open(path, "rb") as f:
                while chunk := f.read(READ_CHUNK_BYTES):
                    digest.update(chunk)
    return f"sha256:{digest.hexdigest()}"


class ContentFingerprintDriver(driver.FileBasedDriver):
    """TFX's file-based ExampleGen driver, with the input fingerprint taken from content."""

    def resolve_exec_properties(self, exec_properties, pipeline_info, component_info):  # noqa: D102
        exec_properties = super().resolve_exec_properties(
            exec_properties, pipeline_info, component_info
        )
        input_config = example_gen_pb2.Input()
        proto_utils.json_to_proto(
            exec_properties[standard_component_specs.INPUT_CONFIG_KEY], input_config
        )
        exec_properties[utils.FINGERPRINT_PROPERTY_NAME] = content_fingerprint(
            exec_properties[standard_component_specs.INPUT_BASE_KEY],
            {split.name: split.pattern for split in input_config.splits},
        )
        return exec_properties
