"""Display helpers shared by the article notebooks: matplotlib and numpy only.

Everything that builds, trains, samples or exports a model is written out in
the notebooks themselves; this module only draws, projects and formats, so
that the five notebooks do not repeat the same forty lines of plotting code.
Figures come from :mod:`zoo.evaluation` (the code ``python -m zoo eval`` runs)
and pixels are scaled by :func:`zoo.data.as_unit`, not by copies here.
The recipe text (summaries, hyperparameters, defect tables) is rendered by
:mod:`zoo.recipes.docs`, the same code that writes ``docs/articles/``.
"""

import math
import os
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display
from matplotlib.ticker import MaxNLocator

from zoo import classifier, evaluation, plotting
from zoo.callbacks import is_generative
from zoo.data import as_unit as _as_unit
from zoo.evaluation import ClassCoverage, features
from zoo.recipes import docs

#: Where the notebooks write their files (grids, GIFs, exports): git-ignored.
OUT_ROOT = Path(os.environ.get("ZOO_NOTEBOOK_OUT", "_out"))


def out_dir(article):
    """``_out/<article>/`` (or ``$ZOO_NOTEBOOK_OUT/<article>``), created."""
    path = OUT_ROOT / article
    path.mkdir(parents=True, exist_ok=True)
    return path


# -- text from the recipe data ----------------------------------------------------
def _section(article, heading):
    """One ``## heading`` section of the article's docs page, headings pushed down a level."""
    page = docs.render_article(article)
    start = page.index(f"\n## {heading}")
    end = page.find("\n## ", start + 1)
    body = page[start : end if end > 0 else None].strip()
    return body.replace("\n### ", "\n#### ").replace("## ", "### ", 1)


def show_recipes(article):
    """The article's recipes: summary, hyperparameters and readings chosen (from the docs)."""
    display(Markdown(_section(article, "Recipes")))


def show_defects(article):
    """The article's defect table, exactly as ``docs/articles/`` renders it."""
    display(Markdown(_section(article, "Defects")))


# -- images -----------------------------------------------------------------------
def as_unit(images):
    """uint8 pixels or floats in [0, 1] -> float32 ``(N, 28, 28)`` in [0, 1]."""
    return _as_unit(images, (-1, 28, 28))


def show_grid(images, ncols=8, title=None, tile=0.55, ax=None):
    """Draws ``images`` (in [0, 1] or uint8) as one grid, inline."""
    images = as_unit(images)
    ncols = min(ncols, len(images))
    grid = plotting.image_grid(images, ncols=ncols)
    if ax is None:
        nrows = math.ceil(len(images) / ncols)
        _, ax = plt.subplots(figsize=(ncols * tile, nrows * tile + (0.25 if title else 0)))
        own = True
    else:
        own = False
    ax.imshow(grid, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=9)
    if own:
        plt.show()


def show_panels(panels, ncols=8, tile=0.4):
    """Several grids side by side: ``{title: images}``."""
    n = len(panels)
    rows = max(math.ceil(len(v) / ncols) for v in panels.values())
    fig, axes = plt.subplots(1, n, figsize=(n * ncols * tile + 0.3 * n, rows * tile + 0.35))
    for ax, (title, images) in zip(np.atleast_1d(axes), panels.items(), strict=True):
        show_grid(images, ncols=ncols, title=title, ax=ax)
    fig.tight_layout()
    plt.show()


def pairs(originals, reconstructions, ncols=8):
    """Rows of originals above rows of their reconstructions, for :func:`show_grid`."""
    originals, reconstructions = as_unit(originals), as_unit(reconstructions)
    rows = []
    for start in range(0, len(originals), ncols):
        rows += [originals[start : start + ncols], reconstructions[start : start + ncols]]
    return np.concatenate(rows)


