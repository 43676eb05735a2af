"""Hand-written ``@tf.function`` training steps: the baseline ``model.fit`` is held to.

Each step re-implements a family's update with :mod:`zoo.losses` on the
model's own networks and optimizers (the honest baseline: none of the model's
``train_step`` machinery, no trackers, no input checks), so that
``fit``-vs-loop measures what ``fit`` and the zoo step add. The loop takes the
same raw ``uint8`` batches as ``fit`` and returns the batch losses.
"""

import keras
import tensorflow as tf

from zoo import losses
from zoo.models import GAN, VAE, ContractiveAutoencoder, LatentGAN


def _unit(x, image_shape):
    """uint8 pixels -> float32 in [0, 1], shaped like the model's images."""
    return tf.reshape(tf.cast(x, "float32") / 255.0, (-1,) + tuple(image_shape))


def _to_net(x, network_range):
    return x if network_range[0] == 0.0 else x * 2.0 - 1.0


def _to_unit(x, network_range):
    return x if network_range[0] == 0.0 else (x + 1.0) / 2.0


def _apply(tape, loss, optimizer, variables):
    grads = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(grads, variables, strict=True))


def _ae_loss(ae, x, seeds):
    """Mean loss of an Autoencoder / ContractiveAutoencoder / VAE on images in [0, 1]."""
    rng = ae.network_range
    x_net = _to_net(x, rng)

    def rec(x_hat):
        a, b = x_net, x_hat
        if ae.reconstruction == "bce":
            a, b = _to_unit(a, rng), _to_unit(b, rng)
        return losses.reconstruction_loss(a, b, ae.reconstruction, ae.reduction)

    if isinstance(ae, VAE):
        mean, log_var = ae.encoder(x_net, training=True)
        eps = keras.random.normal(tf.shape(mean), seed=seeds)
        x_hat = ae.decoder(mean + tf.exp(0.5 * log_var) * eps, training=True)
        return tf.reduce_mean(rec(x_hat) + ae.beta * losses.gaussian_kl(mean, log_var))
    if isinstance(ae, ContractiveAutoencoder):
        with tf.GradientTape(watch_accessed_variables=False) as inner:
            inner.watch(x_net)
            h = ae.encoder(x_net, training=True)
        penalty = losses.jacobian_frobenius(inner.batch_jacobian(h, x_net))
        x_hat = ae.decoder(h, training=True)
        return tf.reduce_mean(rec(x_hat) + ae.contractive_weight * penalty)
    x_hat = ae.decoder(ae.encoder(x_net, training=True), training=True)
    return tf.reduce_mean(rec(x_hat))


def _gan_round(gan, real, seeds, fake_fn):
    """``d_steps`` discriminator updates, then one generator update; returns the losses."""
    g, d = gan.generator, gan.discriminator
    n = tf.shape(real)[0]
    for _ in range(gan.d_steps):
        z = keras.random.normal((n, gan.latent_dim), seed=seeds)
        with tf.GradientTape() as tape:
            fake_logits = d(fake_fn(z), training=True)
            real_logits = d(real, training=True)
            d_loss = tf.reduce_mean(losses.discriminator_loss(real_logits, fake_logits))
        _apply(tape, d_loss, gan.d_optimizer, d.trainable_variables)
    z = keras.random.normal((n, gan.latent_dim), seed=seeds)
    with tf.GradientTape() as tape:
        fake_logits = d(fake_fn(z), training=True)
        g_loss = tf.reduce_mean(losses.generator_loss(fake_logits, gan.generator_loss))
    _apply(tape, g_loss, gan.g_optimizer, g.trainable_variables)
    return d_loss, g_loss


def make_step(model, jit_compile=False, in_graph_iterator=False):
    """A compiled training step ``step(uint8_batch) -> losses`` for ``model``'s family.

    Args:
        model: A compiled zoo model (its networks and optimizers are used; build
            a separate instance from the one that ``fit`` trains).
        jit_compile: Compile the step with XLA.
        in_graph_iterator: Make ``step(iterator)`` instead, which takes the
            batch from a ``tf.data`` iterator inside the graph, as ``fit``
            does (one call into TensorFlow per step instead of two).

    Returns:
        A ``tf.function``.
    """
    seeds = keras.random.SeedGenerator(0)
    shape = model.image_shape
    if isinstance(model, LatentGAN):
        ae = model.autoencoder

        def step(x):
            x = _unit(x, shape)
            with tf.GradientTape() as tape:
                ae_loss = _ae_loss(ae, x, seeds)
            _apply(tape, ae_loss, ae.optimizer, ae.trainable_variables)
            codes = tf.stop_gradient(ae.encoder(_to_net(x, ae.network_range), training=False))
            d_loss, g_loss = _gan_round(
                model, codes, seeds, lambda z: model.generator(z, training=True)
            )
            return ae_loss, d_loss, g_loss

    elif isinstance(model, GAN):

        def step(x):
            real = _to_net(_unit(x, shape), model.network_range)
            return _gan_round(model, real, seeds, lambda z: model.generator(z, training=True))

    else:

        def step(x):
            x = _unit(x, shape)
            with tf.GradientTape() as tape:
                loss = _ae_loss(model, x, seeds)
            _apply(tape, loss, model.optimizer, model.trainable_variables)
            return (loss,)

    if in_graph_iterator:
        # XLA cannot compile the iterator op: compile the step, not the wrapper.
        inner = tf.function(step, jit_compile=jit_compile)
        return tf.function(lambda iterator: inner(next(iterator)))
    return tf.function(step, jit_compile=jit_compile)


def run(step, iterator, steps):
    """Runs ``steps`` steps from ``iterator`` and waits for the last one's losses."""
    out = None
    for _ in range(steps):
        out = step(next(iterator))
    return [float(v) for v in out]
