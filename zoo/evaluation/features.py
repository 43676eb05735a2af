"""Sample quality in the features of zoo's MNIST classifier: FD, KID, classifier score, coverage.

Every function takes an injectable ``extractor``: a callable from a batch of
images to features, or to ``(features, probabilities)``; ``None`` is the cached
classifier of :mod:`zoo.classifier`. Everything streams over batches: FD keeps
a running mean and covariance, the classifier score and class coverage running
sums, KID a bounded reservoir of features.

Example:
    >>> from zoo.evaluation import features
    >>> ref = features.summarize(x_test)                    # doctest: +SKIP
    >>> features.generative_metrics(gan, ref, n=10_000)     # doctest: +SKIP
    {'fd': ..., 'kid': ..., 'classifier_score': ..., 'min_class_share': ..., ...}
"""

import dataclasses
import math

import numpy as np
import tensorflow as tf

from zoo import data

#: A class "is covered" when at least this share of the samples falls in it.
COVERAGE_THRESHOLD = 0.02


# -- batches ---------------------------------------------------------------------------
def iterate_batches(source, batch_size=500, progress=None):
    """Yields numpy batches (uint8 scaled to [0, 1]) from an array or an iterable.

    Args:
        source: An array (sliced into ``batch_size`` rows), or an iterable of
            batches such as a ``tf.data.Dataset``; ``(x, y)`` tuples give ``x``.
        batch_size: Rows per batch, for arrays.
        progress: Optional callable, called with the number of rows of each batch.

    Yields:
        float32 arrays in [0, 1] (or the batch as given, for non-image data).
    """
    if hasattr(source, "shape") and not isinstance(source, tf.data.Dataset):
        batches = (source[i : i + batch_size] for i in range(0, len(source), batch_size))
    else:
        batches = (b[0] if isinstance(b, tuple | list) else b for b in source)
    for batch in batches:
        batch = data.as_unit(batch)
        yield batch
        if progress is not None:
            progress(len(batch))


def sample_batches(model, n, batch_size=500, seed=0):
    """Yields ``n`` samples of ``model.sample`` in batches, each batch seeded ``seed + i``."""
    for i, start in enumerate(range(0, n, batch_size)):
        yield np.asarray(model.sample(min(batch_size, n - start), seed=seed + i))


# -- streaming accumulators ------------------------------------------------------------
class FeatureStats:
    """Running mean and covariance of features, merged batch by batch in float64.

    Chan et al.'s pairwise update: it does not lose precision as raw sums of
    squares would, and any batching gives the same result as one shot.
    """

    def __init__(self):
        self.count, self.mean, self._m2 = 0, None, None

    def update(self, features):
        f = np.asarray(features, dtype="float64").reshape(len(features), -1)
        n_b, mean_b = len(f), f.mean(axis=0)
        m2_b = (f - mean_b).T @ (f - mean_b)
        if self.count == 0:
            self.count, self.mean, self._m2 = n_b, mean_b, m2_b
            return self
        n = self.count + n_b
        delta = mean_b - self.mean
        self.mean = self.mean + delta * (n_b / n)
        self._m2 = self._m2 + m2_b + np.outer(delta, delta) * (self.count * n_b / n)
        self.count = n
        return self

    @property
    def covariance(self):
        """Unbiased (``n - 1``) covariance, as ``np.cov`` and the FID reference code use."""
        return self._m2 / (self.count - 1)


class Reservoir:
    """A uniform random subset of at most ``size`` rows of a stream (reservoir sampling)."""

    def __init__(self, size, seed=0):
        self.size, self.seen, self.rows = size, 0, []
        self._rng = np.random.default_rng(seed)

    def update(self, features):
        if self.size == 0:
            return self
        f = np.asarray(features, dtype="float64").reshape(len(features), -1)
        fill = min(len(f), self.size - len(self.rows))
        self.rows.extend(f[:fill])
        # Algorithm R: the t-th row (0-based) replaces a random slot with probability size/(t+1).
        slots = self._rng.integers(0, self.seen + np.arange(fill, len(f)) + 1)
        for row, j in zip(f[fill:], slots, strict=True):
            if j < self.size:
                self.rows[j] = row
        self.seen += len(f)
        return self

    @property
    def array(self):
        return np.stack(self.rows)


class ClassScore:
    """Running sums for ``exp(E_x KL(p(y|x) || p(y)))``, the classifier score.

    ``E_x KL(p(y|x) || p(y)) = E_x[sum_y p log p] - sum_y p(y) log p(y)``
    with ``p(y) = E_x p(y|x)``: two running sums give it exactly, in one pass.
    """

    def __init__(self):
        self.count, self._sum_p, self._sum_plogp = 0, 0.0, 0.0

    def update(self, probs):
        p = np.clip(np.asarray(probs, dtype="float64"), 1e-12, 1.0)
        self.count += len(p)
        self._sum_p = self._sum_p + p.sum(axis=0)
        self._sum_plogp += float(np.sum(p * np.log(p)))
        return self

    def result(self):
        p_y = self._sum_p / self._sum_p.sum()
        return float(math.exp(self._sum_plogp / self.count - np.sum(p_y * np.log(p_y))))


