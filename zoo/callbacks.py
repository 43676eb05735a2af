"""Keras callbacks shared by the command line, the notebooks and the tests.

* :class:`ImageGrid`: a PNG grid per epoch and an animated GIF of them.
* :class:`LossCurves`: a PNG of every tracked loss, redrawn each epoch.
* :class:`DivergenceGuard`: stops ``fit`` with :class:`DivergenceError` at the
  first NaN or Inf in any logged term (``d_loss``, ``g_loss``, ``kl_loss`` ...).
* :class:`Checkpoint`: a :class:`DivergenceGuard` that also writes atomic,
  resumable checkpoints every ``every`` steps and at each epoch end.

Why not ``keras.callbacks.BackupAndRestore`` (Keras 3.15)? Its weights file does
hold the GANs' ``d_optimizer``/``g_optimizer`` state, but it resumes at the
start of the interrupted epoch (the saved batch index is never read back), so a
mid-epoch kill repeats steps; it leaves out the models' ``SeedGenerator`` state
and the running loss means; it overwrites its file in place, so a kill during a
save can leave only a corrupt copy; it builds only ``model.optimizer`` (``None``
for zoo GANs) before loading; and it would save a diverged, NaN state.
"""

import math
import os

import keras
import numpy as np

from zoo import plotting
from zoo.training import rundir


def is_generative(model):
    """Whether ``model`` draws images from noise (GANs, VAEs) rather than only reconstructing.

    Read from the family protocol (``sample_kind``); a model outside the zoo
    families counts as generative when it has ``generate``.
    """
    kind = getattr(model, "sample_kind", None)
    return kind == "samples" if kind is not None else hasattr(model, "generate")


class ImageGrid(keras.callbacks.Callback):
    """Writes a PNG grid after every ``every`` epochs, and an animated GIF at the end.

    Generative models (GANs, VAEs) are shown samples from *fixed* noise, so the
    frames show one set of digits taking shape; autoencoders are shown fixed
    test images above their reconstructions. When ``fit`` starts at a later
    epoch (``initial_epoch``, or a run resumed from a :class:`Checkpoint`), the
    frames that earlier epochs left in ``out_dir`` go into the GIF too.

    Args:
        out_dir: Directory of the PNGs (``<prefix>_epoch_001.png`` ...) and the GIF.
        images: Images for the reconstruction grid (required for autoencoders).
        n: Number of samples in a grid.
        seed: Seed of the fixed noise.
        every: Write a grid every this many epochs.
        gif: Whether to assemble the frames into ``<prefix>.gif`` at the end.
        prefix: File name prefix.

    Example:
        >>> model.fit(ds, epochs=5, callbacks=[ImageGrid("runs/gan")])  # doctest: +SKIP
    """

    def __init__(self, out_dir, images=None, n=64, seed=0, every=1, gif=True, prefix=None):
        super().__init__()
        self.out_dir = out_dir
        self.images = None if images is None else np.asarray(images)[:n]
        self.n, self.seed, self.every, self.gif = n, seed, max(1, int(every)), gif
        self.prefix = prefix
        self._frames = {}  # 1-based epoch -> PNG path

    @property
    def frames(self):
        """Paths of the PNG frames of this run, in epoch order."""
        return [self._frames[e] for e in sorted(self._frames)]

    @staticmethod
    def default_prefix(model):
        """``"samples"`` for a generative model, else ``"reconstructions"``."""
        return "samples" if is_generative(model) else "reconstructions"

    def on_train_begin(self, logs=None):
        os.makedirs(self.out_dir, exist_ok=True)
        if is_generative(self.model):
            rng = np.random.default_rng(self.seed)
            self._noise = rng.standard_normal((self.n, self.model.latent_dim)).astype("float32")
        elif self.images is None:
            raise ValueError(
                f"ImageGrid needs `images` to show reconstructions for {type(self.model).__name__}."
            )
        self.prefix = self.prefix or self.default_prefix(self.model)
        self._frames = {}

    def frame_path(self, epoch):
        """The PNG of 1-based ``epoch``."""
        return os.path.join(self.out_dir, f"{self.prefix}_epoch_{epoch:03d}.png")

    def on_epoch_begin(self, epoch, logs=None):
        if not self._frames:  # First epoch of this fit: pick up earlier epochs' frames.
            for done in range(self.every, epoch + 1, self.every):
                if os.path.exists(self.frame_path(done)):
                    self._frames[done] = self.frame_path(done)

    def render(self, path, title=None):
        """Draws the current grid to ``path``."""
        if is_generative(self.model):
            return plotting.save_grid(self.model.generate(self._noise), path, title=title)
        recon = self.model.reconstruct(self.images)
        return plotting.save_comparison(self.images, recon, path, title=title)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        self._frames[epoch + 1] = self.render(self.frame_path(epoch + 1), f"epoch {epoch + 1}")

    def on_train_end(self, logs=None):
        if self.gif and len(self._frames) > 1:
            rundir.write_gif(self.frames, os.path.join(self.out_dir, f"{self.prefix}.gif"))


class LossCurves(keras.callbacks.Callback):
    """Redraws a PNG of every tracked loss after each epoch (train and validation).

    Values are kept by epoch index: a ``fit`` that starts again at epoch 0
    starts new curves, one that goes on from ``initial_epoch`` extends them.

    Args:
        path: The PNG to write.
        history: Logs of earlier epochs (``{"loss": [...], ...}``), e.g. those
            of a run resumed from a :class:`Checkpoint`.
    """

    def __init__(self, path, history=None):
        super().__init__()
        self.path = path
        self.logs = {k: [float(v) for v in vs] for k, vs in (history or {}).items()}

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if epoch == 0:
            self.logs = {}
        for key in [*self.logs, *(k for k in logs if k not in self.logs)]:
            values = self.logs.setdefault(key, [])
            del values[epoch:]
            # NaN where a term is missing keeps every curve aligned with its epochs.
            values.extend([math.nan] * (epoch - len(values)))
            values.append(float(logs[key]) if key in logs else math.nan)
        plotting.plot_history(self.logs, self.path)


# The checkpoint callbacks live in zoo.training.checkpoint; they are part of this module's API.
from zoo.training.checkpoint import Checkpoint, DivergenceError, DivergenceGuard  # noqa: E402

__all__ = [
    "Checkpoint",
    "DivergenceError",
    "DivergenceGuard",
    "ImageGrid",
    "LossCurves",
    "is_generative",
]
