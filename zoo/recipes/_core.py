"""The recipe data model and registry, filled from one data file per article.

A recipe is data: a name, its article, a typed config (:mod:`zoo.recipes.config`),
a training budget, speed settings, short ``--set`` keys and its prose. The
recipes, their prose and the articles' defects live in ``zoo/recipes/articles/aNNN.toml``;
:mod:`zoo.recipes.catalog` reads them once, on import.
"""

import dataclasses
import difflib
import numbers
import types
from collections.abc import Mapping

from zoo import checks, distribute, models
from zoo.recipes import builders
from zoo.recipes import config as cfg
from zoo.recipes import keys as settings_keys

#: Allowed values of :attr:`Defect.topic`, in the order the docs list them.
TOPICS = ("imports", "shapes", "losses", "training loop", "formulas", "facts", "api")

#: The model families' own table; a recipe's config names one.
FAMILIES = models.FAMILIES

SAMPLE_KINDS = ("samples", "reconstructions")

#: ``keras.Model.compile`` options a recipe may set: how steps run, not what is learned.
COMPILE_OPTIONS = ("jit_compile", "steps_per_execution")

#: Article id -> (Chinese title, English title), filled from the data files. The seeds
#: carry no title line; each title restates the article's own sentence of purpose.
ARTICLES = {}
#: Article id -> the paragraphs that open its page in ``docs/articles/``.
ABOUT = {}


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


#: What ``image_sizes`` says of networks that take images of any height and width.
ANY_SIZE = "any"


