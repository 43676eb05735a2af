"""Slow checks: every recipe trains on real MNIST within a stated budget and passes a
stated threshold.

Run with ``pytest -m slow tests/test_recipes_slow.py`` (excluded from the default
run). MNIST comes from ``$ZOO_MNIST_PATH`` (a Keras-layout ``mnist.npz``; the
Makefile sets it when ``../shared/data/mnist.npz`` exists); the tests skip without it.

Each threshold was measured on a 2-core CPU (see ``docs/articles/README.md``) and
set with a margin below the measured figure, which is quoted next to it. The
figures (:mod:`zoo.evaluation.checks`, and the mean-image baseline of
:mod:`zoo.evaluation.likelihood`) separate a trained model from an untrained,
diverged or collapsed one; they do not rank sample quality.
"""

import math
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import pytest  # noqa: E402

from zoo import data, recipes  # noqa: E402
from zoo import evaluation as metrics  # noqa: E402

pytestmark = pytest.mark.slow

MNIST_PATH = os.environ.get("ZOO_MNIST_PATH", "")

# Training budget per recipe: epochs over the first `images` training images
# (None: all 60,000), at the recipe's batch size. The whole file took 9 minutes
# on the shared 2-core CPU at load average ~5 (the DCGAN's 20,000-image epoch
# 2.3 of them), and 20 minutes at load average ~10.
BUDGET = {
    "a000.gan": dict(epochs=5, images=None),
    "a000.ae": dict(epochs=3, images=None),
    "a001.dcgan": dict(epochs=1, images=20_000),
    "a001.vae": dict(epochs=3, images=None),
    "a002.aegan": dict(epochs=5, images=None),
    "a003.cae": dict(epochs=3, images=None),
    "a003.ae": dict(epochs=3, images=None),
    "a003.latent_gan": dict(epochs=3, images=None),
    "a004.gan": dict(epochs=10, images=None),
    "a004.beta_vae": dict(epochs=3, images=None),
}

# "measured": a full run of this file (seed 0) on the shared 2-core CPU (two
# runs gave the same figures); the thresholds leave a margin for other machines
# and library versions.
#
# GANs: fraction of near-0/near-1 pixels in 256 samples (MNIST test images 0.91,
# every untrained generator 0.000) and mean pairwise L2 distance between them
# (MNIST test images 9.8; a collapsed generator about 0).
GAN_SAT_MIN = {
    "a000.gan": 0.6,  # measured 0.858
    "a001.dcgan": 0.6,  # measured 0.843
    "a002.aegan": 0.6,  # measured 0.919
    "a003.latent_gan": 0.6,  # measured 0.815
    "a004.gan": 0.5,  # measured 0.719
}
GAN_PAIR_MIN = {
    "a000.gan": 6.0,  # measured 8.78
    "a001.dcgan": 4.0,  # measured 6.18
    "a002.aegan": 4.5,  # measured 6.83
    "a003.latent_gan": 6.0,  # measured 8.45
    "a004.gan": 5.0,  # measured 7.69
}
# Autoencoders: test MSE at least this many times below the mean-image baseline
# (0.0675 on MNIST test images).
AE_FACTOR = {
    "a000.ae": 6.0,  # measured 9.14
    "a003.cae": 3.5,  # measured 4.75
    "a003.ae": 3.5,  # measured 5.08
}
# a003.cae's mean encoder Jacobian norm on test images is at least this many
# times below that of the lambda = 0 baseline a003.ae (measured 4.83).
CAE_JACOBIAN_FACTOR = 3.0
# VAEs: test negative ELBO after training at most this fraction of its value at
# initialisation (metrics.negative_elbo).
VAE_NELBO_RATIO = {
    "a001.vae": 0.3,  # measured 966.3 -> 124.1, 0.128
    "a004.beta_vae": 0.45,  # measured 567.7 -> 152.4, 0.268
}


@pytest.fixture(scope="module")
def mnist():
    if not os.path.isfile(MNIST_PATH):
        pytest.skip(f"MNIST not found at {MNIST_PATH!r}; set ZOO_MNIST_PATH to a mnist.npz.")
    return tuple(data.load_mnist_arrays(s, source="npz")[0] for s in data.SPLITS)


_TRAINED = {}


def _trained(name, mnist):
    """Trains recipe ``name`` within its budget once; returns a dict of results."""
    if name not in _TRAINED:
        x_train, x_test = mnist
        recipe, budget = recipes.get(name), BUDGET[name]
        keras.utils.set_random_seed(0)
        model = recipes.build(name)
        before = {}
        if recipe.family in ("gan", "latent_gan"):
            before["sat"] = metrics.saturated_fraction(model.sample(256, seed=1234))
        if recipe.family == "vae":
            before["nelbo"] = metrics.negative_elbo(model, x_test)
        x = x_train[: budget["images"]] if budget["images"] else x_train
        start = time.perf_counter()
        history = model.fit(
            x,
            batch_size=recipe.budget["batch_size"],
            epochs=budget["epochs"],
            shuffle=True,
            verbose=0,
        )
        seconds = time.perf_counter() - start
        print(f"{name}: trained {budget['epochs']} epochs on {len(x)} images in {seconds:.0f} s")
        _TRAINED[name] = dict(model=model, history=history.history, before=before)
    return _TRAINED[name]


