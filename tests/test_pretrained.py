"""The shipped presets: one per recipe, of its config now, each drawing what its card says.

Each preset's card keeps check figures (:mod:`zoo.presets.check`): samples with
a fixed seed scored by zoo's shipped classifier, reconstructions and the ELBO
of the offline sample's digits. Reproducing them takes seconds per preset, so
a change to a network, a loss or the sampler that spoils a trained model fails
here, in ``make test``, not in a slow test nobody runs.
"""

import json

import numpy as np
import pytest

import zoo
from zoo import classifier, presets, recipes
from zoo.presets import check

NAMES = recipes.names()
SHIPPED = presets.SHIPPED / "mnist"
#: Every shipped preset: each recipe on each data set zoo ships presets of.
PRESETS = [(dataset, name) for dataset in ("mnist", "fashion_mnist") for name in NAMES]


def _metadata(name, dataset="mnist"):
    return json.loads((presets.SHIPPED / dataset / name / presets.METADATA).read_text())


@pytest.mark.parametrize("dataset, name", PRESETS)
def test_every_recipe_ships_a_preset_of_its_current_config(dataset, name):
    where = presets.SHIPPED / dataset / name
    assert presets.is_preset(where), (
        f"no {dataset} preset of {name}: python -m zoo.results --data {dataset} --only {name} "
        f"&& python -m bench.presets --data {dataset} --only {name}"
    )
    config = json.loads((where / presets.CONFIG).read_text())
    assert config["recipe"] == name and config["overrides"] == {}
    assert recipes.get(name).is_config_of(config["config"]), (
        f"{name}'s recipe changed since its preset was trained: retrain it "
        f"(python -m zoo.results --data {dataset} --only {name} --retrain {name}) and make "
        "presets again"
    )
    metadata = _metadata(name, dataset)
    run = metadata["run"]  # the recipe's own budget, on the full data set
    assert metadata["dataset"] == run.get("dataset", "mnist") == dataset
    assert run["epochs"] == recipes.get(name).budget["epochs"] and run["seed"] == 0
    steps = -(-60_000 // run["batch_size"]) * run["epochs"]
    assert "npz: " in run["data"] and run["steps"] == steps  # the full set, from its file
    assert metadata["weights_dtype"] == "float16" and metadata["eval"]


@pytest.mark.parametrize("dataset, name", PRESETS)
def test_a_preset_reproduces_its_check_figures(dataset, name):
    if not presets.is_preset(presets.SHIPPED / dataset / name):
        pytest.fail(f"no {dataset} preset of {name}")
    model = zoo.pretrained(name, dataset=dataset)
    assert model.recipe == name and model.compiled
    recorded = _metadata(name, dataset)["check"]
    found = check.figures(model, dataset=dataset)
    assert found["settings"] == recorded["settings"] == check.settings(dataset)
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


def test_the_shipped_fashion_classifier_is_the_full_sets_and_classifies():
    model, metadata = classifier.load_shipped("fashion_mnist")
    assert metadata["dataset"] == "fashion_mnist" and metadata["test_accuracy"] > 0.92
    assert metadata["data_fingerprint"] == "7efaae31421026fc"  # the 60,000 training images
    with np.load(check.FASHION_IMAGES) as f:  # 2,000 test images, shipped: no npz needed
        x, y = f["x"], f["y"]
    _, probs = classifier.FeatureExtractor(model)(x)
    assert np.mean(probs.argmax(1) == y) > 0.9
    shipped = classifier.load_or_train(dataset="fashion_mnist")[1]["weights_sha256"]
    assert shipped == metadata["weights_sha256"]  # what scores Fashion-MNIST, nothing trained


def test_the_fashion_presets_load_by_name_in_python_and_on_the_command_line(
    tmp_path, capsys, monkeypatch
):
    from zoo import cli

    shoes = zoo.pretrained("a001.dcgan", dataset="fashion_mnist")
    digits = zoo.pretrained("a001.dcgan")
    # One recipe, two trainings: the same networks, other weights.
    assert shoes.recipe == digits.recipe and shoes.count_params() == digits.count_params()
    assert not np.allclose(shoes.sample(4, seed=0), digits.sample(4, seed=0))
    assert cli.main(["list"]) == 0
    assert "preset (fashion_mnist): FD " in capsys.readouterr().out
    grid = tmp_path / "shoes.png"
    assert cli.main(["sample", "a001.dcgan", "--data", "fashion_mnist", "-o", str(grid)]) == 0
    assert grid.is_file()
    out = tmp_path / "export"
    assert cli.main(["export", "a000.ae", str(out), "--data", "fashion_mnist"]) == 0
    # The export says what it was trained on: zoo eval of it scores Fashion-MNIST.
    from zoo import export

    recorded = export.info(str(out))
    assert recorded["run"]["dataset"] == "fashion_mnist" and recorded["eval"]["mse"] > 0
    # zoo eval NAME --data fashion_mnist scores the Fashion-MNIST preset on Fashion-MNIST
    # (here a small npz of the shipped check images, so that no download is needed).
    with np.load(check.FASHION_IMAGES) as f:
        x, y = f["x"], f["y"]
    npz = tmp_path / "fashion.npz"
    np.savez(npz, x_train=x[:1000], y_train=y[:1000], x_test=x[1000:], y_test=y[1000:])
    monkeypatch.setenv("ZOO_FASHION_MNIST_PATH", str(npz))
    result = tmp_path / "eval.json"
    argv = ["eval", "a000.gan", "--data", "fashion_mnist", "--samples", "500", "--quiet"]
    assert cli.main([*argv, "--json", str(result)]) == 0
    scores = json.loads(result.read_text())
    assert scores["kind"] == "preset" and scores["path"].endswith("fashion_mnist/a000.gan")
    assert scores["data"]["dataset"] == "fashion_mnist" and scores["generative"]["fd"] > 0
    # train --from-preset --data fashion_mnist fine-tunes the Fashion-MNIST preset.
    from zoo.export import load_keras

    out = tmp_path / "tuned"
    argv = ["train", "a000.gan", "--data", "fashion_mnist", "--from-preset", "--limit", "64",
            "--batch-size", "64", "--epochs", "1", "--val-limit", "64", "--checkpoint-every",
            "0", "--verbose", "0", "--source", "npz", "--out", str(out)]  # fmt: skip
    assert cli.main(argv) == 0
    tuned = load_keras(out / "model.keras").trainable_weights

    def gap(dataset):
        start = zoo.pretrained("a000.gan", dataset=dataset).trainable_weights
        return max(float(np.abs(a - b).mean()) for a, b in zip(tuned, start, strict=True))

    assert gap("fashion_mnist") < 1e-3 < gap("mnist")  # one Adam step from the Fashion preset