class EpochGrid(keras.callbacks.Callback):
    """Shows a small grid inline after every epoch, with the epoch's losses.

    Generative models (GANs, VAEs) draw the same fixed noise every epoch, so
    the rows show one set of digits taking shape; autoencoders reconstruct
    the same test images (originals on the first row).

    Args:
        images: Test images to reconstruct (autoencoders only).
        n: Number of samples (or reconstructions) shown.
        seed: Seed of the fixed noise.
        every: Show a grid every this many epochs (and always after the last one).
    """

    def __init__(self, images=None, n=16, seed=0, every=1):
        super().__init__()
        self.images, self.n, self.seed, self.every = images, n, seed, max(1, int(every))

    def on_train_begin(self, logs=None):
        if is_generative(self.model):
            rng = np.random.default_rng(self.seed)
            self.z = rng.standard_normal((self.n, self.model.latent_dim)).astype("float32")

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every and epoch + 1 != self.params.get("epochs"):
            return
        losses = ", ".join(
            f"{k} {v:.3g}" for k, v in (logs or {}).items() if not k.startswith("val_")
        )
        title = f"{self.model.name}, epoch {epoch + 1}: {losses}"
        if is_generative(self.model):
            show_grid(self.model.generate(self.z), ncols=self.n, title=title, tile=0.5)
        else:
            x = self.images[: self.n // 2]
            show_grid(
                pairs(x, self.model.reconstruct(x), ncols=len(x)),
                ncols=len(x),
                title=title,
                tile=0.5,
            )


def plot_histories(histories):
    """Loss curves of several ``History`` objects, one row of panels each: ``{title: history}``.

    A ``None`` history (a model loaded from its preset, not trained here) gets one line instead.
    """
    for title, history in histories.items():
        if history is None:
            print(f"{title}: loaded from its preset, not trained here (no loss curves)")
            continue
        logs = getattr(history, "history", history)
        names = sorted((k for k in logs if not k.startswith("val_")), key=lambda k: k != "loss")
        fig, axes = plt.subplots(1, len(names), figsize=(2.9 * len(names), 2.3), squeeze=False)
        for ax, name in zip(axes[0], names, strict=True):
            epochs = np.arange(1, len(logs[name]) + 1)
            ax.plot(epochs, logs[name], marker="o", label="train")
            if f"val_{name}" in logs:
                ax.plot(epochs, logs[f"val_{name}"], marker="o", label="test")
                ax.legend(fontsize=7)
            ax.set_title(name, fontsize=9)
            ax.set_xlabel("epoch", fontsize=8)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.tick_params(labelsize=7)
        fig.suptitle(title, fontsize=10)
        fig.tight_layout()
        plt.show()


# -- latent spaces ----------------------------------------------------------------
def pca_2d(codes):
    """Projects codes on their first two principal axes (numpy SVD).

    Returns:
        ``(xy, explained)``: the ``(N, 2)`` projection and the fraction of the
        variance each axis explains.
    """
    codes = np.asarray(codes, dtype="float64").reshape(len(codes), -1)
    centred = codes - codes.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    return centred @ vt[:2].T, (s[:2] ** 2) / max((s**2).sum(), 1e-12)


def scatter_2d(xy, labels, title, ax=None, explained=None, max_points=3000):
    """A 2-D scatter of codes coloured by digit label (0-9), at most ``max_points`` of them."""
    if len(xy) > max_points:  # a random subset: lighter figures, same picture
        keep = np.random.default_rng(0).choice(len(xy), max_points, replace=False)
        xy, labels = np.asarray(xy)[keep], np.asarray(labels)[keep]
    own = ax is None
    if own:
        _, ax = plt.subplots(figsize=(4.2, 3.6))
    points = ax.scatter(
        xy[:, 0], xy[:, 1], c=labels, cmap="tab10", vmin=-0.5, vmax=9.5, s=4, alpha=0.7
    )
    if explained is not None:
        ax.set_xlabel(f"PC 1 ({explained[0]:.0%} of variance)", fontsize=8)
        ax.set_ylabel(f"PC 2 ({explained[1]:.0%})", fontsize=8)
    ax.set_title(title, fontsize=9)
    ax.tick_params(labelsize=7)
    plt.colorbar(points, ax=ax, ticks=range(10)).ax.tick_params(labelsize=7)
    if own:
        plt.show()


def slerp(a, b, steps):
    """Spherical interpolation between two noise vectors (keeps Gaussian-typical norms)."""
    a, b = np.asarray(a, "float64"), np.asarray(b, "float64")
    omega = np.arccos(np.clip(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)), -1.0, 1.0))
    t = np.linspace(0.0, 1.0, steps)[:, None]
    if omega < 1e-6:
        return ((1 - t) * a + t * b).astype("float32")
    return ((np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)).astype("float32")


def lerp(a, b, steps):
    """Straight-line interpolation between two codes."""
    t = np.linspace(0.0, 1.0, steps)[:, None]
    return ((1 - t) * np.asarray(a) + t * np.asarray(b)).astype("float32")


def nearest_labels(images, reference, reference_labels, batch=512):
    """Label of each image's nearest reference image in pixel space (1-NN).

    A classifier-free way to ask which digit a generated image looks like.
    """
    x = as_unit(images).reshape(len(images), -1)
    ref = as_unit(reference).reshape(len(reference), -1)
    ref_sq = (ref**2).sum(axis=1)
    out = []
    for start in range(0, len(x), batch):
        chunk = x[start : start + batch]
        d = (chunk**2).sum(axis=1)[:, None] - 2.0 * chunk @ ref.T + ref_sq[None, :]
        out.append(np.asarray(reference_labels)[d.argmin(axis=1)])
    return np.concatenate(out)


