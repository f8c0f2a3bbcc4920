"""CheckedCsvExampleGen: TFX's CsvExampleGen, which first checks the CSV files' structure
(csv_checks.py) so that a malformed file fails with its name, line and column, writes the
examples TFX would write several times faster (csv_to_examples.py), and decides whether its
input changed by the files' content (fingerprint.py). On either path a byte-order mark before
the header is no part of the first column's name."""

import os
from collections.abc import Callable
from typing import Any

import apache_beam as beam
from absl import logging
from tfx.components import CsvExampleGen
from tfx.components.example_gen import utils, write_split
from tfx.components.example_gen.csv_example_gen import executor as csv_executor
from tfx.components.util import examples_utils
from tfx.dsl.components.base import executor_spec
from tfx.dsl.io import fileio
from tfx.proto import example_gen_pb2
from tfx.types import artifact_utils, standard_component_specs
from tfx.types.artifact import Artifact
from tfx.utils import proto_utils
from tfx_bsl.coders import csv_decoder

from components.checked_csv_example_gen.csv_checks import CsvFolder, check_csv_folder
from components.checked_csv_example_gen.csv_to_examples import (
    RANGE_BYTES,
    shared_column_names,
    split_counts,
    write_split_examples,
)
from components.checked_csv_example_gen.fingerprint import ContentFingerprintDriver


def _input_and_output_configs(
    exec_properties: dict[str, Any],
) -> tuple[example_gen_pb2.Input, example_gen_pb2.Output]:
    input_config = example_gen_pb2.Input()
    proto_utils.json_to_proto(
        exec_properties[standard_component_specs.INPUT_CONFIG_KEY], input_config
    )
    output_config = example_gen_pb2.Output()
    proto_utils.json_to_proto(
        exec_properties[standard_component_specs.OUTPUT_CONFIG_KEY], output_config
    )
    return input_config, output_config


def _check_split_files(input_base: str, split_pattern: str) -> CsvFolder:
    # A split pattern may name a subfolder ("train/*.csv").
    folder, file_pattern = os.path.split(os.path.join(input_base, split_pattern))
    return check_csv_folder(folder, file_pattern, list_dir=fileio.listdir, open_file=fileio.open)


class CsvToExamples(beam.PTransform):
    """TFX's Beam reading of one input split's CSV files into tf.Examples, with the column
    names from csv_to_examples.read_column_names (shared_column_names).

    TFX's own transform (csv_executor._CsvToExample) takes them from
    io_utils.load_csv_column_names, which keeps a UTF-8 byte-order mark in the first name:
    an Excel "CSV UTF-8" file's first feature would be "\\ufeffsepal_length". The rest is
    TFX's: its private DoFns csv_executor._ReadCsvRecordsFromTextFile (rows after the header,
    quoted newlines joined) and csv_executor._ParsedCsvToTfExample, and tfx_bsl's ParseCSVLine
    and ColumnTypeInferrer.
    """

    def __init__(self, exec_properties: dict[str, Any], split_pattern: str) -> None:
        super().__init__()
        self.csv_pattern = os.path.join(
            exec_properties[standard_component_specs.INPUT_BASE_KEY], split_pattern
        )

    def expand(self, pipeline: beam.Pipeline) -> beam.PCollection:
        csv_files = fileio.glob(self.csv_pattern)
        if not csv_files:
            raise RuntimeError(f"{self.csv_pattern}: no file matches; expected CSV files")
        column_names = shared_column_names(csv_files)
        # One element per file, read in order, so that a quoted newline stays in its row.
        cells = (
            pipeline
            | "CreateFilenames" >> beam.Create(csv_files)
            | "ReadFromText" >> beam.ParDo(csv_executor._ReadCsvRecordsFromTextFile())  # noqa: SLF001
            | "ParseCSVLine" >> beam.ParDo(csv_decoder.ParseCSVLine(delimiter=","))
            | "ExtractParsedCSVLines" >> beam.Keys()
        )
        column_infos = beam.pvalue.AsSingleton(
            cells
            | "InferColumnTypes"
            >> beam.CombineGlobally(
                csv_decoder.ColumnTypeInferrer(column_names, skip_blank_lines=True)
            )
        )
        return cells | "ToTFExample" >> beam.ParDo(
            csv_executor._ParsedCsvToTfExample(),  # noqa: SLF001
            column_infos,
        )


