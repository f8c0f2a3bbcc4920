"""tf.Transform preprocessing, driven by the dataset's spec: numeric columns z-scored (a missing
value imputed with the mean and flagged), categorical ones mapped to vocabulary ids, the label
to its class index (text labels by their vocabulary, whole numbers in ascending order)."""

import tensorflow as tf
import tensorflow_transform as tft

from components import features
from components.custom_config import dataset_spec_from
from components.dataset_spec import NUMERIC, OOV_BUCKETS, VOCABULARY_TOP_K
from components.vocabularies import compute_and_apply_vocabularies


def preprocessing_fn(inputs: dict[str, tf.Tensor], custom_config: dict) -> dict[str, tf.Tensor]:
    """Transform entry point (referenced by dotted path from the pipeline)."""
    spec = dataset_spec_from(custom_config)
    outputs = {}
    # Each vocabulary is written beside the transform graph under the column's name; the
    # Trainer sizes one-hot vectors and embeddings from it. A missing value ("") and values
    # outside the top k share the out-of-vocabulary buckets. One analysis for all of them:
    # tft.compute_and_apply_vocabulary's cost is per column.
    categorical = {
        feature.name: _text(inputs[feature.name])
        for feature in spec.features
        if feature.kind != NUMERIC
    }
    ids = compute_and_apply_vocabularies(categorical, VOCABULARY_TOP_K, OOV_BUCKETS)
    for feature in spec.features:
        raw = inputs[feature.name]
        name = features.transformed_name(feature.name)
        if feature.kind != NUMERIC:
            outputs[name] = ids[feature.name]
        elif isinstance(raw, tf.sparse.SparseTensor):
            # The schema lets the column be missing: z-scored over the values present, a
            # missing one becomes the mean (0), and the model is told it was missing.
            column = _one_column(raw)
            as_float = tf.sparse.SparseTensor(
                column.indices, tf.cast(column.values, tf.float32), column.dense_shape
            )
            outputs[name] = _squeeze(tf.sparse.to_dense(tft.scale_to_z_score(as_float)))
            present = tf.sparse.SparseTensor(
                column.indices, tf.ones_like(column.values, tf.float32), column.dense_shape
            )
            outputs[features.missing_indicator_name(feature.name)] = 1.0 - _squeeze(
                tf.sparse.to_dense(present)
            )
        else:
            outputs[name] = tft.scale_to_z_score(_squeeze(tf.cast(raw, tf.float32)))
    label = _text(inputs[spec.label])
    if spec.label_type == "string":
        # Classes ordered as the vocabulary orders them, most frequent first (so a binary
        # label's positive class is the rarer one); the file is kept with the transform graph
        # for the serving signature to turn an index back into a name.
        index = tft.compute_and_apply_vocabulary(
            label, vocab_filename=features.label_vocabulary_name(spec)
        )
    else:
        index = class_index(label, spec.label_classes)
    outputs[features.transformed_name(spec.label)] = index
    return outputs


def class_index(label: tf.Tensor, classes: tuple[str, ...]) -> tf.Tensor:
    """The position of each label in `classes`; -1 for a label that is not one of them (as for
    a text label outside the vocabulary), which training refuses; the validation gate stops
    such data first, as the schema lists the classes."""
    matches = tf.equal(tf.expand_dims(label, 1), tf.constant(classes)[tf.newaxis, :])
    index = tf.argmax(tf.cast(matches, tf.int64), axis=1)
    return tf.where(tf.reduce_any(matches, axis=1), index, tf.constant(-1, tf.int64))


def _text(tensor: tf.Tensor | tf.sparse.SparseTensor) -> tf.Tensor:
    """A [batch] string tensor from a one-value-per-row column: numbers as their decimal text,
    a missing value as ""."""
    if isinstance(tensor, tf.sparse.SparseTensor):
        column = _one_column(tensor)
        values = column.values
        if values.dtype != tf.string:
            values = tf.strings.as_string(values)
        return _squeeze(
            tf.sparse.to_dense(
                tf.sparse.SparseTensor(column.indices, values, column.dense_shape),
                default_value="",
            )
        )
    if tensor.dtype != tf.string:
        tensor = tf.strings.as_string(tensor)
    return _squeeze(tensor)


def _one_column(tensor: tf.sparse.SparseTensor) -> tf.sparse.SparseTensor:
    """A column the schema reads as a list, as [batch, 1]: a CSV field holds one value."""
    return tf.sparse.SparseTensor(
        tensor.indices, tensor.values, tf.stack([tensor.dense_shape[0], 1])
    )


def _squeeze(tensor: tf.Tensor) -> tf.Tensor:
    return tf.squeeze(tensor, axis=1)
