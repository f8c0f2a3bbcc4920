"""The models, in Keras 2 (tf-keras), built from the dataset's spec.

- The Iris DNN of our reference material: the features side by side -> Dense(relu) layers ->
  one logit per class. For numeric features only, it is exactly Dense(10) -> Dense(10) -> 3.
- Wide & Deep (Functional API): a linear part on the one-hot categorical features and every
  pair of them crossed, plus a deep part (the same Dense stack) on the numeric features, their
  missing-value flags, the one-hot features and the embedded ones; their logits are summed.

Both end in one logit per class (two for a binary label), trained with softmax cross-entropy.
"""

from collections.abc import Collection, Mapping
from itertools import combinations

import tf_keras as keras

from components import features
from components.dataset_spec import (
    CATEGORICAL,
    EMBEDDING,
    NUMERIC,
    ONE_HOT,
    OOV_BUCKETS,
    DatasetSpec,
    embedding_dim,
)
from components.hyperparameters import HParams

DNN = "dnn"
WIDE_AND_DEEP = "wide_deep"


def skip_autograph_of_tf_keras() -> None:
    """Let AutoGraph leave tf-keras's own code alone, as it does Keras's.

    TensorFlow's AutoGraph rules exempt the `keras` package, whose code is written to be
    traced as it is, but not `tf_keras`, the same code under another name: the first training
    step then converts some 700 of its functions, which took 12 of the 13 seconds of the
    Iris model's first epoch on 2 cores. Call before the first model is fitted or saved.
    """
    from tensorflow.python.autograph.core import config

    rule = config.DoNotConvert("tf_keras")
    if not any(existing.matches("tf_keras") for existing in config.CONVERSION_RULES):
        config.CONVERSION_RULES = (rule, *config.CONVERSION_RULES)


def choose_model_type(spec: DatasetSpec, requested: str = "auto") -> str:
    """The requested model, or for "auto": Wide & Deep when there are categorical features."""
    if requested != "auto":
        return requested
    return WIDE_AND_DEEP if spec.names(CATEGORICAL) else DNN


def build_model(
    spec: DatasetSpec,
    hparams: HParams,
    transformed_features: Collection[str],
    vocabulary_sizes: Mapping[str, int],
    model_type: str = "auto",
) -> keras.Model:
    """The model for `spec`, compiled with Adam.

    transformed_features: the names Transform produced (which numeric columns have a
    missing-value flag). vocabulary_sizes: each categorical column's vocabulary size, as
    Transform computed it (without the out-of-vocabulary buckets).
    """
    inputs, numeric, one_hot, embedded = {}, [], {}, []
    for feature in spec.features:
        name = features.transformed_name(feature.name)
        if feature.kind == NUMERIC:
            inputs[name] = keras.Input(shape=(1,), name=name)
            numeric.append(inputs[name])
            flag = features.missing_indicator_name(feature.name)
            if flag in transformed_features:
                inputs[flag] = keras.Input(shape=(1,), name=flag)
                numeric.append(inputs[flag])
            continue
        inputs[name] = keras.Input(shape=(1,), name=name, dtype="int64")
        ids = vocabulary_sizes[feature.name] + OOV_BUCKETS
        if feature.encoding == ONE_HOT:
            one_hot[feature.name] = (inputs[name], ids)
        elif feature.encoding == EMBEDDING:
            vectors = keras.layers.Embedding(
                ids, embedding_dim(ids), name=f"{feature.name}_embedding"
            )(inputs[name])
            embedded.append(keras.layers.Flatten(name=f"{feature.name}_embedded")(vectors))
    one_hot_vectors = [
        keras.layers.CategoryEncoding(ids, output_mode="one_hot", name=f"{key}_one_hot")(id_input)
        for key, (id_input, ids) in one_hot.items()
    ]
    deep = _dense_stack(numeric + one_hot_vectors + embedded, hparams, spec.num_classes)
    if choose_model_type(spec, model_type) == WIDE_AND_DEEP:
        # Without one-hot features the wide part is linear in what there is: the numbers, else
        # the embeddings.
        wide_inputs = (one_hot_vectors + _crosses(one_hot)) if one_hot else numeric or embedded
        wide = keras.layers.Dense(spec.num_classes, name="wide_logits")(
            _side_by_side(wide_inputs, "wide")
        )
        logits = keras.layers.Add(name="logits_sum")([wide, deep])
    else:
        logits = deep
    model = keras.Model(inputs=inputs, outputs=logits)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=hparams.learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        steps_per_execution=hparams.steps_per_execution,
    )
    return model


def _dense_stack(parts: list, hparams: HParams, num_classes: int):
    """Features side by side -> Dense(relu) layers -> one logit per class."""
    hidden = _side_by_side(parts, "features")
    for layer, units in enumerate(hparams.hidden_units):
        hidden = keras.layers.Dense(units, activation="relu", name=f"dense_{layer}")(hidden)
    return keras.layers.Dense(num_classes, name="logits")(hidden)


def _side_by_side(parts: list, name: str):
    return parts[0] if len(parts) == 1 else keras.layers.Concatenate(name=name)(parts)


def _crosses(one_hot: Mapping) -> list:
    """Every pair of one-hot features crossed exactly: a value per combination of their ids
    (id_a * ids_b + id_b), one-hot encoded. With at most 11 ids each, a cross has at most 121."""
    crossed = []
    for (key_a, (ids_a, size_a)), (key_b, (ids_b, size_b)) in combinations(one_hot.items(), 2):
        combined = keras.layers.Lambda(
            lambda pair, size=size_b: pair[0] * size + pair[1], name=f"{key_a}_x_{key_b}"
        )([ids_a, ids_b])
        crossed.append(
            keras.layers.CategoryEncoding(
                size_a * size_b, output_mode="one_hot", name=f"{key_a}_x_{key_b}_one_hot"
            )(combined)
        )
    return crossed
