"""The peers of ``make results``, written from their public descriptions (no code copied).

Each peer trains with its own training step, as its source describes it, and
is then wrapped in the zoo model of its family so that the one evaluator of
``python -m zoo eval`` (:func:`zoo.evaluation.evaluate_model`) scores it
beside the recipes in :mod:`zoo.results`.

* :class:`TutorialDCGAN`: TensorFlow's "Deep Convolutional Generative
  Adversarial Network" tutorial for MNIST. Networks of
  :func:`tf_tutorial_generator` / :func:`tf_tutorial_discriminator` (which
  ``make bench-gan`` times too, ``bench/gan_peers.py``);
  pixels scaled to [-1, 1]; batch 256; each step draws noise once, runs D on
  the real and the generated batch apart, and updates both players at once
  from two tapes, with cross-entropy on logits and Adam(1e-4) each.
* :class:`PaperSettingsDCGAN`: the same two networks tried as a careful user
  would, with the settings of the DCGAN paper (Radford et al. 2016): batch 128,
  Adam(2e-4, beta_1=0.5) each, and D updated before G on one noise draw (G's
  loss is taken through the updated D), as most DCGAN code does.
* :class:`KerasIOVAE`: keras-io's "Variational AutoEncoder" example. A
  convolutional encoder (3x3 stride-2 convolutions with 32 and 64 filters,
  Dense(16)) to a 2-d Gaussian latent, a decoder mirroring it with transposed
  convolutions and a sigmoid; loss: the per-image sum of pixel binary
  cross-entropies plus the KL, Adam's defaults, batch 128, pixels in [0, 1].
  The example trains on the training and test digits together; here it
  trains on the training digits only, so that the test digits stay unseen.
  Its 2-d latent is for the example's latent-space plot; ``peer.keras_io_vae_16d``
  is the same VAE with a 16-d latent, as wide as its encoder's Dense(16), the
  widest latent its networks can fill.

Both train with ``keras.callbacks.BackupAndRestore`` in their run directory,
so a stopped run resumes at its last epoch, with its weights and its optimizers'
states as they were (``tests/test_results.py`` checks the DCGAN's two). The noise
stream is not in the backup: a resumed sitting draws its noise afresh from the
seed, so it is a run of the same budget but not the same run bit for bit.
"""

import functools
import os
import time

import keras
import tensorflow as tf
from keras import layers

import zoo


def tf_tutorial_generator(latent_dim=100):
    """Dense(7*7*256) -> BN -> LeakyReLU -> three 5x5 transposed convs (128, 64, 1), tanh."""
    return keras.Sequential(
        [
            keras.Input((latent_dim,)),
            layers.Dense(7 * 7 * 256, use_bias=False),
            layers.BatchNormalization(),
            layers.LeakyReLU(),
            layers.Reshape((7, 7, 256)),
            layers.Conv2DTranspose(128, 5, strides=1, padding="same", use_bias=False),
            layers.BatchNormalization(),
            layers.LeakyReLU(),
            layers.Conv2DTranspose(64, 5, strides=2, padding="same", use_bias=False),
            layers.BatchNormalization(),
            layers.LeakyReLU(),
            layers.Conv2DTranspose(1, 5, strides=2, padding="same", use_bias=False),
            layers.Activation("tanh"),
        ],
        name="generator",
    )


def tf_tutorial_discriminator():
    """Two 5x5 stride-2 convs (64, 128) with LeakyReLU and dropout 0.3, then one logit."""
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(64, 5, strides=2, padding="same"),
            layers.LeakyReLU(),
            layers.Dropout(0.3),
            layers.Conv2D(128, 5, strides=2, padding="same"),
            layers.LeakyReLU(),
            layers.Dropout(0.3),
            layers.Flatten(),
            layers.Dense(1),
        ],
        name="discriminator",
    )


