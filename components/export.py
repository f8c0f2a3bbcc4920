"""SavedModel export: the serving signature users call and the signatures the Evaluator calls."""

import json
import os

import tensorflow as tf
import tensorflow_transform as tft
import tf_keras as keras

from components import features
from components.signatures import (
    EVALUATION_SIGNATURE,
    SERVING_INFO_FILE,
    SERVING_SIGNATURE,
    TRANSFORM_SIGNATURE,
)


def export_serving_model(
    model: keras.Model, tf_transform_output: tft.TFTransformOutput, serving_model_dir: str
) -> None:
    """Save `model` with the transform graph attached, taking serialized raw tf.Examples.

    serving_default: raw features, no label -> class name, class index, class probabilities.
    evaluate: raw examples (the label may be present and is ignored) -> probabilities.
    transform_features: raw examples with the label -> transformed features; TFMA uses it to
    turn the species name into the class index its metrics compare against.
    """
    # Tracked on the model so the transform graph's assets are saved with it.
    model.tft_layer = tf_transform_output.transform_features_layer()
    raw_feature_spec = tf_transform_output.raw_feature_spec()
    serving_feature_spec = {k: v for k, v in raw_feature_spec.items() if k != features.LABEL_KEY}
    class_names = tf.constant(
        [
            name.decode()
            for name in tf_transform_output.vocabulary_by_name(features.LABEL_VOCABULARY_NAME)
        ]
    )

    def probabilities(serialized_examples: tf.Tensor) -> tf.Tensor:
        raw = tf.io.parse_example(serialized_examples, serving_feature_spec)
        transformed = model.tft_layer(raw)
        model_inputs = {name: transformed[name] for name in model.input_names}
        return tf.nn.softmax(model(model_inputs, training=False), axis=-1)

    examples_spec = tf.TensorSpec(shape=[None], dtype=tf.string, name="examples")

    @tf.function(input_signature=[examples_spec])
    def serve(examples: tf.Tensor) -> dict[str, tf.Tensor]:
        class_probabilities = probabilities(examples)
        class_index = tf.argmax(class_probabilities, axis=-1, output_type=tf.int32)
        return {
            "class_name": tf.gather(class_names, class_index),
            "class_index": class_index,
            "probabilities": class_probabilities,
        }

    @tf.function(input_signature=[examples_spec])
    def evaluate(examples: tf.Tensor) -> dict[str, tf.Tensor]:
        return {"probabilities": probabilities(examples)}

    @tf.function(input_signature=[examples_spec])
    def transform_features(examples: tf.Tensor) -> dict[str, tf.Tensor]:
        return model.tft_layer(tf.io.parse_example(examples, raw_feature_spec))

    signatures = {
        SERVING_SIGNATURE: serve,
        EVALUATION_SIGNATURE: evaluate,
        TRANSFORM_SIGNATURE: transform_features,
    }
    model.save(serving_model_dir, save_format="tf", signatures=signatures)
    write_serving_info(serving_model_dir, serving_feature_spec, class_names.numpy())


def write_serving_info(serving_model_dir: str, feature_spec: dict, class_names) -> None:
    """Record the raw features (name -> dtype) serving_default parses, the label column it
    does not take, and the class names in class-index order."""
    info = {
        "features": {name: spec.dtype.name for name, spec in sorted(feature_spec.items())},
        "label": features.LABEL_KEY,
        "classes": [name.decode() for name in class_names],
    }
    path = os.path.join(serving_model_dir, SERVING_INFO_FILE)
    tf.io.gfile.makedirs(os.path.dirname(path))
    with tf.io.gfile.GFile(path, "w") as f:
        json.dump(info, f, indent=2)
