"""GAN peers for the benchmarks, written from their public descriptions (no code copied).

* :func:`tf_tutorial_dcgan`: the networks of TensorFlow's "Deep Convolutional
  Generative Adversarial Network" tutorial for MNIST (those of ``make results``'
  peer, :mod:`zoo.results.peers`, which trains them with the tutorial's own step),
  wrapped in a :class:`zoo.GAN` (Adam 2e-4, beta_1 0.5) so that zoo's ``fit``
  can be timed on them.
* :class:`KerasIOGAN`: the ``train_step`` of keras-io's "DCGAN overriding
  ``Model.train_step``" example: D is trained on one concatenated batch of
  generated and real images with noisy labels, then G on fresh noise (two
  generator forwards per step), each with ``BinaryCrossentropy``. The
  networks run in training mode (the example leaves ``training`` unset), so
  that both sides do the same work per forward.
"""

import keras
import tensorflow as tf

import zoo
import zoo.models.base
from zoo.results.peers import tf_tutorial_discriminator, tf_tutorial_generator


def tf_tutorial_dcgan(seed=0):
    """The tutorial's networks as a compiled :class:`zoo.GAN` in [-1, 1]."""
    model = zoo.GAN(
        tf_tutorial_generator(),
        tf_tutorial_discriminator(),
        network_range=(-1.0, 1.0),
        seed=seed,
        name="tf_tutorial_dcgan",
    )
    model.compile(
        d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
    )
    return model


class KerasIOGAN(keras.Model):
    """keras-io's GAN ``train_step``, on a zoo GAN's networks and optimizers.

    Args:
        gan: A compiled :class:`zoo.GAN` or :class:`zoo.LatentGAN` (a fresh
            copy: its networks and optimizers are trained here). For a
            ``LatentGAN`` its autoencoder's own step runs first, as in zoo.
        philox: Draw the noise with TF's Philox named (as zoo does) instead of
            the example's ``keras.random`` calls, whose "auto_select" draw is
            slow under XLA on CPU (``bench/bench_rng.py``).
    """

    def __init__(self, gan, philox=False, **kwargs):
        super().__init__(**kwargs)
        self.gan = gan
        self.generator, self.discriminator = gan.generator, gan.discriminator
        self.latent_dim = gan.latent_dim
        self.seed_generator = keras.random.SeedGenerator(0)
        self.normal = zoo.models.base.normal if philox else self._keras_normal
        self.uniform = zoo.models.base.uniform if philox else self._keras_uniform
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")

    @staticmethod
    def _keras_normal(shape, seed):
        return keras.random.normal(shape, seed=seed)

    @staticmethod
    def _keras_uniform(shape, seed):
        return keras.random.uniform(shape, seed=seed)

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def compile(self, **kwargs):
        super().compile(**kwargs)
        self.d_optimizer, self.g_optimizer = self.gan.d_optimizer, self.gan.g_optimizer

    def train_step(self, x):
        images = tf.reshape(tf.cast(x, "float32") / 255.0, (-1,) + self.gan.image_shape)
        if isinstance(self.gan, zoo.LatentGAN):
            self.gan.autoencoder.train_step(images)
        real = self.gan.real_samples(images)
        n = tf.shape(real)[0]

        # One D batch: this step's fakes (labelled 1) before the real images (0), noisy labels
        z = self.normal((n, self.latent_dim), self.seed_generator)
        combined = tf.concat([self.generator(z, training=True), real], axis=0)
        labels = tf.concat([tf.ones((n, 1)), tf.zeros((n, 1))], axis=0)
        labels += 0.05 * self.uniform(tf.shape(labels), self.seed_generator)

        # D's update on that batch
        with tf.GradientTape() as tape:
            d_loss = self.loss_fn(labels, self.discriminator(combined, training=True))
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(
            zip(grads, self.discriminator.trainable_weights, strict=True)
        )

        # G's update: fresh noise, whose images D should call real (0)
        z = self.normal((n, self.latent_dim), self.seed_generator)
        with tf.GradientTape() as tape:
            fake_logits = self.discriminator(self.generator(z, training=True), training=True)
            g_loss = self.loss_fn(tf.zeros((n, 1)), fake_logits)
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights, strict=True))

        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}
