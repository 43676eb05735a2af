"""Image grids and loss curves, drawn with matplotlib's Agg backend (no display)."""

import math
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from zoo.data import as_unit  # noqa: E402


def image_grid(images, ncols=None, pad=1):
    """Tiles images into one 2-D array.

    Args:
        images: Array-like of shape ``(N, 28, 28)`` or ``(N, 28, 28, 1)``,
            values in [0, 1].
        ncols: Columns of the grid; defaults to ``ceil(sqrt(N))``.
        pad: Pixels of white between tiles.

    Returns:
        A float array ``(rows * (28 + pad) - pad, ncols * (28 + pad) - pad)``.
    """
    images = np.asarray(images, dtype="float32")
    if images.ndim == 4:
        images = images[..., 0]
    if images.ndim != 3 or len(images) == 0:
        raise ValueError(f"Expected a non-empty batch of 2-D images; got shape {images.shape}.")
    n, h, w = images.shape
    ncols = ncols or math.ceil(math.sqrt(n))
    nrows = math.ceil(n / ncols)
    grid = np.ones((nrows * (h + pad) - pad, ncols * (w + pad) - pad), dtype="float32")
    for i, img in enumerate(images):
        r, c = divmod(i, ncols)
        grid[r * (h + pad) : r * (h + pad) + h, c * (w + pad) : c * (w + pad) + w] = img
    return np.clip(grid, 0.0, 1.0)


def save_grid(images, path, title=None, ncols=None):
    """Writes a PNG grid of ``images`` to ``path`` and returns the path.

    Example:
        >>> save_grid(model.sample(64, seed=0), "samples.png")  # doctest: +SKIP
    """
    grid = image_grid(images, ncols=ncols)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig = plt.figure(figsize=(grid.shape[1] / 40, grid.shape[0] / 40 + (0.3 if title else 0)))
    plt.imshow(grid, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
    plt.axis("off")
    if title:
        plt.title(title, fontsize=8)
    fig.savefig(path, dpi=100, bbox_inches="tight", pad_inches=0.05)
    plt.close(fig)
    return path


def save_comparison(originals, reconstructions, path, title=None):
    """Writes originals (odd rows) above their reconstructions (even rows).

    ``originals`` may be raw uint8 pixels; they are scaled to [0, 1].
    """
    originals = as_unit(originals, (-1, 28, 28))
    reconstructions = np.asarray(reconstructions, dtype="float32").reshape(-1, 28, 28)
    ncols = min(len(originals), 8)
    rows = []
    for start in range(0, len(originals), ncols):
        rows += [originals[start : start + ncols], reconstructions[start : start + ncols]]
    return save_grid(np.concatenate(rows), path, title=title, ncols=ncols)


def plot_history(history, path, title=None):
    """Draws every tracked loss of a Keras ``History`` (or its dict) to a PNG.

    Validation curves (``val_*``) share the axes of their training curve.
    """
    logs = getattr(history, "history", history)
    names = [k for k in logs if not k.startswith("val_")]
    if not names:
        raise ValueError("The history holds no losses to plot.")
    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 2.6), squeeze=False)
    for ax, name in zip(axes[0], names, strict=True):
        epochs = np.arange(1, len(logs[name]) + 1)
        ax.plot(epochs, logs[name], marker="o", label="train")
        if f"val_{name}" in logs:
            ax.plot(epochs, logs[f"val_{name}"], marker="o", label="validation")
            ax.legend(fontsize=7)
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("epoch")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
