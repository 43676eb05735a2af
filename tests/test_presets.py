"""Presets: a finished run made into config + weights + metadata + card, loaded back whole.

The run is tiny (256 digits, one epoch); what is checked is that the preset
rebuilds the same model from its typed config and weights, and that every bad
preset is one clear error naming the file and the fix.
"""

import json

import numpy as np
import pytest

import zoo
from zoo import cli, presets
from zoo.presets import check


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
    # Stored in float16, loaded as float32: the trained weights, rounded once.
    assert all(w.dtype == "float32" for w in model.get_weights())
    trained.set_weights([w.astype("float16").astype("float32") if w.dtype == "float32" else w
                         for w in trained.get_weights()])  # fmt: skip
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
    assert metadata["weights_dtype"] == "float16" and metadata["check"]["fd"] > 0
    assert check.differences(check.figures(model), metadata["check"]) == []
    # It trains on from there: `fit` runs on the loaded model.
    model.fit(x, batch_size=8, epochs=1, verbose=0)


def test_float32_storage_keeps_the_weights_exactly(run, preset, tmp_path):
    from zoo.export import load_keras

    out = presets.make(run, tmp_path / "f32", dtype="float32", check=False)
    model, trained = presets.load(out), load_keras(run / "model.keras")
    for a, b in zip(model.get_weights(), trained.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    f16 = (preset / "model.weights.h5").stat().st_size  # float16: about half the bytes
    assert (out / "model.weights.h5").stat().st_size > 1.6 * f16


def test_the_stored_weights_are_compressed_without_loss(run, preset):
    import h5py

    from zoo.export import load_keras

    with h5py.File(preset / "model.weights.h5", "r") as f:
        arrays = presets.files._datasets(f).values()
        filters = [(a.compression, a.shuffle) for a in arrays if a.size >= 64]
    assert filters and set(filters) == {("gzip", True)}
    # Loaded back: the trained weights rounded to float16, bit for bit.
    trained = load_keras(run / "model.keras").get_weights()
    for a, b in zip(presets.load(preset).get_weights(), trained, strict=True):
        np.testing.assert_array_equal(a, b.astype("float16").astype("float32"))


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
    with pytest.raises(ValueError) as info:
        presets.load(target)
    message = str(info.value)
    assert "model.weights.h5 does not fit the a000.gan model its config.json describes" in message
    assert "(first mismatch at generator/layers/batch_normalization: (32,) in the file, (48,) in " \
        "the model)." in message  # fmt: skip


def test_a_newer_format_and_missing_files_are_one_line_errors(preset, tmp_path, capsys):
    target = _copy(preset, tmp_path)
    config = json.loads((target / "config.json").read_text())
    (target / "config.json").write_text(json.dumps({**config, "format": 99}))
    with pytest.raises(ValueError, match="format 99, newer than this zoo reads .*pip install -U"):
        presets.load(target)
    (target / "metadata.json").unlink()
    with pytest.raises(FileNotFoundError, match="no metadata.json in it"):
        presets.load(target)
    (target / "config.json").write_text('{"format": 1, "recipe": "a00')  # cut short
    assert cli.main(["sample", str(target), "-o", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "config.json' is damaged (Unterminated string" in err


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


def _archive(preset, path):
    import tarfile

    with tarfile.open(path, "w:gz") as tar:
        tar.add(preset, arcname="a000.gan")
    return path


def test_a_preset_url_is_fetched_once_checked_and_cached(preset, tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_CACHE_DIR", str(tmp_path / "cache"))
    archive = _archive(preset, tmp_path / "a000.gan.tar.gz")
    url = archive.as_uri()
    model = zoo.pretrained(url, sha256=presets.sha256(archive))
    x = np.random.default_rng(1).integers(0, 256, (4, 28, 28), dtype=np.uint8)
    np.testing.assert_array_equal(model.discriminate(x), presets.load(preset).discriminate(x))
    cached = presets.fetch(url)
    assert cached.parent == tmp_path / "cache" / "presets" and presets.is_preset(cached)
    archive.unlink()  # the cache answers now: nothing is fetched again
    assert presets.fetch(url) == cached and zoo.pretrained(url).recipe == "a000.gan"
    assert [p.name for p in cached.parent.iterdir()] == [cached.name]  # no staging left


def test_a_bad_archive_is_refused_and_leaves_nothing_in_the_cache(preset, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("ZOO_CACHE_DIR", str(cache))
    archive = _archive(preset, tmp_path / "p.tar.gz")
    with pytest.raises(ValueError) as info:
        presets.fetch(archive.as_uri(), sha256="0" * 64)
    assert f"expected sha256 {'0' * 64}, found {presets.sha256(archive)}" in str(info.value)
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(ValueError, match="is damaged or truncated"):
        presets.fetch(cut.as_uri())
    empty = tmp_path / "empty.zip"
    import zipfile

    with zipfile.ZipFile(empty, "w") as z:
        z.writestr("notes.txt", "no preset here")
    with pytest.raises(ValueError, match="holds no preset directory"):
        presets.fetch(empty.as_uri())
    with pytest.raises(ValueError, match="names no preset archive; a preset URL ends in"):
        presets.fetch((tmp_path / "x.bin").as_uri())
    assert not [p for p in (cache / "presets").iterdir()]  # nothing half-fetched is kept


def test_unknown_names_suggest_close_ones(capsys):
    with pytest.raises(FileNotFoundError, match="Did you mean a001.dcgan"):
        zoo.pretrained("a001.dcgn")
    with pytest.raises(FileNotFoundError, match="No presets for the data set 'cifar10'"):
        zoo.pretrained("a000.gan", dataset="cifar10")
    assert cli.main(["sample", "a000.gann", "-o", "x.png"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Did you mean a000.gan" in err


def test_train_from_preset_starts_from_its_weights(run, preset, tmp_path):
    from zoo.export import load_keras

    npz = run.parent / "mnist.npz"
    argv = ["train", "a000.gan", "--limit", "64", "--epochs", "1", "--batch-size", "64",
            "--val-limit", "64", "--checkpoint-every", "0", "--verbose", "0", "--source", "npz",
            "--mnist", str(npz), "--set", "hidden=32"]  # fmt: skip
    assert cli.main([*argv, "--out", str(tmp_path / "tuned"), "--from-preset", str(preset)]) == 0
    assert cli.main([*argv, "--out", str(tmp_path / "scratch"), "--seed", "1"]) == 0
    start = [w.numpy() for w in presets.load(preset).trainable_weights]

    def distance(name):
        weights = load_keras(tmp_path / name / "model.keras").trainable_weights
        return max(float(np.abs(a - b).mean()) for a, b in zip(weights, start, strict=True))

    # One Adam step (2e-4) from the preset stays near it; a fresh start is far from it.
    assert distance("tuned") < 1e-3 < 0.01 < distance("scratch")
    record = json.loads((tmp_path / "tuned" / "run.json").read_text())
    assert record["from_preset"] == str(preset)


def test_from_preset_of_other_shapes_names_the_first_mismatch(run, preset, tmp_path, capsys):
    npz = run.parent / "mnist.npz"
    argv = ["train", "a000.gan", "--limit", "64", "--epochs", "1", "--verbose", "0", "--source",
            "npz", "--mnist", str(npz), "--out", str(tmp_path / "o"),
            "--from-preset", str(preset)]  # fmt: skip
    assert cli.main(argv) == 2  # the preset has hidden=32, the recipe 256
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not fit this a000.gan model" in err
    assert "first mismatch at discriminator/layers/dense" in err
