"""Numbers for "does it work?": sample quality, reconstruction and likelihood.

* Generative models: the Fréchet distance (FD, FID's formula), the kernel
  distance (KID) and the classifier score (the Inception score's formula), all
  in the features of an MNIST classifier zoo trains itself
  (:mod:`zoo.classifier`). Every function takes an injectable ``extractor``:
  a callable from a batch to features, or to ``(features, probabilities)``.
* Autoencoders: per-pixel reconstruction MSE and BCE.
* VAEs: the ELBO and the importance-weighted (IWAE) bound on ``-log p(x)``.

Everything streams over batches: FD keeps a running mean and covariance, the
classifier score running sums, KID a bounded reservoir of features, the IWAE
bound a running log-sum-exp over chunks of its ``k`` samples.

Example:
    >>> from zoo import metrics, recipes
    >>> gan = recipes.build("a000.gan")   # ... trained
    >>> ref = metrics.summarize(x_test)   # the real side, computed once
    >>> metrics.generative_metrics(gan, ref, n=10_000)  # doctest: +SKIP
    {'fd': ..., 'kid': ..., 'kid_std': ..., 'classifier_score': ..., 'n': 10000}
"""

import dataclasses
import math

import numpy as np
import tensorflow as tf

_EPS = 1e-7  # Bernoulli probabilities are clipped to [eps, 1 - eps], as zoo.losses does.


# -- batches ---------------------------------------------------------------------------
def _as_float(batch):
    batch = np.asarray(batch)
    return batch.astype("float32") / 255.0 if batch.dtype == np.uint8 else batch


def iterate_batches(source, batch_size=500):
    """Yields numpy batches (uint8 scaled to [0, 1]) from an array or an iterable.

    Args:
        source: An array (sliced into ``batch_size`` rows), or an iterable of
            batches such as a ``tf.data.Dataset``; ``(x, y)`` tuples give ``x``.
        batch_size: Rows per batch, for arrays.
    """
    if hasattr(source, "shape") and not isinstance(source, tf.data.Dataset):
        for i in range(0, len(source), batch_size):
            yield _as_float(source[i : i + batch_size])
        return
    for batch in source:
        yield _as_float(batch[0] if isinstance(batch, tuple | list) else batch)


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

    def __init__(self, size=10_000, seed=0):
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

    @property
    def classifier_score(self):
        return None if self.scores is None else self.scores.result()


def _extractor(extractor):
    if extractor is None:
        from zoo.classifier import default_extractor

        return default_extractor()
    return extractor


def summarize(source, extractor=None, batch_size=500, kid_samples=10_000, seed=0):
    """Feature moments, a KID reservoir and the classifier score of a set, in one pass.

    Args:
        source: Images (array, dataset or iterable of batches, see
            :func:`iterate_batches`), or anything the extractor takes.
        extractor: ``batch -> features`` or ``batch -> (features, probs)``;
            defaults to the cached MNIST classifier's.
        batch_size: Rows per batch for arrays.
        kid_samples: Size of the feature reservoir kept for KID.
        seed: Seed of the reservoir.

    Returns:
        A :class:`FeatureSummary`; compare two with :func:`compare`.
    """
    extractor = _extractor(extractor)
    stats, reservoir, scores = FeatureStats(), Reservoir(kid_samples, seed), None
    for batch in iterate_batches(source, batch_size):
        out = extractor(batch)
        features, probs = out if isinstance(out, tuple) else (out, None)
        stats.update(features)
        reservoir.update(features)
        if probs is not None:
            scores = (scores or ClassScore()).update(probs)
    return FeatureSummary(stats, reservoir, scores)


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


