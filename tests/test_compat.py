"""Files saved by earlier zoo versions still load, compiled, and give the same outputs.

``tests/data/*_v0.keras`` and ``v0_samples.npz`` were written by zoo at commit 17f4066
(before one-forward GAN steps, loss callables and Philox-named noise) from
``tests/helpers.py``'s ``tiny_gan`` and ``tiny_vae``, one epoch on 128 digits, with the
samples ``model.sample(4, seed=1)`` gave then.
"""

import pathlib

import keras
import numpy as np
import pytest

from zoo import losses

DATA = pathlib.Path(__file__).parent / "data"


@pytest.mark.parametrize("name", ["gan", "vae"])
def test_a_v0_file_loads_compiled_and_samples_the_same(name, digits):
    model = keras.models.load_model(DATA / f"{name}_v0.keras")
    assert model.compiled
    expected = np.load(DATA / "v0_samples.npz")[name]
    # Seeded samples are the same numbers: zoo's Philox draw is keras.random.normal's off XLA.
    np.testing.assert_allclose(np.asarray(model.sample(4, seed=1)), expected, atol=1e-6)
    history = model.fit(digits[:128], batch_size=64, epochs=1, verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values())


def test_a_v0_gan_gets_the_defaults_of_the_new_options():
    gan = keras.models.load_model(DATA / "gan_v0.keras")
    assert gan.reuse_fakes is True
    assert gan.generator_loss_fn is losses.non_saturating_generator_loss
    assert gan.discriminator_loss_fn is losses.discriminator_loss
    assert gan.gradient_penalty == 0.0
    assert int(gan.g_optimizer.iterations) == 2  # the optimizer state came back


# -- files saved before the family protocol and compile-once (commit 4437566) -------------
# ``*_v1.keras`` and ``v1_outputs.npz``: helpers' tiny_gan compiled with the hinge losses,
# tiny_latent_gan(cae_seed=2) and tiny_ae(seed=3), one epoch on 128 digits, with
# ``model.sample(4, seed=1)`` (or ``reconstruct`` of the 4 ``ae_inputs``) as they were then.
@pytest.mark.parametrize("name", ["gan_hinge", "latent_gan", "ae"])
def test_a_v1_file_loads_compiled_and_gives_the_same_outputs(name, digits):
    model = keras.models.load_model(DATA / f"{name}_v1.keras")
    assert model.compiled and model.family in ("gan", "latent_gan", "autoencoder")
    saved = np.load(DATA / "v1_outputs.npz")
    if model.sample_kind == "samples":
        out = model.sample(4, seed=1)
    else:  # the four training digits it reconstructed then
        out = model.reconstruct(saved["ae_inputs"])
    np.testing.assert_allclose(np.asarray(out), saved[name], atol=1e-6)
    history = model.fit(digits[:128], batch_size=64, epochs=1, verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values())


def test_a_v1_hinge_gan_keeps_its_losses():
    gan = keras.models.load_model(DATA / "gan_hinge_v1.keras")
    assert gan.generator_loss_fn is losses.hinge_generator_loss
    assert gan.discriminator_loss_fn is losses.hinge_discriminator_loss
