"""Training safety: atomic, resumable checkpoints, which also guard against divergence.

Split from :mod:`zoo.callbacks`, which re-exports these names; the guard itself
is :mod:`zoo.training.divergence`, the full-disk handling :mod:`zoo.disk`.
"""

import glob
import json
import os
import shutil
import warnings

import keras
import numpy as np

from zoo import disk
from zoo.training.divergence import DivergenceError, DivergenceGuard

__all__ = ["Checkpoint", "DivergenceError", "DivergenceGuard"]


class Checkpoint(DivergenceGuard):
    """Atomic, resumable checkpoints every ``every`` steps and after each epoch.

    A checkpoint is a directory ``step-00000123/``: ``model.weights.h5`` holds
    the weights and every optimizer's state (GANs' ``d_optimizer`` and
    ``g_optimizer``, iteration counts included); ``state.json`` holds epoch,
    batch and step, the state of every ``keras.random.SeedGenerator`` of the
    model (not among the weights), the running loss means of a part-done
    epoch, the finished epochs' logs and ``run`` (checked on restore). It is
    written under a temporary name and renamed when complete; older ones are
    deleted only then, so a kill at any moment leaves a complete checkpoint.
    As a :class:`DivergenceGuard`, it never saves a NaN loss or weights.

    Args:
        directory: Where the checkpoints go (created on the first save).
        every: Save every this many steps; ``0`` saves at epoch ends only.
        run: A JSON-able dict describing the run; :meth:`restore` refuses a
            checkpoint written with a different one.
        keep: Complete checkpoints kept (at least 1).
        allow_changes: Keys of ``run`` (``"epochs"``) or of its ``overrides``
            (optimizer settings) that may differ from the checkpoint's.
        optimizer_keys: The recipe's learning-rate keys, named in the advice.

    Example:
        >>> ckpt = Checkpoint("runs/gan/checkpoints", every=100)  # doctest: +SKIP
        >>> state = ckpt.restore(model)  # None when there is nothing to resume
        >>> model.fit(ds, epochs=5, initial_epoch=ckpt.epoch, callbacks=[ckpt])
    """

    WEIGHTS, STATE = "model.weights.h5", "state.json"

    def __init__(self, directory, every=100, run=None, keep=2, allow_changes=(), optimizer_keys=()):
        super().__init__()
        self.allow_changes, self.optimizer_keys = tuple(allow_changes), list(optimizer_keys)
        if int(every) < 0:
            raise ValueError(f"every must be >= 0 steps (0: at epoch ends only); got {every}.")
        self.directory, self.every, self.run = os.fspath(directory), int(every), run
        self.keep = max(1, int(keep))
        self.history = {}  # logs of the finished epochs
        self.saved_step = None  # step of the last checkpoint written or restored
        self._trackers = None  # running means to put back in a resumed epoch
        self.epoch_end_saver = None  # see save_epochs_last

    # -- saving --------------------------------------------------------------
    def on_epoch_begin(self, epoch, logs=None):
        resumed = self.resume_batch > 0
        super().on_epoch_begin(epoch, logs)
        if resumed and self._trackers is not None:
            # fit() has just reset the metrics; put back the part-epoch means.
            for variable, value in zip(_metric_variables(self.model), self._trackers, strict=True):
                variable.assign(np.asarray(value, dtype=variable.dtype))
        self._trackers = None

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)
        last = self.params.get("steps") and batch + 1 >= self.params["steps"]
        # The last batch of an epoch is saved by on_epoch_end, after validation.
        if self.every and not last and self.step - (self.saved_step or 0) >= self.every:
            self.save()

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)  # raises on NaN before anything is saved
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))
        self.epoch, self.batch = epoch + 1, 0
        if self.epoch_end_saver is None:
            self.save()

    def save_epochs_last(self):
        """A callback to put after all others: it writes the epoch-end checkpoints.

        This callback goes first (its NaN check runs before anything draws a
        diverged epoch); the epoch's checkpoint is written last, once the other
        callbacks have drawn its image grid and loss plot, so that a kill right
        after the checkpoint cannot lose them: a resumed run never redraws an epoch.
        """
        self.epoch_end_saver = _SaveAtEpochEnd(self)
        return self.epoch_end_saver

    def checkpoints(self):
        """Complete checkpoint directories, newest first."""
        found = glob.glob(os.path.join(glob.escape(self.directory), "step-*"))
        return sorted((d for d in found if os.path.isdir(d)), reverse=True)

    def save(self):
        """Writes the current state as a new checkpoint; returns its directory."""
        bad = next((v.path for v in self.model.weights if not _finite(v)), None)
        if bad is not None:
            self.diverged(f"the weights are no longer finite ({bad})")
        state = {
            "epoch": self.epoch,
            "batch": self.batch,
            "step": self.step,
            "rng": [[v.path, np.asarray(v).tolist()] for v in _rng_variables(self.model)],
            "trackers": [np.asarray(v).tolist() for v in _metric_variables(self.model)]
            if self.batch
            else None,
            "history": self.history,
            "run": self.run,
        }
        os.makedirs(self.directory, exist_ok=True)
        target = os.path.join(self.directory, f"step-{self.step:08d}")
        needed, what, then = (
            self._bytes_needed(),
            f"the checkpoint of step {self.step}",
            (self._full_disk_advice()),
        )
        disk.check_free(self.directory, needed, what, then)
        # overwrite: the same step again (a run resumed from it) replaces it.
        with disk.atomic_directory(
            target, overwrite=True, what=what, then=then, needed=needed
        ) as staging:
            self._write(staging, state)
        self.saved_step = self.step
        for old in self.checkpoints()[self.keep :]:
            shutil.rmtree(old, ignore_errors=True)
        return target

    def _bytes_needed(self):
        """Room for one more checkpoint: the last one's size, or the variables' bytes.

        The previous checkpoint stays until the new one is complete.
        """
        previous = self.checkpoints()
        if previous:
            return disk.tree_bytes(previous[0])
        variables = [
            *self.model.weights,
            *(v for o in _optimizers(self.model, True) for v in o.variables),
        ]
        # HDF5's headers and state.json: a few kB, and the history grows.
        return sum(int(np.prod(v.shape)) * np.dtype(v.dtype).itemsize for v in variables) + 2**16

    def _full_disk_advice(self):
        kept = (
            "No checkpoint had been written yet"
            if self.saved_step is None
            else f"The checkpoint of step {self.saved_step} is kept"
        )
        return (
            f"{kept}; free some space (or train into another --out) and run the same "
            "command again to resume."
        )

    def _write(self, directory, state):
        # disk.atomic_directory flushes both files to disk before the rename.
        self.model.save_weights(os.path.join(directory, self.WEIGHTS))
        with open(os.path.join(directory, self.STATE), "w") as f:
            json.dump(state, f)

    def advice(self):
        lr = self.optimizer_keys[0] if self.optimizer_keys else "learning_rate"
        if self.saved_step is None:
            return (
                "No checkpoint had been written yet. Lower the learning rate (e.g. "
                f"--set {lr}=...) or check the data for outliers, then train again with --fresh."
            )
        return (
            f"The last good checkpoint (step {self.saved_step}) in {self.directory} is kept. "
            f"To go on from it with a lower learning rate, run the same command with "
            f"--set {lr}=... --resume-with-changes {lr}; or check the data for outliers."
        )

    # -- restoring -----------------------------------------------------------
    def resume_batches(self):
        """The batch counts (in their epoch) of the checkpoints :meth:`restore` may resume.

        Read before the model exists, so that it can be compiled once with a
        ``steps_per_execution`` that divides what is left of a resumed epoch.
        """
        found = []
        for directory in self.checkpoints():
            try:
                with open(os.path.join(directory, self.STATE)) as f:
                    found.append(int(json.load(f)["batch"]))
            except (OSError, ValueError, KeyError, TypeError):
                continue  # restore() reports it, and skips it
        return found

    def restore(self, model):
        """Loads the newest readable checkpoint into ``model`` and the counters.

        An unreadable checkpoint (truncated, corrupt) is skipped with a warning;
        leftovers of an interrupted save (``.partial-*``) are deleted.

        Args:
            model: The compiled model, built like the one that was saved.

        Returns:
            The restored state (``epoch``, ``batch``, ``step``, ...), or ``None``.

        Raises:
            ValueError: a checkpoint of a different run, or none readable.
        """
        disk.remove_partials(self.directory)
        found, failures = self.checkpoints(), []
        for directory in found:
            try:
                with open(os.path.join(directory, self.STATE)) as f:
                    state = json.load(f)
                step = int(state["step"])
            except (OSError, ValueError, KeyError, TypeError) as e:
                failures.append(f"{os.path.basename(directory)}: {e}")
                continue
            self._check_run(state.get("run"), directory, state)
            try:
                _build_optimizers(model)
                # The weights file holds the optimizers' learning rates too; the
                # compiled ones stand (the same, unless --resume-with-changes).
                rates = [(o, float(o.learning_rate)) for o in _optimizers(model)]
                model.load_weights(os.path.join(directory, self.WEIGHTS))
                for optimizer, rate in rates:
                    optimizer.learning_rate = rate
                rng = _rng_variables(model)
                # Paths differ between two builds in one process (unique names), so
                # the states are matched by order and shape.
                if [np.shape(value) for _, value in state["rng"]] != [v.shape for v in rng]:
                    raise ValueError("its random-generator states do not match the model")
                for variable, (_, value) in zip(rng, state["rng"], strict=True):
                    variable.assign(np.asarray(value, dtype=variable.dtype))
            except Exception as e:  # whatever makes a checkpoint unreadable: try the previous
                failures.append(f"{os.path.basename(directory)}: {type(e).__name__}: {e}")
                continue
            if failures:
                warnings.warn(
                    f"Skipped unreadable checkpoint(s) in {self.directory} "
                    f"({'; '.join(failures)}); resuming from step {step}.",
                    stacklevel=2,
                )
            self.step, self.epoch = step, int(state["epoch"])
            self.batch = self.resume_batch = int(state["batch"])
            self.history = {k: list(v) for k, v in state["history"].items()}
            self._trackers = state.get("trackers")
            self.saved_step = step
            return state
        if failures:
            raise ValueError(
                f"No readable checkpoint in {self.directory} ({'; '.join(failures)}). "
                "Pass --fresh (fresh=True) to start over."
            )
        return None

    def _check_run(self, saved, directory, state=None):
        if self.run is None or saved is None:
            return
        here = json.loads(json.dumps(self.run))  # tuples -> lists
        diffs, changed = [], []
        for key, value in here.items():
            if key not in saved:  # a checkpoint of an older zoo did not record it
                continue
            if key == "overrides":
                there = saved[key] or {}
                for name in sorted(set(there) | set(value or {})):
                    a, b = there.get(name), (value or {}).get(name)
                    if a != b:
                        (changed if name in self.allow_changes else diffs).append(
                            f"overrides.{name}={a!r} there, {b!r} here"
                        )
            elif saved[key] != value:
                (changed if key in self.allow_changes else diffs).append(
                    f"{key}={saved[key]!r} there, {value!r} here"
                )
        done = (state or {}).get("epoch", 0) + (1 if (state or {}).get("batch") else 0)
        if "epochs" in self.allow_changes and here.get("epochs", done) < done:
            diffs.append(f"epochs={here['epochs']!r}, but the checkpoint has reached epoch {done}")
        if diffs:
            raise ValueError(
                f"The checkpoint {directory} belongs to a different run ({'; '.join(diffs)}). "
                "Run the same command as before to resume it, pass --fresh (fresh=True) to "
                "start over, or --resume-with-changes KEY,... (allow_changes) to go on from it "
                "with more --epochs or other optimizer settings."
            )
        if changed:
            warnings.warn(f"Resuming {directory} with changes: {'; '.join(changed)}.", stacklevel=3)