def pair_distance(images):
    """Mean L2 distance between the first and second half of ``images`` (paired in order).

    A cheap variety measure: near 0 when a generator draws one image over and over; real
    MNIST digits are about 10 apart (pixels in [0, 1]).
    """
    x = as_unit(images).reshape(len(images), -1)
    half = len(x) // 2
    return float(np.linalg.norm(x[:half] - x[half : 2 * half], axis=1).mean())


class DigitCoverage(keras.callbacks.Callback):
    """Tracks how varied a generator's samples are, epoch by epoch, and keeps the best epoch.

    After every epoch, ``n`` samples from fixed noise get the label of their nearest
    reference image (:func:`nearest_labels`): ``shares`` collects the fraction of samples
    per digit, one row per epoch, and ``distances`` the mean distance between samples
    (:func:`pair_distance`). A generator that covers the data keeps ten shares near 0.1;
    mode collapse shows as one share climbing towards 1, or as the distance falling
    towards 0. The model's weights at the epoch whose shares are spread most evenly
    (highest entropy) are kept in ``best_weights``, that epoch (1-based) in ``best_epoch``.

    Args:
        reference: Labelled real images to compare with (uint8 or [0, 1]).
        reference_labels: Their digit labels.
        n: Number of samples per epoch.
        seed: Seed of the fixed noise.
    """

    def __init__(self, reference, reference_labels, n=1000, seed=0):
        super().__init__()
        self.reference, self.reference_labels = reference, reference_labels
        self.n, self.seed = n, seed
        self.shares, self.distances = [], []
        self.best_epoch, self.best_weights, self._best_entropy = None, None, -1.0

    def on_train_begin(self, logs=None):
        rng = np.random.default_rng(self.seed)
        self.z = rng.standard_normal((self.n, self.model.latent_dim)).astype("float32")
        self.shares, self.distances = [], []
        self.best_epoch, self.best_weights, self._best_entropy = None, None, -1.0

    def measure(self, model):
        """One row for a model trained elsewhere (a preset), as if after its last epoch."""
        self.set_model(model)
        self.on_train_begin()
        self.on_epoch_end(0)
        return self

    def on_epoch_end(self, epoch, logs=None):
        samples = self.model.generate(self.z).numpy()
        labels = nearest_labels(samples, self.reference, self.reference_labels)
        shares = ClassCoverage().update_labels(labels).shares
        self.shares.append(shares)
        self.distances.append(pair_distance(samples))
        entropy = -float(np.sum(shares[shares > 0] * np.log(shares[shares > 0])))
        if entropy > self._best_entropy:
            self._best_entropy, self.best_epoch = entropy, epoch + 1
            self.best_weights = self.model.get_weights()


# -- scores -----------------------------------------------------------------------
def sample_scores(models, x_train, x_test, n=10_000, quick=False):
    """FD, classifier score and class coverage of each model's samples, as one table.

    The generative part of :func:`zoo.evaluation.evaluate_model` (what ``python -m
    zoo eval`` reports), in zoo's classifier features, beside the floor: ``n`` real
    training digits scored the same way. In quick mode the classifier is an untrained
    one, so that the notebook runs in seconds; its figures mean nothing.

    Args:
        models: ``{label: model}``, each with ``sample(n, seed)``.
        x_train: Training digits (the floor's).
        x_test: Test digits (the reference).
        n: Samples per model.
        quick: Use an untrained classifier.

    Returns:
        ``{label: generative metrics}``, the floor under ``"real training digits"``.
    """
    extractor = (classifier.FeatureExtractor(classifier.build_classifier()) if quick
                 else classifier.default_extractor())
    real = evaluation.real_set(x_train, x_test, n=n, extractor=extractor)
    rows = {"real training digits": real.floor}
    for label, model in models.items():
        rows[label] = features.generative_metrics(model, real.test, n, extractor)
    lines = ["| samples of | FD | classifier score | smallest class | classes over 2% |",
             "| --- | --- | --- | --- | --- |"]
    for label, r in rows.items():
        lines.append(f"| {label} | {r['fd']:.2f} | {r['classifier_score']:.2f} "
                     f"| {r['min_class_share']:.1%} | {r['classes_above_2pct']} |")
    note = " (quick mode: an untrained classifier, the figures mean nothing)" if quick else ""
    display(Markdown("\n".join(lines) + f"\n\n{n:,} samples each, scored by zoo's "
                     f"MNIST classifier{note}; the floor is {n:,} real training digits."))
    return rows
