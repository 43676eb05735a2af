"""Loss functions as small pure functions (TF-GAN style).

Every function returns a per-example loss of shape ``(batch,)``; the models
average over the batch, so that the same functions serve ``fit``, custom loops
and metrics.

GAN losses take discriminator *logits* (the raw, unbounded output of D's last
layer). Each pair is registered as a Keras-serialisable function, so a model
compiled with any of them saves and loads with ``.keras``, and has a short
name for ``GAN.compile`` (:data:`GENERATOR_LOSSES`, :data:`DISCRIMINATOR_LOSSES`).
A user-written loss is a plain function of the same signature; register it
with ``keras.saving.register_keras_serializable`` to save it too.
"""

import keras
import tensorflow as tf

RECONSTRUCTION_LOSSES = ("mse", "bce")
REDUCTIONS = ("sum", "mean")

_serializable = keras.saving.register_keras_serializable(package="zoo")


def _flat(logits):
    return tf.reshape(logits, [-1])


# -- the original GAN (Goodfellow et al. 2014) ----------------------------------
@_serializable
def discriminator_loss(real_logits, fake_logits):
    """Discriminator loss ``-log D(x) - log(1 - D(G(z)))``.

    This is the negated value function of Goodfellow et al. (2014), which the
    articles write as ``E[log D(x)] + E[log(1 - D(G(z)))]`` to be maximised by D.
    On logits, ``softplus`` is the exact form of these log-sigmoids.

    Args:
        real_logits: Discriminator logits for real data, shape ``(batch, 1)``.
        fake_logits: Discriminator logits for generated data, same shape.

    Returns:
        Per-example loss, shape ``(batch,)``.

    Reference:
        Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014, eq. 1.
    """
    # -log(sigmoid(l)) = softplus(-l);  -log(1 - sigmoid(l)) = softplus(l)
    return tf.nn.softplus(-_flat(real_logits)) + tf.nn.softplus(_flat(fake_logits))


@_serializable
def non_saturating_generator_loss(fake_logits):
    """``-log D(G(z))``: strong gradients while D rejects the samples (the standard choice).

    Reference:
        Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014, section 3.
    """
    return tf.nn.softplus(-_flat(fake_logits))


@_serializable
def minimax_generator_loss(fake_logits):
    """``log(1 - D(G(z)))``: the literal term of the value function; saturates early.

    Reference:
        Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014, eq. 1.
    """
    return -tf.nn.softplus(_flat(fake_logits))


# -- least squares (LSGAN) ---------------------------------------------------------
@_serializable
def least_squares_discriminator_loss(real_logits, fake_logits):
    """``((D(x) - 1)^2 + D(G(z))^2) / 2``, the 0-1 coding (a = 0, b = c = 1).

    Reference:
        Mao et al., "Least Squares Generative Adversarial Networks", ICCV 2017, eq. 9.
    """
    return 0.5 * (tf.square(_flat(real_logits) - 1.0) + tf.square(_flat(fake_logits)))


@_serializable
def least_squares_generator_loss(fake_logits):
    """``(D(G(z)) - 1)^2 / 2``.

    Reference:
        Mao et al., "Least Squares Generative Adversarial Networks", ICCV 2017, eq. 9.
    """
    return 0.5 * tf.square(_flat(fake_logits) - 1.0)


# -- hinge ------------------------------------------------------------------------
@_serializable
def hinge_discriminator_loss(real_logits, fake_logits):
    """``max(0, 1 - D(x)) + max(0, 1 + D(G(z)))``.

    Reference:
        Lim & Ye, "Geometric GAN", 2017; Miyato et al., "Spectral Normalization
        for Generative Adversarial Networks", ICLR 2018, eq. 16-17.
    """
    return tf.nn.relu(1.0 - _flat(real_logits)) + tf.nn.relu(1.0 + _flat(fake_logits))


@_serializable
def hinge_generator_loss(fake_logits):
    """``-D(G(z))``.

    Reference:
        Miyato et al., "Spectral Normalization for Generative Adversarial
        Networks", ICLR 2018, eq. 17.
    """
    return -_flat(fake_logits)


# -- Wasserstein (WGAN, WGAN-GP) ----------------------------------------------------
@_serializable
def wasserstein_discriminator_loss(real_logits, fake_logits):
    """The critic's loss ``D(G(z)) - D(x)``; needs a Lipschitz D (``gradient_penalty``).

    Reference:
        Arjovsky et al., "Wasserstein GAN", ICML 2017, algorithm 1.
    """
    return _flat(fake_logits) - _flat(real_logits)


@_serializable
def wasserstein_generator_loss(fake_logits):
    """``-D(G(z))``.

    Reference:
        Arjovsky et al., "Wasserstein GAN", ICML 2017, algorithm 1.
    """
    return -_flat(fake_logits)