class _SaveAtEpochEnd(keras.callbacks.Callback):
    def __init__(self, checkpoint):
        super().__init__()
        self.checkpoint = checkpoint

    def on_epoch_end(self, epoch, logs=None):
        self.checkpoint.save()


def _finite(variable):
    array = np.asarray(variable)
    return not np.issubdtype(array.dtype, np.floating) or bool(np.all(np.isfinite(array)))


def _rng_variables(model):
    """The states of the model's ``SeedGenerator``\\ s: its variables that are not weights."""
    weights = {id(v) for v in model.weights}
    return [v for v in model.variables if id(v) not in weights]


def _metric_variables(model):
    return [v for metric in model.metrics for v in metric.variables]


def _optimizers(model, scheduled=False):
    """The model's optimizers whose learning rate is a number (all with ``scheduled``).

    A zoo family declares where its optimizers are (``ZooModel.optimizer_names``);
    any other Keras model has ``model.optimizer``.
    """
    if hasattr(model, "named_optimizers"):
        found = list(model.named_optimizers().values())
    else:
        found = [model.optimizer] if isinstance(model.optimizer, keras.optimizers.Optimizer) else []
    unique = {id(o): o for o in found}
    return [o for o in unique.values() if scheduled or not _scheduled(o)]


def _scheduled(optimizer):
    """Whether its learning rate is a schedule (a serialised object in its config, not a number)."""
    inner = getattr(optimizer, "inner_optimizer", optimizer)  # a LossScaleOptimizer's
    return not isinstance(inner.get_config()["learning_rate"], int | float)


def _build_optimizers(model):
    # Optimizer variables must exist before load_weights can fill them.
    if hasattr(model, "build_optimizers"):
        model.build_optimizers()
    elif model.optimizer is not None and not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
