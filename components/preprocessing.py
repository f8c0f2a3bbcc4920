"""tf.Transform preprocessing: z-scored features, species name mapped to a class index."""

import tensorflow as tf
import tensorflow_transform as tft

from components import features


def preprocessing_fn(inputs: dict[str, tf.Tensor]) -> dict[str, tf.Tensor]:
    """Transform entry point (referenced by dotted path from the pipeline)."""
    outputs = {}
    for key in features.NUMERIC_FEATURE_KEYS:
        outputs[features.transformed_name(key)] = tft.scale_to_z_score(_dense(inputs[key]))
    # The vocabulary file is kept with the transform graph; the serving signature reads it
    # back to turn a class index into the species name.
    outputs[features.transformed_name(features.LABEL_KEY)] = tft.compute_and_apply_vocabulary(
        _dense(inputs[features.LABEL_KEY]), vocab_filename=features.LABEL_VOCABULARY_NAME
    )
    return outputs


def _dense(tensor: tf.Tensor | tf.sparse.SparseTensor) -> tf.Tensor:
    """A [batch] tensor from a one-value-per-row feature.

    With the curated schema every feature is required and arrives dense as [batch, 1]; with
    an inferred schema it arrives sparse, and a row without a value gets the type's zero.
    """
    if isinstance(tensor, tf.sparse.SparseTensor):
        one_column = tf.sparse.SparseTensor(
            tensor.indices, tensor.values, tf.stack([tensor.dense_shape[0], 1])
        )
        zero = "" if tensor.dtype == tf.string else tf.zeros([], tensor.dtype)
        tensor = tf.sparse.to_dense(one_column, default_value=zero)
    return tf.squeeze(tensor, axis=1)