class ClassCoverage:
    """Share of the samples the classifier puts in each class (its arg-max): mode collapse.

    A generator that covers MNIST gives ten shares near 0.1; one that has
    collapsed puts most samples in a few classes. The classifier score mixes
    this with the classifier's confidence; the shares do not.

    Args:
        num_classes: Number of classes.
    """

    def __init__(self, num_classes=10):
        self.counts = np.zeros(num_classes, dtype="int64")

    def update(self, probs):
        """Counts the arg-max class of each row of ``probs`` (N, classes)."""
        return self.update_labels(np.argmax(np.asarray(probs), axis=1))

    def update_labels(self, labels):
        """Counts given class labels (any labeller: a classifier, nearest neighbours)."""
        self.counts += np.bincount(np.asarray(labels, "int64"), minlength=len(self.counts))
        return self

    @property
    def shares(self):
        return self.counts / max(int(self.counts.sum()), 1)

    def result(self, threshold=COVERAGE_THRESHOLD):
        """``dict(class_shares, min_class_share, classes_above_2pct)``.

        ``classes_above_2pct`` counts the classes holding more than ``threshold``
        of the samples (10 for real digits; 1 for a generator of one digit).
        """
        shares = self.shares
        return {
            "class_shares": [round(float(s), 6) for s in shares],
            "min_class_share": float(shares.min()),
            "classes_above_2pct": int(np.sum(shares > threshold)),
        }


