"""The Iris classifier of our reference material, in Keras 2 (tf-keras)."""

import tf_keras as keras

from components import features
from components.hyperparameters import HParams


def build_model(hparams: HParams, num_classes: int = features.NUM_CLASSES) -> keras.Model:
    """Four z-scored features -> Dense(relu) layers -> `num_classes` logits, compiled with Adam."""
    inputs = {
        features.transformed_name(key): keras.Input(shape=(1,), name=features.transformed_name(key))
        for key in features.NUMERIC_FEATURE_KEYS
    }
    hidden = keras.layers.Concatenate(name="features")(list(inputs.values()))
    for layer, units in enumerate(hparams.hidden_units):
        hidden = keras.layers.Dense(units, activation="relu", name=f"dense_{layer}")(hidden)
    logits = keras.layers.Dense(num_classes, name="logits")(hidden)
    model = keras.Model(inputs=inputs, outputs=logits)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=hparams.learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
    )
    return model
