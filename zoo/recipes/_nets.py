"""Builders the recipes need that :mod:`zoo.networks` does not have.

Only standard Keras layers are used, so the models save and load with
``keras.models.load_model`` like those of :mod:`zoo.networks`.
"""

import math

import keras
from keras import layers

from zoo.networks import IMAGE_SHAPE

#: Recipe.value_range of the models whose networks end in a sigmoid.
SIGMOID_RANGE = "Networks in [0, 1] (sigmoid output); takes uint8 or [0, 1], returns [0, 1]."

# Speed settings (Recipe.compile_options), from `make bench` on the 2-core CPU
# (docs/benchmarks.md). Sixteen steps per execution remove Keras' per-step Python
# cost, which is what kept `fit` under the hand-written loop on the cheap steps.
#: Dense GANs and autoencoders: XLA made them 1.1-1.4x faster on CPU.
XLA_MULTI_STEP = dict(jit_compile=True, steps_per_execution=16)
#: VAEs: XLA made them slower on CPU; Keras' "auto" keeps XLA for GPUs.
MULTI_STEP = dict(steps_per_execution=16)
#: The contractive penalty's batch Jacobian: XLA did not finish compiling in 20 minutes.
NO_XLA_MULTI_STEP = dict(jit_compile=False, steps_per_execution=16)


@keras.saving.register_keras_serializable(package="zoo")
class MinibatchStd(layers.Layer):
    """Appends the batch's mean feature standard deviation to every example's features.

    The minibatch statistic of Karras et al. (ProGAN): a discriminator that
    sees it can tell a batch of near-identical fakes from a varied real one,
    which a per-example discriminator cannot, and so penalises mode collapse.
    D sees real and fake batches apart in zoo's GAN step, so the statistic is
    that of one kind of batch.

    Reference:
        Karras et al., "Progressive Growing of GANs for Improved Quality,
        Stability, and Variation", ICLR 2018, section 3.
    """

    def call(self, x):
        std = keras.ops.sqrt(keras.ops.var(x, axis=0) + 1e-8)
        stat = keras.ops.mean(std) * keras.ops.ones_like(x[:, :1])
        return keras.ops.concatenate([x, stat], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + 1)


def minibatch_discriminator(input_shape=IMAGE_SHAPE, hidden=256, name="discriminator"):
    """An MLP discriminator 784 -> Dense(hidden, ReLU) -> minibatch std -> one logit.

    Args:
        input_shape: Image shape, without the batch axis.
        hidden: Width of the hidden layer.
        name: Name of the model.

    Returns:
        A ``keras.Model`` from images to one logit.
    """
    inputs = keras.Input(shape=input_shape, name=f"{name}_input")
    x = layers.Dense(hidden, activation="relu")(layers.Flatten()(inputs))
    x = layers.Dense(1)(MinibatchStd()(x))
    return keras.Model(inputs, x, name=name)


def adam(learning_rate, beta_1=0.9):
    """A fresh Adam optimizer (each network needs its own instance and state).

    Args:
        learning_rate: Step size (the articles' ``lr=``, renamed in Keras 3).
        beta_1: Decay rate of the first-moment estimate.

    Returns:
        A ``keras.optimizers.Adam``.
    """
    return keras.optimizers.Adam(learning_rate=learning_rate, beta_1=beta_1)


