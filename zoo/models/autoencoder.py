"""Autoencoders driven by ``fit``: plain and contractive."""

import tensorflow as tf

from zoo import losses
from zoo.models.base import (
    CODES,
    IMAGES,
    Endpoint,
    ZooModel,
    apply_update,
    f32,
    objective,
    serializable,
)


@serializable
class Autoencoder(ZooModel):
    """An autoencoder trained on reconstruction, with one optimizer for both halves.

    Compile it like any Keras model (``model.compile(optimizer=...)``): the
    loss is built in. Subclasses change :meth:`compute_losses` only.

    Args:
        encoder: A model from images (in ``network_range``) to codes.
        decoder: A model from codes to images (in ``network_range``).
        reconstruction: ``"mse"`` or ``"bce"``, see
            :func:`zoo.losses.reconstruction_loss`. BCE is computed on [0, 1]
            values whatever the network range.
        reduction: ``"sum"`` over pixels (default) or ``"mean"``.
        **kwargs: Passed to :class:`zoo.models.base.ZooModel`.

    Example:
        >>> from zoo import networks
        >>> ae = Autoencoder(networks.mlp((28, 28, 1), 128, name="encoder"),
        ...                  networks.mlp(128, (28, 28, 1), output_activation="sigmoid",
        ...                               name="decoder"))
        >>> ae.compile(optimizer="adam")
        >>> ae.fit(images, epochs=1)  # doctest: +SKIP
        >>> ae.reconstruct(images[:8]).shape  # doctest: +SKIP
        TensorShape([8, 28, 28, 1])
    """

    loss_names = ("loss", "reconstruction_loss")
    family = "autoencoder"
    endpoints = (
        Endpoint("reconstruct", "reconstruct", IMAGES, ("images",)),
        Endpoint("encode", "encode", IMAGES, ("codes",)),
        Endpoint("decode", "decode", CODES, ("images",)),
    )

    def __init__(self, encoder, decoder, reconstruction="mse", reduction="sum", **kwargs):
        super().__init__(**kwargs)
        if reconstruction not in losses.RECONSTRUCTION_LOSSES:
            raise ValueError(
                f"Unknown reconstruction {reconstruction!r}; choose one of "
                f"{losses.RECONSTRUCTION_LOSSES}."
            )
        if reduction not in losses.REDUCTIONS:
            raise ValueError(f"Unknown reduction {reduction!r}; choose one of {losses.REDUCTIONS}.")
        self.encoder = encoder
        self.decoder = decoder
        self.reconstruction = reconstruction
        self.reduction = reduction
        self.built = True

    @property
    def image_shape(self):
        return tuple(self.encoder.input_shape[1:])

    @property
    def latent_dim(self):
        return int(self.decoder.input_shape[-1])

    def reconstruction_term(self, x_net, x_hat):
        """Per-example reconstruction loss between network-range tensors."""
        if self.reconstruction == "bce":
            x_net, x_hat = self.to_unit(x_net), self.to_unit(x_hat)
        return losses.reconstruction_loss(x_net, f32(x_hat), self.reconstruction, self.reduction)

    def compute_losses(self, x, training=False):
        """Per-example loss terms for images ``x`` in [0, 1]; ``"loss"`` is minimised."""
        x_net = self.to_network(x)
        x_hat = self.decoder(self.encoder(x_net, training=training), training=training)
        rec = self.reconstruction_term(x_net, x_hat)
        return {"loss": rec, "reconstruction_loss": rec}

    def train_step(self, data):
        x = self.prepare(data)
        with tf.GradientTape() as tape:
            terms = self.compute_losses(x, training=True)
            loss = objective(self.optimizer, terms["loss"])
        apply_update(tape, loss, self.optimizer, self.trainable_variables)
        return self.record(terms)

    def test_step(self, data):
        return self.record(self.compute_losses(self.prepare(data), training=False))

    # -- the autoencoding protocol -----------------------------------------
    def encode(self, x):
        """Codes of images ``x`` (uint8, or floats in [0, 1])."""
        return f32(self.encoder(self.to_network(self.prepare(x)), training=False))

    def decode(self, z):
        """Images in [0, 1] for codes ``z``."""
        z = tf.convert_to_tensor(z, dtype="float32")
        if z.shape.rank != 2 or z.shape[-1] != self.latent_dim:
            raise ValueError(
                f"Expected codes of shape (N, {self.latent_dim}); got {tuple(z.shape)}."
            )
        return self.to_unit(self.decoder(z, training=False))

    def reconstruct(self, x):
        """Reconstructions in [0, 1] of images ``x``."""
        return self.decode(self.encode(x))

    def call(self, x, training=False):
        return self.reconstruct(x)

    def get_config(self):
        config = super().get_config()
        config.update(
            self.serialize_networks(encoder=self.encoder, decoder=self.decoder),
            reconstruction=self.reconstruction,
            reduction=self.reduction,
        )
        return config


@serializable
class ContractiveAutoencoder(Autoencoder):
    """An autoencoder with the contractive penalty ``lambda * ||dh/dx||_F^2``.

    The penalty is the squared Frobenius norm of the encoder's Jacobian at each
    training example, computed exactly with ``GradientTape.batch_jacobian``
    (one vectorised backward pass per code unit), and differentiated again for
    the weight update. It makes the code insensitive to small input changes
    around the data. Article 003 names this model but trains a plain
    autoencoder (and on a tensor against itself).

    Args:
        encoder: A model from images to codes.
        decoder: A model from codes to images.
        contractive_weight: The penalty's weight lambda.
        **kwargs: Passed to :class:`Autoencoder`.

    Reference:
        Rifai et al., "Contractive Auto-Encoders: Explicit Invariance During
        Feature Extraction", ICML 2011.
    """

    loss_names = ("loss", "reconstruction_loss", "contractive_loss")
    family = "contractive_autoencoder"

    def __init__(self, encoder, decoder, contractive_weight=1e-3, **kwargs):
        super().__init__(encoder, decoder, **kwargs)
        if contractive_weight < 0:
            raise ValueError(f"contractive_weight must be >= 0; got {contractive_weight}.")
        self.contractive_weight = float(contractive_weight)

    def jacobian_penalty(self, x, training=False):
        """Per-example ``||dh/dx||_F^2`` and the codes ``h``, for images in [0, 1]."""
        x_net = self.to_network(x)
        with tf.GradientTape(watch_accessed_variables=False) as tape:
            tape.watch(x_net)
            h = f32(self.encoder(x_net, training=training))
        return losses.jacobian_frobenius(tape.batch_jacobian(h, x_net)), h

    def compute_losses(self, x, training=False):
        penalty, h = self.jacobian_penalty(x, training)
        x_hat = self.decoder(h, training=training)
        rec = self.reconstruction_term(self.to_network(x), x_hat)
        return {
            "loss": rec + self.contractive_weight * penalty,
            "reconstruction_loss": rec,
            "contractive_loss": penalty,
        }

    def get_config(self):
        config = super().get_config()
        config.update(contractive_weight=self.contractive_weight)
        return config
