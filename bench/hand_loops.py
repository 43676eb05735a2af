"""Hand-written ``@tf.function`` training steps: the baseline ``model.fit`` is held to.

Each step re-implements a family's update with :mod:`zoo.losses` on the
model's own networks and optimizers, the fastest way known to run that
algorithm: none of the model's ``train_step`` machinery, no trackers, no input
checks, and for GANs one generator forward per step. So ``fit``-vs-loop
measures what ``fit`` and the zoo step add. The loop takes the
same raw ``uint8`` batches as ``fit`` and returns the batch losses.
"""

import keras
import tensorflow as tf

from zoo import losses
from zoo.models import GAN, VAE, ContractiveAutoencoder, LatentGAN
from zoo.models.base import normal  # Philox named: the fast draw under XLA on CPU


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
        eps = normal(tf.shape(mean), seeds)
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


def _d_update(gan, real, fake):
    """One discriminator update on ``real`` and (gradient-stopped) ``fake``."""
    d = gan.discriminator
    with tf.GradientTape() as tape:
        real_logits = d(real, training=True)
        fake_logits = d(tf.stop_gradient(fake), training=True)
        d_loss = tf.reduce_mean(gan.discriminator_loss_fn(real_logits, fake_logits))
    _apply(tape, d_loss, gan.d_optimizer, d.trainable_variables)
    return d_loss


def _gan_round(gan, real, seeds, fake_fn):
    """``d_steps`` D updates, then one G update, with one generator forward for the last two.

    The fastest known loop for the articles' order (D first, then G), as
    PyTorch's DCGAN example runs it: G's tape records the generator forward,
    D is updated on those fakes, and the same tape, re-entered, records D's
    forward on them after D's update.
    """
    n = tf.shape(real)[0]
    for _ in range(gan.d_steps - 1):
        _d_update(gan, real, fake_fn(normal((n, gan.latent_dim), seeds)))
    g_tape = tf.GradientTape()
    with g_tape:
        fake = fake_fn(normal((n, gan.latent_dim), seeds))
    d_loss = _d_update(gan, real, fake)
    with g_tape:
        fake_logits = gan.discriminator(fake, training=True)
        g_loss = tf.reduce_mean(gan.generator_loss_fn(fake_logits))
    _apply(g_tape, g_loss, gan.g_optimizer, gan.generator.trainable_variables)
    return d_loss, g_loss


def _simultaneous_round(gan, real, seeds, fake_fn):
    """The TensorFlow DCGAN tutorial's step: both players updated from one forward pass.

    G and D are differentiated on the same D outputs, before either update,
    so D's forward on the fakes serves both losses. This is a different
    algorithm from the articles' (D's update does not reach G's), kept as a
    reference row.
    """
    g, d = gan.generator, gan.discriminator
    z = normal((tf.shape(real)[0], gan.latent_dim), seeds)
    with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
        fake_logits = d(fake_fn(z), training=True)
        real_logits = d(real, training=True)
        g_loss = tf.reduce_mean(gan.generator_loss_fn(fake_logits))
        d_loss = tf.reduce_mean(gan.discriminator_loss_fn(real_logits, fake_logits))
    _apply(g_tape, g_loss, gan.g_optimizer, g.trainable_variables)
    _apply(d_tape, d_loss, gan.d_optimizer, d.trainable_variables)
    return d_loss, g_loss


def make_step(model, jit_compile=False, in_graph_iterator=False, steps_per_call=1, gan_round=None):
    """A compiled training step ``step(uint8_batch) -> losses`` for ``model``'s family.

    Args:
        model: A compiled zoo model (its networks and optimizers are used; build
            a separate instance from the one that ``fit`` trains).
        jit_compile: Compile the step with XLA.
        in_graph_iterator: Make ``step(iterator)`` instead, which takes the
            batch from a ``tf.data`` iterator inside the graph, as ``fit``
            does (one call into TensorFlow per step instead of two).
        steps_per_call: With ``in_graph_iterator``, run this many steps per
            call (what Keras' ``steps_per_execution`` does for ``fit``).
        gan_round: For GANs, ``"simultaneous"`` for the TF tutorial's update;
            the default is the articles' order with one generator forward.

    Returns:
        A ``tf.function``.
    """
    seeds = keras.random.SeedGenerator(0)
    shape = model.image_shape
    round_fn = _simultaneous_round if gan_round == "simultaneous" else _gan_round
    if isinstance(model, LatentGAN):
        ae = model.autoencoder

        def step(x):
            x = _unit(x, shape)
            with tf.GradientTape() as tape:
                ae_loss = _ae_loss(ae, x, seeds)
            _apply(tape, ae_loss, ae.optimizer, ae.trainable_variables)
            codes = tf.stop_gradient(ae.encoder(_to_net(x, ae.network_range), training=False))
            d_loss, g_loss = round_fn(
                model, codes, seeds, lambda z: model.generator(z, training=True)
            )
            return ae_loss, d_loss, g_loss

    elif isinstance(model, GAN):

        def step(x):
            real = _to_net(_unit(x, shape), model.network_range)
            return round_fn(model, real, seeds, lambda z: model.generator(z, training=True))

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

        def steps(iterator):
            for _ in range(steps_per_call):
                out = inner(next(iterator))
            return out

        return tf.function(steps)
    return tf.function(step, jit_compile=jit_compile)


def run(step, iterator, steps):
    """Runs ``steps`` steps from ``iterator`` and waits for the last one's losses."""
    out = None
    for _ in range(steps):
        out = step(next(iterator))
    return [float(v) for v in out]
