"""CheckedCsvExampleGen: TFX's CsvExampleGen, which first checks the CSV files' structure
(csv_checks.py) so that a malformed file fails with its name, line and column, and decides
whether its input changed by the files' content (fingerprint.py)."""

import os
from collections.abc import Callable
from typing import Any

import apache_beam as beam
from tfx.components import CsvExampleGen
from tfx.components.example_gen.csv_example_gen import executor as csv_executor
from tfx.dsl.components.base import executor_spec
from tfx.dsl.io import fileio
from tfx.types import standard_component_specs

from components.checked_csv_example_gen.csv_checks import check_csv_folder
from components.checked_csv_example_gen.fingerprint import ContentFingerprintDriver


class Executor(csv_executor.Executor):
    """CsvExampleGen's executor, checking each split's files before reading them."""

    def GetInputSourceToExamplePTransform(  # noqa: N802 - TFX's executor interface
        self,
    ) -> Callable[[dict[str, Any], str], beam.PTransform]:
        csv_to_examples = super().GetInputSourceToExamplePTransform()

        def checked_csv_to_examples(
            exec_properties: dict[str, Any], split_pattern: str
        ) -> beam.PTransform:
            input_base = exec_properties[standard_component_specs.INPUT_BASE_KEY]
            # A split pattern may name a subfolder ("train/*.csv").
            folder, file_pattern = os.path.split(os.path.join(input_base, split_pattern))
            check_csv_folder(
                folder,
                file_pattern,
                list_dir=fileio.listdir,
                open_file=fileio.open,
            )
            return csv_to_examples(exec_properties, split_pattern)

        return checked_csv_to_examples


class CheckedCsvExampleGen(CsvExampleGen):
    """Drop-in for tfx.components.CsvExampleGen."""

    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(Executor)
    DRIVER_CLASS = ContentFingerprintDriver