class TutorialDCGAN(keras.Model):
    """The TF tutorial's DCGAN and its ``train_step``.

    Reference:
        https://www.tensorflow.org/tutorials/generative/dcgan
    """

    #: Both players' Adam settings: the tutorial's 1e-4, Keras' other defaults.
    adam = dict(learning_rate=1e-4)

    def __init__(self, latent_dim=100, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = latent_dim
        self.generator = tf_tutorial_generator(latent_dim)
        self.discriminator = tf_tutorial_discriminator()
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.built = True  # the networks are; BackupAndRestore needs it before fit

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def compile(self, **kwargs):
        super().compile(**kwargs)
        self.g_optimizer = keras.optimizers.Adam(**self.adam)
        self.d_optimizer = keras.optimizers.Adam(**self.adam)
        # Built now, so that BackupAndRestore can restore their state before the first step
        self.g_optimizer.build(self.generator.trainable_variables)
        self.d_optimizer.build(self.discriminator.trainable_variables)
        if self.optimizer is not None:  # compile's own, unused: built empty, so that fit does
            self.optimizer.build([])  # not build it over every variable between two sittings

    def train_step(self, images):
        real = (tf.cast(images, "float32") - 127.5) / 127.5
        noise = keras.random.normal((tf.shape(real)[0], self.latent_dim), seed=self.seed_generator)

        # Both players' losses from one forward, each taped for its own update
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = self.generator(noise, training=True)
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            g_loss = self.cross_entropy(tf.ones_like(fake_logits), fake_logits)
            d_loss = self.cross_entropy(
                tf.ones_like(real_logits), real_logits
            ) + self.cross_entropy(tf.zeros_like(fake_logits), fake_logits)

        # Simultaneous updates, as the tutorial applies them
        g_vars, d_vars = self.generator.trainable_variables, self.discriminator.trainable_variables
        self.g_optimizer.apply_gradients(zip(g_tape.gradient(g_loss, g_vars), g_vars, strict=True))
        self.d_optimizer.apply_gradients(zip(d_tape.gradient(d_loss, d_vars), d_vars, strict=True))
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {m.name: m.result() for m in self.metrics}

    @property
    def networks(self):
        """What :func:`train` saves and loads."""
        return [self.generator, self.discriminator]

    def as_zoo(self):
        """The trained networks as a :class:`zoo.GAN` (images in [-1, 1]), for the evaluator."""
        return zoo.GAN(self.generator, self.discriminator, network_range=(-1.0, 1.0))


class PaperSettingsDCGAN(TutorialDCGAN):
    """The tutorial's networks trained with the DCGAN paper's settings.

    Reference:
        Radford, Metz & Chintala, "Unsupervised Representation Learning with Deep
        Convolutional Generative Adversarial Networks", ICLR 2016, section 4
        (https://arxiv.org/abs/1511.06434).
    """

    # The paper's Adam: 2e-4, and beta_1 0.5 (its 0.9 "resulted in training oscillation")
    adam = dict(learning_rate=2e-4, beta_1=0.5)

    def train_step(self, images):
        real = (tf.cast(images, "float32") - 127.5) / 127.5
        noise = keras.random.normal((tf.shape(real)[0], self.latent_dim), seed=self.seed_generator)

        # D first: real against one batch of fakes
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(self.generator(noise, training=True), training=True)
            d_loss = self.cross_entropy(
                tf.ones_like(real_logits), real_logits
            ) + self.cross_entropy(tf.zeros_like(fake_logits), fake_logits)
        d_vars = self.discriminator.trainable_variables
        self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, d_vars), d_vars, strict=True))

        # Then G, on the same noise, through the updated D
        with tf.GradientTape() as tape:
            fake_logits = self.discriminator(self.generator(noise, training=True), training=True)
            g_loss = self.cross_entropy(tf.ones_like(fake_logits), fake_logits)
        g_vars = self.generator.trainable_variables
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, g_vars), g_vars, strict=True))
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {m.name: m.result() for m in self.metrics}


