"""Fast checks of zoo.metrics: closed forms, streaming, bounds, and the classifier cache.

None of these trains the 99.2% classifier: feature extractors are the identity
or an untrained :func:`zoo.classifier.build_classifier`, passed in explicitly.
"""

import keras
import numpy as np
import pytest
import scipy.linalg
import tensorflow as tf

from zoo import classifier, metrics, networks, reference
from zoo.models import VAE, Autoencoder


def identity(batch):
    return batch


def exact_gaussian(n, mean, cov, seed):
    """Rows whose sample mean and (n - 1) sample covariance are exactly ``mean`` and ``cov``."""
    z = np.random.default_rng(seed).standard_normal((n, len(mean)))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False))).T  # whiten exactly
    return mean + z @ np.linalg.cholesky(cov).T


def random_cov(d, seed):
    a = np.random.default_rng(seed).standard_normal((d, d))
    return a @ a.T / d + 0.1 * np.eye(d)


# -- Fréchet distance -------------------------------------------------------------------
def test_feature_stats_streaming_equals_one_shot():
    x = np.random.default_rng(0).normal(3.0, 2.0, size=(1001, 6))
    stats = metrics.FeatureStats()
    for lo, hi in [(0, 1), (1, 8), (8, 500), (500, 1001)]:
        stats.update(x[lo:hi])
    np.testing.assert_allclose(stats.mean, x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(stats.covariance, np.cov(x, rowvar=False), rtol=1e-10)


def test_reservoir_keeps_a_uniform_subset_of_the_stream():
    stream = np.arange(1000.0)[:, None]
    kept = np.concatenate(
        [
            metrics.Reservoir(size=100, seed=s).update(stream[:150]).update(stream[150:]).array
            for s in range(200)
        ]
    )
    assert len(kept) == 200 * 100 and len(np.unique(kept[:100])) == 100
    # Uniform over 0..999: mean 499.5, sd 288.7, so the mean of 20,000 rows has sd ~2.
    assert kept.mean() == pytest.approx(499.5, abs=10)
    assert np.mean(kept < 150) == pytest.approx(0.15, abs=0.01)  # the first batch, no favour


def test_fd_of_identical_sets_is_zero():
    x = np.random.default_rng(1).standard_normal((2000, 8))
    assert metrics.frechet_distance(x, x, extractor=identity) == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("commuting", [True, False])
def test_fd_matches_the_gaussian_closed_form(commuting):
    d = 5
    mu1, mu2 = np.zeros(d), np.linspace(-1.0, 2.0, d)
    s1 = random_cov(d, 2)
    if commuting:
        # Same eigenvectors: Tr((S1 S2)^1/2) = sum_i sqrt(a_i b_i), no sqrtm needed.
        a, v = np.linalg.eigh(s1)
        b = np.linspace(0.5, 3.0, d)
        s2 = (v * b) @ v.T
        tr_covmean = np.sum(np.sqrt(a * b))
    else:
        s2 = random_cov(d, 3)
        tr_covmean = np.trace(scipy.linalg.sqrtm(s1 @ s2)).real
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2) - 2.0 * tr_covmean
    # Samples with exactly these moments: the only error left is round-off.
    x1, x2 = exact_gaussian(3000, mu1, s1, 4), exact_gaussian(2000, mu2, s2, 5)
    fd = metrics.frechet_distance(x1, x2, extractor=identity, batch_size=128)
    assert fd == pytest.approx(expected, rel=1e-8)
    assert metrics.frechet_distance_from_moments(mu1, s1, mu2, s2) == pytest.approx(expected)


def test_fd_streams_over_datasets_and_batch_sizes():
    rng = np.random.default_rng(6)
    x1, x2 = rng.standard_normal((999, 4)), rng.normal(0.5, 1.5, size=(700, 4))
    one_shot = metrics.frechet_distance(x1, x2, extractor=identity, batch_size=10_000)
    ds = tf.data.Dataset.from_tensor_slices((x1, np.zeros(len(x1)))).batch(37)
    streamed = metrics.frechet_distance(ds, iter(np.array_split(x2, 9)), extractor=identity)
    assert streamed == pytest.approx(one_shot, rel=1e-9)
    assert one_shot > 0.5


