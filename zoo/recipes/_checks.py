"""Setting checks: every override against the type and range of the setting it replaces.

A config's current values give the types (a ``bool`` takes only
``True``/``False``, an ``int`` a whole number, a ``float`` any finite number, a
tuple of ints a tuple of positive ints), :data:`RANGES` the ranges of the keys
the families share and :data:`CHOICES` the strings with a fixed set of values.
Keras would take a ``hidden=1.5`` only to fail deep inside a layer without
naming the key, and take ``beta_1=5`` without failing at all.
"""

import math
import numbers

from zoo import losses

__all__ = ["CHOICES", "RANGES", "check"]

# last key part (or its suffix) -> (low, high, low included, high included, description)
RANGES = {
    "learning_rate": (0.0, 1.0, False, False, "a number in (0, 1)"),
    "beta_1": (0.0, 1.0, True, False, "a number in [0, 1)"),
    "beta_2": (0.0, 1.0, True, False, "a number in [0, 1)"),
    "bn_momentum": (0.0, 1.0, True, False, "a number in [0, 1)"),
    "dropout": (0.0, 1.0, True, False, "a probability in [0, 1)"),
}


def _builders():
    from zoo.recipes.networks import NETWORKS

    return tuple(NETWORKS)


#: Strings with a fixed set of values (``builder``: the network table's names).
CHOICES = {
    "reconstruction": lambda: losses.RECONSTRUCTION_LOSSES,
    "reduction": lambda: losses.REDUCTIONS,
    "generator_loss": lambda: tuple(losses.GENERATOR_LOSSES),
    "discriminator_loss": lambda: tuple(losses.DISCRIMINATOR_LOSSES),
    "builder": _builders,
}
#: Where a config keeps an optimizer's settings: the keys a resume may change.
OPTIMIZER_SETTINGS = ("learning_rate", "beta_1", "beta_2")


def _range(name):
    return next((r for suffix, r in RANGES.items() if name.endswith(suffix)), None)


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _number(name, value):
    """``value`` as a float if it is one of ``name``'s range, else what ``name`` wants."""
    bounds = _range(name)
    wanted = bounds[4] if bounds else "a finite number >= 0"
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or not math.isfinite(value):
        return None, wanted
    low, high, low_in, high_in, _ = bounds or (0.0, math.inf, True, False, None)
    ok = (value >= low if low_in else value > low) and (value <= high if high_in else value < high)
    return (float(value), None) if ok else (None, wanted)


def _convert(name, value, current):
    """``(value as the setting stores it, None)``, or ``(None, what the setting takes)``."""
    if name == "image_shape":  # (height, width, channels): grey or colour
        ok = (
            isinstance(value, tuple | list)
            and len(value) == 3
            and all(_is_int(v) and v >= 1 for v in value)
            and value[2] in (1, 3)
        )
        return (tuple(int(v) for v in value), None) if ok else (None, "(height, width, 1 or 3)")
    if name == "network_range":
        ok = isinstance(value, tuple | list) and tuple(map(float, value)) in ((0, 1), (-1, 1))
        return (tuple(map(float, value)), None) if ok else (None, "(0.0, 1.0) or (-1.0, 1.0)")
    if name in CHOICES:
        allowed = CHOICES[name]()
        return (value, None) if value in allowed else (None, f"one of {', '.join(allowed)}")
    if current is None:  # a builder's optional keyword: None, or a string (an activation)
        ok = value is None or (isinstance(value, str) and value)
        return (value, None) if ok else (None, "None or a non-empty string")
    if isinstance(current, bool):
        return (value, None) if isinstance(value, bool) else (None, "True or False")
    if _is_int(current):
        low, wanted = (
            (0, "a whole number >= 0") if name == "seed" else (1, "a positive whole number")
        )
        return (int(value), None) if _is_int(value) and value >= low else (None, wanted)
    if isinstance(current, float):
        return _number(name, value)
    if isinstance(current, tuple):
        if _is_int(value):  # one width: hidden=512 is hidden=(512,)
            value = (value,)
        ok = isinstance(value, tuple | list) and all(_is_int(v) and v >= 1 for v in value)
        if name == "grid":  # () turns the grid head off
            ok = ok and len(value) in (0, 3)
            return (tuple(value), None) if ok else (None, "() or (rows, cols, channels)")
        ok = ok and len(value) > 0
        wanted = "a positive whole number or a tuple of them, e.g. (256, 512)"
        return (tuple(int(v) for v in value), None) if ok else (None, wanted)
    if isinstance(current, str):
        return (value, None) if isinstance(value, str) and value else (None, "a non-empty string")
    return value, None


def check(key, path, value, current, where):
    """``value`` as the setting at ``path`` stores it; raises ``ValueError`` if it does not fit.

    Args:
        key: The key the user wrote (an alias or ``path``), named in the message.
        path: The dotted setting it sets.
        value: The new value.
        current: The setting's current value, which gives its type.
        where: What is configured (a recipe's name).

    Returns:
        The value, converted as the setting stores it (``512`` -> ``(512,)`` for a tuple).

    Raises:
        ValueError: naming the key, the value, what is allowed and the current value.
    """
    converted, wanted = _convert(path.rpartition(".")[2], value, current)
    if wanted is not None:
        raise ValueError(
            f"Hyperparameter {key!r} of {where} must be {wanted} (default {current!r}); "
            f"got {value!r}."
        )
    return converted
