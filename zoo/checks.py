"""The one positive-integer check of zoo's arguments, each message naming the argument."""

import numbers

__all__ = ["is_positive_int", "positive_int"]


def is_positive_int(value):
    """Whether ``value`` is a whole number >= 1 (Python's or NumPy's; ``True`` is not)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1


def positive_int(name, value, note=""):
    """``value`` as an ``int``, or ``ValueError``: "NAME must be a positive integer; got V."

    Args:
        name: How the caller calls the argument (``"epochs"``, ``"--k"``).
        value: The value given.
        note: Said after "a positive integer", e.g. ``" (None: the whole test set)"``.

    Returns:
        ``int(value)``.

    Example:
        >>> positive_int("epochs", 3)
        3
    """
    if not is_positive_int(value):
        raise ValueError(f"{name} must be a positive integer{note}; got {value!r}.")
    return int(value)