# -- kernel distance ---------------------------------------------------------------------
def test_kid_matches_a_brute_force_unbiased_mmd():
    rng = np.random.default_rng(7)
    x, y = rng.standard_normal((6, 3)), rng.normal(1.0, 1.0, size=(6, 3))

    def k(a, b):
        return (a @ b / 3 + 1.0) ** 3

    xx = sum(k(x[i], x[j]) for i in range(6) for j in range(6) if i != j) / 30
    yy = sum(k(y[i], y[j]) for i in range(6) for j in range(6) if i != j) / 30
    xy = sum(k(x[i], y[j]) for i in range(6) for j in range(6)) / 36
    # Subsets of the full size are permutations: every subset gives the same value.
    kid, std = metrics.kid_from_features(x, y, num_subsets=3, subset_size=6)
    assert kid == pytest.approx(xx + yy - 2 * xy, rel=1e-10)
    assert std == pytest.approx(0.0, abs=1e-9)


def test_kid_matches_the_population_mmd_and_is_zero_for_one_distribution():
    # In 1-d, (xy + 1)^3 has features (1, sqrt3 x, sqrt3 x^2, x^3): the MMD^2 of
    # N(0, 1) and N(1, 1) is 3 (0 - 1)^2 + 3 (1 - 2)^2 + (0 - 4)^2 = 22.
    rng = np.random.default_rng(8)
    p, p2, q = rng.standard_normal((3, 20_000, 1)) + np.array([0.0, 0.0, 1.0])[:, None, None]
    kid, std = metrics.kernel_distance(p, q, extractor=identity, num_subsets=20, subset_size=1000)
    same, same_std = metrics.kernel_distance(
        p, p2, extractor=identity, num_subsets=20, subset_size=1000
    )
    # The subset std is the error of one 1000-sample estimate; the mean over subsets
    # of a 10,000-row pool is about 3x tighter, so 2 std is a generous, failing bound.
    assert kid == pytest.approx(22.0, abs=2 * std)
    assert abs(same) < 2 * same_std < 0.1 * kid


# -- classifier score --------------------------------------------------------------------
def probs_extractor(batch):
    return batch, batch  # the "images" are the class probabilities themselves


def test_classifier_score_extremes():
    eye = np.eye(10)
    constant = np.tile(np.random.default_rng(9).dirichlet(np.ones(10)), (50, 1))
    assert metrics.classifier_score(constant, probs_extractor) == pytest.approx(1.0)
    confident_uniform = np.tile(eye, (30, 1))
    assert metrics.classifier_score(confident_uniform, probs_extractor) == pytest.approx(10.0)
    random = np.random.default_rng(10).dirichlet(np.full(10, 0.3), size=500)
    score = metrics.classifier_score(random, probs_extractor, batch_size=64)
    p_y = random.mean(axis=0)
    direct = np.exp(np.mean(np.sum(random * (np.log(random) - np.log(p_y)), axis=1)))
    assert 1.0 < score < 10.0
    assert score == pytest.approx(direct, rel=1e-6)


# -- with a (tiny, untrained) convnet as the feature network -----------------------------
def test_generative_metrics_with_an_injected_extractor(digits, test_digits):
    keras.utils.set_random_seed(0)
    extractor = classifier.FeatureExtractor(classifier.build_classifier())
    features, probs = extractor(digits[:4])
    assert features.shape == (4, 128)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-9)

    class Noise:  # the generative protocol: sample(n, seed) -> images in [0, 1]
        def sample(self, n, seed=None):
            return np.random.default_rng(seed).random((n, 28, 28, 1)).astype("float32")

    ref = metrics.summarize(digits, extractor, batch_size=100, kid_samples=300)
    real = metrics.generative_metrics(
        Noise(), ref, n=256, extractor=extractor, kid_subsets=10, kid_subset_size=200
    )
    floor = metrics.compare(ref, metrics.summarize(test_digits, extractor), 10, 200)
    assert set(real) == {
        "fd",
        "kid",
        "kid_std",
        "classifier_score",
        "class_shares",
        "min_class_share",
        "classes_above_2pct",
        "n",
    }
    assert 1.0 <= real["classifier_score"] <= 10.0
    assert sum(real["class_shares"]) == pytest.approx(1.0)
    # Uniform noise is far from digits even in random conv features; two digit sets are not.
    assert real["fd"] > 5 * floor["fd"] and real["kid"] > 5 * max(floor["kid"], 0.0)


