"""Typed recipe configs: every setting a family's model and ``compile`` take, as frozen data.

One config class per family (:class:`GANConfig`, :class:`AutoencoderConfig`,
:class:`VAEConfig`, :class:`LatentGANConfig`), as keras-hub presets and
pythae's model configs are. Networks are :class:`Net` specs (a builder name of
:data:`zoo.recipes.networks.NETWORKS` and its keyword arguments), optimizers
:class:`Adam` specs. A config round-trips through JSON (:meth:`to_dict`,
:func:`from_dict`), which is what a run's ``run.json`` records.

Every setting is addressed by a dotted key (``gradient_penalty``,
``d_optimizer.learning_rate``, ``generator.hidden``,
``autoencoder.encoder.hidden``): :mod:`zoo.recipes.keys` lists and changes them.

Example:
    >>> from zoo import recipes
    >>> config = recipes.get("a000.gan").config
    >>> from_dict(config.to_dict()) == config
    True
"""

import dataclasses
import inspect
import json
import types
from collections.abc import Mapping

__all__ = [
    "CONFIGS",
    "Adam",
    "Config",
    "AutoencoderConfig",
    "GANConfig",
    "LatentGANConfig",
    "Net",
    "VAEConfig",
    "from_dict",
]


def _frozen(value):
    """JSON-ish values made hashable and read-only: lists become tuples, dicts mapping proxies."""
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, Mapping):
        return types.MappingProxyType({k: _frozen(v) for k, v in value.items()})
    return value


def _plain(value):
    """The JSON form of a config value: tuples as lists, specs and mappings as dicts."""
    if dataclasses.is_dataclass(value):
        return value.to_dict()
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


@dataclasses.dataclass(frozen=True)
class Net:
    """A network as data: the builder's name and its keyword arguments.

    The family builder passes the shapes the network's role needs (input and
    output) and its name; ``kwargs`` holds the rest.

    Args:
        builder: A key of :data:`zoo.recipes.networks.NETWORKS`.
        kwargs: Keyword arguments of that builder (lists are stored as tuples).
    """

    builder: str
    kwargs: Mapping = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        from zoo.recipes.networks import NETWORKS  # the table imports zoo.networks (Keras)

        if self.builder not in NETWORKS:
            raise ValueError(
                f"Unknown network builder {self.builder!r}; choose one of {', '.join(NETWORKS)}."
            )
        object.__setattr__(self, "kwargs", _frozen(dict(self.kwargs)))

    def __hash__(self):
        return hash((self.builder, tuple(self.kwargs.items())))

    def __repr__(self):
        settings = "".join(f", {k}={v!r}" for k, v in self.kwargs.items())
        return f"Net({self.builder!r}{settings})"

    def __eq__(self, other):
        return isinstance(other, Net) and (self.builder, dict(self.kwargs)) == (
            other.builder,
            dict(other.kwargs),
        )

    def settable(self):
        """Keyword -> current value: the spec's own, then the builder's other defaults."""
        from zoo.recipes.networks import NETWORKS

        # The first two parameters are the shapes the role passes; the rest are settings.
        params = list(inspect.signature(NETWORKS[self.builder]).parameters.values())[2:]
        defaults = {p.name: p.default for p in params if p.default is not p.empty}
        defaults.pop("name", None)
        return {**defaults, **self.kwargs}

    def to_dict(self):
        return {"builder": self.builder, **_plain(self.kwargs)}


@dataclasses.dataclass(frozen=True)
class Adam:
    """An Adam optimizer as data (each network gets its own instance and state).

    Args:
        learning_rate: Step size (the articles' ``lr=``).
        beta_1: Decay of the first-moment estimate.
        beta_2: Decay of the second-moment estimate.
    """

    learning_rate: float
    beta_1: float = 0.9
    beta_2: float = 0.999

    def build(self):
        """A fresh ``keras.optimizers.Adam``."""
        import keras

        return keras.optimizers.Adam(
            learning_rate=self.learning_rate, beta_1=self.beta_1, beta_2=self.beta_2
        )

    def to_dict(self):
        return dataclasses.asdict(self)


