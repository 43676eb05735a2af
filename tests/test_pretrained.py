"""The shipped presets: one per recipe, of its config now, each drawing what its card says.

Each preset's card keeps check figures (:mod:`zoo.presets.check`): samples with
a fixed seed scored by zoo's shipped classifier, reconstructions and the ELBO
of the offline sample's digits. Reproducing them takes seconds per preset, so
a change to a network, a loss or the sampler that spoils a trained model fails
here, in ``make test``, not in a slow test nobody runs.
"""

import json
import os

import numpy as np
import pytest

import zoo
from zoo import classifier, presets, recipes
from zoo.presets import check

NAMES = recipes.names()
SHIPPED = presets.SHIPPED / "mnist"


def _metadata(name):
    return json.loads((SHIPPED / name / presets.METADATA).read_text())


@pytest.mark.parametrize("name", NAMES)
def test_every_recipe_ships_a_preset_of_its_current_config(name):
    assert presets.is_preset(SHIPPED / name), f"no preset of {name}: make results && make presets"
    config = json.loads((SHIPPED / name / presets.CONFIG).read_text())
    assert config["recipe"] == name and config["overrides"] == {}
    assert recipes.get(name).is_config_of(config["config"]), (
        f"{name}'s recipe changed since its preset was trained: retrain it "
        f"(python -m zoo.results --only {name} --retrain {name}) and make presets again"
    )
    metadata = _metadata(name)
    run = metadata["run"]  # the recipe's own budget, on the full MNIST
    assert run["epochs"] == recipes.get(name).budget["epochs"] and run["seed"] == 0
    steps = -(-60_000 // run["batch_size"]) * run["epochs"]
    assert run["data"].startswith("npz") and run["steps"] == steps
    assert metadata["weights_dtype"] == "float16" and metadata["eval"]


@pytest.mark.parametrize("name", NAMES)
def test_a_preset_reproduces_its_check_figures(name):
    if not presets.is_preset(SHIPPED / name):
        pytest.fail(f"no preset of {name}")
    model = zoo.pretrained(name)
    assert model.recipe == name and model.compiled
    recorded = _metadata(name)["check"]
    found = check.figures(model)
    assert found["settings"] == recorded["settings"]
    assert check.differences(found, recorded) == []


def test_a_spoilt_model_fails_the_check():
    """The guard bites: the same preset with its generator's last kernel halved."""
    model = zoo.pretrained("a000.gan")
    last = [layer for layer in model.generator.layers if layer.weights][-1]
    last.set_weights([w * 0.5 for w in last.get_weights()])
    lines = check.differences(check.figures(model), _metadata("a000.gan")["check"])
    assert lines and any(line.startswith("fd: recorded") for line in lines)


def test_the_shipped_presets_fit_the_size_budget():
    mnist = sum(p.stat().st_size for p in SHIPPED.rglob("*") if p.is_file())
    everything = sum(p.stat().st_size for p in presets.SHIPPED.rglob("*") if p.is_file())
    assert mnist <= 40e6 and everything <= 64e6


def test_the_shipped_classifier_is_the_full_mnist_one_and_classifies():
    model, metadata = classifier.load_shipped()
    assert metadata["version"] == classifier.VERSION and metadata["test_accuracy"] > 0.99
    assert metadata["data_fingerprint"] == "d7727027924fa191"  # the 60,000 training digits
    from zoo import data

    x, y = data.load_mnist_arrays("test", source="sample")
    _, probs = classifier.FeatureExtractor(model)(x)
    assert np.mean(probs.argmax(1) == y) > 0.98
    # It is the one zoo's figures use, with no training and no MNIST file.
    assert classifier.load_or_train()[1]["weights_sha256"] == metadata["weights_sha256"]


def test_the_command_line_takes_a_preset_name(tmp_path, capsys, monkeypatch):
    from zoo import cli, data

    # As offline with no npz: "auto" falls back to the sample, whatever this machine has.
    monkeypatch.delenv("ZOO_MNIST_PATH", raising=False)
    monkeypatch.setattr(data, "_tfds_prepared", lambda *a, **k: None)
    monkeypatch.setattr(data, "_tfds_reachable", lambda *a, **k: False)

    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert "preset (mnist): FD 9.99, smallest class 6.3%, 30 epochs" in out  # a000.gan's card
    grid = tmp_path / "grid.png"
    assert cli.main(["sample", "a000.gan", "-n", "16", "-o", str(grid), "--seed", "3"]) == 0
    import matplotlib.image

    assert matplotlib.image.imread(grid).ndim == 3
    result = tmp_path / "eval.json"
    argv = ["eval", "a000.ae", "--source", "sample", "--quiet", "--json", str(result)]
    with pytest.warns(UserWarning) as told:
        assert cli.main([*argv[:3], "auto", *argv[4:]]) == 0  # offline: the sample, told once
    assert [str(w.message) for w in told if "5,000-digit" in str(w.message)][1:] == []
    assert cli.main(argv) == 0
    scores = json.loads(result.read_text())
    assert scores["kind"] == "preset" and scores["reconstruction"]["mse"] < 0.01
    assert cli.main(["export", "a000.ae", str(tmp_path / "export")]) == 0
    assert (tmp_path / "export" / "1" / "saved_model.pb").is_file()
    assert not list(SHIPPED.glob("*/eval.json"))  # nothing written into the package


def test_train_from_preset_fine_tunes_the_recipes_own_preset(tmp_path, digits):
    from zoo import cli
    from zoo.export import load_keras

    npz = tmp_path / "mnist.npz"
    np.savez(npz, x_train=digits, y_train=np.zeros(len(digits), "uint8"), x_test=digits[:64],
             y_test=np.zeros(64, "uint8"))  # fmt: skip
    out = tmp_path / "tuned"
    argv = ["train", "a000.gan", "--from-preset", "--limit", "64", "--batch-size", "64",
            "--epochs", "1", "--val-limit", "64", "--checkpoint-every", "0", "--verbose", "0",
            "--source", "npz", "--mnist", str(npz), "--out", str(out)]  # fmt: skip
    assert cli.main(argv) == 0
    assert json.loads((out / "run.json").read_text())["from_preset"] == "a000.gan"
    tuned = load_keras(out / "model.keras").trainable_weights
    shipped = zoo.pretrained("a000.gan").trainable_weights
    gap = max(float(np.abs(a - b).mean()) for a, b in zip(tuned, shipped, strict=True))
    assert gap < 1e-3  # one Adam step (2e-4) from the shipped weights


FASHION_NPZ = os.environ.get("ZOO_FASHION_MNIST_PATH", "")


@pytest.mark.skipif(not os.path.isfile(FASHION_NPZ), reason="no Fashion-MNIST npz on this machine")
def test_the_shipped_fashion_classifier_is_the_full_sets_and_classifies():
    from zoo import data

    model, metadata = classifier.load_shipped("fashion_mnist")
    assert metadata["dataset"] == "fashion_mnist" and metadata["test_accuracy"] > 0.92
    assert metadata["data_fingerprint"] == "7efaae31421026fc"  # the 60,000 training images
    x, y = data.load("fashion_mnist", "test", source="npz", limit=2000)
    _, probs = classifier.FeatureExtractor(model)(x)
    assert np.mean(probs.argmax(1) == y) > 0.9
    shipped = classifier.load_or_train(dataset="fashion_mnist")[1]["weights_sha256"]
    assert shipped == metadata["weights_sha256"]  # what scores Fashion-MNIST, nothing trained
