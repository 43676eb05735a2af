"""Hyperparameter checks: every override against its type and range, before anything is built.

A recipe's hyperparameters are plain dicts; their defaults give the types
(a ``bool`` takes only ``True``/``False``, an ``int`` a whole number, a
``float`` any finite number, a tuple of ints a tuple of positive ints), and
:data:`RANGES` the ranges of the keys the recipes share. Keras would take a
``hidden=1.5`` only to fail deep inside a layer without naming the key, and
take ``beta_1=5`` without failing at all.
"""

import math
import numbers

from zoo import losses

__all__ = ["RANGES", "CHOICES", "check_overrides", "optimizer_keys"]

# key (or key suffix) -> (low, high, low included, high included, description)
RANGES = {
    "learning_rate": (0.0, 1.0, False, False, "a number in (0, 1)"),
    "beta_1": (0.0, 1.0, True, False, "a number in [0, 1)"),
    "beta_2": (0.0, 1.0, True, False, "a number in [0, 1)"),
    "bn_momentum": (0.0, 1.0, True, False, "a number in [0, 1)"),
    "dropout": (0.0, 1.0, True, False, "a probability in [0, 1)"),
}
#: Strings with a fixed set of values.
CHOICES = {
    "reconstruction": losses.RECONSTRUCTION_LOSSES,
    "reduction": losses.REDUCTIONS,
    "generator_loss": tuple(losses.GENERATOR_LOSSES),
}
#: What an optimizer's settings are called: the keys a resume may change.
OPTIMIZER_SUFFIXES = ("learning_rate", "beta_1", "beta_2")


def optimizer_keys(recipe):
    """The recipe's optimizer hyperparameters (``learning_rate``, ``ae_learning_rate`` ...)."""
    return [k for k in recipe.hyperparameters if k.endswith(OPTIMIZER_SUFFIXES)]


def _range(key):
    return next((r for suffix, r in RANGES.items() if key.endswith(suffix)), None)


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _problem(key, value, default):
    """What is wrong with ``value`` for ``key`` (a description of the allowed values), or None."""
    if default is None:  # optional: None, or a value of the key's range (d_learning_rate)
        return None if value is None or _range(key) is None else _problem(key, value, 1.0)
    if isinstance(default, bool):
        return None if isinstance(value, bool) else "True or False"
    if _is_int(default):
        if key == "seed":
            return None if _is_int(value) and value >= 0 else "a whole number >= 0"
        return None if _is_int(value) and value >= 1 else "a positive whole number"
    if isinstance(default, float):
        bounds = _range(key)
        wanted = bounds[4] if bounds else "a finite number >= 0"
        if not isinstance(value, numbers.Real) or isinstance(value, bool):
            return wanted
        if not math.isfinite(value):
            return wanted
        low, high, low_in, high_in, _ = bounds or (0.0, math.inf, True, False, None)
        ok_low = value >= low if low_in else value > low
        ok_high = value <= high if high_in else value < high
        return None if ok_low and ok_high else wanted
    if isinstance(default, tuple):
        ok = isinstance(value, tuple | list) and all(_is_int(v) and v >= 1 for v in value)
        if key.endswith("_grid"):  # () turns the grid head off
            return None if ok and len(value) in (0, 3) else "() or (rows, cols, channels)"
        return None if ok and value else "a tuple of positive whole numbers, e.g. (256, 512)"
    if isinstance(default, str):
        if key in CHOICES:
            return None if value in CHOICES[key] else f"one of {', '.join(CHOICES[key])}"
        return None if isinstance(value, str) and value else "a non-empty string"
    return None


def check_overrides(recipe, overrides):
    """Raises ``ValueError`` for an override outside its type or range, naming the key.

    Args:
        recipe: A :class:`zoo.recipes.Recipe`.
        overrides: ``{key: value}``; unknown keys are left to :func:`zoo.recipes.build`.

    Raises:
        ValueError: the message names the key, the value, what is allowed and the default.
    """
    for key, value in overrides.items():
        if key not in recipe.hyperparameters:
            continue
        default = recipe.hyperparameters[key]
        wanted = _problem(key, value, default)
        if wanted is not None:
            raise ValueError(
                f"Hyperparameter {key!r} of {recipe.name} must be {wanted} "
                f"(default {default!r}); got {value!r}."
            )
