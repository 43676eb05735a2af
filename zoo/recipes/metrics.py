"""Cheap checks of a trained recipe, shared by the benchmark and the slow tests.

None of these is a sample-quality score such as FID; they are sanity
figures that separate a trained model from an untrained or collapsed one:
GAN samples should be mostly near-black/near-white like MNIST (not grey
noise) and differ from each other; autoencoders should beat the mean image;
a VAE's negative ELBO should fall; a contractive encoder should be flatter.
"""

import numpy as np
import tensorflow as tf

from zoo.models.inputs import prepare_images


def as_unit_images(x):
    """Images as a float32 numpy array in [0, 1], shaped ``(N, 28, 28, 1)``."""
    return prepare_images(x, (28, 28, 1)).numpy()


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
    x = as_unit_images(images)
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
    x = as_unit_images(images).reshape(len(images), -1).astype("float64")
    sq = np.sum(x * x, axis=1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * x @ x.T, 0.0)
    n = len(x)
    return float(np.sum(np.sqrt(d2)) / (n * (n - 1)))


def reconstruction_mse(model, images, batch_size=500):
    """Per-pixel mean squared error of ``model.reconstruct`` on ``images``, in [0, 1] units.

    Args:
        model: A zoo autoencoder (or VAE).
        images: Images (uint8 or [0, 1]).
        batch_size: Images per forward pass.

    Returns:
        A float.
    """
    x = as_unit_images(images)
    errors = [
        np.mean((model.reconstruct(x[i : i + batch_size]).numpy() - x[i : i + batch_size]) ** 2)
        * len(x[i : i + batch_size])
        for i in range(0, len(x), batch_size)
    ]
    return float(np.sum(errors) / len(x))


def mean_image_mse(train_images, test_images):
    """Per-pixel MSE of predicting the mean training image for every test image.

    The floor an autoencoder must beat: about 0.067 on MNIST.

    Args:
        train_images: Images whose mean is the prediction.
        test_images: Images it is scored on.

    Returns:
        A float.
    """
    mean = as_unit_images(train_images).mean(axis=0)
    return float(np.mean((as_unit_images(test_images) - mean) ** 2))


def jacobian_norm(model, images, batch_size=250):
    """Mean Frobenius norm ``||dh/dx||_F`` of the encoder's Jacobian over ``images``.

    Measured in the encoder's own input range (what the contractive penalty
    acts on). Both a003 recipes work in [0, 1], so their figures compare.

    Args:
        model: A zoo autoencoder with an ``encoder`` network.
        images: Images (uint8 or [0, 1]).
        batch_size: Images per Jacobian.

    Returns:
        A float.

    Reference:
        Rifai et al., "Contractive Auto-Encoders", ICML 2011.
    """
    x = as_unit_images(images)
    norms = []
    for i in range(0, len(x), batch_size):
        x_net = model.to_network(tf.constant(x[i : i + batch_size]))
        with tf.GradientTape() as tape:
            tape.watch(x_net)
            h = tf.cast(model.encoder(x_net, training=False), "float32")
        jac = tape.batch_jacobian(h, x_net)
        norms.append(tf.sqrt(tf.reduce_sum(tf.square(tf.reshape(jac, [len(jac), -1])), 1)))
    return float(tf.reduce_mean(tf.concat(norms, 0)))


def negative_elbo(model, images, batch_size=500):
    """A VAE's negative ELBO per image on ``images``, from ``evaluate``'s loss terms.

    With a Bernoulli likelihood (``reconstruction="bce"``) this is
    ``reconstruction_loss + kl_loss`` in nats, whatever ``beta`` the model
    trains with (a per-pixel ``"mean"`` is scaled back to the sum). With a
    squared-error likelihood the recipe's ``beta`` fixes the Gaussian's
    variance instead (``loss = beta * (rec / beta + KL)``), so the
    ELBO-equivalent is ``rec / beta + KL``, up to an additive constant.

    Args:
        model: A compiled :class:`zoo.VAE`.
        images: Images (uint8 or [0, 1]).
        batch_size: Batch size of ``evaluate``.

    Returns:
        A float (lower is better).
    """
    logs = model.evaluate(
        as_unit_images(images), batch_size=batch_size, verbose=0, return_dict=True
    )
    rec, kl = logs["reconstruction_loss"], logs["kl_loss"]
    if model.reconstruction == "bce":
        # A per-pixel mean of the Bernoulli NLL is the log-likelihood / 784.
        pixels = int(np.prod(model.image_shape)) if model.reduction == "mean" else 1
        return float(rec * pixels + kl)
    if model.beta <= 0:
        raise ValueError("A squared-error VAE with beta = 0 has no ELBO-equivalent.")
    return float(rec / model.beta + kl)
