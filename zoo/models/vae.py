"""Variational autoencoders (and beta-VAEs) driven by ``fit``."""

import tensorflow as tf

from zoo import losses
from zoo.models.autoencoder import Autoencoder
from zoo.models.base import (
    CODES,
    IMAGES,
    LATENT,
    SEEDS,
    Endpoint,
    f32,
    normal,
    seeded_normal,
    serializable,
)
from zoo.replicas import replica_rows


@serializable
class VAE(Autoencoder):
    """A VAE with a diagonal Gaussian posterior; ``beta`` weights the KL term.

    The loss per example is ``reconstruction + beta * KL(q(z|x) || N(0, I))``,
    averaged over the batch. With ``reconstruction="bce"`` and
    ``reduction="sum"`` (the default) the reconstruction term is the Bernoulli
    negative log-likelihood in nats, so with ``beta=1`` the loss is the
    negative ELBO. With ``reconstruction="mse"`` it is a Gaussian likelihood of
    fixed variance up to a constant: ``"sum"`` matches ``sigma^2 = 1/2``, and
    ``"mean"`` (Keras' ``mse``, as article 001 writes it) divides that by the
    number of pixels, which rescales the effective ``beta`` by the same factor.

    Args:
        encoder: A model from images to ``[z_mean, z_log_var]``.
        decoder: A model from codes to images in ``network_range``.
        beta: Weight of the KL term (``beta > 1`` is the beta-VAE).
        reconstruction: ``"bce"`` (default) or ``"mse"``.
        reduction: ``"sum"`` (default) or ``"mean"``.
        binarized_data: Whether the model is trained on binarised MNIST
            (pixels drawn as Bernoulli variables, as likelihood benchmarks
            do); :mod:`zoo.metrics` then scores it on binarised test images.
            The model itself trains on whatever data ``fit`` gets.
        **kwargs: Passed to :class:`Autoencoder`.

    Example:
        >>> from zoo import networks
        >>> vae = VAE(networks.gaussian_encoder(latent_dim=100),
        ...           networks.mlp(100, (28, 28, 1), hidden=(512,),
        ...                        output_activation="sigmoid", name="decoder"), beta=1.0)
        >>> vae.compile(optimizer="adam")
        >>> vae.fit(images, epochs=1)  # doctest: +SKIP
        >>> vae.sample(16, seed=0).shape
        TensorShape([16, 28, 28, 1])

    Reference:
        Kingma & Welling, "Auto-Encoding Variational Bayes", ICLR 2014;
        Higgins et al., "beta-VAE", ICLR 2017.
    """

    loss_names = ("loss", "reconstruction_loss", "kl_loss")
    family = "vae"
    has_likelihood = True
    sample_kind = "samples"
    endpoints = (
        Endpoint("reconstruct", "reconstruct", IMAGES, ("images",)),
        Endpoint("encode", "encode", IMAGES, ("z_mean", "z_log_var")),
        Endpoint("decode", "decode", CODES, ("images",)),
        # The decoder on prior samples, under the generative protocol's name.
        Endpoint("generate", "generate", LATENT, ("images",)),
        Endpoint("sample", "sample_seeds", SEEDS, ("images",)),
    )

    def __init__(
        self,
        encoder,
        decoder,
        beta=1.0,
        reconstruction="bce",
        reduction="sum",
        binarized_data=False,
        **kwargs,
    ):
        super().__init__(
            encoder, decoder, reconstruction=reconstruction, reduction=reduction, **kwargs
        )
        if len(encoder.outputs) != 2:
            raise ValueError(
                "A VAE encoder must return two tensors, [z_mean, z_log_var]; got "
                f"{len(encoder.outputs)} output(s). Build it with zoo.networks.gaussian_encoder."
            )
        enc_dim = encoder.output_shape[0][-1]
        if enc_dim != self.latent_dim:
            raise ValueError(
                f"The encoder makes {enc_dim}-d codes but the decoder takes {self.latent_dim}; "
                "build both with the same latent_dim."
            )
        if beta < 0:
            raise ValueError(f"beta must be >= 0; got {beta}.")
        self.beta = float(beta)
        self.binarized_data = bool(binarized_data)

    def posterior(self, x_net, training=False):
        z_mean, z_log_var = self.encoder(x_net, training=training)
        return f32(z_mean), f32(z_log_var)

    def compute_losses(self, x, training=False):
        x_net = self.to_network(x)
        z_mean, z_log_var = self.posterior(x_net, training)
        # Reparameterisation: z = mu + sigma * eps keeps z differentiable in mu, sigma.
        # Under tf.distribute, this replica's rows of the global batch's eps.
        eps = replica_rows(
            lambda n: normal((n, self.latent_dim), self.seed_generator),
            tf.shape(z_mean)[0],
        )
        z = z_mean + tf.exp(0.5 * z_log_var) * eps
        rec = self.reconstruction_term(x_net, self.decoder(z, training=training))
        kl = losses.gaussian_kl(z_mean, z_log_var)
        return {"loss": rec + self.beta * kl, "reconstruction_loss": rec, "kl_loss": kl}

    def encode(self, x):
        """Posterior ``(z_mean, z_log_var)`` of images ``x``."""
        return self.posterior(self.to_network(self.prepare(x)))

    def reconstruct(self, x):
        """Reconstructions in [0, 1], decoded from the posterior mean."""
        return self.decode(self.encode(x)[0])

    def generate(self, z):
        """Images in [0, 1] decoded from latent vectors ``z`` (the generative protocol)."""
        return self.decode(z)

    def sample(self, n, seed=None):
        """``n`` images decoded from the prior ``N(0, I)``; a fixed ``seed`` repeats them."""
        z = normal((int(n), self.latent_dim), self.seed_generator if seed is None else seed)
        return self.decode(z)

    def sample_seeds(self, seeds):
        """One image in [0, 1] per int seed, decoded from that seed's prior draw.

        What an export's ``sample`` signature computes
        (:func:`zoo.models.philox.seeded_normal` noise, then :meth:`decode`).
        """
        return self.decode(seeded_normal(seeds, self.latent_dim))

    def get_config(self):
        config = super().get_config()
        config.update(beta=self.beta, binarized_data=self.binarized_data)
        return config
