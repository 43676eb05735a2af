"""One model beside its floor: what ``python -m zoo eval`` and ``make results`` run.

:func:`real_set` scores the real digits once (test-set features, and the
floor: real *training* digits scored exactly as a model's samples are);
:func:`evaluate_model` scores a model against it by capability;
:func:`evaluate` does both for a path and writes ``eval.json``;
:func:`format_table` prints the result.

Example:
    >>> from zoo import evaluation
    >>> result = evaluation.evaluate("runs/a000.gan", samples=10_000)   # doctest: +SKIP
    >>> print(evaluation.format_table(result))                        # doctest: +SKIP
"""

import dataclasses
import json
import os
import time

import numpy as np

from zoo import checks
from zoo.evaluation import features, likelihood, loading, scope
from zoo.training import rundir

#: The file :func:`evaluate` writes into a run directory.
EVAL_FILE = rundir.EVAL


@dataclasses.dataclass
class RealSet:
    """The real side of every comparison, computed once for any number of models.

    Attributes:
        x_train: Training images (uint8); the mean-image floor comes from them.
        x_test: Test images (uint8) the models are scored on.
        test: A :class:`~zoo.evaluation.features.FeatureSummary` of ``x_test``.
        floor: FD, KID, classifier score and coverage of real training digits
            (``n`` of them) against the test set: what a perfect generator gets.
        floor_full_fd: FD of all training digits (``full_train=True`` only).
    """

    x_train: np.ndarray
    x_test: np.ndarray
    test: features.FeatureSummary | None
    floor: dict | None
    floor_full_fd: float | None = None


def _tick(progress, label, total):
    return None if progress is None else progress(label, total)


def real_set(
    x_train,
    x_test,
    n=10_000,
    extractor=None,
    batch_size=500,
    seed=0,
    kid_subsets=100,
    full_train=False,
    generative=True,
    progress=None,
    noun="digits",
):
    """Scores the real digits: the test set, and ``n`` training digits as the floor.

    Args:
        x_train: Training images (uint8 or [0, 1]).
        x_test: Test images.
        n: Training digits in the floor: as many as the samples a model is
            scored with, since FD and KID are biased by the sample size.
        extractor: See :func:`zoo.evaluation.features.summarize`.
        batch_size: Images per forward pass.
        seed: Seed of the floor's random digits and of the KID subsets.
        kid_subsets: KID subsets.
        full_train: Pass over all training digits (the floor's ``n`` are a
            uniform reservoir of them; its classifier score and coverage are over
            all) and report ``floor_full_fd``, their FD against the test set.
        generative: False skips the features (for autoencoders only).
        progress: ``progress(label, total) -> callable`` (see :func:`progress_bars`).
        noun: What the images show, for the progress labels ("fashion items").

    Returns:
        A :class:`RealSet`.
    """
    if not generative:
        return RealSet(x_train, x_test, None, None)
    extractor = features.resolve_extractor(extractor)
    tick = _tick(progress, f"real test {noun} ({len(x_test):,})", len(x_test))
    test = features.summarize(x_test, extractor, batch_size, seed=seed, progress=tick)
    full_fd = None
    m = min(n, len(x_train))
    if full_train:
        tick = _tick(progress, f"real training {noun} ({len(x_train):,})", len(x_train))
        everything = features.summarize(x_train, extractor, batch_size, m, seed, tick)
        # The floor's FD and KID use the reservoir's m digits, its class figures all.
        sub = dataclasses.replace(
            everything, stats=features.FeatureStats().update(everything.reservoir.array)
        )
        a, b = everything.stats, test.stats
        full_fd = features.frechet_distance_from_moments(a.mean, a.covariance, b.mean, b.covariance)
    else:
        pick = np.sort(np.random.default_rng(seed).choice(len(x_train), m, replace=False))
        tick = _tick(progress, f"floor: real training {noun} ({m:,})", m)
        sub = features.summarize(x_train[pick], extractor, batch_size, m, seed, tick)
    floor = {**features.compare(test, sub, kid_subsets, seed=seed), **sub.class_metrics(), "n": m}
    return RealSet(x_train, x_test, test, floor, full_fd)