class Config:
    """What the family configs share: a family name, JSON round trips, a post-init freeze.

    A new family's config is a frozen dataclass subclassing this one, with its
    :attr:`kind` (the key of :data:`CONFIGS`) and its builder registered by
    :func:`zoo.recipes.builders.register`.
    """

    #: The key of :data:`CONFIGS` (written as ``"family"`` in the JSON form).
    kind = None
    #: Short keys that stand for several settings: ``learning_rate`` sets both players'.
    ALIASES = {}

    def __post_init__(self):
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, list | tuple | Mapping):
                object.__setattr__(self, field.name, _frozen(value))

    @property
    def family(self):
        """The :data:`zoo.models.FAMILIES` key of the model this config builds."""
        return self.kind

    def to_dict(self):
        """The JSON form: ``{"family": ..., setting: value, ...}``; see :func:`from_dict`."""
        return {
            "family": self.kind,
            **{f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)},
        }

    def to_json(self):
        return json.dumps(self.to_dict(), sort_keys=True)


@dataclasses.dataclass(frozen=True, kw_only=True)
class AdversarialConfig(Config):
    """What the GAN families share: the players, their optimizers, the losses, the step.

    Args:
        latent_dim: Size of the generator's noise.
        generator: Noise -> samples (images, or codes for a latent GAN).
        discriminator: Samples -> one logit.
        d_optimizer: D's optimizer.
        g_optimizer: G's optimizer.
        generator_loss: A name of :data:`zoo.losses.GENERATOR_LOSSES`.
        discriminator_loss: A name of :data:`zoo.losses.DISCRIMINATOR_LOSSES`.
        gradient_penalty: Weight of the gradient penalty on D; 0: none.
        d_steps: D updates per G update.
        reuse_fakes: G's update reuses D's fake batch (one generator pass per
            step); ``False`` draws fresh noise for G, as keras-io does.
        seed: Seed of the training noise.
    """

    ALIASES = {
        "learning_rate": ("d_optimizer.learning_rate", "g_optimizer.learning_rate"),
        "beta_1": ("d_optimizer.beta_1", "g_optimizer.beta_1"),
        "beta_2": ("d_optimizer.beta_2", "g_optimizer.beta_2"),
        "d_learning_rate": ("d_optimizer.learning_rate",),
    }

    latent_dim: int
    generator: Net
    discriminator: Net
    d_optimizer: Adam
    g_optimizer: Adam
    generator_loss: str = "non_saturating"
    discriminator_loss: str = "cross_entropy"
    gradient_penalty: float = 0.0
    d_steps: int = 1
    reuse_fakes: bool = True
    seed: int = 0


@dataclasses.dataclass(frozen=True, kw_only=True)
class GANConfig(AdversarialConfig):
    """A :class:`zoo.GAN`: :class:`AdversarialConfig`'s settings, and these.

    Args:
        joint_batch: D runs once on the real and fake batch concatenated.
        network_range: The range of the networks' images, ``(0, 1)`` or ``(-1, 1)``.
        image_shape: ``(height, width, channels)`` of the images.
    """

    kind = "gan"

    joint_batch: bool = False
    network_range: tuple = (0.0, 1.0)
    image_shape: tuple = (28, 28, 1)


@dataclasses.dataclass(frozen=True)
class AutoencoderConfig(Config):
    """A :class:`zoo.Autoencoder`, or a :class:`zoo.ContractiveAutoencoder` when lambda > 0.

    Args:
        code_dim: Size of the code.
        encoder: Images -> codes.
        decoder: Codes -> images.
        optimizer: The autoencoder's optimizer.
        reconstruction: ``"mse"`` or ``"bce"``.
        reduction: ``"sum"`` over pixels or ``"mean"``.
        contractive_weight: lambda of ``||dh/dx||_F^2``; 0 builds the plain autoencoder.
        network_range: The range of the networks' images.
        seed: Seed of the model.
        image_shape: ``(height, width, channels)`` of the images.
    """

    kind = "autoencoder"
    ALIASES = {
        "learning_rate": ("optimizer.learning_rate",),
        "beta_1": ("optimizer.beta_1",),
        "beta_2": ("optimizer.beta_2",),
    }

    code_dim: int
    encoder: Net
    decoder: Net
    optimizer: Adam
    reconstruction: str = "mse"
    reduction: str = "sum"
    contractive_weight: float = 0.0
    network_range: tuple = (0.0, 1.0)
    seed: int = 0
    image_shape: tuple = (28, 28, 1)

    @property
    def family(self):
        return "contractive_autoencoder" if self.contractive_weight > 0 else "autoencoder"


