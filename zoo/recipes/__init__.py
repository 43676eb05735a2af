"""Recipes: every model of the five articles, rebuilt on 28x28x1 MNIST.

A recipe is the data of one article model: its hyperparameters (a plain
dict), a build function that returns a compiled zoo model, and the defects of
the article's code and text that the recipe corrects. The registry is filled
by one module per article (``a000`` ... ``a004``); the docs in
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

# Importing the article modules registers their recipes, in article order.
from zoo.recipes import a000, a001, a002, a003, a004  # noqa: F401
from zoo.recipes._checks import check_overrides, optimizer_keys
from zoo.recipes._core import (
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
)

__all__ = [
    "ARTICLES",
    "FAMILIES",
    "REGISTRY",
    "SAMPLE_KINDS",
    "TOPICS",
    "Defect",
    "Recipe",
    "UnknownRecipeError",
    "article_defects",
    "build",
    "check_overrides",
    "by_article",
    "get",
    "names",
    "optimizer_keys",
]
