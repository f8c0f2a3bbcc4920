"""The models: the Iris DNN's exact shape, Wide & Deep's parts, the automatic choice, and that
training lowers the loss."""

import numpy as np
import tensorflow as tf
import tf_keras

from components.dataset_spec import (
    CATEGORICAL,
    EMBEDDING,
    NUMERIC,
    ONE_HOT,
    DatasetSpec,
    FeatureSpec,
)
from components.hyperparameters import HParams
from components.model import (
    DNN,
    WIDE_AND_DEEP,
    build_model,
    choose_model_type,
    skip_autograph_of_tf_keras,
)
from tests.conftest import IRIS_SPEC

# Three hand-written, already z-scored rows: a setosa-like, a versicolor-like, a virginica-like.
ROWS = {
    "sepal_length_xf": [[-1.0], [0.1], [1.2]],
    "sepal_width_xf": [[1.0], [-0.6], [0.0]],
    "petal_length_xf": [[-1.3], [0.3], [1.1]],
    "petal_width_xf": [[-1.3], [0.1], [1.2]],
}
LABELS = np.array([0, 1, 2])
MIXED = DatasetSpec(
    label="churned",
    label_type="string",
    label_classes=("no", "yes"),
    features=(
        FeatureSpec("age", NUMERIC, "FLOAT"),
        FeatureSpec("island", CATEGORICAL, "BYTES", ONE_HOT, 3),
        FeatureSpec("sex", CATEGORICAL, "BYTES", ONE_HOT, 2),
        FeatureSpec("city", CATEGORICAL, "BYTES", EMBEDDING, 400),
    ),
)
MIXED_TRANSFORMED = {"age_xf", "age_missing_xf", "island_xf", "sex_xf", "city_xf", "churned_xf"}
# As Transform found them: island 3 values, sex 2, city 400 (each plus one OOV id).
MIXED_VOCABULARIES = {"island": 3, "sex": 2, "city": 400}


def iris_model(hparams: HParams | None = None):
    return build_model(
        IRIS_SPEC, hparams or HParams(), transformed_features=set(ROWS), vocabulary_sizes={}
    )


def mixed_model(model_type="auto"):
    return build_model(MIXED, HParams(), MIXED_TRANSFORMED, MIXED_VOCABULARIES, model_type)


def layer(model, name):
    return next(layer for layer in model.layers if layer.name == name)


def test_iris_model_maps_four_features_to_three_logits():
    model = iris_model()
    logits = model({name: tf.constant(v) for name, v in ROWS.items()})
    assert logits.shape == (3, 3)
    assert sorted(model.input_names) == sorted(ROWS)


def test_iris_model_is_dense_10_dense_10_dense_3():
    model = iris_model()
    dense = [layer for layer in model.layers if layer.__class__.__name__ == "Dense"]
    assert [layer.units for layer in dense] == [10, 10, 3]
    assert [layer.activation.__name__ for layer in dense] == ["relu", "relu", "linear"]
    # 4*10+10 + 10*10+10 + 10*3+3
    assert model.count_params() == 193


def test_hidden_units_follow_hyperparameters():
    model = iris_model(HParams(hidden_units=(16, 8, 4)))
    dense = [layer for layer in model.layers if layer.__class__.__name__ == "Dense"]
    assert [layer.units for layer in dense] == [16, 8, 4, 3]


def test_auto_picks_wide_and_deep_only_when_there_are_categorical_features():
    assert choose_model_type(IRIS_SPEC) == DNN
    assert choose_model_type(MIXED) == WIDE_AND_DEEP
    assert choose_model_type(MIXED, "dnn") == DNN


def test_wide_part_takes_one_hot_features_and_their_exact_crosses():
    model = mixed_model()
    # island (3+1 ids) and sex (2+1 ids) one-hot, and their cross: 4*3 combinations.
    assert layer(model, "island_one_hot").num_tokens == 4
    assert layer(model, "island_x_sex_one_hot").num_tokens == 12
    wide = layer(model, "wide_logits")
    assert wide.kernel.shape == (4 + 3 + 12, 2)
    # Two classes, two logits: a binary label is trained as two-class softmax.
    assert model.output_shape == (None, 2)


def test_deep_part_takes_numbers_their_missing_flags_one_hots_and_embeddings():
    model = mixed_model()
    embedding = layer(model, "city_embedding")
    assert (embedding.input_dim, embedding.output_dim) == (401, 32)
    # age, its missing flag, island's 4 and sex's 3 one-hot ids, city's 32-dim embedding.
    assert layer(model, "dense_0").kernel.shape == (1 + 1 + 4 + 3 + 32, 10)


def test_the_crossed_id_is_exact():
    model = mixed_model()
    cross = tf.keras.Model(model.inputs, layer(model, "island_x_sex").output)
    inputs = {
        "age_xf": [[0.0]],
        "age_missing_xf": [[0.0]],
        "island_xf": [[2]],
        "sex_xf": [[1]],
        "city_xf": [[7]],
    }
    assert int(cross({k: tf.constant(v) for k, v in inputs.items()})[0][0]) == 2 * 3 + 1


def test_dnn_on_categorical_features_has_no_wide_part():
    model = mixed_model("dnn")
    assert "wide_logits" not in {layer.name for layer in model.layers}


def test_a_few_training_steps_lower_the_loss():
    tf.keras.utils.set_random_seed(0)
    model = iris_model(HParams(learning_rate=0.05))
    inputs = {name: np.array(v, dtype=np.float32) for name, v in ROWS.items()}
    before = model.evaluate(inputs, LABELS, verbose=0)[0]
    model.fit(inputs, LABELS, epochs=20, batch_size=3, verbose=0)
    after = model.evaluate(inputs, LABELS, verbose=0)[0]
    assert after < before * 0.7


def test_model_is_keras_2():
    assert type(iris_model()).__module__.startswith("tf_keras")


def test_wide_and_deep_without_one_hot_features_has_a_linear_part_on_what_there_is():
    numbers_only = build_model(IRIS_SPEC, HParams(), set(ROWS), {}, WIDE_AND_DEEP)
    assert layer(numbers_only, "wide_logits").kernel.shape == (4, 3)
    embedded_only = DatasetSpec(
        label="churned",
        label_type="integer",
        label_classes=("0", "1"),
        features=(FeatureSpec("city", CATEGORICAL, "BYTES", EMBEDDING, 400),),
    )
    model = build_model(embedded_only, HParams(), {"city_xf"}, {"city": 400})
    assert layer(model, "wide_logits").kernel.shape == (32, 2)


def test_autograph_leaves_tf_keras_alone_as_it_does_keras():
    from tensorflow.python.autograph.core import config
    from tensorflow.python.autograph.impl import conversion

    skip_autograph_of_tf_keras()
    skip_autograph_of_tf_keras()
    assert sum(rule.matches("tf_keras") for rule in config.CONVERSION_RULES) == 1
    dense = tf_keras.layers.Dense(2)
    assert conversion.is_allowlisted(dense.call)