# -- reconstruction ----------------------------------------------------------------------
def test_reconstruction_errors_match_numpy(test_digits):
    keras.utils.set_random_seed(1)
    ae = Autoencoder(
        networks.mlp((28, 28, 1), 16, name="encoder"),
        networks.mlp(16, (28, 28, 1), output_activation="sigmoid", name="decoder"),
    )
    x = test_digits[:100].astype("float64") / 255.0
    r = np.asarray(ae.reconstruct(test_digits[:100]), "float64").reshape(x.shape)
    p = np.clip(r, 1e-7, 1 - 1e-7)
    got = metrics.reconstruction_errors(ae, test_digits[:100], batch_size=33)
    assert got["n"] == 100
    assert got["mse"] == pytest.approx(np.mean((x - r) ** 2), rel=1e-5)
    assert got["bce"] == pytest.approx(-np.mean(x * np.log(p) + (1 - x) * np.log(1 - p)), rel=1e-5)


# -- VAE bounds ----------------------------------------------------------------------------
def constant_vae(pixel_means, latent_dim=3):
    """q(z|x) = p(z) = N(0, I) and p(x|z) = Bernoulli(pixel_means) for every z."""
    enc = networks.gaussian_encoder(latent_dim=latent_dim, hidden=(4,))
    dec = networks.mlp(
        latent_dim, (28, 28, 1), hidden=(), output_activation="sigmoid", name="decoder"
    )
    for w in enc.weights + dec.weights:
        w.assign(np.zeros(w.shape))
    dec.weights[-1].assign(np.log(pixel_means / (1 - pixel_means)).ravel())
    return VAE(enc, dec)


def test_iwae_and_elbo_are_exact_when_q_is_the_posterior(test_digits):
    # z carries no information, so p(z|x) = p(z) = q(z|x): every importance weight
    # is p(x), and both bounds equal log p(x) for any k (a wrong log k would show).
    x = (test_digits[:5].astype("float64") / 255.0).reshape(5, -1)
    means = np.clip(np.linspace(0.05, 0.95, 784), 0.01, 0.99)
    vae = constant_vae(means)
    exact = np.sum(x * np.log(means) + (1 - x) * np.log(1 - means), axis=1)
    elbo = metrics.elbo_per_example(vae, test_digits[:5], binarized=False)
    # max_rows=3: one image per pass and chunks of 3 samples, the last one partial.
    iwae = metrics.iwae_per_example(vae, test_digits[:5], k=7, max_rows=3, binarized=False)
    np.testing.assert_allclose(elbo, exact, rtol=1e-5)
    np.testing.assert_allclose(iwae, exact, rtol=1e-5)


@pytest.fixture(scope="module")
def small_vae(digits):
    """A small VAE trained for 3 short epochs on 512 binarised digits (a few seconds)."""
    keras.utils.set_random_seed(2)
    vae = VAE(
        networks.gaussian_encoder(latent_dim=8, hidden=(64,)),
        networks.mlp(8, (28, 28, 1), hidden=(64,), output_activation="sigmoid", name="decoder"),
        seed=2,
    )
    vae.compile(optimizer=keras.optimizers.Adam(3e-3))
    vae.fit(
        reference.binarized_dataset(digits, batch_size=64, seed=2),
        epochs=3,
        shuffle=False,
        verbose=0,
    )
    return vae


def test_k1_iwae_equals_the_elbo_in_expectation(small_vae, test_digits):
    # 32 images, each repeated 32 times: 1024 independent one-sample estimates.
    x = np.repeat(test_digits[:32], 32, axis=0)
    elbo = metrics.elbo_per_example(small_vae, x, n_samples=16, seed=1, binarized=False)
    k1 = metrics.iwae_per_example(small_vae, x, k=1, seed=2, binarized=False)
    diff = k1 - elbo
    # Both estimate the same expectation; their paired difference is pure Monte Carlo
    # noise, so its mean must lie within 4 standard errors of 0 (fails ~1 in 16,000).
    assert abs(diff.mean()) < 4 * diff.std() / np.sqrt(len(diff))


