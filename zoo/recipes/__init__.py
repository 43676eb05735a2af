"""Recipes: every model of the five articles, rebuilt on 28x28x1 MNIST, as data.

A recipe is the data of one article model: a typed config of its family
(:mod:`zoo.recipes.config`: networks as builder specs, optimizers, losses and
the family's settings), a budget, speed settings, and its prose (summary,
readings chosen, the defects of the article's code and text that it
corrects). One data file per article holds them
(``zoo/recipes/articles/a000.toml`` ...); one builder per family turns a
config into a compiled model (:mod:`zoo.recipes.builders`). The docs in
``docs/articles/`` are rendered from the same data (:mod:`zoo.recipes.docs`).

Names are stable: ``a000.gan``, ``a000.ae``, ``a001.dcgan``, ``a001.vae``,
``a002.aegan``, ``a003.cae``, ``a003.ae`` (a lambda = 0 baseline),
``a003.latent_gan``, ``a004.gan``, ``a004.beta_vae``.

Example:
    >>> from zoo import recipes
    >>> recipes.names()[:2]
    ['a000.gan', 'a000.ae']
    >>> model = recipes.build("a004.beta_vae", beta=4.0)
    >>> model.fit(x_train, epochs=1, batch_size=128)  # doctest: +SKIP
    >>> model.sample(16, seed=0).shape
    TensorShape([16, 28, 28, 1])
"""

from zoo.recipes import config
from zoo.recipes._core import (
    ANY_SIZE,
    ARTICLES,
    FAMILIES,
    REGISTRY,
    SAMPLE_KINDS,
    TOPICS,
    Defect,
    Recipe,
    UnknownRecipeError,
    article_defects,
    build,
    by_article,
    get,
    names,
    optimizer_keys,
    register,
)
from zoo.recipes.catalog import load_articles
from zoo.recipes.config import (
    Adam,
    AutoencoderConfig,
    GANConfig,
    LatentGANConfig,
    Net,
    VAEConfig,
)

load_articles()


def check_overrides(recipe, overrides):
    """Raises for an override that is no setting of ``recipe`` or does not fit its type.

    Args:
        recipe: A :class:`Recipe`.
        overrides: ``{key: value}`` as :func:`build` takes them.

    Raises:
        TypeError: an unknown key (the message lists the settings).
        ValueError: a value outside its setting's type or range, naming the key.
    """
    recipe.configure(**overrides)


__all__ = [
    "ANY_SIZE",
    "ARTICLES",
    "FAMILIES",
    "REGISTRY",
    "SAMPLE_KINDS",
    "TOPICS",
    "Adam",
    "AutoencoderConfig",
    "Defect",
    "GANConfig",
    "LatentGANConfig",
    "Net",
    "Recipe",
    "UnknownRecipeError",
    "VAEConfig",
    "article_defects",
    "build",
    "by_article",
    "check_overrides",
    "config",
    "get",
    "load_articles",
    "names",
    "optimizer_keys",
    "register",
]
