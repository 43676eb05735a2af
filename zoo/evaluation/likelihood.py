"""Reconstruction errors of autoencoders, and the ELBO and IWAE bound of VAEs.

Everything goes through the models' protocol (``reconstruct``, ``encode``,
``decode``), so a Keras model and a SavedModel export (see
:mod:`zoo.evaluation.loading`) are scored by the same code, with the
per-example terms of :mod:`zoo.losses` (reconstruction losses, the Gaussian KL).

Example:
    >>> from zoo.evaluation import likelihood
    >>> likelihood.reconstruction_errors(ae, x_test)        # doctest: +SKIP
    {'mse': 0.011, 'bce': 0.081, 'n': 10000}
    >>> likelihood.vae_metrics(vae, x_test, k=100)          # doctest: +SKIP
    {'elbo': -101.3, 'iwae_nll': 96.2, 'k': 100, 'n_elbo': 10000, 'n_iwae': 10000, ...}
"""

import math

import numpy as np
import tensorflow as tf

from zoo import data, losses
from zoo.evaluation.features import iterate_batches


def binarized_data(model):
    """Whether ``model`` was trained on binarised digits and is evaluated on them.

    The one place that reads the flag: :func:`zoo.reference.reference_vae` sets
    it (an attribute today, a ``zoo.VAE`` config field later); anything else is
    evaluated on grey values.
    """
    return bool(getattr(model, "binarized_data", False))


def likelihood_kind(model):
    """``"bce"`` (Bernoulli) or ``"mse"`` (Gaussian of variance 1/2) for ``model``'s decoder.

    A Keras VAE says it (``reconstruction``); an export does not record it, so
    its ``decode`` outputs are read as Bernoulli means.
    """
    return getattr(model, "reconstruction", "bce")


def likelihood_label(model, binarized=None):
    """How the likelihood figures of ``model`` are to be read, in a few words."""
    binarized = binarized_data(model) if binarized is None else binarized
    if likelihood_kind(model) == "mse":
        return "Gaussian"
    label = "Bernoulli, binarised" if binarized else "Bernoulli, grey"
    if getattr(model, "is_export", False):
        label += " (export: BCE of decode's [0, 1] means, clipped to [1e-7, 1 - 1e-7])"
    return label


# -- autoencoders ----------------------------------------------------------------------
def reconstruction_errors(model, images, batch_size=500, progress=None):
    """Per-pixel MSE and BCE (nats) of ``model.reconstruct`` against ``images`` in [0, 1].

    Args:
        model: Anything with ``reconstruct(x)`` returning images in [0, 1].
        images: Images (uint8 or [0, 1]; array, dataset or batches).
        batch_size: Images per forward pass.
        progress: Optional callable, called with the rows of each batch done.

    Returns:
        ``dict(mse=..., bce=..., n=...)``; BCE clips reconstructions to
        [1e-7, 1 - 1e-7], as :func:`zoo.losses.reconstruction_loss` does.
    """
    sq = ce = 0.0
    n = 0
    for x in iterate_batches(images, batch_size, progress):
        x = tf.constant(x.reshape(len(x), -1))
        r = tf.reshape(tf.cast(model.reconstruct(x), "float32"), tf.shape(x))
        sq += float(tf.reduce_sum(losses.reconstruction_loss(x, r, "mse", "mean")))
        ce += float(tf.reduce_sum(losses.reconstruction_loss(x, r, "bce", "mean")))
        n += len(x)
    return {"mse": sq / n, "bce": ce / n, "n": n}


class MeanImage:
    """The autoencoders' floor: "reconstructs" every image as the mean training image.

    Args:
        images: Training images (uint8 or [0, 1]) whose mean is the prediction.
    """

    def __init__(self, images):
        self.mean = data.as_unit(images, (len(images), -1)).mean(axis=0)

    def reconstruct(self, x):
        return np.broadcast_to(self.mean, (len(x), self.mean.size))


