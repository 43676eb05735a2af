"""What every zoo model shares: input checks, value ranges, trackers, configs.

The public contract of all families: images go *in* as ``uint8`` in [0, 255]
or floats in [0, 1], shaped ``(N, 28, 28)``, ``(N, 28, 28, 1)`` or ``(N, 784)``,
and images come *out* as float32 in [0, 1], shaped ``(N, 28, 28, 1)``. Inside,
each model works in its networks' own range (``network_range``: (0, 1) for
sigmoid outputs, (-1, 1) for tanh outputs, as article 001 and 004 use).
"""

import copy
import dataclasses

import keras
import tensorflow as tf

from zoo.models.inputs import (
    RefuseEmpty,
    check_images,
    check_not_empty,
    checked_input,
    clear_input_errors,
    images_from,
    prepare_images,
)
from zoo.models.philox import seeded_normal
from zoo.replicas import global_batch_mean, global_means, keras_logs

__all__ = [
    "CODES",
    "IMAGES",
    "INPUT_KINDS",
    "LATENT",
    "SEEDS",
    "Endpoint",
    "ZooModel",
    "f32",
    "normal",
    "prepare_images",
    "seeded_normal",
    "serializable",
    "uniform",
]

#: Registers a class with Keras' serialisation (``package="zoo"``), so that
#: ``keras.models.load_model`` finds it. (Recipes have their own registry,
#: :func:`zoo.recipes.register`.)
serializable = keras.saving.register_keras_serializable(package="zoo")

#: What a serving input holds, and its name: standard-normal noise ``N(0, I)``,
#: grayscale images in [0, 1], or codes (what ``encode`` returns), all float32;
#: or int64 seeds, one per image to draw (:func:`seeded_normal`).
LATENT, IMAGES, CODES, SEEDS = "latent_normal", "images_0_1", "codes", "seeds"
INPUT_KINDS = (LATENT, IMAGES, CODES, SEEDS)


@dataclasses.dataclass(frozen=True)
class Endpoint:
    """One serving signature of a family: a model method applied to one named input.

    :mod:`zoo.export` turns each of a model's :attr:`ZooModel.endpoints` into a
    SavedModel signature, knowing nothing else of the family.

    Args:
        name: The signature's name (``"generate"``, ``"encode"`` ...).
        method: The name of the model method it calls on the input.
        input: What the input holds: one of :data:`INPUT_KINDS`.
        outputs: Names of the method's outputs, in the order it returns them.
    """

    name: str
    method: str
    input: str
    outputs: tuple

    def __post_init__(self):
        if self.input not in INPUT_KINDS:
            raise ValueError(f"Endpoint input must be one of {INPUT_KINDS}.")


def f32(t):
    """Casts network outputs to float32 (they are float16 under mixed precision)."""
    return tf.cast(t, "float32")


def _stateless_seed(seed):
    """The int32 seed pair of a ``SeedGenerator`` (advanced) or an int, as Keras makes it."""
    if isinstance(seed, keras.random.SeedGenerator):
        seed = seed.next()
    else:
        seed = tf.constant([int(seed), 0], dtype="int64")
    # As Keras does: stateless ops take int32 seeds under XLA.
    return tf.cast(tf.math.floormod(seed, tf.int32.max - 1), "int32")


def normal(shape, seed):
    """Standard normal noise: ``keras.random.normal``'s numbers, with the algorithm named.

    The same seed handling as ``keras.random.normal`` (a ``SeedGenerator`` is
    advanced; an int is a fixed seed) and, off XLA, the same numbers. But the
    draw names TensorFlow's Philox algorithm instead of leaving it to
    ``"auto_select"``: under XLA on CPU, "auto_select" lowers a lone draw to a
    generator about 8x slower than Philox, 3.2 ms against 0.38 ms for the
    128x100 noise of a GAN step on 2 cores, which was a third of a dense GAN's
    step (``bench/bench_rng.py``).

    Args:
        shape: Shape of the draw.
        seed: A ``keras.random.SeedGenerator`` or an int.

    Returns:
        A float32 tensor.
    """
    return tf.random.stateless_normal(shape, seed=_stateless_seed(seed), alg="philox")


def uniform(shape, seed):
    """Uniform noise in [0, 1), drawn as :func:`normal` draws (Philox named)."""
    return tf.random.stateless_uniform(shape, seed=_stateless_seed(seed), alg="philox")