def _scorable(model):
    """``model``'s capabilities; raises TypeError when nothing in them can be scored."""
    caps = loading.capabilities(model)
    if not {"sample", "reconstruct"} & set(caps):
        raise TypeError(
            f"{getattr(model, 'name', type(model).__name__)!r} has neither sample() nor "
            "reconstruct(), so there is nothing to score; zoo eval takes generators (GAN, "
            "latent GAN, VAE) and autoencoders: pass a zoo run, .keras file or export."
        )
    return caps


def evaluate_model(
    model,
    real,
    n=10_000,
    k=100,
    iwae_images=1000,
    extractor=None,
    batch_size=500,
    seed=0,
    kid_subsets=100,
    progress=None,
    skip=(),
):
    """Scores ``model`` by what it can do (:func:`zoo.evaluation.loading.capabilities`).

    Args:
        model: A zoo model, an :class:`~zoo.evaluation.loading.ExportedModel`,
            or anything with ``sample(n, seed)`` and/or ``reconstruct(x)``.
        real: A :class:`RealSet` (its ``test`` summary is needed for generators).
        n: Samples of a generator.
        k: Importance samples of the IWAE bound.
        iwae_images: Test images of the IWAE bound (the first ones; ``None``: all).
        extractor: See :func:`zoo.evaluation.features.summarize`.
        batch_size: Images per forward pass.
        seed: Seed of the samples and the Monte Carlo draws.
        kid_subsets: KID subsets.
        progress: ``progress(label, total) -> callable`` (see :func:`progress_bars`).
        skip: Capabilities not to score (``"sample"`` with no classifier of the data).

    Returns:
        A dict with ``capabilities`` and one section per capability:
        ``generative`` (fd, kid, kid_std, classifier_score, class_shares,
        min_class_share, classes_above_2pct, n, floor), ``reconstruction``
        (mse, bce, n, floor: the mean training image's) and ``likelihood``
        (elbo, iwae_nll, k, n_elbo, n_iwae, likelihood).

    Raises:
        TypeError: if ``model`` has neither ``sample`` nor ``reconstruct``.
    """
    caps = [c for c in _scorable(model) if c not in skip]
    out = {"capabilities": caps}
    if "sample" in caps:
        if real.test is None:
            raise ValueError("real has no test features: build it with real_set(generative=True).")
        tick = _tick(progress, f"samples ({n:,})", n)
        out["generative"] = features.generative_metrics(
            model, real.test, n, extractor, batch_size, seed, kid_subsets, progress=tick
        )
        out["generative"]["floor"] = real.floor
    if "reconstruct" in caps:
        tick = _tick(progress, f"reconstructions ({len(real.x_test):,})", len(real.x_test))
        rec = likelihood.reconstruction_errors(model, real.x_test, batch_size, tick)
        floor = likelihood.mean_image_errors(real.x_train, real.x_test, batch_size)
        rec["floor"] = {"mse": floor["mse"], "bce": floor["bce"], "baseline": "mean train image"}
        out["reconstruction"] = rec
    if "likelihood" in caps:
        n_iwae = len(real.x_test) if iwae_images is None else min(iwae_images, len(real.x_test))
        total = len(real.x_test) + n_iwae
        tick = _tick(progress, f"ELBO ({len(real.x_test):,}) and IWAE k={k} ({n_iwae:,})", total)
        out["likelihood"] = likelihood.vae_metrics(
            model, real.x_test, k=k, n_iwae=n_iwae, seed=seed, progress=tick
        )
    return out


