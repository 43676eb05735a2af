"""One-line checks that any zoo model can be put through (keras-hub style)."""

import keras
import numpy as np


def weights_of(network):
    return [np.array(v) for v in network.trainable_variables]


def changed(before, after):
    """Whether any of the weight arrays differs."""
    return any(not np.array_equal(a, b) for a, b in zip(before, after, strict=True))


def check_config_roundtrip(model):
    """``from_config(get_config())`` rebuilds a model with the same config."""
    config = model.get_config()
    clone = type(model).from_config(config)
    assert clone.get_config() == config
    return clone


def check_saving(model, path, outputs, train_data=None):
    """A ``.keras`` round trip gives identical outputs, recompiled, and trains on.

    Args:
        model: A compiled, trained model.
        path: Where to write the ``.keras`` file.
        outputs: ``fn(model) -> array`` of deterministic outputs to compare.
        train_data: If given, the reloaded model must train one more epoch on it.
    """
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is type(model)
    np.testing.assert_array_equal(np.asarray(outputs(loaded)), np.asarray(outputs(model)))
    assert loaded.compiled, "the reloaded model must come back compiled"
    if train_data is not None:
        history = loaded.fit(train_data, batch_size=64, epochs=1, verbose=0)
        assert all(np.isfinite(v[-1]) for v in history.history.values())
    return loaded


# -- tiny models, one per family (hidden width 32), for the strategy and precision tests --
def _adam():
    return keras.optimizers.Adam(1e-3)


def tiny_ae(cls=None, seed=None, **kwargs):
    """A compiled 784-32-8-32-784 autoencoder of class ``cls`` (default ``zoo.Autoencoder``)."""
    import zoo
    from zoo import networks as nets

    model = (cls or zoo.Autoencoder)(
        nets.mlp((28, 28, 1), 8, hidden=(32,), output_activation="relu", name="encoder"),
        nets.mlp(8, (28, 28, 1), hidden=(32,), output_activation="sigmoid", name="decoder"),
        seed=seed,
        **kwargs,
    )
    model.compile(optimizer=_adam())
    return model


def tiny_gan(**kwargs):
    """A compiled dense GAN in [-1, 1]: 8-d noise, hidden width 32; ``kwargs`` go to ``zoo.GAN``."""
    import zoo
    from zoo import networks as nets

    model = zoo.GAN(
        nets.mlp(8, (28, 28, 1), hidden=(32,), output_activation="tanh", name="generator"),
        nets.mlp((28, 28, 1), 1, hidden=(32,), activation="leaky_relu", name="discriminator"),
        network_range=(-1.0, 1.0),
        seed=1,
        **kwargs,
    )
    model.compile(d_optimizer=_adam(), g_optimizer=_adam())
    return model


def tiny_latent_gan(cae_seed=None):
    """A compiled LatentGAN on the codes of a :func:`tiny_ae` contractive autoencoder."""
    import zoo
    from zoo import networks as nets

    model = zoo.LatentGAN(
        nets.mlp(4, 8, hidden=(16,), output_activation="relu", name="generator"),
        nets.mlp(8, 1, hidden=(16,), activation="leaky_relu", name="discriminator"),
        tiny_ae(zoo.ContractiveAutoencoder, seed=cae_seed, contractive_weight=1e-2),
        seed=1,
    )
    model.compile(d_optimizer=_adam(), g_optimizer=_adam(), ae_optimizer=_adam())
    return model


def tiny_vae():
    """A compiled VAE: 4-d latent, hidden width 32."""
    import zoo
    from zoo import networks as nets

    model = zoo.VAE(
        nets.gaussian_encoder(latent_dim=4, hidden=(32,)),
        nets.mlp(4, (28, 28, 1), hidden=(32,), output_activation="sigmoid", name="decoder"),
        seed=1,
    )
    model.compile(optimizer=_adam())
    return model
