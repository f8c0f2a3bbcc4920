"""What the Trainer and the Tuner take from tf.Transform's output: batched, seeded tf.data
input, and the model sized to the features and vocabularies Transform wrote."""

import tensorflow as tf
import tensorflow_transform as tft
import tf_keras as keras
from tfx.components.trainer.fn_args_utils import DataAccessor
from tfx_bsl.public import tfxio

from components import features
from components.dataset_spec import CATEGORICAL, DatasetSpec
from components.hyperparameters import HParams
from components.model import build_model


def make_dataset(
    file_pattern: list[str],
    data_accessor: DataAccessor,
    tf_transform_output: tft.TFTransformOutput,
    label: str,
    batch_size: int,
    seed: int,
) -> tf.data.Dataset:
    """Endless (num_epochs=None), shuffled (features, label) batches of transformed examples."""
    return data_accessor.tf_dataset_factory(
        file_pattern,
        tfxio.TensorFlowDatasetOptions(
            batch_size=batch_size,
            label_key=features.transformed_name(label),
            shuffle_seed=seed,
        ),
        tf_transform_output.transformed_metadata.schema,
    )


def model_from_transform(
    spec: DatasetSpec,
    hparams: HParams,
    tf_transform_output: tft.TFTransformOutput,
    model_type: str,
) -> keras.Model:
    """build_model with what Transform produced: the features it wrote and the size of each
    categorical column's vocabulary."""
    vocabulary_sizes = {
        name: tf_transform_output.vocabulary_size_by_name(name) for name in spec.names(CATEGORICAL)
    }
    return build_model(
        spec,
        hparams,
        transformed_features=set(tf_transform_output.transformed_feature_spec()),
        vocabulary_sizes=vocabulary_sizes,
        model_type=model_type,
    )
