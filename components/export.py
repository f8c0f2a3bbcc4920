"""SavedModel export: the serving signature users call and the signatures the Evaluator calls."""

import json
import os

import tensorflow as tf
import tensorflow_transform as tft
import tf_keras as keras

from components import features
from components.dataset_spec import DatasetSpec
from components.signatures import (
    EVALUATION_SIGNATURE,
    SERVING_INFO_FILE,
    SERVING_SIGNATURE,
    TRANSFORM_SIGNATURE,
)


def export_serving_model(
    model: keras.Model,
    spec: DatasetSpec,
    tf_transform_output: tft.TFTransformOutput,
    serving_model_dir: str,
) -> None:
    """Save `model` with the transform graph attached, taking serialized raw tf.Examples.

    serving_default: raw features, no label -> the class (`class_name` for a text label,
    `class_id` for a whole-number one), its index, and every class's probability.
    evaluate: raw examples (the label may be present and is ignored) -> probabilities; for a
    binary label, the positive (second) class's only, as TFMA's binary metrics expect.
    transform_features: raw examples with the label -> transformed features; TFMA uses it to
    turn the label into the class index its metrics compare against.
    """
    # Tracked on the model so the transform graph's assets are saved with it.
    model.tft_layer = tf_transform_output.transform_features_layer()
    raw_feature_spec = tf_transform_output.raw_feature_spec()
    # Only the model's features: an excluded column (an id) need not be sent.
    serving_feature_spec = {
        feature.name: raw_feature_spec[feature.name] for feature in spec.features
    }
    if spec.label_type == "string":
        class_key = "class_name"
        vocabulary = tf_transform_output.vocabulary_by_name(features.label_vocabulary_name(spec))
        class_values = [name.decode() for name in vocabulary]
        classes = tf.constant(class_values)
    else:
        class_key = "class_id"
        class_values = list(spec.label_classes)
        classes = tf.constant([int(value) for value in class_values], tf.int64)

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
            class_key: tf.gather(classes, class_index),
            "class_index": class_index,
            "probabilities": class_probabilities,
        }

    @tf.function(input_signature=[examples_spec])
    def evaluate(examples: tf.Tensor) -> dict[str, tf.Tensor]:
        class_probabilities = probabilities(examples)
        if spec.is_binary:
            class_probabilities = class_probabilities[:, 1:]
        return {"probabilities": class_probabilities}

    @tf.function(input_signature=[examples_spec])
    def transform_features(examples: tf.Tensor) -> dict[str, tf.Tensor]:
        return model.tft_layer(tf.io.parse_example(examples, raw_feature_spec))

    signatures = {
        SERVING_SIGNATURE: serve,
        EVALUATION_SIGNATURE: evaluate,
        TRANSFORM_SIGNATURE: transform_features,
    }
    model.save(serving_model_dir, save_format="tf", signatures=signatures)
    excluded = sorted(set(raw_feature_spec) - set(serving_feature_spec) - {spec.label})
    write_serving_info(serving_model_dir, serving_feature_spec, spec, class_values, excluded)


def write_serving_info(
    serving_model_dir: str,
    feature_spec: dict,
    spec: DatasetSpec,
    classes: list[str],
    excluded: list[str],
) -> None:
    """Record the raw features (name -> dtype) serving_default parses, those that may be left
    out of a request (a missing value the model imputes), the columns of the data it does not
    take (the label and excluded ones), the label's type, and the classes in class-index
    order."""
    info = {
        "features": {name: value.dtype.name for name, value in sorted(feature_spec.items())},
        "optional": sorted(
            name
            for name, value in feature_spec.items()
            if not isinstance(value, tf.io.FixedLenFeature)
        ),
        "label": spec.label,
        "excluded": excluded,
        "label_type": spec.label_type,
        "classes": classes,
    }
    path = os.path.join(serving_model_dir, SERVING_INFO_FILE)
    tf.io.gfile.makedirs(os.path.dirname(path))
    with tf.io.gfile.GFile(path, "w") as f:
        json.dump(info, f, indent=2)