def generative_metrics(
    model,
    reference,
    n=10_000,
    extractor=None,
    batch_size=500,
    seed=0,
    kid_subsets=100,
    kid_subset_size=1000,
):
    """FD, KID and classifier score of ``n`` samples of ``model`` against ``reference``.

    Args:
        model: Anything with ``sample(n, seed)`` returning images in [0, 1].
        reference: A :class:`FeatureSummary` of real images (see
            :func:`summarize`), or real images themselves.

    Returns:
        ``dict(fd, kid, kid_std, classifier_score, n)``.
    """
    if not isinstance(reference, FeatureSummary):
        reference = summarize(reference, extractor, batch_size, seed=seed)
    fake = summarize(sample_batches(model, n, batch_size, seed), extractor, batch_size, seed=seed)
    return {
        **compare(reference, fake, kid_subsets, kid_subset_size, seed),
        "classifier_score": fake.classifier_score,
        "n": n,
    }


# -- autoencoders ----------------------------------------------------------------------
def reconstruction_errors(model, images, batch_size=500):
    """Per-pixel MSE and BCE (nats) of ``model.reconstruct`` against ``images`` in [0, 1].

    Returns:
        ``dict(mse=..., bce=..., n=...)``; BCE clips reconstructions to [1e-7, 1 - 1e-7].
    """
    sq = ce = count = 0.0
    for x in iterate_batches(images, batch_size):
        x = x.reshape(len(x), -1).astype("float64")
        r = np.asarray(model.reconstruct(x.astype("float32")), "float64").reshape(x.shape)
        p = np.clip(r, _EPS, 1.0 - _EPS)
        sq += float(np.sum((x - r) ** 2))
        ce -= float(np.sum(x * np.log(p) + (1.0 - x) * np.log(1.0 - p)))
        count += x.size
    return {"mse": sq / count, "bce": ce / count, "n": int(count // x.shape[1])}


# -- VAEs ------------------------------------------------------------------------------
def _log_weight_fn(vae):
    """A compiled ``(x, mu, log_var, eps) -> (log p(x|z), log p(z) - log q(z|x))``."""
    bernoulli = vae.reconstruction == "bce"

    # autograph=False: nothing here needs converting, and autograph re-reads model
    # source files from disk, which breaks a long run whose checkout is being edited.
    @tf.function(reduce_retracing=True, autograph=False)
    def fn(x, mu, log_var, eps):  # x (B, D); mu, log_var (B, d); eps (c, B, d)
        c, b, d = tf.shape(eps)[0], tf.shape(eps)[1], tf.shape(eps)[2]
        z = mu[None] + tf.exp(0.5 * log_var)[None] * eps
        out = vae.to_unit(vae.decoder(tf.reshape(z, [c * b, d]), training=False))
        out = tf.reshape(out, [c, b, -1])
        if bernoulli:
            p = tf.clip_by_value(out, _EPS, 1.0 - _EPS)
            log_px = tf.reduce_sum(x * tf.math.log(p) + (1.0 - x) * tf.math.log(1.0 - p), -1)
        else:  # Gaussian of variance 1/2: the likelihood a summed squared error implies.
            dims = tf.cast(tf.shape(x)[-1], "float32")
            log_px = -tf.reduce_sum(tf.square(x - out), -1) - 0.5 * dims * math.log(math.pi)
        log_pz = -0.5 * tf.reduce_sum(tf.square(z), -1)
        log_qz = -0.5 * tf.reduce_sum(tf.square(eps) + log_var[None], -1)  # (z - mu)/sigma = eps
        return log_px, log_pz - log_qz  # the 2 pi terms of p(z) and q(z|x) cancel

    return fn


def _vae_batches(vae, images, batch_size, binarized, binarize_seed):
    if binarized is None:
        binarized = bool(getattr(vae, "binarized_data", False))
    # One stream of draws, consumed in order: any batch size binarises image i the
    # same way, so the ELBO and the IWAE bound see the same binary test digits.
    rng = np.random.default_rng(binarize_seed)
    for x in iterate_batches(images, batch_size):
        x = x.reshape(len(x), -1).astype("float32")
        if binarized:
            x = (rng.random(x.shape) < x).astype("float32")
        mu, log_var = (np.asarray(t) for t in vae.encode(x))
        yield x, mu, log_var


def elbo_per_example(
    vae, images, n_samples=1, seed=0, batch_size=500, binarized=None, binarize_seed=0
):
    """The ELBO of each image, in nats: ``E_q log p(x|z) - KL(q(z|x) || p(z))``.

    The KL term is analytic with weight 1 (the true bound, whatever ``beta`` the
    model trained with); ``E_q log p(x|z)`` is averaged over ``n_samples`` draws.

    Args:
        vae: A :class:`zoo.VAE`; Bernoulli for ``reconstruction="bce"``, else
            a Gaussian of variance 1/2 (a density, not comparable to nats of
            binary data).
        images: Test images in [0, 1] or uint8.
        binarized: Evaluate on Bernoulli-sampled images (fixed by
            ``binarize_seed``); ``None`` reads ``vae.binarized_data``.

    Returns:
        A float64 array of shape ``(N,)``.
    """
    fn, rng, out = _log_weight_fn(vae), np.random.default_rng(seed), []
    for x, mu, log_var in _vae_batches(vae, images, batch_size, binarized, binarize_seed):
        eps = rng.standard_normal((n_samples, *mu.shape)).astype("float32")
        log_px, _ = fn(x, mu, log_var, eps)
        kl = -0.5 * np.sum(1.0 + log_var - np.square(mu) - np.exp(log_var), axis=1)
        out.append(np.mean(np.asarray(log_px, "float64"), axis=0) - kl)
    return np.concatenate(out)


def iwae_per_example(vae, images, k=5000, seed=0, max_rows=10_000, binarized=None, binarize_seed=0):
    """``log (1/k) sum_i p(x, z_i) / q(z_i|x)``, ``z_i ~ q(z|x)``, for each image, in nats.

    A lower bound on ``log p(x)`` that tightens as ``k`` grows; ``k = 1`` is the
    ELBO in expectation. Streams over images and chunks of the ``k`` samples
    with a running log-sum-exp, so that no more than ``max_rows`` decoded
    images are held at once whatever ``k`` is.

    Args:
        vae: A :class:`zoo.VAE` (likelihood as in :func:`elbo_per_example`).
        images: Test images in [0, 1] or uint8.
        k: Importance samples per image (Burda et al. evaluate with 5000).
        seed: Seed of the samples.
        max_rows: Decoded images per forward pass (memory bound).
        binarized: As in :func:`elbo_per_example`.

    Returns:
        A float64 array of shape ``(N,)``; ``-mean`` is the NLL bound.

    Reference:
        Burda, Grosse & Salakhutdinov, "Importance Weighted Autoencoders", ICLR 2016.
    """
    chunk = min(k, max_rows)
    fn, rng, out = _log_weight_fn(vae), np.random.default_rng(seed), []
    for x, mu, log_var in _vae_batches(
        vae, images, max(1, max_rows // chunk), binarized, binarize_seed
    ):
        total = np.full(len(x), -np.inf)
        for start in range(0, k, chunk):
            eps = rng.standard_normal((min(chunk, k - start), *mu.shape)).astype("float32")
            log_px, log_ratio = fn(x, mu, log_var, eps)
            log_w = np.asarray(log_px, "float64") + np.asarray(log_ratio, "float64")
            top = log_w.max(axis=0)
            total = np.logaddexp(total, top + np.log(np.sum(np.exp(log_w - top), axis=0)))
        out.append(total - math.log(k))
    return np.concatenate(out)


def vae_metrics(vae, images, k=5000, n_iwae=None, seed=0, binarized=None):
    """Test ELBO (nats, higher is better) and IWAE NLL bound (nats, lower is better).

    Args:
        n_iwae: Evaluate the IWAE bound on the first ``n_iwae`` images only
            (it costs ``k`` decoder passes per image); ``None`` uses all.

    Returns:
        ``dict(elbo, iwae_nll, k, n_elbo, n_iwae)``.
    """
    elbo = elbo_per_example(vae, images, seed=seed, binarized=binarized)
    sub = images if n_iwae is None else images[:n_iwae]
    iwae = iwae_per_example(vae, sub, k=k, seed=seed, binarized=binarized)
    return {
        "elbo": float(elbo.mean()),
        "iwae_nll": float(-iwae.mean()),
        "k": k,
        "n_elbo": len(elbo),
        "n_iwae": len(iwae),
    }
