"""What the benchmarks share: the data they read, the machine they ran on, their clock.

Importing it quiets TensorFlow's start-up lines (``TF_CPP_MIN_LOG_LEVEL=3`` unless
set), so a benchmark imports it before TensorFlow.
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

__all__ = ["MNIST", "ROOT", "Clock", "machine"]

#: The checkout's root: the working directory of every ``python -m bench.NAME`` worker.
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: The full MNIST that benchmarks train on: ``$ZOO_MNIST_PATH``, else the shared copy.
MNIST = os.environ.get("ZOO_MNIST_PATH", "/work/shared/data/mnist.npz")
FASHION_MNIST = os.environ.get("ZOO_FASHION_MNIST_PATH", "/work/shared/data/fashion_mnist.npz")


def machine():
    """This machine in one line, as the docs record it beside their figures.

    The line of ``make results`` (:func:`zoo.training.rundir.machine`), imported when
    called: importing zoo imports TensorFlow, which a benchmark may not want yet.
    """
    from zoo.training import rundir

    return rundir.machine(versions=True)


class Clock:
    """Steady-state step timing: from the end of the first execution to the end of the last.

    Keras calls ``on_train_batch_end`` once per execution (``steps_per_execution``
    steps), after the step's outputs exist; the loop ticks after each step. The
    window leaves out what ``fit`` does once per call (data adapter, iterator,
    callbacks, end of epoch), which a long run amortises; ``total`` keeps it.
    """

    def __init__(self):
        self.start = time.perf_counter()
        self.first = None
        self.steps_after_first = 0

    def tick(self, steps):
        now = time.perf_counter(), time.process_time()
        if self.first is None:
            self.first = now
        else:
            self.steps_after_first += steps
        self.last = now

    def done(self, steps):
        total = time.perf_counter() - self.start
        return {
            "steady_s": self.last[0] - self.first[0],
            "steady_cpu_s": self.last[1] - self.first[1],
            "steady_steps": self.steps_after_first,
            "total_s": total,
            "steps": steps,
        }
