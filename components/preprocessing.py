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
    numeric = [feature.name for feature in spec.features if feature.kind == NUMERIC]
    # Columns the schema lets be missing are z-scored over the values present; a missing one
    # becomes the mean (0), and the model is told it was missing.
    scores = _z_scores(
        {name: inputs[name] for name in numeric if not _is_sparse(inputs[name])}
    ) | _z_scores_of_present_values(
        {name: inputs[name] for name in numeric if _is_sparse(inputs[name])}
    )
    for feature in spec.features:
        raw = inputs[feature.name]
        name = features.transformed_name(feature.name)
        if feature.kind != NUMERIC:
            outputs[name] = ids[feature.name]
            continue
        outputs[name] = scores[feature.name]
        if _is_sparse(raw):
            column = _one_column(raw)
            present = tf.sparse.SparseTensor(
                column.indices, tf.ones_like(column.values, tf.float32), column.dense_shape
            )
            outputs[features.missing_indicator_name(feature.name)] = 1.0 - _squeeze(
                tf.sparse.to_dense(present)
            )
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


def _z_scores(columns: dict[str, tf.Tensor]) -> dict[str, tf.Tensor]:
    """Each of `columns` ([batch, 1] numbers, by name) z-scored with its own mean and
    population standard deviation, from one analyzer over the columns stacked side by side:
    one per column would make the transform graph, and its traces, grow column by column."""
    if not columns:
        return {}
    stacked = tf.stack([_squeeze(tf.cast(t, tf.float32)) for t in columns.values()], axis=1)
    scaled = tft.scale_to_z_score(stacked, elementwise=True)
    return {name: scaled[:, position] for position, name in enumerate(columns)}


def _z_scores_of_present_values(columns: dict[str, tf.sparse.SparseTensor]) -> dict[str, tf.Tensor]:
    """As _z_scores, for columns whose values may be missing: each column's mean and deviation
    are over its values present, and a missing value becomes 0 (the mean)."""
    if not columns:
        return {}
    as_float = [
        tf.sparse.SparseTensor(c.indices, tf.cast(c.values, tf.float32), c.dense_shape)
        for c in map(_one_column, columns.values())
    ]
    scaled = tf.sparse.to_dense(
        tft.scale_to_z_score(tf.sparse.concat(axis=1, sp_inputs=as_float), elementwise=True)
    )
    return {name: scaled[:, position] for position, name in enumerate(columns)}


def _is_sparse(tensor: tf.Tensor | tf.sparse.SparseTensor) -> bool:
    """Whether the schema lets the column be missing (TFT then gives a SparseTensor)."""
    return isinstance(tensor, tf.sparse.SparseTensor)


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