def mean_image_errors(train_images, test_images, batch_size=500):
    """MSE and BCE of predicting the mean training image (about 0.067 MSE on MNIST)."""
    return reconstruction_errors(MeanImage(train_images), test_images, batch_size)


# -- VAEs ------------------------------------------------------------------------------
def _log_weight_fn(vae):
    """A compiled ``(x, mu, log_var, eps) -> (log p(x|z), log p(z) - log q(z|x))``."""
    kind = likelihood_kind(vae)

    # autograph=False: nothing here needs converting, and autograph re-reads model
    # source files from disk, which breaks a long run whose checkout is being edited.
    @tf.function(reduce_retracing=True, autograph=False)
    def fn(x, mu, log_var, eps):  # x (B, D); mu, log_var (B, d); eps (c, B, d)
        c, b = tf.shape(eps)[0], tf.shape(eps)[1]
        d = mu.shape[-1] or tf.shape(eps)[2]  # static when known: decode checks the code size
        z = mu[None] + tf.exp(0.5 * log_var)[None] * eps
        out = tf.reshape(tf.cast(vae.decode(tf.reshape(z, [c * b, d])), "float32"), [c * b, -1])
        targets = tf.reshape(tf.broadcast_to(x[None], [c, b, tf.shape(x)[-1]]), [c * b, -1])
        # -log p(x|z): the Bernoulli NLL, or (Gaussian of variance 1/2, the likelihood a
        # summed squared error implies) the squared error plus its normaliser.
        nll = losses.reconstruction_loss(targets, out, kind, "sum")
        if kind == "mse":
            nll += 0.5 * tf.cast(tf.shape(x)[-1], "float32") * math.log(math.pi)
        log_pz = -0.5 * tf.reduce_sum(tf.square(z), -1)
        log_qz = -0.5 * tf.reduce_sum(tf.square(eps) + log_var[None], -1)  # (z - mu)/sigma = eps
        return -tf.reshape(nll, [c, b]), log_pz - log_qz  # p(z)'s and q's 2 pi terms cancel

    return fn


def _vae_batches(vae, images, batch_size, binarized, binarize_seed, progress=None):
    if binarized is None:
        binarized = binarized_data(vae)
    # One stream of draws, consumed in order: any batch size binarises image i the
    # same way, so the ELBO and the IWAE bound see the same binary test digits.
    rng = np.random.default_rng(binarize_seed)
    for x in iterate_batches(images, batch_size, progress):
        x = x.reshape(len(x), -1)
        if binarized:
            x = (rng.random(x.shape) < x).astype("float32")
        mu, log_var = (tf.cast(t, "float32") for t in vae.encode(x))
        yield x, mu, log_var


def elbo_per_example(
    vae, images, n_samples=1, seed=0, batch_size=500, binarized=None, binarize_seed=0, progress=None
):
    """The ELBO of each image, in nats: ``E_q log p(x|z) - KL(q(z|x) || p(z))``.

    The KL term is :func:`zoo.losses.gaussian_kl` with weight 1 (the true bound,
    whatever ``beta`` the model trained with); ``E_q log p(x|z)`` is averaged
    over ``n_samples`` draws.

    Args:
        vae: Anything with ``encode(x) -> (z_mean, z_log_var)`` and ``decode(z)``
            -> images in [0, 1]: Bernoulli when :func:`likelihood_kind` is
            ``"bce"``, else a Gaussian of variance 1/2 (a density, not
            comparable to nats of binary data).
        images: Test images in [0, 1] or uint8.
        n_samples: Draws of ``z`` per image.
        seed: Seed of the draws.
        batch_size: Images per pass.
        binarized: Evaluate on Bernoulli-sampled images (fixed by
            ``binarize_seed``); ``None`` asks :func:`binarized_data`.
        binarize_seed: Seed of the binarisation.
        progress: Optional callable, called with the rows of each batch done.

    Returns:
        A float64 array of shape ``(N,)``.
    """
    fn, rng, out = _log_weight_fn(vae), np.random.default_rng(seed), []
    for x, mu, log_var in _vae_batches(vae, images, batch_size, binarized, binarize_seed, progress):
        eps = rng.standard_normal((n_samples, *mu.shape)).astype("float32")
        log_px, _ = fn(x, mu, log_var, eps)
        kl = np.asarray(losses.gaussian_kl(mu, log_var), "float64")
        out.append(np.mean(np.asarray(log_px, "float64"), axis=0) - kl)
    return np.concatenate(out)