# -- closed forms ----------------------------------------------------------------------
def _psd_sqrt(a):
    w, v = np.linalg.eigh((a + a.T) / 2.0)
    return (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T


def frechet_distance_from_moments(mu1, sigma1, mu2, sigma2):
    """``||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2))`` between two Gaussians.

    ``Tr((S1 S2)^(1/2))`` is computed as ``Tr((S1^(1/2) S2 S1^(1/2))^(1/2))``, a
    symmetric PSD matrix: real eigenvalues, no complex ``sqrtm`` residue, and
    singular covariances (dead ReLU features) need no offset.

    Reference:
        Heusel et al., "GANs Trained by a Two Time-Scale Update Rule Converge
        to a Local Nash Equilibrium", NeurIPS 2017 (FID).
    """
    s1h = _psd_sqrt(np.asarray(sigma1, dtype="float64"))
    eig = np.linalg.eigvalsh(s1h @ np.asarray(sigma2, dtype="float64") @ s1h)
    tr_covmean = np.sum(np.sqrt(np.clip(eig, 0.0, None)))
    diff = np.asarray(mu1, dtype="float64") - np.asarray(mu2, dtype="float64")
    fd = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * tr_covmean
    return max(float(fd), 0.0)  # >= 0 exactly; round-off can dip below for equal sets


def _cube(k):
    return k * k * k  # several times faster than k ** 3, which calls pow()


def kid_from_features(f1, f2, num_subsets=100, subset_size=1000, seed=0):
    """Unbiased MMD^2 with the kernel ``(x.y / d + 1)^3``, over random subsets.

    Returns:
        ``(mean, std)`` over ``num_subsets`` subsets of ``min(subset_size, n1, n2)``
        rows of each side, drawn without replacement.

    Reference:
        Bińkowski et al., "Demystifying MMD GANs", ICLR 2018 (KID).
    """
    f1, f2 = np.asarray(f1, dtype="float64"), np.asarray(f2, dtype="float64")
    d, m = f1.shape[1], min(subset_size, len(f1), len(f2))
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(num_subsets):
        x = f1[rng.choice(len(f1), m, replace=False)]
        y = f2[rng.choice(len(f2), m, replace=False)]
        k_xx, k_yy, k_xy = (_cube(a @ b.T / d + 1.0) for a, b in ((x, x), (y, y), (x, y)))
        # Unbiased: the diagonals k(x_i, x_i) are left out of the within-set means.
        within = (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
        values.append(within - 2.0 * k_xy.mean())
    return float(np.mean(values)), float(np.std(values))


# -- one pass over a set ---------------------------------------------------------------
@dataclasses.dataclass
class FeatureSummary:
    """What one pass of the feature network keeps of a set of images."""

    stats: FeatureStats
    reservoir: Reservoir
    scores: ClassScore | None
    coverage: ClassCoverage | None = None

    @property
    def classifier_score(self):
        return None if self.scores is None else self.scores.result()

    def class_metrics(self):
        """Classifier score and coverage (empty without class probabilities)."""
        if self.scores is None:
            return {}
        return {"classifier_score": self.classifier_score, **self.coverage.result()}


def resolve_extractor(extractor):
    """``extractor``, or the cached MNIST classifier's when it is None."""
    if extractor is None:
        from zoo.classifier import default_extractor

        return default_extractor()
    return extractor


def summarize(source, extractor=None, batch_size=500, kid_samples=10_000, seed=0, progress=None):
    """Feature moments, a KID reservoir, classifier score and coverage of a set, in one pass.

    Args:
        source: Images (array, dataset or iterable of batches, see
            :func:`iterate_batches`), or anything the extractor takes.
        extractor: ``batch -> features`` or ``batch -> (features, probs)``;
            defaults to the cached MNIST classifier's.
        batch_size: Rows per batch for arrays.
        kid_samples: Size of the feature reservoir kept for KID.
        seed: Seed of the reservoir.
        progress: Optional callable, called with the rows of each batch done.

    Returns:
        A :class:`FeatureSummary`; compare two with :func:`compare`.
    """
    extractor = resolve_extractor(extractor)
    summary = FeatureSummary(FeatureStats(), Reservoir(kid_samples, seed), None)
    for batch in iterate_batches(source, batch_size, progress):
        out = extractor(batch)
        features, probs = out if isinstance(out, tuple) else (out, None)
        summary.stats.update(features)
        summary.reservoir.update(features)
        if probs is not None:
            if summary.scores is None:
                summary.scores, summary.coverage = ClassScore(), ClassCoverage(probs.shape[1])
            summary.scores.update(probs)
            summary.coverage.update(probs)
    return summary


def compare(a, b, kid_subsets=100, kid_subset_size=1000, seed=0):
    """FD and KID between two :class:`FeatureSummary` objects.

    Returns:
        ``dict(fd=..., kid=..., kid_std=...)``.
    """
    fd = frechet_distance_from_moments(
        a.stats.mean, a.stats.covariance, b.stats.mean, b.stats.covariance
    )
    kid, kid_std = kid_from_features(
        a.reservoir.array, b.reservoir.array, kid_subsets, kid_subset_size, seed
    )
    return {"fd": fd, "kid": kid, "kid_std": kid_std}


def frechet_distance(real, fake, extractor=None, batch_size=500):
    """FD between two sets in the extractor's feature space (lower is better).

    Example:
        >>> frechet_distance(x, x + 1.0, extractor=lambda b: b)  # doctest: +SKIP
    """
    a, b = (summarize(s, extractor, batch_size, kid_samples=0) for s in (real, fake))
    return frechet_distance_from_moments(
        a.stats.mean, a.stats.covariance, b.stats.mean, b.stats.covariance
    )


def kernel_distance(
    real,
    fake,
    extractor=None,
    num_subsets=100,
    subset_size=1000,
    seed=0,
    batch_size=500,
    kid_samples=10_000,
):
    """KID between two sets: ``(mean, std)`` of the unbiased MMD^2 over subsets."""
    a, b = (summarize(s, extractor, batch_size, kid_samples, seed) for s in (real, fake))
    return kid_from_features(a.reservoir.array, b.reservoir.array, num_subsets, subset_size, seed)


def classifier_score(images, extractor=None, batch_size=500):
    """``exp(E KL(p(y|x) || p(y)))``: 1 (no class information) to 10 (all classes, sure).

    Reference:
        Salimans et al., "Improved Techniques for Training GANs", NeurIPS 2016
        (the Inception score; here with an MNIST classifier, one split).
    """
    return summarize(images, extractor, batch_size, kid_samples=0).classifier_score


def class_coverage(images, extractor=None, batch_size=500):
    """Class shares of ``images`` under the classifier; see :class:`ClassCoverage`.

    Returns:
        ``dict(class_shares, min_class_share, classes_above_2pct)``.
    """
    return summarize(images, extractor, batch_size, kid_samples=0).coverage.result()


def generative_metrics(
    model,
    reference,
    n=10_000,
    extractor=None,
    batch_size=500,
    seed=0,
    kid_subsets=100,
    kid_subset_size=1000,
    progress=None,
):
    """FD, KID, classifier score and class coverage of ``n`` samples of ``model``.

    Args:
        model: Anything with ``sample(n, seed)`` returning images in [0, 1].
        reference: A :class:`FeatureSummary` of real images (see
            :func:`summarize`), or real images themselves.
        progress: Optional callable, called with the samples of each batch done.

    Returns:
        ``dict(fd, kid, kid_std, classifier_score, class_shares,
        min_class_share, classes_above_2pct, n)``; the class figures only
        when the extractor gives probabilities.
    """
    if not isinstance(reference, FeatureSummary):
        reference = summarize(reference, extractor, batch_size, seed=seed)
    samples = sample_batches(model, n, batch_size, seed)
    fake = summarize(samples, extractor, batch_size, seed=seed, progress=progress)
    return {
        **compare(reference, fake, kid_subsets, kid_subset_size, seed),
        **fake.class_metrics(),
        "n": n,
    }