class Executor(csv_executor.Executor):
    """CsvExampleGen's executor, checking each split's files before reading them.

    The common configuration, one input split divided into output splits by hash into
    gzipped tf.Examples, is written by csv_to_examples.py's Beam pipeline; any other by TFX's.
    Both run on the pipeline's Beam runner.
    """

    # False: always TFX's Beam pipeline (TfxReaderExecutor).
    writes_common_configuration_itself = True
    # The size of the ranges large files are read in (csv_to_examples.file_ranges).
    range_bytes = RANGE_BYTES

    def Do(  # noqa: N802 - TFX's executor interface
        self,
        input_dict: dict[str, list[Artifact]],
        output_dict: dict[str, list[Artifact]],
        exec_properties: dict[str, Any],
    ) -> None:
        if not self.writes_examples_itself(exec_properties):
            super().Do(input_dict, output_dict, exec_properties)
            return
        input_config, output_config = _input_and_output_configs(exec_properties)
        input_base = exec_properties[standard_component_specs.INPUT_BASE_KEY]
        split_pattern = input_config.splits[0].pattern
        checked = _check_split_files(input_base, split_pattern)
        examples = output_dict[standard_component_specs.EXAMPLES_KEY]
        examples_artifact = artifact_utils.get_single_instance(examples)
        split_names = utils.generate_output_split_names(input_config, output_config)
        examples_artifact.split_names = artifact_utils.encode_split_names(split_names)
        # Beside the splits, where nothing reads: files are moved from here whole.
        staging_dir = os.path.join(examples_artifact.uri, ".staging")
        with self._make_beam_pipeline() as pipeline:
            write_split_examples(
                pipeline,
                # The files checked: a file read whole is named as the check named it.
                list(checked.files),
                output_config.split_config,
                [artifact_utils.get_split_uri(examples, name) for name in split_names],
                staging_dir,
                whole_files=checked.files_with_multiline_rows,
                range_bytes=self.range_bytes,
            )
        fileio.rmtree(staging_dir)
        logging.info(
            "Examples generated: %s",
            split_counts(pipeline.result, output_config.split_config) or "(not reported)",
        )
        for artifact in examples:
            examples_utils.set_payload_format(artifact, example_gen_pb2.FORMAT_TF_EXAMPLE)
            examples_utils.set_file_format(
                artifact, write_split.to_file_format_str(example_gen_pb2.FORMAT_TFRECORDS_GZIP)
            )

    def writes_examples_itself(self, exec_properties: dict[str, Any]) -> bool:
        """Whether csv_to_examples.py writes the examples: one input split divided by hash
        into output splits of tf.Examples in gzipped TFRecord files."""
        input_config, output_config = _input_and_output_configs(exec_properties)
        payload_format = exec_properties.get(standard_component_specs.OUTPUT_DATA_FORMAT_KEY)
        file_format = exec_properties.get(standard_component_specs.OUTPUT_FILE_FORMAT_KEY)
        return (
            self.writes_common_configuration_itself
            and len(input_config.splits) == 1
            and bool(output_config.split_config.splits)
            and not output_config.split_config.HasField("partition_feature_name")
            and payload_format in (None, example_gen_pb2.FORMAT_TF_EXAMPLE)
            and file_format
            in (
                None,
                example_gen_pb2.FILE_FORMAT_UNSPECIFIED,
                example_gen_pb2.FORMAT_TFRECORDS_GZIP,
            )
        )

    def GetInputSourceToExamplePTransform(  # noqa: N802 - TFX's executor interface
        self,
    ) -> Callable[[dict[str, Any], str], beam.PTransform]:
        """TFX's Beam reading of a split (CsvToExamples), after the split's files are checked."""

        def checked_csv_to_examples(
            exec_properties: dict[str, Any], split_pattern: str
        ) -> beam.PTransform:
            _check_split_files(
                exec_properties[standard_component_specs.INPUT_BASE_KEY], split_pattern
            )
            return CsvToExamples(exec_properties, split_pattern)

        return checked_csv_to_examples


class TfxReaderExecutor(Executor):
    """The same checks, with the examples always written by TFX's own Beam pipeline (the
    benchmark's stock setting; a second opinion on any doubt about csv_to_examples.py)."""

    writes_common_configuration_itself = False


class CheckedCsvExampleGen(CsvExampleGen):
    """Drop-in for tfx.components.CsvExampleGen."""

    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(Executor)
    DRIVER_CLASS = ContentFingerprintDriver


class TfxReaderCsvExampleGen(CheckedCsvExampleGen):
    """CheckedCsvExampleGen whose examples TFX's own Beam pipeline writes."""

    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(TfxReaderExecutor)
