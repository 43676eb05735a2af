"""One builder per family: a config in, a model out, compiled once.

Networks are built in a fixed order (generator before discriminator, encoder
before decoder, an autoencoder before the GAN over its codes), since Keras'
initialisers draw from the global random state in build order: the same
config and seed give the same initial weights.
"""

import dataclasses
import functools

from zoo import models
from zoo.recipes import config as cfg
from zoo.recipes.networks import build as net

__all__ = ["build", "register"]


def _model_name(recipe, family):
    """The Keras name of the model: the recipe's with ``_`` for ``.`` (``a000_gan``)."""
    return recipe.replace(".", "_") if recipe else family


def _halves(config, code, recipe):
    """An autoencoding config's encoder and decoder (in that order), and the model's arguments."""
    encoder = net(config.encoder, config.image_shape, code, "encoder")
    decoder = _check_images(net(config.decoder, code, config.image_shape, "decoder"), config)
    args = dict(
        reconstruction=config.reconstruction,
        reduction=config.reduction,
        network_range=config.network_range,
        seed=config.seed,
        recipe=recipe,
        name=_model_name(recipe, config.family),
    )
    return encoder, decoder, args


def _autoencoder(config, recipe):
    encoder, decoder, args = _halves(config, config.code_dim, recipe)
    if config.contractive_weight > 0:
        return models.ContractiveAutoencoder(
            encoder, decoder, contractive_weight=config.contractive_weight, **args
        )
    return models.Autoencoder(encoder, decoder, **args)


def _adversarial(config, recipe):
    """The GAN families' shared model arguments, and their ``compile`` arguments."""
    model = dict(
        d_steps=config.d_steps,
        reuse_fakes=config.reuse_fakes,
        seed=config.seed,
        recipe=recipe,
        name=_model_name(recipe, config.family),
    )
    compile_args = dict(
        d_optimizer=config.d_optimizer.build(),
        g_optimizer=config.g_optimizer.build(),
        generator_loss=config.generator_loss,
        discriminator_loss=config.discriminator_loss,
        gradient_penalty=config.gradient_penalty,
    )
    return model, compile_args


def _check_images(network, config):
    """``network`` if it draws ``config.image_shape`` images; else one line that says so.

    The convolutional networks fix their output size by their layers (a 7x7 base and two
    stride-2 upsamplings make 28x28), so a shape their settings do not make is refused here,
    before any training, rather than at the first batch.
    """
    made = tuple(network.output_shape[1:])
    if made != tuple(config.image_shape):
        shape = "x".join(map(str, config.image_shape))
        raise ValueError(
            f"The {network.name} draws {'x'.join(map(str, made))} images, not the {shape} of "
            f"the data: its settings ({network.name}.base_shape, .filters ...) make another "
            "size; use a recipe's own image size (recipes.get(name).image_sizes)."
        )
    return network


@functools.singledispatch
def _build(config, compile_options, recipe):
    raise TypeError(f"No builder for {type(config).__name__}; expected one of {list(cfg.CONFIGS)}.")


@_build.register
def _(config: cfg.GANConfig, compile_options, recipe):
    generator = net(config.generator, config.latent_dim, config.image_shape, "generator")
    generator = _check_images(generator, config)
    discriminator = net(config.discriminator, config.image_shape, 1, "discriminator")
    args, compile_args = _adversarial(config, recipe)
    model = models.GAN(
        generator,
        discriminator,
        joint_batch=config.joint_batch,
        network_range=config.network_range,
        **args,
    )
    model.compile(**compile_args, **compile_options)
    return model


@_build.register
def _(config: cfg.AutoencoderConfig, compile_options, recipe):
    model = _autoencoder(config, recipe)
    model.compile(optimizer=config.optimizer.build(), **compile_options)
    return model


@_build.register
def _(config: cfg.VAEConfig, compile_options, recipe):
    encoder, decoder, args = _halves(config, config.latent_dim, recipe)
    model = models.VAE(encoder, decoder, beta=config.beta, **args)
    model.compile(optimizer=config.optimizer.build(), **compile_options)
    return model


@_build.register
def _(config: cfg.LatentGANConfig, compile_options, recipe):
    autoencoder = _autoencoder(dataclasses.replace(config.autoencoder, seed=config.seed), None)
    code_dim = config.autoencoder.code_dim
    generator = net(config.generator, config.latent_dim, code_dim, "generator")
    discriminator = net(config.discriminator, code_dim, 1, "discriminator")
    args, compile_args = _adversarial(config, recipe)
    model = models.LatentGAN(generator, discriminator, autoencoder, **args)
    ae_optimizer = config.autoencoder.optimizer.build()
    model.compile(**compile_args, ae_optimizer=ae_optimizer, **compile_options)
    return model


def build(config, compile_options=None, recipe=None):
    """The model of ``config``, compiled once with ``compile_options``.

    Args:
        config: A family config (:mod:`zoo.recipes.config`).
        compile_options: ``keras.Model.compile`` options (``jit_compile``,
            ``steps_per_execution``).
        recipe: The recipe's name, stored in the model's config (``model.recipe``)
            and, with ``.`` as ``_``, its Keras name.

    Returns:
        A compiled model of the config's family.

    Example:
        >>> from zoo import recipes
        >>> build(recipes.get("a004.beta_vae").config).beta
        1.0
    """
    return _build(config, dict(compile_options or {}), recipe)


#: ``register(ConfigClass)(fn)``: the builder ``fn(config, compile_options, recipe)`` of a
#: new family's config class (see :func:`build`).
register = _build.register