def keras_io_encoder(latent_dim=2):
    """Conv(32, 3, s2) -> Conv(64, 3, s2) -> Dense(16) -> ``[z_mean, z_log_var]``."""
    inputs = keras.Input((28, 28, 1))
    x = layers.Conv2D(32, 3, activation="relu", strides=2, padding="same")(inputs)
    x = layers.Conv2D(64, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Dense(16, activation="relu")(layers.Flatten()(x))
    z_mean = layers.Dense(latent_dim, name="z_mean")(x)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(x)
    return keras.Model(inputs, [z_mean, z_log_var], name="encoder")


def keras_io_decoder(latent_dim=2):
    """Dense(7*7*64) -> ConvT(64, 3, s2) -> ConvT(32, 3, s2) -> ConvT(1, 3) sigmoid."""
    inputs = keras.Input((latent_dim,))
    x = layers.Reshape((7, 7, 64))(layers.Dense(7 * 7 * 64, activation="relu")(inputs))
    x = layers.Conv2DTranspose(64, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Conv2DTranspose(32, 3, activation="relu", strides=2, padding="same")(x)
    outputs = layers.Conv2DTranspose(1, 3, activation="sigmoid", padding="same")(x)
    return keras.Model(inputs, outputs, name="decoder")


class KerasIOVAE(keras.Model):
    """keras-io's convolutional VAE and its ``train_step``.

    Reference:
        https://keras.io/examples/generative/vae/
    """

    def __init__(self, latent_dim=2, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.encoder = keras_io_encoder(latent_dim)
        self.decoder = keras_io_decoder(latent_dim)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.trackers = [
            keras.metrics.Mean(name=n) for n in ("loss", "reconstruction_loss", "kl_loss")
        ]
        self.built = True  # the networks are; BackupAndRestore needs it before fit

    def compile(self, **kwargs):
        super().compile(**kwargs)
        self.optimizer.build(self.trainable_variables)  # restorable before the first step

    @property
    def metrics(self):
        return self.trackers

    def train_step(self, images):
        x = tf.cast(images, "float32") / 255.0
        with tf.GradientTape() as tape:
            # Reparameterised sample of the posterior
            z_mean, z_log_var = self.encoder(x, training=True)
            eps = keras.random.normal(tf.shape(z_mean), seed=self.seed_generator)
            z = z_mean + tf.exp(0.5 * z_log_var) * eps
            x_hat = self.decoder(z, training=True)
            # Per-image sums, batch means
            reconstruction = tf.reduce_mean(
                tf.reduce_sum(keras.losses.binary_crossentropy(x, x_hat), axis=(1, 2))
            )
            kl = -0.5 * (1 + z_log_var - tf.square(z_mean) - tf.exp(z_log_var))
            kl = tf.reduce_mean(tf.reduce_sum(kl, axis=1))
            loss = reconstruction + kl
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights, strict=True))
        for tracker, value in zip(self.trackers, (loss, reconstruction, kl), strict=True):
            tracker.update_state(value)
        return {m.name: m.result() for m in self.metrics}

    @property
    def networks(self):
        """What :func:`train` saves and loads."""
        return [self.encoder, self.decoder]

    def as_zoo(self):
        """The trained networks as a :class:`zoo.VAE` (Bernoulli, summed), for the evaluator."""
        return zoo.VAE(self.encoder, self.decoder, reconstruction="bce", reduction="sum")


#: name -> (constructor, batch size, the zoo recipe whose epochs it trains for).
PEERS = {
    "peer.tf_tutorial_dcgan": (TutorialDCGAN, 256, "a001.dcgan"),
    "peer.dcgan_paper_settings": (PaperSettingsDCGAN, 128, "a001.dcgan"),
    "peer.keras_io_vae": (KerasIOVAE, 128, "a001.vae"),
    "peer.keras_io_vae_16d": (functools.partial(KerasIOVAE, latent_dim=16), 128, "a001.vae"),
}


def train(name, x_train, epochs, out_dir, seed=0, verbose=0):
    """Trains peer ``name`` for ``epochs`` on uint8 ``x_train``, resuming from ``out_dir``.

    The finished peer's networks are saved as ``<network>.keras`` files, which a
    later call loads instead of training again.

    Returns:
        ``(zoo_model, seconds)``: the peer wrapped for the evaluator, and the seconds
        of this sitting's ``fit`` (0 when the run had already finished).
    """
    make, batch_size, _ = PEERS[name]
    keras.utils.set_random_seed(seed)
    model = make(seed=seed)
    networks = model.networks
    paths = [os.path.join(out_dir, f"{net.name}.keras") for net in networks]
    if all(os.path.exists(p) for p in paths):
        for net, path in zip(networks, paths, strict=True):
            net.set_weights(keras.models.load_model(path, compile=False).get_weights())
        return model.as_zoo(), 0.0
    os.makedirs(out_dir, exist_ok=True)
    model.compile(optimizer=keras.optimizers.Adam())
    started = time.perf_counter()
    model.fit(
        x_train.reshape(-1, 28, 28, 1),
        batch_size=batch_size,
        epochs=epochs,
        shuffle=True,
        verbose=verbose,
        callbacks=[keras.callbacks.BackupAndRestore(os.path.join(out_dir, "backup"))],
    )
    seconds = time.perf_counter() - started
    for net, path in zip(networks, paths, strict=True):
        net.save(path)
    return model.as_zoo(), seconds