@dataclasses.dataclass(frozen=True)
class VAEConfig(Config):
    """A :class:`zoo.VAE` (a beta-VAE for ``beta != 1``).

    Args:
        latent_dim: Size of the latent code.
        encoder: Images -> (mean, log-variance).
        decoder: Codes -> images.
        optimizer: The VAE's optimizer.
        beta: Weight of the KL term.
        reconstruction: ``"bce"`` or ``"mse"``.
        reduction: ``"sum"`` over pixels or ``"mean"``.
        network_range: The range of the networks' images.
        seed: Seed of the sampling noise.
        image_shape: ``(height, width, channels)`` of the images.
    """

    kind = "vae"
    ALIASES = AutoencoderConfig.ALIASES

    latent_dim: int
    encoder: Net
    decoder: Net
    optimizer: Adam
    beta: float = 1.0
    reconstruction: str = "bce"
    reduction: str = "sum"
    network_range: tuple = (0.0, 1.0)
    seed: int = 0
    image_shape: tuple = (28, 28, 1)


@dataclasses.dataclass(frozen=True, kw_only=True)
class LatentGANConfig(AdversarialConfig):
    """A :class:`zoo.LatentGAN`: a GAN over an autoencoder's codes, trained with it.

    :class:`AdversarialConfig`'s settings (the generator makes codes, the
    discriminator judges them), and:

    Args:
        autoencoder: The autoencoder whose codes the GAN learns; it is built with
            this config's ``seed`` (the ``seed`` key sets both). Its ``image_shape``
            is the model's (the ``image_shape`` key sets it).
    """

    kind = "latent_gan"
    ALIASES = {
        **AdversarialConfig.ALIASES,
        "ae_learning_rate": ("autoencoder.optimizer.learning_rate",),
        "seed": ("seed", "autoencoder.seed"),
        "image_shape": ("autoencoder.image_shape",),
    }

    autoencoder: AutoencoderConfig


#: The family configs by their JSON ``"family"`` name.
CONFIGS = {c.kind: c for c in (GANConfig, AutoencoderConfig, VAEConfig, LatentGANConfig)}
_SPECS = {"Net": Net, "Adam": Adam}


def _field_type(cls, name):
    hint = {f.name: f.type for f in dataclasses.fields(cls)}[name]
    return hint if isinstance(hint, type) else _SPECS.get(hint) or CONFIGS.get(hint)


def _build(cls, values, where):
    fields = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - fields)
    if unknown:
        raise ValueError(
            f"{where}: unknown setting(s) {', '.join(map(repr, unknown))} of "
            f"{cls.__name__}; its settings are {', '.join(sorted(fields))}."
        )
    kwargs = {}
    for name, value in values.items():
        kind = _field_type(cls, name)
        if kind is Net and isinstance(value, Mapping):
            value = Net(value["builder"], {k: v for k, v in value.items() if k != "builder"})
        elif kind is Adam and isinstance(value, Mapping):
            value = _build(Adam, value, f"{where}.{name}")
        elif isinstance(kind, type) and issubclass(kind, Config) and isinstance(value, Mapping):
            value = from_dict(value, f"{where}.{name}")
        kwargs[name] = value
    try:
        return cls(**kwargs)
    except TypeError as e:  # a missing required setting
        raise ValueError(f"{where}: {e}") from None


def from_dict(values, where="config"):
    """The config that :meth:`to_dict` wrote (lists become tuples).

    Args:
        values: ``{"family": ..., setting: value, ...}``, e.g. from a ``run.json``.
        where: What the values are, for the error message.

    Returns:
        A config of :data:`CONFIGS`.

    Raises:
        ValueError: an unknown family or setting, or a missing one.
    """
    values = dict(values)
    family = values.pop("family", None)
    if family not in CONFIGS:
        raise ValueError(f"{where}: unknown family {family!r}; choose one of {list(CONFIGS)}.")
    return _build(CONFIGS[family], values, where)
