"""What every zoo model shares: input checks, value ranges, trackers, configs.

The public contract of all families: images go *in* as ``uint8`` in [0, 255]
or floats in [0, 1], shaped ``(N, 28, 28)``, ``(N, 28, 28, 1)`` or ``(N, 784)``,
and images come *out* as float32 in [0, 1], shaped ``(N, 28, 28, 1)``. Inside,
each model works in its networks' own range (``network_range``: (0, 1) for
sigmoid outputs, (-1, 1) for tanh outputs, as article 001 and 004 use).
"""

import copy
import math

import keras
import tensorflow as tf

from zoo.distribute import global_batch_mean, global_means, keras_logs

register = keras.saving.register_keras_serializable(package="zoo")

# Floats a hair outside [0, 1] come from resizing or JPEG round-trips; more is a bug.
_RANGE_TOLERANCE = 1e-3


def f32(t):
    """Casts network outputs to float32 (they are float16 under mixed precision)."""
    return tf.cast(t, "float32")


def prepare_images(x, image_shape):
    """Validates a batch of images and returns float32 in [0, 1] of ``image_shape``.

    Args:
        x: ``uint8`` images in [0, 255] (raw ``keras.datasets.mnist`` arrays
            work as they are) or floating images in [0, 1].
        image_shape: The model's image shape, without the batch axis.

    Returns:
        A float32 tensor of shape ``(batch,) + image_shape`` in [0, 1].

    Raises:
        TypeError: for integer dtypes other than ``uint8``, and non-numeric input.
        ValueError: for a shape that does not hold ``image_shape`` images.
        tf.errors.InvalidArgumentError: at run time, for floats outside [0, 1]
            or NaN/Inf values.
    """
    x = tf.convert_to_tensor(x)
    trailing = tuple(x.shape[1:])
    accepted = {tuple(image_shape), (math.prod(image_shape),)}
    if image_shape[-1] == 1:
        accepted.add(tuple(image_shape[:-1]))
    if x.shape.rank is None or trailing not in accepted:
        raise ValueError(
            f"Expected a batch of images shaped (N, {', '.join(map(str, image_shape))}), "
            f"or one of {sorted(accepted, key=len)} after the batch axis; got shape "
            f"{tuple(x.shape)}. Add the batch axis for a single image (x[None]) and "
            "check that the images are 28x28 grayscale."
        )
    if x.dtype == tf.uint8:
        x = tf.cast(x, "float32") / 255.0
    elif x.dtype.is_floating:
        x = tf.cast(x, "float32")
        # Both checks gate `x` itself, so that everything computed from the images
        # (the optimizer update in a train_step included) waits for them: a refused
        # batch changes no weight. Unused assert ops would run in parallel with it.
        x = tf.debugging.assert_all_finite(x, "Images contain NaN or Inf; clean the data first.")
        lo, hi = tf.reduce_min(x), tf.reduce_max(x)
        in_range = tf.debugging.Assert(
            tf.logical_and(lo >= -_RANGE_TOLERANCE, hi <= 1.0 + _RANGE_TOLERANCE),
            [
                "zoo models take float images in [0, 1] (or uint8 in [0, 255]); got values in",
                lo,
                hi,
                ". Divide raw pixels by 255, or load data with value_range=(0, 1).",
            ],
        )
        with tf.control_dependencies([in_range]):
            x = tf.identity(x)
    else:
        raise TypeError(
            f"Images must be uint8 in [0, 255] or float in [0, 1]; got dtype {x.dtype.name}. "
            "Convert with x.astype('uint8') for raw pixels or x / 255.0 for floats."
        )
    return tf.reshape(x, (-1,) + tuple(image_shape))


def images_from(data):
    """Takes the images out of what ``fit``/``evaluate`` pass to a step."""
    x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
    return x


def check_not_empty(x, what):
    """Refuses input with no examples, or no batch axis, before ``fit``/``evaluate`` start.

    Keras itself only warns ("Your input ran out of data") and trains on
    nothing for empty input, and fails with an IndexError for a scalar.
    Datasets of unknown size (after ``filter``) cannot be checked up front.
    """
    if isinstance(x, tf.data.Dataset):
        if int(x.cardinality()) == 0:
            raise ValueError(
                f"{what} got an empty tf.data.Dataset (no batches); check its source and any "
                "take/skip/filter/batch(drop_remainder=True) that could leave nothing."
            )
        return
    shape = getattr(x, "shape", None)
    if shape is not None and len(shape) == 0:
        raise ValueError(
            f"{what} got a scalar; expected a batch of images shaped (N, 28, 28, 1), "
            "(N, 28, 28) or (N, 784)."
        )
    if shape is not None and shape[0] == 0:
        raise ValueError(
            f"{what} got no images: the input has shape {tuple(shape)}, with 0 examples. "
            "Check the slicing, filtering or --limit that produced it."
        )