def test_iwae_nll_falls_with_k_and_bounds_the_elbo(small_vae, test_digits):
    x = test_digits[:64]
    nll = {
        k: -metrics.iwae_per_example(small_vae, x, k=k, seed=k, binarized=False)
        for k in (1, 10, 100)
    }
    neg_elbo = -metrics.elbo_per_example(small_vae, x, n_samples=100, binarized=False)
    for lo, hi in [(1, 10), (10, 100)]:
        gap = nll[lo] - nll[hi]
        # E[gap] >= 0 (Burda et al., theorem 1); require the measured mean gap to be
        # positive beyond 2 standard errors of its Monte Carlo noise. Measured once:
        # 7.5 +- 1.7 nats (k 1 -> 10), 2.5 +- 0.6 (10 -> 100), 12.5 +- 1.6 (ELBO -> 100).
        assert gap.mean() > 2 * gap.std() / np.sqrt(len(gap)), (lo, hi, gap.mean())
    gap = neg_elbo - nll[100]
    assert gap.mean() > 2 * gap.std() / np.sqrt(len(gap))
    result = metrics.vae_metrics(small_vae, x, k=10, n_iwae=16, binarized=False)
    assert result["n_iwae"] == 16 and result["iwae_nll"] < -result["elbo"] + 5.0


# -- the reference VAE and dynamic binarisation -------------------------------------------
def test_binarized_dataset_resamples_every_epoch(digits):
    ds = reference.binarized_dataset(digits[:64], batch_size=64, shuffle=False)
    first, second = (next(iter(ds)).numpy() for _ in range(2))
    assert set(np.unique(first)) <= {0.0, 1.0} and first.shape == (64, 28, 28, 1)
    assert not np.array_equal(first, second)
    grey = digits[:64].astype("float32")[..., None] / 255.0
    assert abs(first.mean() - grey.mean()) < 0.01  # Bernoulli(x) has mean x


def test_reference_vae_matches_the_iwae_paper_architecture(digits):
    vae = reference.reference_vae(seed=0)
    assert vae.latent_dim == 50 and vae.binarized_data and vae.reconstruction == "bce"
    dense = [
        layer
        for layer in vae.encoder.layers + vae.decoder.layers
        if isinstance(layer, keras.layers.Dense)
    ]
    assert [layer.units for layer in dense] == [200, 200, 50, 50, 200, 200, 784]
    assert [layer.activation.__name__ for layer in dense[:2]] == ["tanh", "tanh"]
    # networks.mlp puts activations in their own layers.
    acts = [
        layer.activation.__name__
        for layer in vae.decoder.layers
        if isinstance(layer, keras.layers.Activation)
    ]
    assert acts == ["tanh", "tanh", "sigmoid"]
    assert vae.encoder.name == "encoder"
    vae.fit(
        reference.binarized_dataset(digits[:100], batch_size=50), epochs=1, shuffle=False, verbose=0
    )


# -- the classifier cache (training replaced by an untrained network) ----------------------
def test_classifier_cache_trains_once_per_data_set(tmp_path, monkeypatch, digits):
    npz = tmp_path / "mnist.npz"
    np.savez(
        npz,
        x_train=digits[:64],
        y_train=np.zeros(64, "uint8"),
        x_test=digits[64:96],
        y_test=np.zeros(32, "uint8"),
    )
    monkeypatch.setenv("ZOO_MNIST_PATH", str(npz))
    monkeypatch.setenv("ZOO_CACHE_DIR", str(tmp_path / "cache"))
    calls = []

    def fake_train(path=None, verbose=0, source="auto", dataset="mnist"):
        calls.append(path)
        (x, y), _ = classifier.load_mnist(source, path)
        return classifier.build_classifier(), {
            "test_accuracy": 0.5,
            "data_fingerprint": classifier.fingerprint(x, y),
        }

    monkeypatch.setattr(classifier.network, "train_classifier", fake_train)
    first = classifier.fingerprint(digits[:64], np.zeros(64, "uint8"))
    model_path, meta_path = classifier.cache_paths(data_fingerprint=first)
    assert model_path.name == f"mnist_classifier_v{classifier.VERSION}_{first}.keras"
    classifier.load_or_train(shipped=False)
    _, meta = classifier.load_or_train(shipped=False)
    assert len(calls) == 1 and meta["test_accuracy"] == 0.5 and model_path.exists()

    def write(x):
        y = np.zeros(64, "uint8")
        np.savez(npz, x_train=x, y_train=y, x_test=digits[64:96], y_test=y[:32])

    write(digits[:64] // 2)  # other digits (the offline sample, say): a classifier of their own
    _, meta = classifier.load_or_train(shipped=False)
    second = classifier.fingerprint(digits[:64] // 2, np.zeros(64, "uint8"))
    assert len(calls) == 2 and meta["data_fingerprint"] == second
    write(digits[:64])  # back to the first: its classifier was kept, not overwritten
    _, meta = classifier.load_or_train(shipped=False)
    assert len(calls) == 2 and meta["data_fingerprint"] == first and meta_path.exists()
