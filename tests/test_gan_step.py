"""The GAN step: one generator forward per step (``reuse_fakes``), each player in its update."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import FAMILIES, changed, weights_of

import zoo

small_gan, small_latent_gan = FAMILIES["gan"].build_larger, FAMILIES["latent_gan"].build_larger


class CallCounter(keras.layers.Layer):
    """Counts the training-mode calls of the network it is put in front of."""

    def build(self, input_shape):
        self.calls = self.add_weight(shape=(), initializer="zeros", trainable=False)

    def call(self, x, training=False):
        if training:
            self.calls.assign_add(1.0)
        return x


def counted_gan(latent=False, **kwargs):
    """``small_gan`` (or ``small_latent_gan``) whose generator counts its forwards."""
    counter = CallCounter()
    base = small_latent_gan() if latent else small_gan()
    generator = keras.Sequential([keras.Input((16,)), counter, base.generator], name="generator")
    extra = {"autoencoder": base.autoencoder} if latent else {}
    gan = type(base)(generator, base.discriminator, seed=1, **extra, **kwargs)
    return gan, counter


@pytest.mark.parametrize(
    "options, forwards_per_step",
    [
        ({}, 1),
        ({"reuse_fakes": False}, 2),
        ({"d_steps": 3}, 3),
        ({"d_steps": 3, "reuse_fakes": False}, 4),
    ],
)
@pytest.mark.parametrize("latent, jit_compile", [(False, False), (False, True), (True, False)])
def test_generator_forwards_per_step(options, forwards_per_step, latent, jit_compile, digits):
    gan, counter = counted_gan(latent, **options)
    optimizers = {"ae_optimizer": keras.optimizers.Adam(1e-3)} if latent else {}
    gan.compile(
        d_optimizer=keras.optimizers.Adam(1e-3),
        g_optimizer=keras.optimizers.Adam(1e-3),
        jit_compile=jit_compile,
        **optimizers,
    )
    gan.fit(digits[:128], batch_size=32, epochs=1, verbose=0)  # 4 steps
    assert int(gan.g_optimizer.iterations) == 4
    assert int(gan.d_optimizer.iterations) == 4 * gan.d_steps
    assert float(counter.calls) == 4 * forwards_per_step


def test_shared_fake_step_moves_each_player_in_its_own_update(digits, monkeypatch):
    gan = small_gan()
    gan.build_optimizers()
    snapshots = {}
    d_step = gan.discriminator_step

    def spied(real, fake=None):
        assert fake is not None, "the shared step must hand its fakes to D's update"
        snapshots["before_d"] = weights_of(gan.generator), weights_of(gan.discriminator)
        loss = d_step(real, fake)
        snapshots["after_d"] = weights_of(gan.generator), weights_of(gan.discriminator)
        return loss

    monkeypatch.setattr(gan, "discriminator_step", spied)
    gan.adversarial_step(gan.prepare(digits[:32]))  # eager
    (g0, d0), (g1, d1) = snapshots["before_d"], snapshots["after_d"]
    g2, d2 = weights_of(gan.generator), weights_of(gan.discriminator)
    assert not changed(g0, g1) and changed(d0, d1), "D's update moved G, or did not move D"
    assert changed(g1, g2) and not changed(d1, d2), "G's update moved D, or did not move G"


def test_shared_fake_step_updates_g_through_the_updated_d(digits):
    """G's gradient is that of the G loss on the same fakes, under D after its update."""
    gan = small_gan()
    gan.build_optimizers()
    gan.g_optimizer = keras.optimizers.SGD(1.0)
    gan.g_optimizer.build(gan.generator.trainable_variables)
    real = gan.real_samples(gan.prepare(digits[:32]))
    state = gan.seed_generator.state.numpy()
    g0 = weights_of(gan.generator)
    gan.shared_fake_step(real)
    g_after = weights_of(gan.generator)
    # Replay: the same noise, G as it was, D as it is now (updated).
    for v, w in zip(gan.generator.trainable_variables, g0, strict=True):
        v.assign(w)
    gan.seed_generator.state.assign(state)
    with tf.GradientTape() as tape:
        fake = gan.fake_samples(gan.noise(32), training=True)
        g_loss = tf.reduce_mean(gan.generator_loss_on(fake))
    grads = tape.gradient(g_loss, gan.generator.trainable_variables)
    for w, g, after in zip(g0, grads, g_after, strict=True):
        np.testing.assert_allclose(w - np.asarray(g), after, rtol=1e-4, atol=1e-5)


# -- D on one joint real + fake batch (joint_batch) -------------------------------------
def _twin_gans(batch_norm, **options):
    """Two dense GANs with the same weights: one runs D on joint batches, one apart."""
    from zoo import networks as nets

    def build(joint):
        keras.utils.set_random_seed(4)
        g = nets.mlp(16, (28, 28, 1), hidden=(64,), output_activation="sigmoid", name="generator")
        d = nets.mlp((28, 28, 1), 1, hidden=(64,), batch_norm=batch_norm, name="discriminator")
        gan = zoo.GAN(g, d, joint_batch=joint, seed=1, **options)
        adam = keras.optimizers.Adam
        gan.compile(d_optimizer=adam(1e-3), g_optimizer=adam(1e-3))
        return gan

    return build(True), build(False)


@pytest.mark.parametrize("options", [{}, {"reuse_fakes": False}, {"d_steps": 2}])
def test_a_joint_batch_changes_nothing_for_a_d_without_batch_statistics(options, digits):
    joint, apart = _twin_gans(batch_norm=False, **options)
    a = joint.fit(digits[:128], batch_size=32, epochs=1, shuffle=False, verbose=0).history
    b = apart.fit(digits[:128], batch_size=32, epochs=1, shuffle=False, verbose=0).history
    np.testing.assert_allclose(a["d_loss"], b["d_loss"], rtol=1e-4)
    for u, v in zip(joint.get_weights(), apart.get_weights(), strict=True):
        np.testing.assert_allclose(u, v, atol=1e-4)


def test_a_joint_batch_normalises_real_and_fake_together(digits):
    joint, apart = _twin_gans(batch_norm=True)
    calls = []
    original = joint.discriminator.call
    real = joint.real_samples(joint.prepare(digits[:32]))
    fake = joint.fake_samples(joint.noise(32), training=True)
    joint.discriminator.call = lambda x, *a, **k: calls.append(x.shape[0]) or original(x, *a, **k)
    r_joint, f_joint = joint.logits_on(real, fake)
    assert calls == [64]  # one forward on both batches
    r_apart, f_apart = apart.logits_on(real, fake)
    # Under BN in training mode the logits depend on what else is in the batch.
    assert not np.allclose(r_joint, r_apart, atol=1e-3)
    assert zoo.GAN.from_config(joint.get_config()).joint_batch is True