def iwae_per_example(
    vae, images, k=5000, seed=0, max_rows=10_000, binarized=None, binarize_seed=0, progress=None
):
    """``log (1/k) sum_i p(x, z_i) / q(z_i|x)``, ``z_i ~ q(z|x)``, for each image, in nats.

    A lower bound on ``log p(x)`` that tightens as ``k`` grows; ``k = 1`` is the
    ELBO in expectation. Streams over images and chunks of the ``k`` samples
    with a running log-sum-exp, so that no more than ``max_rows`` decoded
    images are held at once whatever ``k`` is.

    Args:
        vae: As in :func:`elbo_per_example`.
        images: Test images in [0, 1] or uint8.
        k: Importance samples per image (Burda et al. evaluate with 5000).
        seed: Seed of the samples.
        max_rows: Decoded images per forward pass (memory bound).
        binarized: As in :func:`elbo_per_example`.
        binarize_seed: As in :func:`elbo_per_example`.
        progress: Optional callable, called with the rows of each batch done.

    Returns:
        A float64 array of shape ``(N,)``; ``-mean`` is the NLL bound.

    Reference:
        Burda, Grosse & Salakhutdinov, "Importance Weighted Autoencoders", ICLR 2016.
    """
    chunk = min(k, max_rows)
    fn, rng, out = _log_weight_fn(vae), np.random.default_rng(seed), []
    batches = _vae_batches(
        vae, images, max(1, max_rows // chunk), binarized, binarize_seed, progress
    )
    for x, mu, log_var in batches:
        total = np.full(len(x), -np.inf)
        for start in range(0, k, chunk):
            eps = rng.standard_normal((min(chunk, k - start), *mu.shape)).astype("float32")
            log_px, log_ratio = fn(x, mu, log_var, eps)
            log_w = np.asarray(log_px, "float64") + np.asarray(log_ratio, "float64")
            top = log_w.max(axis=0)
            total = np.logaddexp(total, top + np.log(np.sum(np.exp(log_w - top), axis=0)))
        out.append(total - math.log(k))
    return np.concatenate(out)


def vae_metrics(vae, images, k=5000, n_iwae=None, seed=0, binarized=None, progress=None):
    """Test ELBO (nats, higher is better) and IWAE NLL bound (nats, lower is better).

    Args:
        vae: As in :func:`elbo_per_example`.
        images: Test images in [0, 1] or uint8 (an array).
        k: Importance samples per image of the IWAE bound.
        n_iwae: Evaluate the IWAE bound on the first ``n_iwae`` images only
            (it costs ``k`` decoder passes per image); ``None`` uses all.
        seed: Seed of the draws.
        binarized: As in :func:`elbo_per_example`.
        progress: Optional callable, called with the rows of each batch done
            (the ELBO's images, then the IWAE bound's).

    Returns:
        ``dict(elbo, iwae_nll, k, n_elbo, n_iwae, likelihood)``.
    """
    binarized = binarized_data(vae) if binarized is None else binarized
    elbo = elbo_per_example(vae, images, seed=seed, binarized=binarized, progress=progress)
    sub = images if n_iwae is None else images[:n_iwae]
    iwae = iwae_per_example(vae, sub, k=k, seed=seed, binarized=binarized, progress=progress)
    return {
        "elbo": float(elbo.mean()),
        "iwae_nll": float(-iwae.mean()),
        "k": k,
        "n_elbo": len(elbo),
        "n_iwae": len(iwae),
        "likelihood": likelihood_label(vae, binarized),
    }
