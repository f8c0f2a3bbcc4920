"""The Iris classifier: its shape, its parameter count, and that training lowers the loss."""

import numpy as np
import tensorflow as tf

from components import features
from components.hyperparameters import HParams
from components.model import build_model

# Three hand-written, already z-scored rows: a setosa-like, a versicolor-like, a virginica-like.
ROWS = {
    "sepal_length_xf": [[-1.0], [0.1], [1.2]],
    "sepal_width_xf": [[1.0], [-0.6], [0.0]],
    "petal_length_xf": [[-1.3], [0.3], [1.1]],
    "petal_width_xf": [[-1.3], [0.1], [1.2]],
}
LABELS = np.array([0, 1, 2])


def test_model_maps_four_features_to_three_logits():
    model = build_model(HParams())
    logits = model({name: tf.constant(v) for name, v in ROWS.items()})
    assert logits.shape == (3, 3)
    assert sorted(model.input_names) == sorted(
        features.transformed_name(k) for k in features.NUMERIC_FEATURE_KEYS
    )


def test_model_is_dense_10_dense_10_dense_3():
    model = build_model(HParams())
    dense = [layer for layer in model.layers if layer.__class__.__name__ == "Dense"]
    assert [layer.units for layer in dense] == [10, 10, 3]
    assert [layer.activation.__name__ for layer in dense] == ["relu", "relu", "linear"]
    # 4*10+10 + 10*10+10 + 10*3+3
    assert model.count_params() == 193


def test_hidden_units_and_class_count_follow_hyperparameters():
    model = build_model(HParams(hidden_units=(16, 8, 4)), num_classes=5)
    dense = [layer for layer in model.layers if layer.__class__.__name__ == "Dense"]
    assert [layer.units for layer in dense] == [16, 8, 4, 5]


def test_a_few_training_steps_lower_the_loss():
    tf.keras.utils.set_random_seed(0)
    model = build_model(HParams(learning_rate=0.05))
    inputs = {name: np.array(v, dtype=np.float32) for name, v in ROWS.items()}
    before = model.evaluate(inputs, LABELS, verbose=0)[0]
    model.fit(inputs, LABELS, epochs=20, batch_size=3, verbose=0)
    after = model.evaluate(inputs, LABELS, verbose=0)[0]
    assert after < before * 0.7


def test_model_is_keras_2():
    model = build_model(HParams())
    assert type(model).__module__.startswith("tf_keras")
