"""``zoo eval`` beyond MNIST: a classifier per data set, unlabelled data, ``--classifier``.

The data are tiny and made here: ten classes of bars at ten heights, learnable in
seconds. They stand in for Fashion-MNIST (through ``$ZOO_FASHION_MNIST_PATH``), whose
classifier ships with zoo, and make a labelled .npz of one's own, whose classifier
really trains, on first use, into a cache of the test's own.
"""

import json
import re

import keras
import numpy as np
import pytest

from zoo import classifier, cli

TINY = ["--epochs", "1", "--batch-size", "64", "--val-limit", "64", "--checkpoint-every", "0"]
FAST = ["--samples", "100", "--k", "3", "--iwae-images", "16", "--batch-size", "100", "--quiet"]


def _bars(n, seed):
    """``n`` 28x28 images of ten classes: class c is a bright bar at row 2c + 4, with noise."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n).astype(np.uint8)
    x = rng.integers(0, 40, (n, 28, 28)).astype(np.uint8)
    for i, c in enumerate(y):
        x[i, 2 * c + 4 : 2 * c + 7, 4:24] = 230
    return x, y


@pytest.fixture(scope="module")
def fashion(tmp_path_factory):
    """A Keras-layout fashion_mnist.npz of bars, and a cache directory of its own."""
    base = tmp_path_factory.mktemp("fashion")
    (x_train, y_train), (x_test, y_test) = _bars(640, 0), _bars(200, 1)
    npz = base / "fashion_mnist.npz"
    np.savez(npz, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return npz, base / "cache"


@pytest.fixture
def env(fashion, monkeypatch):
    npz, cache = fashion
    monkeypatch.setenv("ZOO_FASHION_MNIST_PATH", str(npz))
    monkeypatch.setenv("ZOO_CACHE_DIR", str(cache))
    monkeypatch.setattr(classifier.extractor, "_DEFAULTS", {})
    # 400 small steps instead of 3 epochs of 128: the batch norms' moving averages need
    # hundreds of steps to settle, which 640 images give only in small batches.
    monkeypatch.setattr(classifier.network, "_BATCH_SIZE", 16)
    monkeypatch.setattr(classifier.network, "_EPOCHS", 10)
    return npz


@pytest.fixture(scope="module")
def unlabelled(tmp_path_factory):
    """An .npz of bars with no labels, and a GAN trained on it: ``(npz, run_dir)``."""
    base = tmp_path_factory.mktemp("unlabelled")
    npz = base / "unlabelled.npz"
    np.savez(npz, x_train=_bars(256, 2)[0], x_test=_bars(64, 3)[0])  # no y_: unlabelled
    return npz, _train("a000.gan", base / "gan", "--data", str(npz))


def _train(recipe, out, *data):
    argv = ["train", recipe, "--limit", "256", *TINY, "--verbose", "0", "--out", str(out)]
    assert cli.main([*argv, *data]) == 0
    return out


def test_a_fashion_run_is_scored_on_fashion_mnist_by_its_shipped_classifier(env, tmp_path, capsys):
    run = _train("a000.gan", tmp_path / "gan", "--data", "fashion_mnist", "--source", "npz")
    capsys.readouterr()
    assert cli.main(["eval", str(run), *FAST[:-1]]) == 0  # with its progress bars
    out = capsys.readouterr().out
    assert "data: Fashion-MNIST, npz" in out and "real training fashion items" in out
    assert "real test fashion items (200)" in out  # the progress bars name them too
    result = json.loads((run / "eval.json").read_text())
    assert result["data"]["dataset"] == "fashion_mnist" and result["data"]["test_images"] == 200
    # Fashion-MNIST's classifier ships with zoo: the full set's, nothing trained here
    meta = result["classifier"]
    assert meta["dataset"] == "fashion_mnist" and meta["data_fingerprint"] == "7efaae31421026fc"
    assert "feature classifier once" not in out and not classifier.cache_dir().exists()
    assert result["generative"]["fd"] > result["generative"]["floor"]["fd"]


def test_a_labelled_npz_gets_a_classifier_trained_once(env, tmp_path, capsys):
    npz = tmp_path / "bars.npz"
    (x_train, y_train), (x_test, y_test) = _bars(640, 0), _bars(200, 1)
    np.savez(npz, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    run = _train("a000.gan", tmp_path / "gan", "--data", str(npz))
    capsys.readouterr()
    assert cli.main(["eval", str(run), *FAST]) == 0
    assert f"training the {npz} feature classifier once" in capsys.readouterr().out
    meta = json.loads((run / "eval.json").read_text())["classifier"]
    assert meta["dataset"] == str(npz) and meta["test_accuracy"] > 0.9  # the bars are learnt
    (cached,) = classifier.cache_dir().glob("data_classifier_v*.keras")
    assert cached.name == f"data_classifier_v{classifier.VERSION}_{meta['data_fingerprint']}.keras"
    # The floor is real bars in that classifier: all ten classes
    floor = json.loads((run / "eval.json").read_text())["generative"]["floor"]
    assert floor["classes_above_2pct"] == 10
    # A second evaluation loads the cached classifier instead of training it again
    classifier.extractor._DEFAULTS.clear()  # as a new process would start
    assert cli.main(["eval", str(run), *FAST]) == 0
    assert "feature classifier once" not in capsys.readouterr().out
    assert len(list(classifier.cache_dir().glob("*.keras"))) == 1


def test_a_model_is_scored_on_the_data_it_trained_on(env, tmp_path, capsys):
    run = _train("a000.ae", tmp_path / "ae", "--data", "fashion_mnist", "--source", "npz")
    capsys.readouterr()
    assert cli.main(["eval", str(run), "--data", "mnist", *FAST]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "zoo: error: This run trained on 'fashion_mnist', not 'mnist'; leave --data out: a "
        "model is scored on the data it trained on."
    ]
    # Its export and its preset say so too (zoo.json, metadata.json); a bare .keras file
    # does not, and is scored on the data named
    assert cli.main(["export", str(run), str(tmp_path / "export")]) == 0
    assert cli.main(["preset", str(run), str(tmp_path / "preset")]) == 0
    for path, extra in [
        (tmp_path / "export", []),
        (tmp_path / "preset", []),
        (run / "model.keras", ["--data", "fashion_mnist"]),
    ]:
        written = tmp_path / f"{path.name}.json"
        assert cli.main(["eval", str(path), *extra, "--json", str(written), *FAST]) == 0
        assert json.loads(written.read_text())["data"]["dataset"] == "fashion_mnist", path
    assert cli.main(["eval", str(tmp_path / "preset"), "--data", "mnist", *FAST]) == 2
    assert "This preset trained on 'fashion_mnist', not 'mnist'" in capsys.readouterr().err


def test_a_model_of_another_size_than_the_data_sets_classifier_is_one_line(env, tmp_path, capsys):
    argv = ["--data", "fashion_mnist", "--source", "npz", "--image-size", "20"]
    run = _train("a000.gan", tmp_path / "gan", *argv)
    capsys.readouterr()
    assert cli.main(["eval", str(run), *FAST]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "zoo: error: Nothing to score: FD, KID, classifier score and coverage: zoo's "
        "classifier of 'fashion_mnist' takes 28x28x1 images, not the model's 20x20x1; pass "
        "one of these images with --classifier PATH."
    ]


def test_unlabelled_images_get_what_needs_no_classifier(unlabelled, tmp_path, capsys):
    npz, _ = unlabelled
    run = _train("a004.beta_vae", tmp_path / "vae", "--data", str(npz))
    capsys.readouterr()
    assert cli.main(["eval", str(run), *FAST]) == 0
    out = capsys.readouterr().out
    result = json.loads((run / "eval.json").read_text())
    assert result["capabilities"] == ["reconstruct", "likelihood"]  # sampling not scored
    assert {"reconstruction", "likelihood"} <= set(result) and "generative" not in result
    assert result["reconstruction"]["mse"] > 0 and result["data"]["test_images"] == 64
    (why,) = result["not_scored"]
    assert why.startswith("FD, KID, classifier score and coverage:") and "no labels" in why
    assert f"not scored: {why}" in out and "--classifier PATH" in out


def test_a_classifier_file_scores_in_its_features(unlabelled, tmp_path):
    _, run = unlabelled
    # Any Keras classifier with a named feature layer, with a softmax out
    net = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(16, activation="relu", name="embedding"),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    path = tmp_path / "mine.keras"
    net.save(path)
    argv = ["eval", str(run), "--classifier", str(path), "--features-layer", "embedding"]
    assert cli.main([*argv, *FAST]) == 0
    result = json.loads((run / "eval.json").read_text())
    gen = result["generative"]
    assert len(gen["class_shares"]) == 3 and sum(gen["class_shares"]) == pytest.approx(1.0)
    assert result["classifier"] == {"path": str(path), "features_layer": "embedding"}


@pytest.mark.parametrize(
    ("make", "flags", "message"),
    [
        (None, [], r"^zoo: error: No classifier at '.*missing\.keras': name a Keras classifier"),
        ("text", [], r"^zoo: error: '.*missing\.keras' is not a Keras model file \("),
        (
            "mnist",
            ["--features-layer", "penultimate"],
            r"^zoo: error: The classifier 'mnist_classifier_v1' has no layer 'penultimate' to "
            r"take features from; name one of its layers \(image, conv2d.*\) with --features-layer",
        ),
        (
            "colour",
            [],
            r"^zoo: error: The classifier '.*missing\.keras' takes 32x32x3 images, not the "
            r"model's 28x28x1; pass a classifier of the model's images\.$",
        ),
    ],
)
def test_a_bad_classifier_is_one_line(unlabelled, tmp_path, capsys, make, flags, message):
    _, run = unlabelled
    path = tmp_path / "missing.keras"
    if make == "text":
        path.write_text("not a model")
    elif make:
        shape = (32, 32, 3) if make == "colour" else (28, 28, 1)
        classifier.build_classifier(10, shape).save(path)
    capsys.readouterr()
    assert cli.main(["eval", str(run), "--classifier", str(path), *flags, *FAST]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert re.match(message, err[0]), err[0]
