"""Generative adversarial networks driven by ``fit``."""

import tensorflow as tf

from zoo import checks, losses
from zoo.models.base import (
    IMAGES,
    LATENT,
    SEEDS,
    Endpoint,
    ZooModel,
    apply_update,
    build_once,
    f32,
    maybe_loss_scale,
    normal,
    objective,
    seeded_normal,
    serializable,
    uniform,
)
from zoo.replicas import replica_rows


@serializable
class GAN(ZooModel):
    """A GAN: one ``train_step`` updates the discriminator, then the generator.

    The articles' order (D first, then G), with one ``GradientTape`` per player.
    Each update differentiates only its own network's variables, so there is no
    ``trainable`` toggling (the articles' ``discriminator.trainable = False``
    after ``compile`` has no effect in Keras, which is one of their bugs).
    BatchNormalization statistics (not trainable, unused by the losses) are
    updated whenever a network runs in training mode.

    By default a step runs the generator once: the fake batch that D is
    updated on (as ``stop_gradient(fake)``) is the one G is then updated on,
    through the *updated* D, as PyTorch's DCGAN example does. The generator
    forward is the costliest part of a convolutional GAN step, and drawing a
    second fake batch for the G update buys nothing: both batches are i.i.d.
    draws from the same generator (``docs/benchmarks.md``, section 1).
    ``reuse_fakes=False`` draws fresh noise for the G update instead, as
    keras-io's GAN examples do (two generator forwards per step).

    Args:
        generator: A model from ``(latent_dim,)`` noise to images in
            ``network_range``.
        discriminator: A model from images (in ``network_range``) to one logit.
        latent_dim: Size of the noise; defaults to the generator's input size,
            and must match it when given.
        d_steps: Discriminator updates per generator update. Each uses the same
            real batch and fresh noise; with ``reuse_fakes`` the last one's
            fakes serve the G update too.
        reuse_fakes: Update G on the fake batch of the (last) D update, one
            generator forward per step (default); ``False`` draws fresh noise
            for the G update.
        joint_batch: Run D once on the real and the fake batch concatenated
            (as Keras code that calls ``train_on_batch(concatenate([real,
            fake]))`` does), instead of once on each. Only a D with batch
            statistics (BatchNormalization) computes anything different: it
            then normalises real and fake examples together, which keeps a
            BN layer before D's logit from seeing each kind's own batch mean.
            G's update then runs D on the same joint batch.
        network_range: Value range of the generator's output.
        seed: Seed of the training noise.
        **kwargs: Passed to ``keras.Model``.

    Example:
        >>> from zoo import networks
        >>> gan = GAN(networks.mlp(100, (28, 28, 1), output_activation="sigmoid"),
        ...           networks.mlp((28, 28, 1), 1), seed=0)
        >>> gan.compile(d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        ...             g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
        >>> gan.fit(images, epochs=1)  # doctest: +SKIP
        >>> gan.sample(16, seed=1).shape
        TensorShape([16, 28, 28, 1])

    Reference:
        Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014.
        The reused fake batch: PyTorch's DCGAN example
        (``pytorch/examples``, ``dcgan/main.py``), which updates G on the
        ``fake`` that D was just updated on.
    """

    loss_names = ("d_loss", "g_loss")
    family = "gan"
    optimizer_names = ("d_optimizer", "g_optimizer")
    sample_kind = "samples"
    endpoints = (
        Endpoint("generate", "generate", LATENT, ("images",)),
        Endpoint("sample", "sample_seeds", SEEDS, ("images",)),
        Endpoint("discriminate", "discriminate", IMAGES, ("probability_real",)),
    )

    def __init__(
        self,
        generator,
        discriminator,
        latent_dim=None,
        d_steps=1,
        reuse_fakes=True,
        joint_batch=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        g_latent = generator.input_shape[-1]
        if latent_dim is not None and int(latent_dim) != g_latent:
            raise ValueError(
                f"latent_dim={latent_dim} does not match the generator's input size {g_latent}; "
                f"pass latent_dim={g_latent} or build the generator for {latent_dim}."
            )
        self.latent_dim = g_latent
        self.d_steps = checks.positive_int("d_steps", d_steps)
        self.reuse_fakes = bool(reuse_fakes)
        self.joint_batch = bool(joint_batch)
        self.built = True

    @property
    def image_shape(self):
        return tuple(self.generator.output_shape[1:])

    def compile(
        self,
        d_optimizer="adam",
        g_optimizer="adam",
        generator_loss="non_saturating",
        discriminator_loss="cross_entropy",
        gradient_penalty=0.0,
        **kwargs,
    ):
        """Configures training.

        Args:
            d_optimizer: Optimizer (or name) of the discriminator.
            g_optimizer: Optimizer (or name) of the generator; a different
                instance from ``d_optimizer``.
            generator_loss: A name of :data:`zoo.losses.GENERATOR_LOSSES`
                (default ``"non_saturating"``) or a function from D's logits on
                fakes to a per-example loss.
            discriminator_loss: A name of :data:`zoo.losses.DISCRIMINATOR_LOSSES`
                (default ``"cross_entropy"``) or a function
                ``(real_logits, fake_logits) -> (batch,)``.
            gradient_penalty: Weight of WGAN-GP's gradient penalty in D's loss
                (:func:`zoo.losses.gradient_penalty`; 10 in the paper); 0 turns it off.
            **kwargs: ``keras.Model.compile`` options such as ``jit_compile``,
                ``steps_per_execution`` and ``run_eagerly``.

        Example:
            >>> gan.compile(d_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9),
            ...             g_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9),
            ...             generator_loss="wasserstein", discriminator_loss="wasserstein",
            ...             gradient_penalty=10.0)  # WGAN-GP  # doctest: +SKIP
        """
        self.generator_loss_fn = losses.resolve(
            generator_loss, losses.GENERATOR_LOSSES, "generator_loss"
        )
        self.discriminator_loss_fn = losses.resolve(
            discriminator_loss, losses.DISCRIMINATOR_LOSSES, "discriminator_loss"
        )
        gradient_penalty = float(gradient_penalty)
        if not gradient_penalty >= 0.0:
            raise ValueError(f"gradient_penalty must be a weight >= 0; got {gradient_penalty}.")
        if d_optimizer is g_optimizer and not isinstance(d_optimizer, str):
            raise ValueError(
                "d_optimizer and g_optimizer must be two optimizer instances: each keeps "
                "the state of one network's variables."
            )
        self._compile_with(
            kwargs,
            d_optimizer=d_optimizer,
            g_optimizer=g_optimizer,
            generator_loss=generator_loss,
            discriminator_loss=discriminator_loss,
            gradient_penalty=gradient_penalty,
        )
        self.d_optimizer = maybe_loss_scale(self, d_optimizer)
        self.g_optimizer = maybe_loss_scale(self, g_optimizer)
        self.generator_loss = generator_loss
        self.gradient_penalty = gradient_penalty

    def build_optimizers(self):
        build_once(self.d_optimizer, self.discriminator.trainable_variables)
        build_once(self.g_optimizer, self.generator.trainable_variables)

    # -- what the two players see; LatentGAN overrides these -----------------
    def real_samples(self, x):
        """What D sees as real: images in the network range."""
        return self.to_network(x)

    def fake_samples(self, z, training=False):
        """What D sees as fake: the generator's output."""
        return self.generator(z, training=training)

    def to_images(self, samples):
        """Turns what the generator makes into images in [0, 1]."""
        return self.to_unit(samples)

    def noise(self, batch_size, seed=None):
        # Under tf.distribute: this replica's rows of the global batch's noise.
        def draw(n):
            return normal((n, self.latent_dim), self.seed_generator if seed is None else seed)

        return replica_rows(draw, batch_size)

    def logits_on(self, real, fake, training=True):
        """D's logits on ``real`` and ``fake``: two forwards, or one on both (``joint_batch``)."""
        if not self.joint_batch:
            return (
                f32(self.discriminator(real, training=training)),
                f32(self.discriminator(fake, training=training)),
            )
        n = tf.shape(real)[0]
        both = tf.concat([real, tf.cast(fake, real.dtype)], axis=0)
        logits = f32(self.discriminator(both, training=training))
        return logits[:n], logits[n:]

    def discriminator_loss_on(self, real, fake, training=True):
        """Per-example D loss (gradient penalty included) and D's logits on ``fake``."""
        real_logits, fake_logits = self.logits_on(real, fake, training)
        d_loss = self.discriminator_loss_fn(real_logits, fake_logits)
        if self.gradient_penalty:
            mix = replica_rows(lambda n: uniform((n,), self.seed_generator), tf.shape(real)[0])
            penalty = losses.gradient_penalty(self.discriminator, real, fake, mix, training)
            d_loss += self.gradient_penalty * penalty
        return d_loss, fake_logits

    def generator_loss_on(self, fake, real=None):
        """The per-example G loss of ``fake`` under the current D (beside ``real``, if joint)."""
        if self.joint_batch and real is not None:
            return self.generator_loss_fn(self.logits_on(real, fake)[1])
        return self.generator_loss_fn(f32(self.discriminator(fake, training=True)))

    def losses_on(self, real, training):
        """D and G losses on one batch (per example), without any update."""
        fake = self.fake_samples(self.noise(tf.shape(real)[0]), training)
        d_loss, fake_logits = self.discriminator_loss_on(real, fake, training)
        return {"d_loss": d_loss, "g_loss": self.generator_loss_fn(fake_logits)}

    def discriminator_step(self, real, fake=None):
        """One D update on real samples and fakes; only D's variables move.

        Args:
            real: What D sees as real (:meth:`real_samples`).
            fake: Generated samples; fresh ones when ``None``. No gradient
                flows back into the generator.

        Returns:
            The per-example D loss.
        """
        if fake is None:
            fake = self.fake_samples(self.noise(tf.shape(real)[0]), training=True)
        fake = tf.stop_gradient(fake)
        with tf.GradientTape() as tape:
            d_loss, _ = self.discriminator_loss_on(real, fake)
            d_objective = objective(self.d_optimizer, d_loss)
        apply_update(tape, d_objective, self.d_optimizer, self.discriminator.trainable_variables)
        return d_loss

    def generator_step(self, batch_size, real=None):
        """One G update on fresh noise against the current D; only G's variables move."""
        z = self.noise(batch_size)
        with tf.GradientTape() as tape:
            g_loss = self.generator_loss_on(self.fake_samples(z, training=True), real)
            g_objective = objective(self.g_optimizer, g_loss)
        apply_update(tape, g_objective, self.g_optimizer, self.generator.trainable_variables)
        return g_loss

    def shared_fake_step(self, real):
        """D, then G, on one fake batch: a single generator forward for both updates."""
        with tf.GradientTape() as tape:
            fake = self.fake_samples(self.noise(tf.shape(real)[0]), training=True)
            # D's update is not part of G's gradient: keep it off G's tape.
            with tape.stop_recording():
                d_loss = self.discriminator_step(real, fake)
            # D's variables were just assigned, so this forward reads the updated D.
            g_loss = self.generator_loss_on(fake, real)
            g_objective = objective(self.g_optimizer, g_loss)
        apply_update(tape, g_objective, self.g_optimizer, self.generator.trainable_variables)
        return d_loss, g_loss

    def adversarial_step(self, x):
        """One round, in the articles' order: ``d_steps`` D updates, then one G update."""
        real = self.real_samples(x)
        # G's update reads no data; without this edge it could run before the input
        # checks fail, and a refused batch would still move the generator.
        with tf.control_dependencies([real]):
            for _ in range(self.d_steps - int(self.reuse_fakes)):
                d_loss = self.discriminator_step(real)
            if self.reuse_fakes:
                d_loss, g_loss = self.shared_fake_step(real)
            else:
                g_loss = self.generator_step(tf.shape(real)[0], real)
        return {"d_loss": d_loss, "g_loss": g_loss}

    def train_step(self, data):
        return self.record(self.adversarial_step(self.prepare(data)))

    def test_step(self, data):
        return self.record(self.losses_on(self.real_samples(self.prepare(data)), training=False))

    # -- the generative protocol -------------------------------------------
    def generate(self, z):
        """Images in [0, 1] for latent vectors ``z`` of shape ``(batch, latent_dim)``."""
        z = tf.convert_to_tensor(z, dtype="float32")
        if z.shape.rank != 2 or z.shape[-1] != self.latent_dim:
            raise ValueError(
                f"Expected latent vectors of shape (N, {self.latent_dim}); got {tuple(z.shape)}."
            )
        return self.to_images(self.fake_samples(z, training=False))

    def sample(self, n, seed=None):
        """``n`` images in [0, 1]; the same ``seed`` gives the same images."""
        return self.generate(self.noise(int(n), seed=seed))

    def sample_seeds(self, seeds):
        """One image in [0, 1] per int seed, each a function of its seed only.

        What an export's ``sample`` signature computes
        (:func:`zoo.models.philox.seeded_normal` noise, then :meth:`generate`).
        """
        return self.generate(seeded_normal(seeds, self.latent_dim))

    def discriminate(self, x):
        """Probability that each image in ``x`` (uint8 or [0, 1]) is real."""
        x = self.real_samples(self.prepare(x))
        return tf.sigmoid(f32(self.discriminator(x, training=False)))

    def call(self, z, training=False):
        return self.to_images(self.fake_samples(z, training=training))

    def get_config(self):
        config = super().get_config()
        config.update(
            self.serialize_networks(generator=self.generator, discriminator=self.discriminator),
            latent_dim=self.latent_dim,
            d_steps=self.d_steps,
            reuse_fakes=self.reuse_fakes,
            joint_batch=self.joint_batch,
        )
        return config
