"""The recipe data model and registry, shared by the article modules.

Kept apart from ``zoo/recipes/__init__.py`` so that the article modules can
import :func:`register` without a circular import.
"""

import dataclasses
import difflib
import types
from collections.abc import Callable, Mapping

from zoo import distribute, models
from zoo.recipes import _checks

#: Allowed values of :attr:`Defect.topic`, in the order the docs list them.
TOPICS = ("imports", "shapes", "losses", "training loop", "formulas", "facts", "api")

#: Allowed values of :attr:`Recipe.family`: the model families' own table.
FAMILIES = models.FAMILIES

SAMPLE_KINDS = ("samples", "reconstructions")

#: ``keras.Model.compile`` options a recipe may set: how steps run, not what is learned.
COMPILE_OPTIONS = ("jit_compile", "steps_per_execution")

# The five seeds carry no title line; each title restates the article's own
# sentence of purpose ("本文将...") so that the docs can name them.
ARTICLES = {
    "000": ("生成对抗网络（GANs）与自动编码器（AEs）的对比分析", "GANs versus autoencoders"),
    "001": ("生成对抗网络（GANs）与变分自编码器（VAEs）的比较和分析", "GANs versus VAEs"),
    "002": ("自动编码器在生成式对抗网络中的未来趋势和挑战", "Autoencoders in GANs"),
    "003": (
        "收缩自编码器与生成对抗网络的融合",
        "Fusing contractive autoencoders with GANs",
    ),
    "004": ("从生成对抗网络（GANs）到变分自编码器（VAEs）的创新", "From GANs to VAEs"),
}


def _nonempty(obj, *fields):
    for field in fields:
        value = getattr(obj, field)
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{type(obj).__name__}.{field} must be a non-empty string.")


@dataclasses.dataclass(frozen=True)
class Defect:
    """One defect of an article's code or text, and how the recipe corrects it.

    Args:
        topic: One of :data:`TOPICS`.
        original: What the article wrote or did (quoted or paraphrased).
        correction: What the recipe does instead.
        reason: Why the original is wrong.
        source: A reference backing a factual correction, where one is needed.
    """

    topic: str
    original: str
    correction: str
    reason: str
    source: str | None = None

    def __post_init__(self):
        if self.topic not in TOPICS:
            raise ValueError(f"Unknown defect topic {self.topic!r}; choose one of {TOPICS}.")
        _nonempty(self, "original", "correction", "reason")


@dataclasses.dataclass(frozen=True)
class Recipe:
    """One model of one article, rebuilt on 28x28x1 MNIST.

    Args:
        name: Registry key, ``"a<article>.<model>"``; stable once published.
        article: Article id, a key of :data:`ARTICLES`.
        title: Short English name of the model.
        family: One of :data:`FAMILIES`.
        summary: What the model is and how it follows (or departs from) the article.
        hyperparameters: Keyword arguments of ``build_fn``; :func:`build`
            overrides update them. Stored read-only.
        defects: The article's defects this recipe corrects (article-wide ones
            are repeated in each of the article's recipes; the docs dedupe them).
        build_fn: ``build_fn(compile_options=..., **hyperparameters)`` returns
            the model, compiled once with those options.
        value_range: Where the networks' images live, and what the model takes
            and returns.
        budget: Training budget of the benchmark, ``dict(epochs=..., batch_size=...)``.
        choices: Readings chosen where the article is ambiguous or silent.
        compile_options: Speed settings applied by :func:`build` (keys of
            :data:`COMPILE_OPTIONS`), chosen by measurement (``make bench``,
            ``docs/benchmarks.md``); they change how fast steps run, not what
            a step computes. Under more than one replica, settings Keras
            cannot run there are dropped
            (:func:`zoo.distribute.resolve_compile_options`).
    """

    name: str
    article: str
    title: str
    family: str
    summary: str
    hyperparameters: Mapping
    defects: tuple
    build_fn: Callable
    value_range: str
    budget: Mapping
    choices: tuple = ()
    compile_options: Mapping = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        _nonempty(self, "name", "title", "summary", "value_range")
        if self.article not in ARTICLES:
            raise ValueError(f"Unknown article {self.article!r}; choose one of {list(ARTICLES)}.")
        if not self.name.startswith(f"a{self.article}."):
            raise ValueError(f"Recipe name {self.name!r} must start with 'a{self.article}.'.")
        if self.family not in FAMILIES:
            raise ValueError(f"Unknown family {self.family!r}; choose one of {list(FAMILIES)}.")
        if not self.defects or not all(isinstance(d, Defect) for d in self.defects):
            raise ValueError(f"Recipe {self.name!r} needs a non-empty tuple of Defect.")
        if set(self.budget) != {"epochs", "batch_size"}:
            raise ValueError("budget must be dict(epochs=..., batch_size=...).")
        unknown = sorted(set(self.compile_options) - set(COMPILE_OPTIONS))
        if unknown:
            raise ValueError(
                f"compile_options may set {COMPILE_OPTIONS} only; got {unknown}. "
                "Hyperparameters belong in `hyperparameters`."
            )
        # Read-only views: a frozen dataclass should not have mutable insides.
        hyperparameters = types.MappingProxyType(dict(self.hyperparameters))
        object.__setattr__(self, "hyperparameters", hyperparameters)
        object.__setattr__(self, "budget", types.MappingProxyType(dict(self.budget)))
        options = types.MappingProxyType(dict(self.compile_options))
        object.__setattr__(self, "compile_options", options)
        object.__setattr__(self, "defects", tuple(self.defects))
        object.__setattr__(self, "choices", tuple(self.choices))

    @property
    def model_class(self):
        """The zoo class this recipe builds (its family's)."""
        return FAMILIES[self.family]

    @property
    def sample_kind(self):
        """What its image grids show, as its family declares (``"samples"`` ...)."""
        return self.model_class.sample_kind