def evaluate(
    path,
    samples=10_000,
    k=100,
    iwae_images=1000,
    source="auto",
    mnist=None,
    batch_size=500,
    seed=0,
    kid_subsets=100,
    json_path=None,
    extractor=None,
    progress=None,
    dataset=None,
    classifier_path=None,
    features_layer="features",
):
    """Evaluates the model at ``path`` beside the floor; writes ``eval.json``.

    What ``python -m zoo eval PATH`` runs. The model is scored against the data it
    trained on and that data set's classifier (:mod:`zoo.evaluation.scope`).

    Args:
        path: A run directory, a ``.keras`` file or a SavedModel export
            (see :func:`zoo.evaluation.loading.load`).
        samples: Samples of a generator, and real training images of the floor.
        k: Importance samples of the IWAE bound (VAEs).
        iwae_images: Test images of the IWAE bound.
        source: A named set's source, as ``python -m zoo train --source``.
        mnist: A named set's Keras-layout npz (else its variable, ``$ZOO_MNIST_PATH``...).
        batch_size: Images per forward pass.
        seed: Seed of the samples, the floor's images and the Monte Carlo draws.
        kid_subsets: KID subsets (of up to 1,000 rows each).
        json_path: Also write the result to this file.
        extractor: Feature extractor; ``None``: the data set's classifier's.
        progress: ``progress(label, total) -> callable``, e.g. :func:`progress_bars`.
        dataset: A name of :data:`zoo.data.DATASETS` or a data path; None: the run's
            (``run.json``), else MNIST.
        classifier_path: A Keras classifier file to take features from instead.
        features_layer: Its feature layer's name.

    Returns:
        The result dict: ``path``, ``kind``, ``model``, ``capabilities``,
        ``settings``, ``data``, ``classifier``, ``not_scored``, the sections of
        :func:`evaluate_model` and ``seconds``. Also written to
        ``PATH/eval.json`` when ``path`` is a run directory.

    Raises:
        FileNotFoundError: a path of none of the three kinds, or missing data.
        ValueError: a damaged model file, a bad source, bad arguments, other data
            than the run's, or nothing that can be scored.
        TypeError: a model with neither ``sample`` nor ``reconstruct``.
    """
    for name, value in (("samples", samples), ("k", k), ("batch_size", batch_size)):
        checks.positive_int(f"--{name.replace('_', '-')}", value)
    start = time.perf_counter()
    model, kind = loading.load(path)
    caps = _scorable(model)  # before loading any data: fail fast
    where = scope.resolve(
        model, path, kind, caps, dataset, source, mnist, classifier_path, features_layer, extractor
    )
    extractor = where.extractor
    generative = "sample" in caps and extractor is not None
    real = real_set(
        where.x_train,
        where.x_test,
        samples,
        extractor,
        batch_size,
        seed,
        kid_subsets,
        generative=generative,
        progress=progress,
        noun=where.noun,
    )
    scores = evaluate_model(
        model, real, samples, k, iwae_images, extractor, batch_size, seed, kid_subsets, progress,
        skip=() if generative else ("sample",),
    )  # fmt: skip
    result = {
        "path": os.fspath(path),
        "kind": kind,
        "model": getattr(model, "name", type(model).__name__),
        "settings": {
            "samples": samples,
            "k": k,
            "iwae_images": iwae_images,
            "batch_size": batch_size,
            "seed": seed,
            "kid_subsets": kid_subsets,
        },
        "data": {
            "dataset": where.dataset,
            "title": where.title,
            "noun": where.noun,
            "source": where.source,
            "train_images": len(where.x_train),
            "test_images": len(where.x_test) if where.test_split else 0,
        },
        "classifier": getattr(extractor, "metadata", None) if generative else None,
        "not_scored": where.not_scored,
        "notes": where.notes,
        **scores,
        "seconds": round(time.perf_counter() - start, 1),
    }
    targets = [os.path.join(path, EVAL_FILE)] if kind == "run" else []
    targets += [os.fspath(json_path)] if json_path else []
    text = json.dumps(result, indent=2) + "\n"
    for target in targets:
        with open(target, "w") as f:
            f.write(text)
    result["written"] = targets  # for the caller, not part of the file
    return result
