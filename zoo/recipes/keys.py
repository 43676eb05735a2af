"""Settings by dotted key: list a config's, change them with each value type-checked.

Every setting of a config (:mod:`zoo.recipes.config`) has a key: its field
(``gradient_penalty``), a spec's field (``d_optimizer.learning_rate``), a network
spec's keyword or builder (``generator.hidden``, ``generator.builder``), a nested
config's (``autoencoder.encoder.hidden``). Short keys (a config class's
``ALIASES`` and a recipe's ``aliases``) stand for one or more of them.

Example:
    >>> from zoo import recipes
    >>> config = recipes.get("a000.gan").config
    >>> override(config, {"discriminator_loss": "wasserstein"}).discriminator_loss
    'wasserstein'
"""

import dataclasses
import difflib

from zoo.recipes import _checks
from zoo.recipes.config import Net

__all__ = ["expand", "keys", "override"]


def keys(config, prefix=""):
    """Every settable key of ``config`` and its current value, dotted, in field order.

    A network's keys are its spec's keyword arguments and its builder's other
    keyword-only ones (``generator.dropout`` ...), and ``generator.builder``.

    Returns:
        ``dict`` from key to value.
    """
    out = {}
    for field in dataclasses.fields(config):
        value, key = getattr(config, field.name), prefix + field.name
        if isinstance(value, Net):
            out[f"{key}.builder"] = value.builder
            out.update({f"{key}.{k}": v for k, v in value.settable().items()})
        elif dataclasses.is_dataclass(value):
            out.update(keys(value, f"{key}."))
        else:
            out[key] = value
    return out


def _set(config, path, value):
    head, _, rest = path.partition(".")
    current = getattr(config, head)
    if not rest:
        return dataclasses.replace(config, **{head: value})
    if isinstance(current, Net):
        if rest == "builder":
            return dataclasses.replace(config, **{head: Net(value, current.kwargs)})
        return dataclasses.replace(
            config, **{head: Net(current.builder, {**current.kwargs, rest: value})}
        )
    return dataclasses.replace(config, **{head: _set(current, rest, value)})


def expand(config, key, aliases=None):
    """The dotted keys that ``key`` sets: itself, or those of a recipe's or the family's alias."""
    aliases = {**type(config).ALIASES, **(aliases or {})}
    return tuple(aliases.get(key, (key,)))


def override(config, overrides, aliases=None, where="the config"):
    """``config`` with ``overrides`` applied, in order, each checked against its setting's type.

    Args:
        config: A family config.
        overrides: ``{key: value}``: dotted keys of :func:`keys`, or aliases
            (the family's :attr:`ALIASES`, then ``aliases``).
        aliases: A recipe's own short keys (``{"hidden": ("generator.hidden", ...)}``).
        where: What is being configured (a recipe's name), for the messages.

    Returns:
        A new config of the same class.

    Raises:
        TypeError: for a key that is no setting (the message lists the settings).
        ValueError: for a value outside its setting's type or range.
    """
    settable = keys(config)
    for key, value in overrides.items():
        for path in expand(config, key, aliases):
            if path not in settable:
                known = sorted({*settable, *type(config).ALIASES, *(aliases or {})})
                close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise TypeError(
                    f"{where} has no setting {key!r}.{hint} Its settings are: {', '.join(known)}."
                )
            checked = _checks.check(key, path, value, settable[path], where)
            config = _set(config, path, checked)
    return config