def _by_family(*families):
    return [n for n in recipes.names() if recipes.get(n).family in families]


def test_every_recipe_has_a_budget_and_a_threshold():
    checked = set(GAN_SAT_MIN) | set(AE_FACTOR) | set(VAE_NELBO_RATIO)
    assert set(BUDGET) == set(recipes.names())
    assert checked == set(recipes.names())
    assert set(GAN_SAT_MIN) == set(GAN_PAIR_MIN)


@pytest.mark.parametrize("name", recipes.names())
def test_losses_stay_finite(name, mnist):
    history = _trained(name, mnist)["history"]
    for key, values in history.items():
        assert len(values) == BUDGET[name]["epochs"]
        assert all(math.isfinite(v) for v in values), (key, values)


@pytest.mark.parametrize("name", _by_family("gan", "latent_gan"))
def test_gan_samples_look_like_digits_not_noise_and_differ(name, mnist):
    run = _trained(name, mnist)
    samples = run["model"].sample(256, seed=1234)
    sat = metrics.saturated_fraction(samples)
    pair = metrics.mean_pairwise_distance(samples)
    print(f"{name}: sat {sat:.3f} (before {run['before']['sat']:.3f}), pair_l2 {pair:.2f}")
    # Mostly ink-or-paper pixels like MNIST, unlike the untrained generator's grey.
    assert sat >= GAN_SAT_MIN[name], sat
    assert sat >= run["before"]["sat"] + 0.2, (sat, run["before"]["sat"])
    # No collapse to one image.
    assert pair >= GAN_PAIR_MIN[name], pair


@pytest.mark.parametrize("name", _by_family("autoencoder", "contractive_autoencoder"))
def test_autoencoder_beats_the_mean_image(name, mnist):
    x_train, x_test = mnist
    model = _trained(name, mnist)["model"]
    ratio = (
        metrics.mean_image_errors(x_train, x_test)["mse"]
        / metrics.reconstruction_errors(model, x_test)["mse"]
    )
    print(f"{name}: mean-image MSE / test MSE = {ratio:.2f}")
    assert ratio >= AE_FACTOR[name], ratio


def test_contractive_penalty_flattens_the_encoder(mnist):
    _, x_test = mnist
    cae = _trained("a003.cae", mnist)["model"]
    baseline = _trained("a003.ae", mnist)["model"]
    ratio = metrics.jacobian_norm(baseline, x_test[:1000]) / metrics.jacobian_norm(
        cae, x_test[:1000]
    )
    print(f"a003: Jacobian norm baseline / CAE = {ratio:.2f}")
    assert ratio >= CAE_JACOBIAN_FACTOR, ratio


@pytest.mark.parametrize("name", _by_family("vae"))
def test_vae_negative_elbo_improves(name, mnist):
    _, x_test = mnist
    run = _trained(name, mnist)
    after, before = metrics.negative_elbo(run["model"], x_test), run["before"]["nelbo"]
    print(f"{name}: negative ELBO {before:.1f} -> {after:.1f} ({after / before:.3f})")
    assert after <= VAE_NELBO_RATIO[name] * before, (after, before)


# -- no mode collapse ---------------------------------------------------------------------
# Every GAN recipe at its own budget (full MNIST, seed 0), trained and scored as
# bench/sweep.py does: the share of 10,000 samples in each digit class by zoo's
# classifier, each at least 5% (issue 13; a perfect model gives about 10%). The figures the
# bench measured are in each recipe's choices; a002.aegan, for one: smallest class 5.9%
# (seed 1: 4.8%) with its gradient penalty, 96% 1s without it; a001.dcgan (measured on
# bench/sweep.py's snapshots of one run): smallest class 7.6%, its 15 epochs about 57 minutes
# on 2 CPU cores.
COVERAGE_MIN_SHARE = {
    name: 0.05 for name in ("a000.gan", "a001.dcgan", "a002.aegan", "a003.latent_gan", "a004.gan")
}


@pytest.mark.parametrize("name", sorted(COVERAGE_MIN_SHARE))
def test_gan_samples_cover_every_digit_at_the_recipes_budget(name, mnist, tmp_path):
    from zoo import training

    x_train, x_test = mnist
    model, _ = training.train(name, out_dir=str(tmp_path), source="npz", seed=0, verbose=0)
    real = metrics.real_set(x_train, x_test, n=10_000, seed=0)
    gen = metrics.evaluate_model(model, real, n=10_000, seed=0)["generative"]
    print(f"{name}: class shares {gen['class_shares']}, FD {gen['fd']:.2f}")
    assert gen["classes_above_2pct"] == 10, gen["class_shares"]
    assert gen["min_class_share"] >= COVERAGE_MIN_SHARE[name], gen["class_shares"]
