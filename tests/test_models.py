"""The model families: learning, isolation of the players, saving, evaluate, input checks.

Each family is one row of ``helpers.FAMILIES``; adding a family adds a row there.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import FAMILIES, changed, check_config_roundtrip, check_saving, weights_of

import zoo
from zoo import networks as nets


# The tests' family table (tests/helpers.py), at the sizes these tests train.
def small_gan(**kwargs):
    return FAMILIES["gan"].build_larger(**kwargs)


def small_ae(cls=None, **kwargs):
    name = "contractive_autoencoder" if cls is zoo.ContractiveAutoencoder else "autoencoder"
    return FAMILIES[name].build_larger(**kwargs)


def small_vae(**kwargs):
    return FAMILIES["vae"].build_larger(**kwargs)


@pytest.mark.parametrize("family", FAMILIES)
def test_one_epoch_lowers_the_losses_it_should(family, digits, test_digits):
    row = FAMILIES[family]
    model = row.build_larger()
    before = model.evaluate(test_digits, batch_size=128, verbose=0, return_dict=True)
    history = model.fit(digits, batch_size=32, epochs=2, verbose=0)
    after = model.evaluate(test_digits, batch_size=128, verbose=0, return_dict=True)
    assert set(history.history) == row.tracked
    for term in row.falling:
        assert after[term] < before[term], (term, before[term], after[term])


@pytest.mark.parametrize("family", FAMILIES)
def test_evaluate_returns_the_tracked_losses(family, test_digits):
    model = FAMILIES[family].build_larger()
    logs = model.evaluate(test_digits, batch_size=64, verbose=0, return_dict=True)
    assert set(logs) == FAMILIES[family].tracked
    assert all(np.isfinite(v) for v in logs.values())


@pytest.mark.parametrize("family", FAMILIES)
def test_keras_round_trip_gives_identical_outputs_and_trains_on(family, digits, tmp_path):
    model = FAMILIES[family].build_larger()
    outputs = FAMILIES[family].outputs
    model.fit(digits[:128], batch_size=64, epochs=1, verbose=0)
    check_config_roundtrip(model)
    loaded = check_saving(
        model, tmp_path / f"{family}.keras", lambda m: outputs(m, digits[:8]), digits[:128]
    )
    # Optimizer state came back with the weights (the step count goes on from 2, not 0).
    for attr in ("d_optimizer", "g_optimizer", "optimizer"):
        if getattr(model, attr, None) is not None:
            assert int(getattr(model, attr).iterations) == 2
            assert int(getattr(loaded, attr).iterations) == 4


def test_generator_update_leaves_discriminator_alone(digits):
    gan = small_gan()
    gan.build_optimizers()
    d0, g0 = weights_of(gan.discriminator), weights_of(gan.generator)
    gan.generator_step(32)
    assert not changed(d0, weights_of(gan.discriminator))
    assert changed(g0, weights_of(gan.generator))


def test_discriminator_update_leaves_generator_alone(digits):
    gan = small_gan()
    gan.build_optimizers()
    real = gan.real_samples(gan.prepare(digits[:32]))
    d0, g0 = weights_of(gan.discriminator), weights_of(gan.generator)
    gan.discriminator_step(real)
    assert not changed(g0, weights_of(gan.generator))
    assert changed(d0, weights_of(gan.discriminator))


def test_d_steps_runs_that_many_discriminator_updates(digits):
    gan = small_gan(d_steps=3)
    gan.fit(digits[:128], batch_size=64, epochs=1, verbose=0)
    assert int(gan.d_optimizer.iterations) == 3 * int(gan.g_optimizer.iterations) == 6


def test_generator_learns_the_data_mean(digits):
    gan = small_gan()
    target = digits.reshape(len(digits), -1).mean(0) / 255.0

    def distance():
        return float(
            np.linalg.norm(np.asarray(gan.sample(256, seed=0)).reshape(256, -1).mean(0) - target)
        )

    before = distance()
    gan.fit(digits, batch_size=32, epochs=3, verbose=0)
    # Measured: 11.4 -> 8.5 (0.74x) on 512 real digits.
    assert distance() < 0.85 * before


def test_minimax_generator_loss_trains(digits):
    gan = small_gan()
    gan.compile(
        d_optimizer=keras.optimizers.Adam(1e-3),
        g_optimizer=keras.optimizers.Adam(1e-3),
        generator_loss="minimax",
    )
    history = gan.fit(digits[:128], batch_size=64, epochs=1, verbose=0)
    # log(1 - D(G(z))) is negative by construction.
    assert history.history["g_loss"][-1] < 0


def test_contractive_penalty_is_the_jacobian_norm(digits):
    cae = small_ae(zoo.ContractiveAutoencoder, contractive_weight=1.0)
    x = tf.cast(digits[:4], "float32")[..., None] / 255.0
    penalty, _ = cae.jacobian_penalty(x)
    for i in range(4):
        jac = tf.reshape(
            tf.stack([tf.reshape(g, [-1]) for g in _jacobian_rows(cae.encoder, x[i : i + 1])]),
            [16, -1],
        )
        np.testing.assert_allclose(penalty[i], tf.reduce_sum(jac**2), rtol=1e-4)


def _jacobian_rows(encoder, x):
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        h = encoder(x)[0]
        rows = [h[j] for j in range(h.shape[0])]
    return [tape.gradient(r, x) for r in rows]


def test_sample_is_deterministic_for_a_seed():
    for model in (small_gan(), small_vae()):
        np.testing.assert_array_equal(model.sample(4, seed=7), model.sample(4, seed=7))
        assert not np.array_equal(model.sample(4, seed=7), model.sample(4, seed=8))
        images = np.asarray(model.sample(4, seed=7))
        assert images.shape == (4, 28, 28, 1) and images.min() >= 0 and images.max() <= 1


# -- inputs ------------------------------------------------------------------
@pytest.mark.parametrize(
    "transform",
    [
        lambda x: x,  # raw keras.datasets.mnist layout, uint8 (N, 28, 28)
        lambda x: x[..., None].astype("float64") / 255.0,
        lambda x: x.reshape(len(x), 784).astype("float32") / 255.0,
    ],
    ids=["uint8", "float64-channels", "flat-float32"],
)
def test_fit_accepts_mnist_in_any_layout(transform, digits):
    model = small_ae()
    history = model.fit(transform(digits[:64]), batch_size=32, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][-1])


def test_fit_accepts_a_tf_data_dataset_with_labels(digits):
    ds = tf.data.Dataset.from_tensor_slices((digits[:64], np.zeros(64, "int64"))).batch(32)
    history = small_vae().fit(ds, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][-1])


def test_float_pixels_in_0_255_are_refused(digits):
    with pytest.raises(ValueError, match=r"Divide raw pixels by 255"):
        small_ae().fit(digits[:64].astype("float32"), batch_size=32, epochs=1, verbose=0)


def test_data_in_minus_one_one_is_refused(digits):
    x = digits[:64].astype("float32") / 127.5 - 1.0
    with pytest.raises(ValueError, match=r"float images in \[0, 1\]"):
        small_gan().fit(x, batch_size=32, epochs=1, verbose=0)


def test_nan_pixels_are_refused(digits):
    x = digits[:64].astype("float32") / 255.0
    x[3, 4, 5] = np.nan
    with pytest.raises(ValueError, match="NaN or Inf"):
        small_vae().fit(x, batch_size=32, epochs=1, verbose=0)


def test_wrong_dtype_is_refused(digits):
    with pytest.raises(TypeError, match=r"uint8 in \[0, 255\] or float in \[0, 1\].*int32"):
        small_ae().reconstruct(digits[:4].astype("int32"))


@pytest.mark.parametrize("shape", [(4, 32, 32), (4, 28, 28, 3), (28, 28)])
def test_wrong_image_shape_is_refused(shape):
    with pytest.raises(ValueError, match=r"Expected a batch of images shaped \(N, 28, 28, 1\)"):
        small_ae().encode(np.zeros(shape, "uint8"))


def test_mismatched_latent_dim_is_refused():
    with pytest.raises(
        ValueError, match="latent_dim=32 does not match the generator's input size 16"
    ):
        zoo.GAN(nets.mlp(16, (28, 28, 1)), nets.mlp((28, 28, 1), 1), latent_dim=32)
    with pytest.raises(ValueError, match=r"Expected latent vectors of shape \(N, 16\)"):
        small_gan().generate(np.zeros((2, 32), "float32"))


def test_shared_optimizer_instance_is_refused():
    gan = small_gan()
    opt = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="two optimizer instances"):
        gan.compile(d_optimizer=opt, g_optimizer=opt)


# -- compile options ----------------------------------------------------------
@pytest.mark.parametrize("family", ["gan", "vae"])
def test_steps_per_execution_and_jit_auto(family, digits):
    model = FAMILIES[family].build_larger()
    kwargs = {"steps_per_execution": 4, "jit_compile": "auto"}
    if family == "gan":
        model.compile(
            d_optimizer=keras.optimizers.Adam(1e-3),
            g_optimizer=keras.optimizers.Adam(1e-3),
            **kwargs,
        )
    else:
        model.compile(optimizer=keras.optimizers.Adam(1e-3), **kwargs)
    history = model.fit(digits[:256], batch_size=32, epochs=1, verbose=0)
    optimizer = getattr(model, "g_optimizer", None) or model.optimizer
    assert int(optimizer.iterations) == 8
    assert all(np.isfinite(v[-1]) for v in history.history.values())


def test_xla_compiled_train_step_runs(digits):
    gan = small_gan()
    gan.compile(
        d_optimizer=keras.optimizers.Adam(1e-3),
        g_optimizer=keras.optimizers.Adam(1e-3),
        jit_compile=True,
    )
    history = gan.fit(digits[:128], batch_size=64, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][-1])
