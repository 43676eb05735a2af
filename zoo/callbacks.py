"""Keras callbacks shared by the command line, the notebooks and the tests."""

import os

import keras
import numpy as np

from zoo import plotting


def is_generative(model):
    """Whether ``model`` draws images from noise (GANs, VAEs) rather than only reconstructing."""
    return hasattr(model, "generate")


class ImageGrid(keras.callbacks.Callback):
    """Writes a PNG grid after every ``every`` epochs, and an animated GIF at the end.

    Generative models (GANs, VAEs) are shown samples from *fixed* noise, so the
    frames show one set of digits taking shape; autoencoders are shown fixed
    test images above their reconstructions.

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
        self.frames = []

    def on_train_begin(self, logs=None):
        os.makedirs(self.out_dir, exist_ok=True)
        if is_generative(self.model):
            rng = np.random.default_rng(self.seed)
            self._noise = rng.standard_normal((self.n, self.model.latent_dim)).astype("float32")
            self.prefix = self.prefix or "samples"
        elif self.images is None:
            raise ValueError(
                f"ImageGrid needs `images` to show reconstructions for {type(self.model).__name__}."
            )
        else:
            self.prefix = self.prefix or "reconstructions"
        self.frames = []

    def render(self, path, title=None):
        """Draws the current grid to ``path``."""
        if is_generative(self.model):
            return plotting.save_grid(self.model.generate(self._noise), path, title=title)
        recon = self.model.reconstruct(self.images)
        return plotting.save_comparison(
            self.images / (255.0 if self.images.dtype == np.uint8 else 1.0),
            recon,
            path,
            title=title,
        )

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        path = os.path.join(self.out_dir, f"{self.prefix}_epoch_{epoch + 1:03d}.png")
        self.frames.append(self.render(path, title=f"epoch {epoch + 1}"))

    def on_train_end(self, logs=None):
        if self.gif and len(self.frames) > 1:
            from PIL import Image  # Pillow is a matplotlib dependency

            frames = [Image.open(p).convert("P") for p in self.frames]
            frames[0].save(
                os.path.join(self.out_dir, f"{self.prefix}.gif"),
                save_all=True,
                append_images=frames[1:],
                duration=500,
                loop=0,
            )


class LossCurves(keras.callbacks.Callback):
    """Redraws a PNG of every tracked loss after each epoch (train and validation)."""

    def __init__(self, path):
        super().__init__()
        self.path = path
        self.logs = {}

    def on_train_begin(self, logs=None):
        self.logs = {}

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            self.logs.setdefault(key, []).append(float(value))
        plotting.plot_history(self.logs, self.path)
