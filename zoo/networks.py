"""Network builders: each returns a named functional ``keras.Model``.

Every image-facing network speaks ``(28, 28, 1)`` images at its boundary
(dense networks flatten and reshape inside), so that all model families,
the data pipeline and the exported signatures share one image layout while
the articles' 784-unit dense layers stay exactly as written.

Discriminators end in a single *logit* (no sigmoid): the losses in
:mod:`zoo.losses` apply the sigmoid in a numerically stable way.
"""

import math

import keras
from keras import layers

IMAGE_SHAPE = (28, 28, 1)


def _activation(name):
    """Builds an activation layer; ``"leaky_relu"`` uses the DCGAN slope 0.2."""
    if name == "leaky_relu":
        return layers.LeakyReLU(negative_slope=0.2)
    return layers.Activation(name)


def _as_shape(shape):
    return (shape,) if isinstance(shape, int) else tuple(shape)


def mlp(
    input_shape,
    output_shape,
    hidden=(256,),
    *,
    activation="relu",
    batch_norm=False,
    bn_momentum=0.99,
    dropout=0.0,
    output_activation=None,
    name="mlp",
):
    """A multilayer perceptron from any input shape to any output shape.

    Inputs of rank > 1 are flattened first, outputs are reshaped last, so the
    same builder makes a 100 -> 784 generator that returns ``(28, 28, 1)``
    images and a 784 -> 1 discriminator that takes them.

    Args:
        input_shape: An int or a shape tuple, without the batch axis.
        output_shape: An int or a shape tuple, without the batch axis.
        hidden: Widths of the hidden layers, in order.
        activation: Hidden activation (a Keras name, or ``"leaky_relu"``).
        batch_norm: Adds ``BatchNormalization`` after each hidden activation,
            in the order the articles use (Dense -> activation -> BN).
        bn_momentum: Momentum of those BatchNormalization layers.
        dropout: Dropout rate after each hidden layer (0 disables).
        output_activation: Activation of the last layer; ``None`` is linear
            (logits, or an unconstrained code).
        name: Name of the model.

    Returns:
        A ``keras.Model`` named ``name``.

    Example:
        >>> g = mlp(100, (28, 28, 1), hidden=(256,), batch_norm=True,
        ...         output_activation="sigmoid", name="generator")
        >>> g.output_shape
        (None, 28, 28, 1)
    """
    input_shape, output_shape = _as_shape(input_shape), _as_shape(output_shape)
    inputs = keras.Input(shape=input_shape, name=f"{name}_input")
    x = layers.Flatten()(inputs) if len(input_shape) > 1 else inputs
    for width in hidden:
        x = layers.Dense(width)(x)
        x = _activation(activation)(x)
        if batch_norm:
            x = layers.BatchNormalization(momentum=bn_momentum)(x)
        if dropout:
            x = layers.Dropout(dropout)(x)
    x = layers.Dense(math.prod(output_shape))(x)
    if output_activation:
        x = _activation(output_activation)(x)
    if len(output_shape) > 1:
        x = layers.Reshape(output_shape)(x)
    return keras.Model(inputs, x, name=name)


def gaussian_encoder(
    input_shape=IMAGE_SHAPE, latent_dim=100, hidden=(512,), *, activation="relu", name="encoder"
):
    """A VAE encoder: an MLP trunk with two linear heads, mean and log-variance.

    Args:
        input_shape: Image shape, without the batch axis.
        latent_dim: Size of the latent code.
        hidden: Widths of the trunk.
        activation: Activation of the trunk (``"tanh"`` in the IWAE paper).
        name: Name of the model.

    Returns:
        A ``keras.Model`` mapping images to ``[z_mean, z_log_var]``.
    """
    inputs = keras.Input(shape=_as_shape(input_shape), name=f"{name}_input")
    x = layers.Flatten()(inputs)
    for width in hidden:
        x = layers.Dense(width, activation=activation)(x)
    z_mean = layers.Dense(latent_dim, name="z_mean")(x)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(x)
    return keras.Model(inputs, [z_mean, z_log_var], name=name)