class UnknownRecipeError(KeyError, ValueError):
    """An unknown recipe name; a ``KeyError`` (a lookup) and a ``ValueError`` (bad input)."""

    def __str__(self):
        # KeyError.__str__ would wrap the message in quotes.
        return str(self.args[0])


# name -> Recipe, filled by the article modules on import (insertion order = docs order).
REGISTRY: dict[str, Recipe] = {}


def register(recipe):
    """Adds ``recipe`` to the registry and returns it.

    Raises:
        ValueError: if a recipe of that name is already registered.
    """
    if recipe.name in REGISTRY:
        raise ValueError(f"Recipe {recipe.name!r} is already registered.")
    REGISTRY[recipe.name] = recipe
    return recipe


def names():
    """Names of all recipes, in article order.

    Returns:
        A list of strings such as ``"a000.gan"``.
    """
    return list(REGISTRY)


def get(name):
    """The :class:`Recipe` called ``name``.

    Args:
        name: A recipe name, see :func:`names`.

    Returns:
        The registered :class:`Recipe`.

    Raises:
        UnknownRecipeError: (a ``KeyError`` and ``ValueError``) for an unknown
            name; the message lists the known names and
            suggests the closest one.

    Example:
        >>> get("a004.beta_vae").family
        'vae'
    """
    try:
        return REGISTRY[name]
    except KeyError:
        close = difflib.get_close_matches(str(name), REGISTRY, n=1, cutoff=0.5)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise UnknownRecipeError(
            f"Unknown recipe {name!r}.{hint} Known recipes: {', '.join(REGISTRY)}."
        ) from None


def build(name, compile_options=None, fit_steps=None, **overrides):
    """Builds the model of recipe ``name``, compiled once with its final options.

    Args:
        name: A recipe name, see :func:`names`.
        compile_options: ``keras.Model.compile`` options (``jit_compile``,
            ``steps_per_execution``) that override the recipe's
            :attr:`Recipe.compile_options`.
        fit_steps: A number of steps that every execution must fit into
            whole (an epoch's steps, as :func:`zoo.training.train` passes):
            ``steps_per_execution`` is lowered to its largest divisor not above
            it. Keras runs ``steps_per_execution`` steps per call whatever
            ``steps_per_epoch`` says, so a call that ran past the end of an
            epoch fed back to back with the next would train on the next
            epoch's first batches and count its steps wrong; 469 steps (full
            MNIST, batch 128) and 16 give 7.
        **overrides: Hyperparameters to change, e.g. ``beta=4.0``.

    Returns:
        A compiled ``keras.Model`` of the recipe's family, ready for ``fit``.
        Built inside a ``tf.distribute`` strategy's scope, it belongs to that
        strategy.

    Raises:
        KeyError: for an unknown recipe name.
        TypeError: for an override that is not one of the recipe's hyperparameters.
        ValueError: for an override outside its type or range
            (:func:`zoo.recipes._checks.check_overrides`); for compile options
            that cannot run under the strategy in scope.

    Example:
        >>> vae = build("a004.beta_vae", beta=4.0)
        >>> vae.beta
        4.0
        >>> build("a000.gan", compile_options={"steps_per_execution": 1}).steps_per_execution
        1
        >>> build("a000.gan", fit_steps=469).steps_per_execution  # the recipe's 16 -> 7
        7
    """
    recipe = get(name)
    unknown = sorted(set(overrides) - set(recipe.hyperparameters))
    if unknown:
        raise TypeError(
            f"Recipe {name!r} has no hyperparameter(s) {', '.join(map(repr, unknown))}; "
            f"its hyperparameters are: {', '.join(recipe.hyperparameters)}."
        )
    _checks.check_overrides(recipe, overrides)
    options = distribute.resolve_compile_options(recipe.compile_options, compile_options)
    if fit_steps is not None:
        if isinstance(fit_steps, bool) or not isinstance(fit_steps, int) or fit_steps < 1:
            raise ValueError(f"fit_steps must be a positive integer; got {fit_steps!r}.")
        spe = options.get("steps_per_execution", 1)
        options["steps_per_execution"] = max(d for d in range(1, spe + 1) if fit_steps % d == 0)
    return recipe.build_fn(compile_options=options, **{**recipe.hyperparameters, **overrides})


def by_article():
    """Recipes grouped by article id, in article order.

    Returns:
        ``dict`` from article id (``"000"``...) to a list of :class:`Recipe`.
    """
    groups = {article: [] for article in ARTICLES}
    for recipe in REGISTRY.values():
        groups[recipe.article].append(recipe)
    return {article: recipes for article, recipes in groups.items() if recipes}


def article_defects(article):
    """All defects of one article, each once, in the order its recipes list them.

    Args:
        article: An article id, a key of :data:`ARTICLES`.

    Returns:
        A tuple of :class:`Defect`.
    """
    seen = {}
    for recipe in by_article().get(article, []):
        for defect in recipe.defects:
            seen.setdefault(defect, None)
    return tuple(seen)
