"""Presets: a finished run made into config + weights + metadata + card, loaded back whole.

The run is tiny (256 digits, one epoch); what is checked is that the preset
rebuilds the same model from its typed config and weights, and that every bad
preset is one clear error naming the file and the fix.
"""

import json

import numpy as np
import pytest

from zoo import cli, presets


@pytest.fixture(scope="module")
def run(tmp_path_factory, digits, test_digits):
    base = tmp_path_factory.mktemp("presets")
    labels = np.zeros(len(digits), "uint8")
    npz = base / "mnist.npz"
    np.savez(npz, x_train=digits, y_train=labels, x_test=test_digits,
             y_test=np.zeros(len(test_digits), "uint8"))  # fmt: skip
    out = base / "run"
    argv = ["train", "a000.gan", "--limit", "256", "--epochs", "1", "--batch-size", "64"]
    argv += ["--val-limit", "64", "--checkpoint-every", "0", "--verbose", "0", "--source", "npz"]
    argv += ["--mnist", str(npz), "--out", str(out), "--set", "hidden=32"]
    assert cli.main(argv) == 0
    return out


@pytest.fixture(scope="module")
def preset(run, tmp_path_factory):
    out = tmp_path_factory.mktemp("made") / "a000.gan"
    assert cli.main(["preset", str(run), str(out)]) == 0
    return out


def test_a_preset_rebuilds_the_trained_model(run, preset):
    from zoo.export import load_keras

    assert sorted(p.name for p in preset.iterdir()) == [
        "README.md", "config.json", "metadata.json", "model.weights.h5",
    ]  # fmt: skip
    model, trained = presets.load(preset), load_keras(run / "model.keras")
    assert model.recipe == "a000.gan" and model.compiled and model.steps_per_execution == 16
    z = np.random.default_rng(0).normal(size=(8, 100)).astype("float32")
    np.testing.assert_array_equal(model.generate(z).numpy(), trained.generate(z).numpy())
    x = np.random.default_rng(1).integers(0, 256, (8, 28, 28), dtype=np.uint8)
    np.testing.assert_array_equal(model.discriminate(x).numpy(), trained.discriminate(x).numpy())
    config = json.loads((preset / "config.json").read_text())
    assert config["overrides"] == {"hidden": 32}
    assert config["config"]["generator"]["hidden"] == [32]
    metadata = json.loads((preset / "metadata.json").read_text())
    assert metadata["weights_sha256"] == presets.sha256(preset / "model.weights.h5")
    assert metadata["parameters"] == model.count_params()
    assert metadata["run"]["epochs"] == 1 and metadata["versions"]["keras"]
    # It trains on from there: `fit` runs on the loaded model.
    model.fit(x, batch_size=8, epochs=1, verbose=0)


def _copy(preset, tmp_path):
    import shutil

    target = tmp_path / "copy"
    shutil.copytree(preset, target)
    return target


def test_a_changed_weights_file_is_refused_naming_both_digests(preset, tmp_path):
    target = _copy(preset, tmp_path)
    weights = target / "model.weights.h5"
    weights.write_bytes(weights.read_bytes()[:-16] + b"\0" * 16)
    with pytest.raises(ValueError) as info:
        presets.load(target)
    message = str(info.value)
    assert "model.weights.h5 does not match its digest (expected sha256 " in message
    assert presets.sha256(weights) in message and "make the preset again" in message


def test_weights_that_do_not_fit_the_config_name_the_recipe(preset, tmp_path):
    target = _copy(preset, tmp_path)
    config = json.loads((target / "config.json").read_text())
    config["config"]["generator"]["hidden"] = [48]
    (target / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match=r"model.weights.h5 does not fit the a000.gan model its"):
        presets.load(target)


def test_a_newer_format_and_missing_files_are_one_line_errors(preset, tmp_path, capsys):
    target = _copy(preset, tmp_path)
    config = json.loads((target / "config.json").read_text())
    (target / "config.json").write_text(json.dumps({**config, "format": 99}))
    with pytest.raises(ValueError, match="format 99, newer than this zoo reads .*pip install -U"):
        presets.load(target)
    (target / "metadata.json").unlink()
    with pytest.raises(FileNotFoundError, match="no metadata.json in it"):
        presets.load(target)


def test_making_a_preset_refuses_an_unfinished_run_and_an_existing_preset(run, preset, tmp_path,
                                                                          capsys):  # fmt: skip
    assert cli.main(["preset", str(tmp_path), str(tmp_path / "p")]) == 2
    assert "holds no finished run (model.keras); train it first" in capsys.readouterr().err
    assert cli.main(["preset", str(run), str(preset)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "already exists; pass --overwrite" in err
    assert not list(preset.parent.glob(".partial-*"))  # nothing half-written


def test_eval_and_export_take_a_preset_directory(run, preset, tmp_path, monkeypatch):
    import keras

    from zoo import classifier, export

    keras.utils.set_random_seed(0)
    extractor = classifier.FeatureExtractor(classifier.build_classifier())  # untrained: no 4 min
    monkeypatch.setattr(classifier, "default_extractor", lambda **kwargs: extractor)
    npz = run.parent / "mnist.npz"
    target = tmp_path / "eval.json"
    argv = ["eval", str(preset), "--source", "npz", "--mnist", str(npz), "--samples", "200"]
    assert cli.main([*argv, "--quiet", "--json", str(target)]) == 0
    result = json.loads(target.read_text())
    assert result["kind"] == "preset" and result["capabilities"] == ["sample"]
    assert np.isfinite(result["generative"]["fd"])
    assert not (preset / "eval.json").exists()  # a preset is read, never written into
    assert cli.main(["export", str(preset), str(tmp_path / "export")]) == 0
    assert "generate" in export.signature_names(presets.load(preset))
