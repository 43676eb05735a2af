"""Training a recipe end to end, in one wing: the run, its directory, its checkpoints.

* :mod:`zoo.training.run`: :func:`train` and its parts (:class:`Settings`,
  :func:`plan`, :func:`build`, :func:`fit`), the one path that the command line,
  the notebooks and the tests share;
* :mod:`zoo.training.rundir`: the run directory's layout, its one owner;
* :mod:`zoo.training.checkpoint` and :mod:`zoo.training.divergence`: resumable
  checkpoints and the NaN guard (the callbacks :mod:`zoo.callbacks` exports);
* :mod:`zoo.training.inputs`: the run's images, MNIST or another data set, checked first;
* :mod:`zoo.training.batching`: the data order, a function of ``(seed, epoch)``;
* :mod:`zoo.training.args` (the checks of a run's settings) and
  :mod:`zoo.training.lock` (one process per run directory).

Example:
    >>> from zoo import training
    >>> model, history = training.train("a000.gan", epochs=1, limit=512)  # doctest: +SKIP
"""

from zoo.training.run import (
    DivergenceError,
    Plan,
    Settings,
    build,
    build_model,
    fit,
    plan,
    train,
)

__all__ = [
    "DivergenceError",
    "Plan",
    "Settings",
    "build",
    "build_model",
    "fit",
    "plan",
    "train",
]
