"""The network builders a config's :class:`zoo.recipes.config.Net` may name.

Every entry takes ``(input_shape, output_shape, ..., name=...)``: the family
builder passes the shapes of the network's role (noise size, image shape, code
size, 1 for a discriminator's logit) and its name, the spec the settings. Every
later parameter has a default, so that :func:`zoo.recipes.keys.keys` lists
every one a ``--set`` may change. :func:`zoo.networks.mlp` and
:func:`zoo.networks.gaussian_encoder` take that form as they are; the others
are adapted here.
"""

from zoo import networks
from zoo.recipes import _nets

__all__ = ["NETWORKS"]


def mlp_discriminator(
    input_shape, output_shape, *, hidden=(256,), minibatch_std=False, name="discriminator"
):
    """An MLP to one logit; ``minibatch_std`` adds the batch's feature spread before it.

    With ``minibatch_std`` the MLP has one hidden layer
    (:func:`zoo.recipes._nets.minibatch_discriminator`); without, it is an ``mlp``.
    """
    if not minibatch_std:
        return networks.mlp(input_shape, output_shape, hidden, name=name)
    if len(hidden) != 1:
        raise ValueError(f"minibatch_std takes one hidden layer; got hidden={tuple(hidden)}.")
    return _nets.minibatch_discriminator(input_shape, hidden=hidden[0], name=name)


def grid_mlp(
    input_shape, output_shape, *, hidden=(512,), grid=(), output_activation="sigmoid", name="mlp"
):
    """An MLP ending in article 004's ``Dense(7*7*256)`` grid head, or in ``Dense(784)``.

    ``grid=(rows, cols, channels)`` builds :func:`zoo.recipes._nets.grid_head_mlp`;
    ``()`` ends the MLP in a dense layer of the image's size (:func:`zoo.networks.mlp`).
    """
    if grid:
        return _nets.grid_head_mlp(
            input_shape,
            tuple(hidden),
            tuple(grid),
            output_activation=output_activation,
            name=name,
            output_shape=tuple(output_shape),
        )
    return networks.mlp(
        input_shape, output_shape, hidden, output_activation=output_activation, name=name
    )


def dcgan_generator(
    input_shape,
    output_shape,
    *,
    base_shape=(7, 7, 256),
    filters=(256,),
    kernel_size=4,
    bn_momentum=0.8,
    output_activation="tanh",
    name="network",
):
    """:func:`zoo.networks.dcgan_generator`, with the image's channels."""
    return networks.dcgan_generator(
        input_shape,
        base_shape=tuple(base_shape),
        filters=tuple(filters),
        kernel_size=kernel_size,
        bn_momentum=bn_momentum,
        output_channels=output_shape[-1],
        output_activation=output_activation,
        name=name,
    )


def dcgan_discriminator(
    input_shape, output_shape, *, filters=(64, 128), kernel_size=5, dropout=0.3, name="network"
):
    """:func:`zoo.networks.dcgan_discriminator` (one logit)."""
    return networks.dcgan_discriminator(
        input_shape, filters=tuple(filters), kernel_size=kernel_size, dropout=dropout, name=name
    )


def upconv_decoder(
    input_shape,
    output_shape,
    *,
    hidden=(256, 512),
    base_shape=(7, 7, 32),
    filters=(32,),
    kernel_size=5,
    output_activation="sigmoid",
    name="network",
):
    """:func:`zoo.networks.upconv_decoder`."""
    return networks.upconv_decoder(
        input_shape,
        hidden=tuple(hidden),
        base_shape=tuple(base_shape),
        filters=tuple(filters),
        kernel_size=kernel_size,
        output_activation=output_activation,
        output_channels=output_shape[-1],
        name=name,
    )


def bottleneck_generator(
    input_shape,
    output_shape,
    *,
    intermediate_dim=256,
    code_dim=32,
    code_activation="linear",
    batch_norm=False,
    output_activation="sigmoid",
    name="network",
):
    """:func:`zoo.recipes._nets.bottleneck_generator`: article 002's generator."""
    return _nets.bottleneck_generator(
        input_shape,
        intermediate_dim=intermediate_dim,
        code_dim=code_dim,
        code_activation=code_activation,
        batch_norm=batch_norm,
        output_shape=tuple(output_shape),
        output_activation=output_activation,
        name=name,
    )


#: Builder name -> builder, as a :class:`zoo.recipes.config.Net` names it.
NETWORKS = {
    fn.__name__: fn
    for fn in (
        networks.mlp,
        mlp_discriminator,
        grid_mlp,
        networks.gaussian_encoder,
        dcgan_generator,
        dcgan_discriminator,
        upconv_decoder,
        bottleneck_generator,
    )
}


def build(spec, input_shape, output_shape, name):
    """The ``keras.Model`` that ``spec`` (a :class:`zoo.recipes.config.Net`) describes."""
    return NETWORKS[spec.builder](input_shape, output_shape, name=name, **spec.kwargs)
