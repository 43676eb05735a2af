"""Image grids and loss curves, drawn with matplotlib's Agg backend (no display).

Grids follow the images' own shape: grey ``(N, H, W)`` or ``(N, H, W, 1)``
batches are drawn with a grey colour map, colour ``(N, H, W, 3)`` batches as RGB.
"""

import math
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from zoo.data import as_unit  # noqa: E402

ACCEPTED = "(N, H, W), (N, H, W, 1) or (N, H, W, 3) with N, H, W > 0"


def _tiles(images, what="image_grid"):
    """Validates a batch of images to be tiled.

    Args:
        images: Array-like batch of images.
        what: Who is asking, named in the error message.

    Returns:
        A float32 array ``(N, H, W)`` for grey images (a channel axis of 1
        dropped) or ``(N, H, W, 3)`` for colour ones.

    Raises:
        ValueError: for any other shape, an empty batch or an empty image.
    """
    images = np.asarray(images, dtype="float32")
    shape = images.shape
    if images.ndim == 4 and shape[-1] == 1:
        images = images[..., 0]
    if not (images.ndim == 3 or (images.ndim == 4 and shape[-1] == 3)) or 0 in shape:
        raise ValueError(f"{what} takes images of shape {ACCEPTED}; got shape {shape}.")
    return images


def image_grid(images, ncols=None, pad=1):
    """Tiles a batch of images into one array, white between the tiles.

    Args:
        images: Array-like of shape ``(N, H, W)``, ``(N, H, W, 1)`` or
            ``(N, H, W, 3)``, values in [0, 1].
        ncols: Columns of the grid; defaults to ``ceil(sqrt(N))``.
        pad: Pixels of white between tiles.

    Returns:
        A float32 array in [0, 1] of shape
        ``(rows * (H + pad) - pad, ncols * (W + pad) - pad)`` for grey images,
        with a trailing axis of 3 for colour ones.

    Raises:
        ValueError: for a batch of any other shape, or an empty one.

    Example:
        >>> image_grid(np.zeros((3, 2, 2))).shape
        (5, 5)
        >>> image_grid(np.zeros((3, 2, 2, 3)), ncols=3).shape
        (2, 8, 3)
    """
    images = _tiles(images)
    n, h, w = images.shape[:3]
    ncols = ncols or math.ceil(math.sqrt(n))
    nrows = math.ceil(n / ncols)
    # images.shape[3:] is () for grey and (3,) for colour: one code path for both
    # keeps grey grids exactly what they were before colour was supported.
    size = (nrows * (h + pad) - pad, ncols * (w + pad) - pad, *images.shape[3:])
    grid = np.ones(size, dtype="float32")
    for i, img in enumerate(images):
        r, c = divmod(i, ncols)
        grid[r * (h + pad) : r * (h + pad) + h, c * (w + pad) : c * (w + pad) + w] = img
    return np.clip(grid, 0.0, 1.0)


def save_grid(images, path, title=None, ncols=None):
    """Writes a PNG grid of ``images`` to ``path``.

    Grey images are drawn with the grey colour map on a fixed [0, 1] scale (so
    a blank sample shows as black, not stretched); colour images as RGB.

    Args:
        images: Array-like of shape ``(N, H, W)``, ``(N, H, W, 1)`` or
            ``(N, H, W, 3)``, values in [0, 1].
        path: The PNG to write; its directory is created if need be.
        title: Optional title above the grid.
        ncols: Columns of the grid; defaults to ``ceil(sqrt(N))``.

    Returns:
        ``path``.

    Raises:
        ValueError: for a batch of any other shape, or an empty one.

    Example:
        >>> save_grid(model.sample(64, seed=0), "samples.png")  # doctest: +SKIP
    """
    grid = image_grid(images, ncols=ncols)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    # 40 grid pixels an inch at dpi 100: each image pixel is drawn 2.5 pixels wide.
    fig = plt.figure(figsize=(grid.shape[1] / 40, grid.shape[0] / 40 + (0.3 if title else 0)))
    if grid.ndim == 2:
        plt.imshow(grid, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
    else:  # image_grid has clipped to [0, 1], the range imshow expects of float RGB.
        plt.imshow(grid, interpolation="nearest")
    plt.axis("off")
    if title:
        plt.title(title, fontsize=8)
    fig.savefig(path, dpi=100, bbox_inches="tight", pad_inches=0.05)
    plt.close(fig)
    return path


def _unflatten(x, like):
    """Reshapes rows of pixels ``(N, P)`` into images; other arrays are returned as they are.

    Models also take flat ``(N, H * W * C)`` batches, so a flat batch takes the
    image shape of ``like`` when that holds ``P`` pixels, and is otherwise read
    as square grey images (how MNIST's 784-pixel rows were always drawn).
    """
    if x.ndim != 2:
        return x
    if like.ndim >= 3 and math.prod(like.shape[1:]) == x.shape[1]:
        return x.reshape((-1, *like.shape[1:]))
    side = math.isqrt(x.shape[1])
    return x.reshape(-1, side, side) if side and side * side == x.shape[1] else x


def _grey(shape):
    """``shape`` with a trailing channel axis of 1 dropped: ``(N, H, W, 1)`` is ``(N, H, W)``."""
    return shape[:-1] if len(shape) == 4 and shape[-1] == 1 else shape


def save_comparison(originals, reconstructions, path, title=None):
    """Writes originals (odd rows) above their reconstructions (even rows), 8 a row.

    Args:
        originals: Images of shape ``(N, H, W)``, ``(N, H, W, 1)`` or
            ``(N, H, W, 3)``, as uint8 pixels or floats in [0, 1] (rows of
            ``H * W * C`` pixels are read in the reconstructions' shape).
        reconstructions: The same number of images of the same shape, in the
            same range; a channel axis of 1 may be there or not.
        path: The PNG to write; its directory is created if need be.
        title: Optional title above the grid.

    Returns:
        ``path``.

    Raises:
        ValueError: if the two batches differ in shape, or are not image batches.
    """
    given = np.shape(originals), np.shape(reconstructions)
    originals, reconstructions = as_unit(originals), as_unit(reconstructions)
    originals = _unflatten(originals, reconstructions)
    reconstructions = _unflatten(reconstructions, originals)
    if _grey(originals.shape) != _grey(reconstructions.shape):
        raise ValueError(
            f"save_comparison needs reconstructions of the originals' shape; "
            f"got originals {given[0]} and reconstructions {given[1]}."
        )
    # Validated up front so that a bad shape is reported as given, not as concatenated.
    originals = _tiles(originals, "save_comparison")
    reconstructions = _tiles(reconstructions, "save_comparison")
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
