"""The tests' family table, a tiny-model factory per family, one-line checks (keras-hub style).

:data:`FAMILIES` is the one family table of the tests: a new zoo family adds a
row (its tiny builder, the loss terms a learning test must lower, a
deterministic output), and :func:`run_model_test` then checks it end to end.
"""

import dataclasses
import pathlib
from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf


def weights_of(network):
    return [np.array(v) for v in network.trainable_variables]


def changed(before, after):
    """Whether any of the weight arrays differs."""
    return any(not np.array_equal(a, b) for a, b in zip(before, after, strict=True))


def optimizers_of(model):
    """Every optimizer a zoo model trains with (a latent GAN's autoencoder's included)."""
    found = [getattr(model, n, None) for n in ("d_optimizer", "g_optimizer", "optimizer")]
    inner = getattr(model, "autoencoder", None)
    return [o for o in found + ([inner.optimizer] if inner else []) if o is not None]


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


# -- tiny models, one factory per family -------------------------------------------------
def _adam():
    return keras.optimizers.Adam(1e-3)


def tiny_ae(cls=None, seed=None, width=32, code=8, **kwargs):
    """A compiled 784-width-code-width-784 autoencoder of ``cls`` (default ``zoo.Autoencoder``)."""
    import zoo
    from zoo import networks as nets

    model = (cls or zoo.Autoencoder)(
        nets.mlp((28, 28, 1), code, hidden=(width,), output_activation="relu", name="encoder"),
        nets.mlp(code, (28, 28, 1), hidden=(width,), output_activation="sigmoid", name="decoder"),
        seed=seed,
        **kwargs,
    )
    model.compile(optimizer=_adam())
    return model


def tiny_gan(latent=8, width=32, network_range=(-1.0, 1.0), **kwargs):
    """A compiled dense GAN (tanh in [-1, 1] by default); ``kwargs`` go to ``zoo.GAN``."""
    import zoo
    from zoo import networks as nets

    output = "tanh" if network_range[0] < 0 else "sigmoid"
    model = zoo.GAN(
        nets.mlp(latent, (28, 28, 1), hidden=(width,), output_activation=output, name="generator"),
        nets.mlp((28, 28, 1), 1, hidden=(width,), activation="leaky_relu", name="discriminator"),
        network_range=network_range,
        seed=1,
        **kwargs,
    )
    model.compile(d_optimizer=_adam(), g_optimizer=_adam())
    return model


def tiny_latent_gan(cae_seed=None, noise=4, width=16, ae_width=32, code=8, contractive_weight=1e-2):
    """A compiled LatentGAN on the codes of a :func:`tiny_ae` contractive autoencoder."""
    import zoo
    from zoo import networks as nets

    cae = tiny_ae(
        zoo.ContractiveAutoencoder,
        seed=cae_seed,
        width=ae_width,
        code=code,
        contractive_weight=contractive_weight,
    )
    model = zoo.LatentGAN(
        nets.mlp(noise, code, hidden=(width,), output_activation="relu", name="generator"),
        nets.mlp(code, 1, hidden=(width,), activation="leaky_relu", name="discriminator"),
        cae,
        seed=1,
    )
    model.compile(d_optimizer=_adam(), g_optimizer=_adam(), ae_optimizer=_adam())
    return model


def tiny_vae(latent=4, width=32, **kwargs):
    """A compiled VAE: ``latent``-d code, one hidden layer of ``width``."""
    import zoo
    from zoo import networks as nets

    model = zoo.VAE(
        nets.gaussian_encoder(latent_dim=latent, hidden=(width,)),
        nets.mlp(latent, (28, 28, 1), hidden=(width,), output_activation="sigmoid", name="decoder"),
        seed=1,
        **kwargs,
    )
    model.compile(optimizer=_adam())
    return model


def tiny_cae(**kwargs):
    import zoo

    return tiny_ae(zoo.ContractiveAutoencoder, **{"contractive_weight": 1e-3, **kwargs})


# -- the family table ----------------------------------------------------------------------
def _samples(model, x):
    return model.sample(8, seed=3)


@dataclasses.dataclass(frozen=True)
class Family:
    """One row of :data:`FAMILIES`.

    Args:
        build: ``build(**kwargs)`` returns a compiled tiny model of the family.
        falling: Loss terms that learning must lower (on held-out digits).
        outputs: ``outputs(model, x)``: deterministic outputs, to compare after a reload.
        tracked: The names ``fit`` logs.
        larger: ``build`` arguments of a larger model, for tests that train it
            longer and assert what it learns (``tests/test_models.py``).
    """

    build: Callable
    falling: tuple
    outputs: Callable
    tracked: frozenset
    larger: dict = dataclasses.field(default_factory=dict)

    def build_larger(self, **kwargs):
        return self.build(**{**self.larger, **kwargs})