@dataclasses.dataclass(frozen=True)
class Recipe:
    """One model of one article, rebuilt on 28x28x1 MNIST (and other images), as data.

    Args:
        name: Registry key, ``"a<article>.<model>"``; stable once published.
        article: Article id, a key of :data:`ARTICLES`.
        title: Short English name of the model.
        config: The typed config of its family (:mod:`zoo.recipes.config`):
            every setting that :func:`build` passes to the model and ``compile``.
        summary: What the model is and how it follows (or departs from) the article.
        defects: The article's defects this recipe corrects (article-wide ones
            are repeated in each of the article's recipes; the docs dedupe them).
        value_range: Where the networks' images live, and what the model takes
            and returns.
        budget: Training budget of the benchmark, ``dict(epochs=..., batch_size=...)``.
        choices: Readings chosen where the article is ambiguous or silent, and the
            departures, each with its measurement.
        compile_options: Speed settings applied by :func:`build` (keys of
            :data:`COMPILE_OPTIONS`), chosen by measurement (``make bench``,
            ``docs/benchmarks.md``); they change how fast steps run, not what
            a step computes. Under more than one replica, settings Keras
            cannot run there are dropped
            (:func:`zoo.distribute.resolve_compile_options`).
        aliases: Short keys of :func:`build`'s overrides (and ``--set``), each
            standing for one or more dotted settings of the config:
            ``{"hidden": ("generator.hidden", "discriminator.hidden")}``. The
            family's own (``learning_rate`` ...) come with its config class.
        candidates: The configurations its measured choices compare, by name:
            each the overrides that make it from the recipe, every one of which
            differs from the recipe's value (``tests/test_config.py`` checks it),
            so that a candidate cannot silently come to mean another
            configuration when a default moves (``python -m bench.sweep`` trains
            and scores them).
        image_sizes: The square image sides its networks draw, each with the
            overrides that side needs (``{}`` for none), e.g. ``{28: {}, 64:
            {"g_base_shape": (4, 4, 256), ...}}``; or :data:`ANY_SIZE` for networks
            that take any height and width (dense ones, through their flat
            size). Channels are the data's, 1 or 3. The config itself is the
            first size's (MNIST's 28x28x1 for every recipe today).
    """

    name: str
    article: str
    title: str
    config: cfg.Config
    summary: str
    defects: tuple
    value_range: str
    budget: Mapping
    choices: tuple = ()
    compile_options: Mapping = dataclasses.field(default_factory=dict)
    aliases: Mapping = dataclasses.field(default_factory=dict)
    candidates: Mapping = dataclasses.field(default_factory=dict)
    image_sizes: Mapping | str = dataclasses.field(default_factory=lambda: {28: {}})

    def __post_init__(self):
        _nonempty(self, "name", "title", "summary", "value_range")
        if self.article not in ARTICLES:
            raise ValueError(f"Unknown article {self.article!r}; choose one of {list(ARTICLES)}.")
        if not self.name.startswith(f"a{self.article}."):
            raise ValueError(f"Recipe name {self.name!r} must start with 'a{self.article}.'.")
        if not isinstance(self.config, cfg.Config):
            raise ValueError(f"Recipe {self.name!r} needs a config of {list(cfg.CONFIGS)}.")
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
                "What is learned belongs in `config`."
            )
        settable = settings_keys.keys(self.config)
        for key, paths in self.aliases.items():
            missing = [p for p in paths if p not in settable]
            if not paths or missing:
                raise ValueError(
                    f"Recipe {self.name!r}: alias {key!r} names no setting of its config "
                    f"({', '.join(missing) or 'nothing'})."
                )
        # Read-only views: a frozen dataclass should not have mutable insides.
        object.__setattr__(self, "budget", types.MappingProxyType(dict(self.budget)))
        options = types.MappingProxyType(dict(self.compile_options))
        object.__setattr__(self, "compile_options", options)
        aliases = {k: tuple(v) for k, v in self.aliases.items()}
        object.__setattr__(self, "aliases", types.MappingProxyType(aliases))
        object.__setattr__(self, "defects", tuple(self.defects))
        object.__setattr__(self, "choices", tuple(self.choices))
        candidates = {k: types.MappingProxyType(dict(v)) for k, v in self.candidates.items()}
        object.__setattr__(self, "candidates", types.MappingProxyType(candidates))
        for overrides in self.candidates.values():
            self.configure(**overrides)  # each names settings of the right types
        if self.image_sizes != ANY_SIZE:
            if not isinstance(self.image_sizes, Mapping) or not self.image_sizes:
                raise ValueError(
                    f"Recipe {self.name!r}: image_sizes must be {ANY_SIZE!r} or a table of "
                    "sides, each with the overrides it needs ({} for none)."
                )
            sizes = {int(k): cfg._frozen(dict(v)) for k, v in self.image_sizes.items()}
            object.__setattr__(self, "image_sizes", types.MappingProxyType(sizes))
            for side, extra in sizes.items():  # each names settings of the right types
                where = f"{self.name}'s image size {side}"
                settings_keys.override(self.config, dict(extra), self.aliases, where=where)

    def size_overrides(self, image_shape):
        """The overrides that fit the recipe's networks to images of ``image_shape``.

        Args:
            image_shape: ``(height, width, channels)``.

        Returns:
            ``{key: value}``, the recipe's own for that side (empty for networks that
            take any size); :meth:`configure` applies them before the caller's.

        Raises:
            ValueError: a size the recipe's networks do not draw, naming those they do.
        """
        height, width = (int(v) for v in tuple(image_shape)[:2])
        if self.image_sizes == ANY_SIZE:
            return {}
        if height != width or height not in self.image_sizes:
            sides = " or ".join(f"{s}x{s}" for s in self.image_sizes)
            raise ValueError(
                f"{self.name} draws {sides} images, not {height}x{width}; fit the data to "
                f"one of them (image_size= in Python, --image-size on the command line)."
            )
        return dict(self.image_sizes[height])

    @property
    def family(self):
        """The :data:`FAMILIES` key of the model its config builds."""
        return self.config.family

    @property
    def model_class(self):
        """The zoo class this recipe builds (its family's)."""
        return FAMILIES[self.family]

    @property
    def sample_kind(self):
        """What its image grids show, as its family declares (``"samples"`` ...)."""
        return self.model_class.sample_kind

    @property
    def settings(self):
        """Every setting the config states, by dotted key (its networks' specs flattened)."""
        return _flatten(self.config.to_dict())

    @property
    def hyperparameters(self):
        """The short keys: the config's top-level values, the family's and the recipe's aliases.

        Each alias shows the value of the first setting it stands for
        (``hidden`` -> ``generator.hidden``).
        """
        every = settings_keys.keys(self.config)
        top = {k: v for k, v in every.items() if "." not in k}
        short = {k: every[p[0]] for k, p in self.short_keys().items()}
        return types.MappingProxyType({**top, **short})

    def short_keys(self):
        """Short key -> the dotted settings it stands for: the recipe's own first, then
        the family's (a recipe's key of the same name wins)."""
        family = type(self.config).ALIASES
        return {**self.aliases, **{k: v for k, v in family.items() if k not in self.aliases}}

    def configure(self, **overrides):
        """The recipe's config with ``overrides`` applied (keys as :func:`build` takes them).

        An ``image_shape`` brings the overrides of its size (:meth:`size_overrides`)
        with it; the caller's own overrides win over them.
        """
        shape = overrides.get("image_shape")
        sized = isinstance(shape, tuple | list) and len(shape) == 3
        if sized and all(isinstance(v, numbers.Integral) for v in shape):  # else the check says
            overrides = {**self.size_overrides(shape), **overrides}
        return settings_keys.override(self.config, overrides, self.aliases, where=self.name)

    def is_config_of(self, values):
        """Whether a recorded config (a run's or a preset's JSON form) is the recipe's own.

        Compared once read back (:func:`zoo.recipes.config.from_dict`), so that a
        setting added to the family since, whose default builds the model as it was
        (``image_shape``), does not make older runs and presets stale.
        """
        try:
            return cfg.from_dict(values) == self.config
        except ValueError:  # a setting the family no longer has
            return False

    def changed(self, **overrides):
        """The dotted settings whose values ``overrides`` change, ``{key: (before, after)}``."""
        before, after = (
            settings_keys.keys(self.config),
            settings_keys.keys(self.configure(**overrides)),
        )
        return {k: (before[k], after[k]) for k in before if before[k] != after[k]}

    def expand(self, key):
        """The dotted settings that ``key`` (a short key or a dotted one) stands for."""
        return settings_keys.expand(self.config, key, self.aliases)


