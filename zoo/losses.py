"""Loss functions as small pure functions (TF-GAN style).

Every function returns a per-example loss of shape ``(batch,)``; the models
average over the batch, so that the same functions serve ``fit``, custom loops
and metrics. GAN losses take discriminator *logits*: the articles put a sigmoid
at the end of the discriminator and feed probabilities to a cross-entropy,
which saturates and loses precision once D is confident (``log(sigmoid(x))``
underflows); ``softplus`` on logits is the exact, stable form of the same loss.
"""

import tensorflow as tf

GENERATOR_LOSSES = ("non_saturating", "minimax")
RECONSTRUCTION_LOSSES = ("mse", "bce")
REDUCTIONS = ("sum", "mean")


def discriminator_loss(real_logits, fake_logits):
    """Discriminator loss ``-log D(x) - log(1 - D(G(z)))``.

    This is the negated value function of Goodfellow et al. (2014), which the
    articles write as ``E[log D(x)] + E[log(1 - D(G(z)))]`` to be maximised by D.

    Args:
        real_logits: Discriminator logits for real data, shape ``(batch, 1)``.
        fake_logits: Discriminator logits for generated data, same shape.

    Returns:
        Per-example loss, shape ``(batch,)``.

    Reference:
        Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014, eq. 1.
    """
    # -log(sigmoid(l)) = softplus(-l);  -log(1 - sigmoid(l)) = softplus(l)
    real = tf.nn.softplus(-tf.reshape(real_logits, [-1]))
    fake = tf.nn.softplus(tf.reshape(fake_logits, [-1]))
    return real + fake


def generator_loss(fake_logits, kind="non_saturating"):
    """Generator loss on the discriminator's logits for generated data.

    Args:
        fake_logits: Discriminator logits for ``G(z)``, shape ``(batch, 1)``.
        kind: ``"non_saturating"`` minimises ``-log D(G(z))`` (Goodfellow et al.,
            section 3: strong gradients early in training, the standard choice);
            ``"minimax"`` minimises ``log(1 - D(G(z)))``, the literal term of the
            articles' formula, which saturates when D rejects the samples.

    Returns:
        Per-example loss, shape ``(batch,)``.

    Raises:
        ValueError: if ``kind`` is not one of ``GENERATOR_LOSSES``.
    """
    logits = tf.reshape(fake_logits, [-1])
    if kind == "non_saturating":
        return tf.nn.softplus(-logits)
    if kind == "minimax":
        return -tf.nn.softplus(logits)
    raise ValueError(f"Unknown generator loss {kind!r}; choose one of {GENERATOR_LOSSES}.")


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


def replica_mean(per_example):
    """Mean over the batch, scaled for ``tf.distribute``.

    Under a strategy each replica sees ``global_batch / n`` examples and the
    optimizer *sums* the replicas' gradients, so each replica divides by the
    number of replicas: the result is the gradient of the global-batch mean.
    Without a strategy ``n`` is 1 and this is a plain mean.
    """
    n = tf.distribute.get_strategy().num_replicas_in_sync
    return tf.reduce_mean(per_example) / tf.cast(n, per_example.dtype)