class ZooModel(keras.Model):
    """Base of the zoo families: ranges, trackers, configs and optimizer building.

    Args:
        network_range: The value range the networks' images live in,
            ``(0.0, 1.0)`` or ``(-1.0, 1.0)``.
        seed: Seed of the model's ``keras.random.SeedGenerator`` (training noise).
        **kwargs: Passed to ``keras.Model`` (``name``, ``dtype``).
    """

    #: Names of the ``keras.metrics.Mean`` trackers, in progress-bar order.
    loss_names = ("loss",)

    def __init__(self, network_range=(0.0, 1.0), seed=None, **kwargs):
        super().__init__(**kwargs)
        network_range = tuple(float(v) for v in network_range)
        if network_range not in ((0.0, 1.0), (-1.0, 1.0)):
            raise ValueError(
                f"network_range must be (0.0, 1.0) or (-1.0, 1.0); got {network_range}."
            )
        self.network_range = network_range
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.loss_names}

    def fit(self, x=None, *args, **kwargs):
        check_not_empty(x, "fit")
        validation = kwargs.get("validation_data")
        if validation is not None:
            check_not_empty(images_from(validation), "fit's validation_data")
        if self.compiled:
            # Keras builds only ``self.optimizer`` before tracing; the GANs' optimizers
            # would create their variables inside the first step, in replica context,
            # which MirroredStrategy cannot do ("You must feed a value for placeholder").
            with self.distribute_strategy.scope():
                self.build_optimizers()
        return super().fit(x, *args, **kwargs)

    def evaluate(self, x=None, *args, **kwargs):
        check_not_empty(x, "evaluate")
        return super().evaluate(x, *args, **kwargs)

    @property
    def metrics(self):
        # Listing the trackers here lets fit() reset them every epoch.
        return list(self.trackers.values())

    def record(self, values):
        """Updates the trackers with batch means and returns the logs dict.

        Under ``tf.distribute`` the means are over the global batch (one
        all-reduce), so every replica's trackers agree with one device's.
        """
        for name, value in global_means(values).items():
            self.trackers[name].update_state(value)
        return keras_logs({name: tracker.result() for name, tracker in self.trackers.items()})

    # -- value ranges -------------------------------------------------------
    def to_network(self, x):
        lo, hi = self.network_range
        return x if lo == 0.0 else x * (hi - lo) + lo

    def to_unit(self, x):
        lo, hi = self.network_range
        x = f32(x)
        return x if lo == 0.0 else (x - lo) / (hi - lo)

    def prepare(self, data):
        """Images of a step's data, validated, in [0, 1] and the model's shape."""
        return prepare_images(images_from(data), self.image_shape)

    # -- serialisation ------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        config.update(network_range=list(self.network_range), seed=self.seed)
        return config

    @staticmethod
    def serialize_networks(**networks):
        return {k: keras.saving.serialize_keras_object(v) for k, v in networks.items()}

    @classmethod
    def from_config(cls, config):
        config = copy.deepcopy(config)  # deserialisation pops keys from nested dicts
        for key, value in config.items():
            if isinstance(value, dict) and "class_name" in value:
                config[key] = keras.saving.deserialize_keras_object(value)
        return cls(**config)

    def compile_from_config(self, config):
        """Recompiles on ``keras.models.load_model`` and builds the optimizers.

        Building them here, before the weights are loaded, is what lets the
        saved optimizer state (Adam moments, iteration counts) come back.
        """
        self.compile(**{k: keras.saving.deserialize_keras_object(v) for k, v in config.items()})
        self.build_optimizers()

    def build_optimizers(self):
        build_once(self.optimizer, self.trainable_variables)

    def _compile_with(self, kwargs, **zoo_args):
        """Runs ``keras.Model.compile`` and keeps ``zoo_args`` for the saved config."""
        super().compile(optimizer=None, **kwargs)
        self._zoo_compile_config = {**zoo_args, **kwargs}

    def get_compile_config(self):
        if getattr(self, "_zoo_compile_config", None) is None:
            return super().get_compile_config()
        if not self.compiled:
            return None
        return {
            k: keras.saving.serialize_keras_object(v) for k, v in self._zoo_compile_config.items()
        }


def maybe_loss_scale(model, optimizer):
    """Wraps ``optimizer`` in a ``LossScaleOptimizer`` under ``mixed_float16``."""
    optimizer = keras.optimizers.get(optimizer)
    if model.dtype_policy.name == "mixed_float16" and not isinstance(
        optimizer, keras.optimizers.LossScaleOptimizer
    ):
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


def objective(optimizer, per_example):
    """The scalar a tape differentiates: the replica-scaled batch mean, loss-scaled.

    Call it *inside* the ``GradientTape``. Under ``tf.distribute`` each replica
    takes its share of the global-batch mean (:func:`zoo.distribute.global_batch_mean`),
    so the summed gradients are those of the global mean. ``scale_loss``
    multiplies by the dynamic loss scale under ``mixed_float16`` and is a no-op
    otherwise.
    """
    return optimizer.scale_loss(global_batch_mean(per_example))


def build_once(optimizer, variables):
    """Builds ``optimizer`` for ``variables`` unless it is built (SGD's build is not idempotent)."""
    if not optimizer.built:
        optimizer.build(variables)


def apply_update(tape, loss, optimizer, variables):
    """Differentiates ``loss`` for ``variables`` only, and applies one optimizer step."""
    grads = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(grads, variables, strict=True))
