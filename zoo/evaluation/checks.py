"""Cheap sanity figures of a trained model, shared by the benchmarks, slow tests and notebooks.

None of these is a sample-quality score such as FD; they separate a trained
model from an untrained or collapsed one: GAN samples should be mostly
near-black/near-white like MNIST (not grey noise) and differ from each other;
a VAE's negative ELBO should fall; a contractive encoder should be flatter.
Autoencoders are checked against the mean image with
:func:`zoo.evaluation.likelihood.mean_image_errors`.
"""

import numpy as np
import tensorflow as tf

from zoo import data, losses


def saturated_fraction(images, margin=0.1):
    """Fraction of pixels within ``margin`` of 0 or 1.

    MNIST digits are ink on a blank page: about 90% of their pixels are below
    0.1 or above 0.9. Uniform noise scores ``2 * margin``; an untrained
    sigmoid or tanh generator, whose pixels sit near 0.5, scores about 0.

    Args:
        images: Images in [0, 1] (or uint8).
        margin: Distance to 0 or 1 that counts as saturated.

    Returns:
        A float in [0, 1].
    """
    x = data.as_unit(images)
    return float(np.mean((x < margin) | (x > 1.0 - margin)))


def mean_pairwise_distance(images):
    """Mean L2 distance between all pairs of distinct images (pixels in [0, 1]).

    About 10 for random pairs of MNIST test digits; 0 when a generator has
    collapsed to a single image.

    Args:
        images: ``N >= 2`` images in [0, 1] (or uint8).

    Returns:
        A float.
    """
    x = data.as_unit(images, (len(images), -1)).astype("float64")
    sq = np.sum(x * x, axis=1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * x @ x.T, 0.0)
    n = len(x)
    return float(np.sum(np.sqrt(d2)) / (n * (n - 1)))


def jacobian_norms(model, images, batch_size=250):
    """Frobenius norm ``||dh/dx||_F`` of the encoder's Jacobian at each image.

    Measured in the encoder's own input range (what the contractive penalty
    acts on), with :func:`zoo.losses.jacobian_frobenius`, the penalty's own
    term. Both a003 recipes work in [0, 1], so their figures compare.

    Args:
        model: A zoo autoencoder (its ``encoder`` and ``to_network``).
        images: Images (uint8 or [0, 1]).
        batch_size: Images per Jacobian.

    Returns:
        A float32 array of shape ``(N,)``.

    Reference:
        Rifai et al., "Contractive Auto-Encoders", ICML 2011.
    """
    x = data.as_unit(images, (-1, *model.image_shape))
    norms = []
    for i in range(0, len(x), batch_size):
        x_net = model.to_network(tf.constant(x[i : i + batch_size]))
        with tf.GradientTape() as tape:
            tape.watch(x_net)
            h = tf.cast(model.encoder(x_net, training=False), "float32")
        norms.append(tf.sqrt(losses.jacobian_frobenius(tape.batch_jacobian(h, x_net))))
    return tf.concat(norms, 0).numpy()


def jacobian_norm(model, images, batch_size=250):
    """Mean of :func:`jacobian_norms` over ``images`` (a float)."""
    return float(np.mean(jacobian_norms(model, images, batch_size)))


def negative_elbo(model, images, batch_size=500):
    """A VAE's negative ELBO per image, read back from its own ``evaluate`` loss terms.

    With a Bernoulli likelihood (``reconstruction="bce"``) this is
    ``reconstruction_loss + kl_loss`` in nats, whatever ``beta`` the model
    trains with (a per-pixel ``"mean"`` is scaled back to the sum). With a
    squared-error likelihood the recipe's ``beta`` fixes the Gaussian's
    variance instead (``loss = beta * (rec / beta + KL)``), so the
    ELBO-equivalent is ``rec / beta + KL``, up to an additive constant. The
    bound itself, with its own Monte Carlo draws, is
    :func:`zoo.evaluation.likelihood.elbo_per_example`.

    Args:
        model: A compiled :class:`zoo.VAE`.
        images: Images (uint8 or [0, 1]).
        batch_size: Batch size of ``evaluate``.

    Returns:
        A float (lower is better).

    Raises:
        ValueError: for a squared-error VAE with ``beta = 0``.
    """
    logs = model.evaluate(data.as_unit(images), batch_size=batch_size, verbose=0, return_dict=True)
    rec, kl = logs["reconstruction_loss"], logs["kl_loss"]
    if model.reconstruction == "bce":
        # A per-pixel mean of the Bernoulli NLL is the log-likelihood / 784.
        pixels = int(np.prod(model.image_shape)) if model.reduction == "mean" else 1
        return float(rec * pixels + kl)
    if model.beta <= 0:
        raise ValueError("A squared-error VAE with beta = 0 has no ELBO-equivalent.")
    return float(rec / model.beta + kl)
