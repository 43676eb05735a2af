"""A GAN in an autoencoder's code space (article 003's fusion), driven by ``fit``."""

import tensorflow as tf

from zoo.models.base import f32, serializable
from zoo.models.gan import GAN


@serializable
class LatentGAN(GAN):
    """A GAN in an autoencoder's code space, decoded to images by its decoder.

    The discriminator tells the encoder's codes of real images from the
    generator's codes; samples are ``decoder(generator(z))``. This is the
    fusion article 003 describes (compress with a contractive autoencoder,
    generate in its low-dimensional space). By default each step first updates
    the autoencoder, then D, then G, so that one ``fit`` trains the whole
    model; pass a trained autoencoder with ``train_autoencoder=False`` for the
    strict two-stage procedure.

    Args:
        generator: A model from noise to codes of the autoencoder's size.
        discriminator: A model from codes to one logit.
        autoencoder: An :class:`zoo.models.Autoencoder` (or subclass).
        train_autoencoder: Whether ``fit`` also trains the autoencoder.
        **kwargs: Passed to :class:`GAN`.

    Reference:
        Achlioptas et al., "Learning Representations and Generative Models for
        3D Point Clouds", ICML 2018 (latent GANs on autoencoder codes).
    """

    family = "latent_gan"
    optimizer_names = ("d_optimizer", "g_optimizer", "autoencoder.optimizer")

    def __init__(self, generator, discriminator, autoencoder, train_autoencoder=True, **kwargs):
        code_dim = autoencoder.latent_dim
        if generator.output_shape[-1] != code_dim or discriminator.input_shape[-1] != code_dim:
            raise ValueError(
                f"The autoencoder's codes have {code_dim} dimensions, but the generator makes "
                f"{generator.output_shape[-1]} and the discriminator takes "
                f"{discriminator.input_shape[-1]}; build both for {code_dim}."
            )
        super().__init__(generator, discriminator, **kwargs)
        self.autoencoder = autoencoder
        self.train_autoencoder = bool(train_autoencoder)

    @property
    def image_shape(self):
        return self.autoencoder.image_shape

    @property
    def metrics(self):
        return super().metrics + self.autoencoder.metrics

    def compile(self, d_optimizer="adam", g_optimizer="adam", ae_optimizer="adam", **kwargs):
        """Configures training; ``ae_optimizer`` trains the autoencoder."""
        super().compile(d_optimizer, g_optimizer, **kwargs)
        self._zoo_compile_config["ae_optimizer"] = ae_optimizer
        self.autoencoder.compile(optimizer=ae_optimizer)

    def build_optimizers(self):
        super().build_optimizers()
        self.autoencoder.build_optimizers()

    def real_samples(self, x):
        # Codes of real images; stop_gradient keeps D's and G's losses off the encoder.
        return tf.stop_gradient(
            f32(self.autoencoder.encoder(self.autoencoder.to_network(x), training=False))
        )

    def to_images(self, samples):
        # f32: the generator's codes are float16/bfloat16 under a mixed policy.
        return self.autoencoder.decode(f32(samples))

    def train_step(self, data):
        x = self.prepare(data)
        logs = self.autoencoder.train_step(x) if self.train_autoencoder else {}
        return {**logs, **self.record(self.adversarial_step(x))}

    def test_step(self, data):
        x = self.prepare(data)
        return {**self.autoencoder.test_step(x), **super().test_step(x)}

    def get_config(self):
        config = super().get_config()
        config.update(
            self.serialize_networks(autoencoder=self.autoencoder),
            train_autoencoder=self.train_autoencoder,
        )
        return config
