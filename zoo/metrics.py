"""The metric functions under their first names; the code lives in :mod:`zoo.evaluation`.

Kept so that ``from zoo import metrics; metrics.summarize(...)`` and the other
``zoo.metrics.<name>`` callers keep working: every name here is the one
object of :mod:`zoo.evaluation.features`, :mod:`~zoo.evaluation.likelihood`
or :mod:`~zoo.evaluation.checks`, not a copy.

Example:
    >>> from zoo import metrics
    >>> ref = metrics.summarize(x_test)                     # doctest: +SKIP
    >>> metrics.generative_metrics(gan, ref, n=10_000)      # doctest: +SKIP
"""

from zoo.evaluation import *  # noqa: F403
from zoo.evaluation import __all__  # noqa: F401