def bottleneck_generator(
    latent_dim=100,
    *,
    intermediate_dim=256,
    code_dim=32,
    code_activation="linear",
    batch_norm=False,
    output_shape=IMAGE_SHAPE,
    output_activation="sigmoid",
    name="generator",
):
    """Article 002's "autoencoder-shaped" generator.

    Noise goes through an encoder-like half down to a ``code_dim`` code, then a
    single linear layer maps the code to the image ("生成器通常由一个自动编码器
    和一个额外的线性层组成"), squashed by ``output_activation``.

    Args:
        latent_dim: Size of the noise (the article's ``input_dim = 100``).
        intermediate_dim: Width of the ReLU hidden layer (undefined in the
            article).
        code_dim: Size of the low-dimensional code (the article's ``z_dim = 32``).
        code_activation: Activation of the code; linear by default, as the
            text puts the squashing activation on the image, not on the code.
        batch_norm: BatchNormalization after the hidden ReLU (Dense -> ReLU -> BN,
            the order of article 000's generator).
        output_shape: Image shape, without the batch axis.
        output_activation: ``"sigmoid"`` for images in [0, 1].
        name: Name of the model.

    Returns:
        A ``keras.Model`` from ``(latent_dim,)`` noise to images.

    Example:
        >>> g = bottleneck_generator()
        >>> g.output_shape
        (None, 28, 28, 1)
    """
    inputs = keras.Input(shape=(latent_dim,), name=f"{name}_input")
    x = layers.Dense(intermediate_dim, activation="relu")(inputs)
    if batch_norm:
        x = layers.BatchNormalization()(x)
    code = layers.Dense(code_dim, activation=code_activation, name="code")(x)
    x = layers.Dense(math.prod(output_shape), name="linear_map")(code)
    x = layers.Activation(output_activation)(x)
    x = layers.Reshape(tuple(output_shape))(x)
    return keras.Model(inputs, x, name=name)


def grid_head_mlp(
    latent_dim,
    hidden,
    grid=(7, 7, 256),
    output_activation="tanh",
    name="generator",
    output_shape=IMAGE_SHAPE,
):
    """Article 004's MLP ending in ``Dense(7*7*256)``, a 7x7 grid and a per-cell Dense.

    The article reshapes ``Dense(7*7*256, relu)`` to 7x7x256 and applies
    ``Dense(3)`` to every cell, which leaves 7x7x3 images. Here every cell's
    Dense has ``(28 // 7) ** 2 = 16`` units instead, and the 7x7x16 grid is
    rearranged into 28x28x1 (each cell becomes a 4x4 patch: depth-to-space),
    so the article's layers, its largest one included, draw MNIST-sized images.

    Args:
        latent_dim: Size of the input code.
        hidden: Widths of the ReLU layers before the grid layer.
        grid: ``(rows, cols, channels)`` of the grid layer; rows and cols must divide the
            image's height and width.
        output_activation: Activation of the per-cell Dense.
        name: Name of the model.
        output_shape: ``(height, width, channels)`` of the images; each cell draws a
            ``height // rows`` by ``width // cols`` patch of every channel.

    Returns:
        A ``keras.Model`` from ``(latent_dim,)`` codes to images of ``output_shape``.

    Example:
        >>> grid_head_mlp(100, (256, 512)).output_shape
        (None, 28, 28, 1)
    """
    rows, cols, channels = grid
    height, width, depth = output_shape
    if height % rows or width % cols:
        raise ValueError(
            f"grid {tuple(grid)} does not tile {height}x{width} images: rows and cols must "
            f"divide {height} and {width} (set grid to fit, e.g. grid=({height // 4}, "
            f"{width // 4}, {channels}))."
        )
    ph, pw = height // rows, width // cols
    inputs = keras.Input(shape=(latent_dim,), name=f"{name}_input")
    x = inputs
    for units in hidden:
        x = layers.Dense(units, activation="relu")(x)
    x = layers.Dense(rows * cols * channels, activation="relu")(x)
    x = layers.Reshape((rows, cols, channels))(x)
    # The article's per-cell Dense(3), one patch of every channel per cell.
    x = layers.Dense(ph * pw * depth, activation=output_activation)(x)
    # (rows, cols, ph*pw*depth) -> (rows, ph, cols, pw*depth) -> (height, width, depth)
    x = layers.Reshape((rows, cols, ph, pw * depth))(x)
    x = layers.Permute((1, 3, 2, 4))(x)
    outputs = layers.Reshape(tuple(output_shape))(x)
    return keras.Model(inputs, outputs, name=name)
