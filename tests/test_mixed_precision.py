"""Training under the ``mixed_float16`` and ``mixed_bfloat16`` policies.

The families' own ``train_step``\\ s scale the loss (``objective`` calls
``optimizer.scale_loss``) and the ``LossScaleOptimizer``\\ s unscale it, skip
steps whose gradients overflow and halve the scale; the GAN's two optimizers
are wrapped by ``maybe_loss_scale``, the autoencoders' (the LatentGAN's
included) by Keras' ``compile``. Models are built under the policy, which a
fixture restores afterwards.
"""

import math

import keras
import numpy as np
import pytest
from helpers import FAMILIES, changed, check_saving, optimizers_of, tiny_latent_gan, weights_of

import zoo


@pytest.fixture
def policy(request):
    previous = keras.mixed_precision.dtype_policy()
    keras.mixed_precision.set_global_policy(request.param)
    try:
        yield request.param
    finally:
        keras.mixed_precision.set_global_policy(previous)


# The families with their own train_step maths (the autoencoders' is Keras' own).
MIXED = ("gan", "latent_gan", "vae")


def _network(model):
    """A network of ``model`` whose layers compute under the policy."""
    if hasattr(model, "autoencoder"):
        return model.autoencoder.encoder
    return getattr(model, "generator", None) or model.decoder


def _float32_outputs(model, x):
    """Everything the model hands out is float32, whatever it computes in."""
    out = model.sample(4, seed=0) if hasattr(model, "sample") else model.reconstruct(x)
    assert out.dtype == "float32"
    unit = model.prepare(x)
    if isinstance(model, zoo.GAN):
        terms = model.losses_on(model.real_samples(unit), training=False)
    else:
        terms = model.compute_losses(unit)
    assert all(t.dtype == "float32" for t in terms.values())
    return out


@pytest.mark.parametrize("policy", ["mixed_float16"], indirect=True)
@pytest.mark.parametrize("family", MIXED)
def test_float16_scales_losses_in_the_custom_steps(policy, family, digits, tmp_path):
    model = FAMILIES[family].build()
    assert _network(model).layers[-2].compute_dtype == "float16"
    optimizers = optimizers_of(model)
    assert all(isinstance(o, keras.optimizers.LossScaleOptimizer) for o in optimizers)
    before = weights_of(model)
    history = model.fit(digits[:64], batch_size=32, epochs=1, shuffle=False, verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    assert changed(before, weights_of(model))
    for o in optimizers:
        # Each of the 2 steps was applied (inner step +1) or skipped (scale halved).
        halvings = math.log2(2.0**15 / float(o.dynamic_scale))
        assert int(o.inner_optimizer.iterations) + halvings == 2, o.name
        assert int(o.step_counter) == int(o.inner_optimizer.iterations)
    x = digits[:8]
    _float32_outputs(model, x)
    loaded = check_saving(
        model,
        tmp_path / "m.keras",
        lambda m: m.sample(4, seed=3) if family != "latent_gan" else m.autoencoder.encode(x),
        train_data=digits[:64],
    )
    assert all(isinstance(o, keras.optimizers.LossScaleOptimizer) for o in optimizers_of(loaded))


@pytest.mark.parametrize("policy", ["mixed_float16"], indirect=True)
def test_an_overflowing_step_is_skipped_and_halves_every_loss_scale(policy, digits):
    model = tiny_latent_gan()
    model.build_optimizers()
    optimizers = optimizers_of(model)
    for o in optimizers:
        o.dynamic_scale.assign(2.0**60)  # float16 gradients overflow to inf at this scale
    before = weights_of(model)
    model.fit(digits[:32], batch_size=32, epochs=1, verbose=0)
    assert not changed(before, weights_of(model))
    for o in optimizers:
        assert float(o.dynamic_scale) == 2.0**59, o.name
        assert int(o.inner_optimizer.iterations) == 0
    # At the default scale the next step goes through.
    for o in optimizers:
        o.dynamic_scale.assign(2.0**15)
    model.fit(digits[:32], batch_size=32, epochs=1, verbose=0)
    assert changed(before, weights_of(model))
    assert all(int(o.inner_optimizer.iterations) == 1 for o in optimizers)


@pytest.mark.parametrize("policy", ["mixed_bfloat16"], indirect=True)
@pytest.mark.parametrize("family", MIXED)
def test_bfloat16_trains_without_loss_scaling(policy, family, digits):
    model = FAMILIES[family].build()
    assert _network(model).layers[-2].compute_dtype == "bfloat16"
    assert all(v.dtype == "float32" for v in model.trainable_variables)
    assert not any(isinstance(o, keras.optimizers.LossScaleOptimizer) for o in optimizers_of(model))
    before = weights_of(model)
    history = model.fit(digits[:64], batch_size=32, epochs=1, verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    assert changed(before, weights_of(model))
    _float32_outputs(model, digits[:8])