class ZooModel(keras.Model):
    """Base of the zoo families: ranges, trackers, configs and optimizer building.

    A family declares the protocol that the rest of zoo reads (the recipes,
    export, callbacks and tests): its :attr:`family` name, its
    :attr:`sample_kind` and its serving :attr:`endpoints`; it is listed once in
    :data:`zoo.models.FAMILIES`.

    Args:
        network_range: The value range the networks' images live in,
            ``(0.0, 1.0)`` or ``(-1.0, 1.0)``.
        seed: Seed of the model's ``keras.random.SeedGenerator`` (training noise).
        recipe: The name of the recipe that built the model (:mod:`zoo.recipes`),
            kept in its config; ``None`` for a model built by hand.
        **kwargs: Passed to ``keras.Model`` (``name``, ``dtype``).
    """

    #: Names of the ``keras.metrics.Mean`` trackers, in progress-bar order.
    loss_names = ("loss",)
    #: The family's key in :data:`zoo.models.FAMILIES` and ``Recipe.family``.
    family = None
    #: What its image grids show: ``"samples"`` (drawn from noise, by
    #: ``generate``) or ``"reconstructions"`` (of test images, by ``reconstruct``).
    sample_kind = "reconstructions"
    #: The serving signatures, default first (:class:`Endpoint`).
    endpoints = ()
    #: Where its optimizers are, by attribute name (dotted into a sub-model:
    #: ``"autoencoder.optimizer"``): what checkpoints save and restore, and what a
    #: resume with changed optimizer settings re-tunes (:meth:`named_optimizers`).
    optimizer_names = ("optimizer",)
    #: Whether it has a likelihood to bound: an ELBO and an IWAE bound for ``zoo eval``,
    #: and ``encode`` returning a Gaussian posterior's ``(mean, log-variance)``.
    has_likelihood = False

    def __init__(self, network_range=(0.0, 1.0), seed=None, recipe=None, **kwargs):
        super().__init__(**kwargs)
        self.recipe = recipe
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
        # Everything that can be checked before the first step is: a wrong
        # validation_data would otherwise show only after a whole epoch.
        check_not_empty(x, "fit")
        check_images(x, self.image_shape, "fit's x")
        validation = kwargs.get("validation_data")
        if validation is not None:
            check_not_empty(images_from(validation), "fit's validation_data")
            check_images(validation, self.image_shape, "fit's validation_data")
            kwargs["validation_data"] = self._xla_checked(validation)
        _refuse_empty(kwargs, "fit")
        if self.compiled:
            # Keras builds only ``self.optimizer`` before tracing; the GANs' optimizers
            # would create their variables inside the first step, in replica context,
            # which MirroredStrategy cannot do ("You must feed a value for placeholder").
            with self.distribute_strategy.scope():
                self.build_optimizers()
        with clear_input_errors():
            return super().fit(self._xla_checked(x), *args, **kwargs)

    def evaluate(self, x=None, *args, **kwargs):
        if kwargs.get("_use_cached_eval_dataset"):  # fit's validation, checked by fit
            with clear_input_errors():
                return super().evaluate(x, *args, **kwargs)
        check_not_empty(x, "evaluate")
        check_images(x, self.image_shape, "evaluate's x")
        _refuse_empty(kwargs, "evaluate")
        with clear_input_errors():
            return super().evaluate(self._xla_checked(x), *args, **kwargs)

    def train_on_batch(self, x=None, *args, **kwargs):
        with clear_input_errors():
            return super().train_on_batch(self._xla_checked(x), *args, **kwargs)

    def test_on_batch(self, x=None, *args, **kwargs):
        with clear_input_errors():
            return super().test_on_batch(self._xla_checked(x), *args, **kwargs)

    def _xla_checked(self, x):
        """``x`` with its float-image checks moved out of an XLA step, which drops them."""
        return checked_input(x) if self.compiled and self.jit_compile else x

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

    def input_spec(self, kind):
        """The ``tf.TensorSpec`` of a serving input of ``kind`` (batch axis free)."""
        if kind == SEEDS:
            return tf.TensorSpec([None], tf.int64, name=kind)
        shape = self.image_shape if kind == IMAGES else (self.latent_dim,)
        return tf.TensorSpec([None, *shape], tf.float32, name=kind)

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
        config.update(network_range=list(self.network_range), seed=self.seed, recipe=self.recipe)
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

    def named_optimizers(self):
        """``{name: optimizer}`` of the :attr:`optimizer_names` that are set (once compiled)."""
        found = {}
        for name in self.optimizer_names:
            owner, _, attribute = name.rpartition(".")
            target = self
            for part in owner.split(".") if owner else ():
                target = getattr(target, part, None)
            optimizer = getattr(target, attribute, None)
            if isinstance(optimizer, keras.optimizers.Optimizer):
                found[name] = optimizer
        return found

    def _compile_with(self, kwargs, **zoo_args):
        """Runs ``keras.Model.compile`` and keeps ``zoo_args`` for the saved config."""
        super().compile(optimizer=None, **kwargs)
        self._zoo_compile_config = {**zoo_args, **kwargs}

    def recompile(self, **options):
        """Compiles again with the same optimizers and losses, changing only ``options``.

        For trying speed settings (``jit_compile``, ``steps_per_execution``) on
        one model, as ``bench/bench_fit.py`` does. The optimizers are the same
        instances, so nothing that is learned changes. To train, pass the
        options to ``recipes.build`` instead, which compiles once.

        Args:
            **options: ``keras.Model.compile`` options.

        Returns:
            The model.
        """
        if getattr(self, "_zoo_compile_config", None) is not None:
            self.compile(**{**self._zoo_compile_config, **options})
        else:  # Keras' own compile (which keeps a LossScaleOptimizer as it is)
            config = self.get_compile_config() or {}
            kept = {k: config[k] for k in ("jit_compile", "steps_per_execution") if k in config}
            self.compile(optimizer=self.optimizer, **{**kept, **options})
        return self

    def get_compile_config(self):
        if getattr(self, "_zoo_compile_config", None) is None:
            return super().get_compile_config()
        if not self.compiled:
            return None
        return {
            k: keras.saving.serialize_keras_object(v) for k, v in self._zoo_compile_config.items()
        }


def _refuse_empty(kwargs, what):
    """Puts a :class:`RefuseEmpty` first among ``fit``/``evaluate``'s callbacks."""
    callbacks = kwargs.get("callbacks")
    if not isinstance(callbacks, keras.callbacks.CallbackList):
        kwargs["callbacks"] = [RefuseEmpty(what), *(callbacks or [])]


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
    takes its share of the global-batch mean (:func:`zoo.replicas.global_batch_mean`),
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