def dcgan_generator(
    latent_dim=100,
    *,
    base_shape=(7, 7, 256),
    filters=(256,),
    kernel_size=4,
    bn_momentum=0.8,
    output_channels=1,
    output_activation="tanh",
    name="generator",
):
    """A DCGAN generator: dense projection, then stride-2 transposed convolutions.

    Each entry of ``filters`` is a Conv2DTranspose(stride 2) -> BN -> ReLU
    block; a last stride-2 Conv2DTranspose makes the image. Without BN on the
    output layer (Radford et al., 2016, section 3), so the output is not forced
    to batch statistics.

    Args:
        latent_dim: Size of the noise vector.
        base_shape: Shape the projection is reshaped to.
        filters: Filters of the hidden upsampling blocks.
        kernel_size: Kernel size of every transposed convolution.
        bn_momentum: BatchNormalization momentum.
        output_channels: Channels of the image.
        output_activation: ``"tanh"`` for images in [-1, 1].
        name: Name of the model.

    Returns:
        A ``keras.Model`` from ``(latent_dim,)`` to images. The spatial size is
        ``base_shape[0] * 2 ** (len(filters) + 1)``: 28 for the defaults.
    """
    inputs = keras.Input(shape=(latent_dim,), name=f"{name}_input")
    x = layers.Dense(math.prod(base_shape), activation="relu", use_bias=False)(inputs)
    x = layers.Reshape(base_shape)(x)
    for f in filters:
        x = layers.Conv2DTranspose(f, kernel_size, strides=2, padding="same")(x)
        x = layers.BatchNormalization(momentum=bn_momentum)(x)
        x = layers.Activation("relu")(x)
    x = layers.Conv2DTranspose(output_channels, kernel_size, strides=2, padding="same")(x)
    x = layers.Activation(output_activation)(x)
    return keras.Model(inputs, x, name=name)


def dcgan_discriminator(
    input_shape=IMAGE_SHAPE, *, filters=(64, 128), kernel_size=5, dropout=0.3, name="discriminator"
):
    """A DCGAN discriminator: stride-2 convolutions, LeakyReLU(0.2), Dropout, one logit.

    Args:
        input_shape: Image shape, without the batch axis.
        filters: Filters of the stride-2 convolutions.
        kernel_size: Kernel size of the convolutions.
        dropout: Dropout rate after each convolution.
        name: Name of the model.

    Returns:
        A ``keras.Model`` from images to logits of shape ``(batch, 1)``.
    """
    inputs = keras.Input(shape=_as_shape(input_shape), name=f"{name}_input")
    x = inputs
    for f in filters:
        x = layers.Conv2D(f, kernel_size, strides=2, padding="same")(x)
        x = layers.LeakyReLU(negative_slope=0.2)(x)
        x = layers.Dropout(dropout)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(1)(x)
    return keras.Model(inputs, x, name=name)


def upconv_decoder(
    latent_dim=100,
    *,
    hidden=(256, 512),
    base_shape=(7, 7, 32),
    filters=(32,),
    kernel_size=5,
    output_activation="sigmoid",
    output_channels=1,
    name="decoder",
):
    """A decoder: a ReLU MLP, a reshape, then stride-2 transposed convolutions.

    Args:
        latent_dim: Size of the latent code.
        hidden: Widths of the dense ReLU layers.
        base_shape: Shape the last dense layer is reshaped to.
        filters: Filters of the hidden stride-2 ReLU transposed convolutions.
        kernel_size: Kernel size of the transposed convolutions.
        output_activation: Activation of the image (``"sigmoid"`` or ``"tanh"``).
        output_channels: Channels of the image.
        name: Name of the model.

    Returns:
        A ``keras.Model`` from codes to images of side
        ``base_shape[0] * 2 ** (len(filters) + 1)``.
    """
    inputs = keras.Input(shape=(latent_dim,), name=f"{name}_input")
    x = inputs
    for width in hidden:
        x = layers.Dense(width, activation="relu")(x)
    x = layers.Dense(math.prod(base_shape), activation="relu")(x)
    x = layers.Reshape(base_shape)(x)
    for f in filters:
        x = layers.Conv2DTranspose(f, kernel_size, strides=2, padding="same", activation="relu")(x)
    x = layers.Conv2DTranspose(output_channels, kernel_size, strides=2, padding="same")(x)
    x = layers.Activation(output_activation)(x)
    return keras.Model(inputs, x, name=name)