def gradient_penalty(discriminator, real, fake, mix, training=True):
    """``(||grad D(x_hat)||_2 - 1)^2`` at ``x_hat = mix * real + (1 - mix) * fake``.

    A soft 1-Lipschitz constraint on D, the critic of WGAN-GP; D's update adds
    it, weighted (10 in the paper), to its loss. It differentiates D twice, so
    it roughly doubles the cost of D's update.

    Args:
        discriminator: The discriminator (a callable on samples).
        real: Real samples, shape ``(batch, ...)``.
        fake: Generated samples, same shape (no gradient flows into them).
        mix: Interpolation weights in [0, 1], shape ``(batch,)``.
        training: Passed to ``discriminator``.

    Returns:
        Per-example penalty, shape ``(batch,)``.

    Reference:
        Gulrajani et al., "Improved Training of Wasserstein GANs", NeurIPS 2017,
        algorithm 1.
    """
    real = tf.cast(real, "float32")
    mix = tf.reshape(tf.cast(mix, "float32"), [-1] + [1] * (real.shape.rank - 1))
    x_hat = mix * real + (1.0 - mix) * tf.stop_gradient(tf.cast(fake, "float32"))
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(x_hat)
        logits = tf.cast(discriminator(x_hat, training=training), "float32")
    grads = tape.gradient(logits, x_hat)
    norms = tf.sqrt(
        tf.reduce_sum(tf.square(tf.reshape(grads, [tf.shape(grads)[0], -1])), 1) + 1e-12
    )
    return tf.square(norms - 1.0)


#: Short names of the GAN losses ``GAN.compile`` takes (a string or the function).
GENERATOR_LOSSES = {
    "non_saturating": non_saturating_generator_loss,
    "minimax": minimax_generator_loss,
    "least_squares": least_squares_generator_loss,
    "hinge": hinge_generator_loss,
    "wasserstein": wasserstein_generator_loss,
}
DISCRIMINATOR_LOSSES = {
    "cross_entropy": discriminator_loss,
    "least_squares": least_squares_discriminator_loss,
    "hinge": hinge_discriminator_loss,
    "wasserstein": wasserstein_discriminator_loss,
}


def resolve(loss, table, what):
    """The loss function that a name of ``table`` or a callable stands for.

    Raises:
        ValueError: for an unknown name or a value that is neither.
    """
    if callable(loss):
        return loss
    if isinstance(loss, str) and loss in table:
        return table[loss]
    raise ValueError(
        f"Unknown {what} {loss!r}; pass one of {sorted(table)} or a function of the "
        f"discriminator's logits returning a per-example loss of shape (batch,)."
    )


def generator_loss(fake_logits, kind="non_saturating"):
    """Generator loss on the discriminator's logits for generated data.

    Args:
        fake_logits: Discriminator logits for ``G(z)``, shape ``(batch, 1)``.
        kind: A name of :data:`GENERATOR_LOSSES` (``"non_saturating"`` minimises
            ``-log D(G(z))``; ``"minimax"`` minimises ``log(1 - D(G(z)))``, the
            literal term of the articles' formula) or such a function.

    Returns:
        Per-example loss, shape ``(batch,)``.

    Raises:
        ValueError: if ``kind`` is not a known name or a callable.
    """
    return resolve(kind, GENERATOR_LOSSES, "generator loss")(fake_logits)


def reconstruction_loss(x, x_hat, kind="mse", reduction="sum"):
    """Per-example reconstruction loss between images ``x`` and ``x_hat``.

    Args:
        x: Targets, shape ``(batch, ...)``.
        x_hat: Reconstructions, same shape. For ``"bce"`` both lie in [0, 1].
        kind: ``"mse"`` (squared error; a Gaussian likelihood with fixed
            variance up to a constant) or ``"bce"`` (Bernoulli negative
            log-likelihood in nats).
        reduction: ``"sum"`` over pixels (a proper per-image log-likelihood, as
            in the VAE's ELBO) or ``"mean"`` over pixels (Keras' ``mse``, which
            article 001 uses).

    Returns:
        Per-example loss, shape ``(batch,)``.
    """
    if kind not in RECONSTRUCTION_LOSSES:
        raise ValueError(
            f"Unknown reconstruction loss {kind!r}; choose one of {RECONSTRUCTION_LOSSES}."
        )
    if reduction not in REDUCTIONS:
        raise ValueError(f"Unknown reduction {reduction!r}; choose one of {REDUCTIONS}.")
    batch = tf.shape(x)[0]
    x = tf.reshape(tf.cast(x, x_hat.dtype), [batch, -1])
    x_hat = tf.reshape(x_hat, [batch, -1])
    if kind == "mse":
        per_pixel = tf.square(x - x_hat)
    else:
        eps = 1e-7
        p = tf.clip_by_value(x_hat, eps, 1.0 - eps)
        per_pixel = -(x * tf.math.log(p) + (1.0 - x) * tf.math.log(1.0 - p))
    reduce = tf.reduce_sum if reduction == "sum" else tf.reduce_mean
    return reduce(per_pixel, axis=1)


def gaussian_kl(mean, log_var):
    """Analytic ``KL(N(mean, exp(log_var)) || N(0, I))`` per example.

    Args:
        mean: Posterior means, shape ``(batch, latent_dim)``.
        log_var: Posterior log-variances, same shape.

    Returns:
        KL divergence in nats, shape ``(batch,)``.

    Reference:
        Kingma & Welling, "Auto-Encoding Variational Bayes", ICLR 2014, appendix B.
    """
    return -0.5 * tf.reduce_sum(1.0 + log_var - tf.square(mean) - tf.exp(log_var), axis=1)


def jacobian_frobenius(jacobian):
    """Squared Frobenius norm ``||dh/dx||_F^2`` per example.

    Args:
        jacobian: Batch Jacobian of shape ``(batch, code_dim, input_dim...)``.

    Returns:
        Shape ``(batch,)``.

    Reference:
        Rifai et al., "Contractive Auto-Encoders", ICML 2011, eq. 2.
    """
    batch = tf.shape(jacobian)[0]
    return tf.reduce_sum(tf.square(tf.reshape(jacobian, [batch, -1])), axis=1)
