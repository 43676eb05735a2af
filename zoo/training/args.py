"""The checks of :func:`zoo.training.plan`'s arguments, each naming its flag."""

import importlib.util

from zoo import checks, recipes

__all__ = ["check", "check_changes"]


def check(spec, epochs, batch_size, seed, checkpoint_every, val_limit, tensorboard, overrides):
    """Raises for a bad argument of a run; returns ``(epochs, batch_size)``, defaults filled in."""
    budget = dict(spec.budget)
    epochs = checks.positive_int("epochs", budget["epochs"] if epochs is None else epochs)
    batch_size = checks.positive_int(
        "batch_size", budget["batch_size"] if batch_size is None else batch_size
    )
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}.")
    if not isinstance(checkpoint_every, int) or checkpoint_every < 0:
        raise ValueError(
            "--checkpoint-every (checkpoint_every) must be a whole number of steps >= 0 "
            f"(0: after each epoch only); got {checkpoint_every!r}."
        )
    if val_limit is not None:
        checks.positive_int("--val-limit (val_limit)", val_limit, " (None: the whole test set)")
    recipes.check_overrides(spec, overrides)
    if tensorboard and importlib.util.find_spec("tensorboard") is None:
        # Keras' TensorBoard callback would only fail at the end of the first epoch.
        raise ModuleNotFoundError(
            "--tensorboard (tensorboard=True) needs the tensorboard package: "
            "pip install 'tensorboard>=2.16'."
        )
    return epochs, batch_size


def check_changes(spec, allow_changes):
    """Refuses keys of ``--resume-with-changes`` that a resumed run cannot change.

    A checkpoint holds weights and optimizer state: how long to train and the
    optimizers' settings may change over it, not what was built or what data it saw.
    """
    allowed = ["epochs", *recipes.optimizer_keys(spec)]
    bad = [key for key in allow_changes if key not in allowed]
    if bad:
        raise ValueError(
            f"--resume-with-changes (allow_changes) may name {', '.join(allowed)} for "
            f"{spec.name}; got {', '.join(map(repr, bad))}. Other changes make another run: "
            "pass --fresh or choose another --out."
        )
