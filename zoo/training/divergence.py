"""The divergence guard: ``fit`` stops at the first NaN or Inf, naming the step and the term.

Split from :mod:`zoo.training.checkpoint` (whose :class:`~zoo.training.checkpoint.Checkpoint`
is a guard too); :mod:`zoo.callbacks` re-exports these names.
"""

import keras
import numpy as np


class DivergenceError(RuntimeError):
    """Training produced NaN or Inf; the message names the step and the term."""


def _first_nonfinite(logs):
    for key, value in (logs or {}).items():
        try:
            array = np.asarray(value, dtype="float64")
        except (TypeError, ValueError):  # not a number (e.g. a string a callback added)
            continue
        if not np.all(np.isfinite(array)):
            return key, float(array.ravel()[~np.isfinite(array.ravel())][0])
    return None


class DivergenceGuard(keras.callbacks.Callback):
    """Stops training at the first NaN or Inf in any logged value, naming it.

    Checks the running means ``fit`` logs after each batch (one NaN batch makes
    its epoch's mean NaN) and the epoch logs, validation included, and raises
    :class:`DivergenceError` out of ``fit``. ``step`` counts batches from 1
    across epochs; ``epoch`` is 0-based; ``batch`` counts the current epoch's
    batches; ``resume_batch`` is how many of the next epoch's were done before
    this ``fit`` (a run resumed mid-epoch).

    Example:
        >>> model.fit(ds, epochs=5, callbacks=[DivergenceGuard()])  # doctest: +SKIP
    """

    def __init__(self):
        super().__init__()
        self.step = self.epoch = self.batch = self.resume_batch = 0
        self._start_batch = 0
        self._first_step = 1  # first step of the execution that ran last

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        self.batch = self._start_batch = self.resume_batch
        self.resume_batch = 0

    def on_train_batch_end(self, batch, logs=None):
        # `batch` restarts at 0 in a resumed epoch; under steps_per_execution it
        # is the last batch of the group that just ran.
        done = self._start_batch + batch + 1
        self._first_step = self.step + 1
        self.step += done - self.batch
        self.batch = done
        self.check(logs)

    def on_epoch_end(self, epoch, logs=None):
        self.check(logs, epoch_end=True)

    def check(self, logs, epoch_end=False):
        """Raises :class:`DivergenceError` if a value in ``logs`` is NaN or Inf."""
        bad = _first_nonfinite(logs)
        if bad is not None:
            self.diverged(f"{bad[0]} is {bad[1]}", epoch_end)

    def diverged(self, what, epoch_end=False):
        where = (
            f"at the end of epoch {self.epoch + 1} (step {self.step})"
            if epoch_end
            else f"at step {self.step} (epoch {self.epoch + 1}, batch {self.batch})"
        )
        if not epoch_end and self._first_step < self.step:
            # One execution ran several steps; the callbacks only see its last.
            where = (
                f"in steps {self._first_step}-{self.step} (epoch {self.epoch + 1}, one execution "
                f"of {self.step - self._first_step + 1} steps, ending at batch {self.batch})"
            )
        raise DivergenceError(f"Training diverged {where}: {what}. {self.advice()}")

    def advice(self):
        """What the error message suggests after naming the step."""
        return (
            "Lower the learning rate (e.g. --set learning_rate=...) or check the data "
            "for outliers, then train again."
        )