FAMILIES = {
    "gan": Family(
        tiny_gan,
        ("d_loss",),
        _samples,
        frozenset({"d_loss", "g_loss"}),
        dict(latent=16, width=128, network_range=(0.0, 1.0)),
    ),
    "latent_gan": Family(
        tiny_latent_gan,
        ("d_loss", "reconstruction_loss"),
        _samples,
        frozenset({"d_loss", "g_loss", "loss", "reconstruction_loss", "contractive_loss"}),
        dict(noise=16, width=64, ae_width=128, code=16, contractive_weight=1e-3),
    ),
    "autoencoder": Family(
        tiny_ae,
        ("loss", "reconstruction_loss"),
        lambda m, x: m.reconstruct(x),
        frozenset({"loss", "reconstruction_loss"}),
        dict(width=128, code=16),
    ),
    "contractive_autoencoder": Family(
        tiny_cae,
        ("loss", "reconstruction_loss"),
        lambda m, x: m.encode(x),
        frozenset({"loss", "reconstruction_loss", "contractive_loss"}),
        dict(width=128, code=16),
    ),
    "vae": Family(
        tiny_vae,
        ("loss", "reconstruction_loss"),
        _samples,
        frozenset({"loss", "reconstruction_loss", "kl_loss"}),
        dict(latent=8, width=128),
    ),
}


# -- one check for any model -----------------------------------------------------------------
def _call_endpoints(model, x, n=3):
    """Every serving endpoint of ``model`` on ``n`` inputs, by the family protocol."""
    from zoo.models.base import IMAGES, SEEDS

    results = {}
    for endpoint in model.endpoints:
        if endpoint.input == IMAGES:
            arg = x[:n]
        elif endpoint.input == SEEDS:
            arg = np.arange(n)
        else:
            arg = np.random.default_rng(0).standard_normal((n, model.latent_dim), "float32")
        out = getattr(model, endpoint.method)(arg)
        out = out if isinstance(out, tuple | list) else (out,)
        results[endpoint.name] = dict(zip(endpoint.outputs, map(np.asarray, out), strict=True))
    return results


def run_model_test(model, digits, tmp_path, falling=(), outputs=None, epochs=2):
    """Checks any zoo model: protocol, config round trip, outputs, learning, ``.keras``, export.

    Args:
        model: A compiled, untrained zoo model.
        digits: uint8 training digits ``(N, 28, 28)``; the last 128 are held out.
        tmp_path: A directory for the ``.keras`` file and the export.
        falling: Loss terms that ``epochs`` epochs must lower on the held-out digits.
        outputs: ``outputs(model, x)``, deterministic outputs compared after a reload
            (default: the first endpoint's).
        epochs: Training epochs of the learning check.

    Returns:
        The model reloaded from its ``.keras`` file.
    """
    import zoo.models
    from zoo import export

    tmp_path = pathlib.Path(tmp_path)
    tmp_path.mkdir(parents=True, exist_ok=True)
    # The family protocol: a table row, a sample kind and endpoints with the right shapes.
    assert zoo.models.FAMILIES[model.family] is type(model) or isinstance(
        model, zoo.models.FAMILIES[model.family]
    )
    assert model.sample_kind in ("samples", "reconstructions")
    assert model.endpoints, "a family declares its serving endpoints"
    train, held_out = digits[:-128], digits[-128:]
    x = held_out[:8]
    for name, out in _call_endpoints(model, x).items():
        for value in out.values():
            assert value.shape[0] == 3 and np.isfinite(value).all(), (name, value.shape)
            if value.ndim == 4:
                assert value.shape[1:] == (28, 28, 1) and 0 <= value.min() <= value.max() <= 1
    check_config_roundtrip(model)

    before = model.evaluate(held_out, batch_size=64, verbose=0, return_dict=True)
    model.fit(train, batch_size=32, epochs=epochs, verbose=0)
    after = model.evaluate(held_out, batch_size=64, verbose=0, return_dict=True)
    for term in falling:
        assert after[term] < before[term], (term, before[term], after[term])

    first = model.endpoints[0]
    outputs = outputs or (lambda m, x: _call_endpoints(m, x)[first.name][first.outputs[0]])
    loaded = check_saving(model, tmp_path / "model.keras", lambda m: outputs(m, x), train[:128])

    # The export serves what the model computes, signature by signature.
    directory = export.export(model, tmp_path / "export", version=1)
    signatures = tf.saved_model.load(directory).signatures
    twins = {f"{e.name}_uint8" for e in model.endpoints if e.input == "images_0_1"}
    assert set(signatures) == {e.name for e in model.endpoints} | twins | {"serving_default"}
    expected = _call_endpoints(model, x)
    for endpoint in model.endpoints:
        spec = model.input_spec(endpoint.input)
        if spec.name == "images_0_1":
            arg = x[:3].astype("float32")[..., None] / 255.0
            # The uint8 twin serves the same method on the raw pixels.
            served = signatures[f"{endpoint.name}_uint8"](pixels=tf.constant(x[:3]))
            for key, value in expected[endpoint.name].items():
                np.testing.assert_allclose(served[key].numpy(), value, atol=1e-5)
        elif spec.name == "seeds":
            arg = np.arange(3)
        else:
            arg = np.random.default_rng(0).standard_normal((3, model.latent_dim), "float32")
        served = signatures[endpoint.name](**{spec.name: tf.constant(arg, spec.dtype)})
        for key, value in expected[endpoint.name].items():
            np.testing.assert_allclose(served[key].numpy(), value, atol=1e-5)
    return loaded