def _flatten(values, prefix=""):
    out = {}
    for key, value in values.items():
        if isinstance(value, Mapping):
            out.update(_flatten(value, f"{prefix}{key}."))
        elif key != "family" or prefix:
            out[prefix + key] = tuple(value) if isinstance(value, list) else value
    return out


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
        **overrides: Settings to change: dotted keys of the config
            (``**{"d_optimizer.learning_rate": 1e-4}``), the family's short keys
            (``learning_rate``, ``beta_1`` ...) or the recipe's (``hidden`` ...),
            e.g. ``beta=4.0``. Any setting of the family is a key of every
            recipe of it.

    Returns:
        A compiled ``keras.Model`` of the recipe's family, ready for ``fit``;
        ``model.recipe`` is ``name``. Built inside a ``tf.distribute``
        strategy's scope, it belongs to that strategy.

    Raises:
        KeyError: for an unknown recipe name.
        TypeError: for an override that is no setting of the recipe.
        ValueError: for an override outside its setting's type or range
            (:func:`zoo.recipes._checks.check`); for compile options that
            cannot run under the strategy in scope.

    Example:
        >>> vae = build("a004.beta_vae", beta=4.0)
        >>> vae.beta, vae.recipe
        (4.0, 'a004.beta_vae')
        >>> build("a000.gan", discriminator_loss="wasserstein").discriminator_loss_fn.__name__
        'wasserstein_discriminator_loss'
        >>> build("a000.gan", fit_steps=469).steps_per_execution  # the recipe's 16 -> 7
        7
    """
    recipe = get(name)
    config = recipe.configure(**overrides)
    options = distribute.resolve_compile_options(recipe.compile_options, compile_options)
    if fit_steps is not None:
        checks.positive_int("fit_steps", fit_steps)
        spe = options.get("steps_per_execution", 1)
        options["steps_per_execution"] = max(d for d in range(1, spe + 1) if fit_steps % d == 0)
    return builders.build(config, options, recipe=recipe.name)


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


def optimizer_keys(recipe):
    """The keys whose values a resumed run may change: its optimizers' settings.

    The family's and the recipe's short keys that stand only for optimizer
    settings first (``learning_rate``, ``ae_learning_rate`` ...), then every
    dotted optimizer setting (``d_optimizer.learning_rate`` ...).
    """
    from zoo.recipes._checks import OPTIMIZER_SETTINGS

    settable = settings_keys.keys(recipe.config)
    dotted = [k for k in settable if "." in k and k.rpartition(".")[2] in OPTIMIZER_SETTINGS]
    dotted = [k for k in dotted if isinstance(_owner(recipe.config, k), cfg.Adam)]
    short = [k for k, paths in recipe.short_keys().items() if all(p in dotted for p in paths)]
    return short + dotted


def _owner(config, path):
    for part in path.split(".")[:-1]:
        config = getattr(config, part)
    return config
