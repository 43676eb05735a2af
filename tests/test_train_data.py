"""Training on data other than MNIST: Fashion-MNIST, a folder of images, an .npz (issue 27)."""

import hashlib
import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from zoo import cli, training

FASHION = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "fashion_mnist.npz"
# a000.ae's weights after train("a000.ae", **_TINY, source="sample"), recorded before
# --data existed: MNIST runs must stay bit-identical.
MNIST_SAMPLE_FINGERPRINT = "a859ceb5aaee5367"
_TINY = {"epochs": 1, "limit": 256, "val_limit": 64, "verbose": 0, "checkpoint_every": 0}
# Enough steps, and a step size large enough, for a000.ae to learn in seconds.
_LEARN = {"epochs": 3, "batch_size": 16, "learning_rate": 1e-2}


def _fingerprint(model):
    digest = hashlib.sha256()
    for weights in model.get_weights():
        digest.update(weights.tobytes())
    return digest.hexdigest()[:16]


def _images(n, size=28, channels=None, seed=0):
    """``n`` uint8 images of blobs on black, shaped (n, size, size[, channels])."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    out = []
    for _ in range(n):
        cy, cx, r = rng.uniform(size * 0.3, size * 0.7, 2).tolist() + [rng.uniform(3, size / 4)]
        out.append(np.where((yy - cy) ** 2 + (xx - cx) ** 2 < r * r, 230, 10).astype(np.uint8))
    images = np.stack(out)
    return images if channels is None else np.repeat(images[..., None], channels, axis=-1)


def _folder(root, n=64, size=28, channels=None):
    from PIL import Image

    root.mkdir(parents=True, exist_ok=True)
    for i, image in enumerate(_images(n, size, channels)):
        Image.fromarray(image).save(root / f"img_{i:03d}.png")
    return root


def _train(tmp_path, data, **kwargs):
    out = tmp_path / "run"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model, history = training.train(
            "a000.ae", out_dir=str(out), data=data, **{**_TINY, **kwargs}
        )
    run = json.loads((out / "run.json").read_text())
    return model, history, run


def _learned(history):
    """The training loss fell by more than a third over the run's epochs: the images fed
    are the data's (shuffled pixels or a constant batch would not be learned so fast)."""
    losses = history.history["loss"]
    assert all(math.isfinite(v) for v in losses)
    assert losses[-1] < 0.66 * losses[0], losses


def test_fashion_mnist(tmp_path, monkeypatch):
    if not FASHION.is_file():
        pytest.skip(f"{FASHION} is absent")
    monkeypatch.setenv("ZOO_FASHION_MNIST_PATH", str(FASHION))
    model, history, run = _train(tmp_path, "fashion_mnist", **_LEARN)
    _learned(history)
    assert "val_loss" in history.history  # its test split validates
    assert run["dataset"] == "fashion_mnist"
    assert run["data"].startswith("Fashion-MNIST, npz")
    assert run["sample_repeats"] == 1


def test_folder_without_test_split(tmp_path, capsys):
    folder = _folder(tmp_path / "blobs")
    model, history, run = _train(tmp_path, str(folder), **_LEARN)
    _learned(history)
    assert "val_loss" not in history.history  # no test split: validates on nothing
    assert "has no test split" in capsys.readouterr().out
    assert run["dataset"] == str(folder)
    assert run["data"].startswith("folder ")
    assert (tmp_path / "run" / "reconstructions.png").is_file()


def test_npz_with_test_split(tmp_path):
    path = tmp_path / "blobs.npz"
    np.savez(path, x_train=_images(96), x_test=_images(32, seed=1))
    model, history, run = _train(tmp_path, str(path), **_LEARN)
    _learned(history)
    assert "val_loss" in history.history
    assert run["dataset"] == str(path)
    assert run["data"].startswith("npz ")


def test_image_size_fits_larger_grey_images(tmp_path, capsys):
    folder = _folder(tmp_path / "big", n=32, size=40)
    args = ["train", "a000.ae", "--data", str(folder), "--image-size", "28", "--epochs", "1"]
    out = tmp_path / "run"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert cli.main([*args, "--out", str(out), "--verbose", "0"]) == 0
    run = json.loads((out / "run.json").read_text())
    assert run["dataset"] == str(folder)


def test_colour_images_of_any_size_train_a_dense_recipe(tmp_path):
    folder = _folder(tmp_path / "colour", n=64, size=20, channels=3)
    model, history, run = _train(tmp_path, str(folder), **_LEARN)
    assert model.image_shape == (20, 20, 3)
    assert run["overrides"] == {"learning_rate": 0.01, "image_shape": [20, 20, 3]}
    _learned(history)


def _refused(tmp_path, capsys, *args, recipe="a000.ae"):
    out = tmp_path / "refused"
    code = cli.main(["train", recipe, *args, "--epochs", "1", "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert not out.exists() or not any(out.iterdir())  # nothing written
    return err[0]


def test_a_size_the_recipe_does_not_draw_is_one_line(tmp_path, capsys):
    folder = _folder(tmp_path / "colour", n=4, size=32, channels=3)
    line = _refused(tmp_path, capsys, "--data", str(folder), recipe="a001.dcgan")
    assert line.startswith("zoo: error: a001.dcgan draws 28x28 or 64x64 images, not 32x32")
    assert "--image-size" in line and "holds 32×32×3" in line
    line = _refused(tmp_path, capsys, "--data", str(folder), "--set", "image_shape=[28,28,1]")
    assert "image_shape=(28, 28, 1) disagrees with the data's images ((32, 32, 3))" in line


def test_unknown_data_name_is_one_line(tmp_path, capsys):
    line = _refused(tmp_path, capsys, "--data", "fashon_mnist")
    assert "Unknown data set 'fashon_mnist'" in line and "fashion_mnist" in line


def test_resume_on_other_data_names_both(tmp_path):
    from zoo import callbacks

    folder = _folder(tmp_path / "blobs", n=32)
    settings = training.Settings(data=str(folder), out_dir=str(tmp_path / "run"), **_TINY)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_plan = training.plan("a000.ae", settings)
    other = training.Settings(data="mnist", source="sample", out_dir=str(tmp_path / "run"), **_TINY)
    other_plan = training.plan("a000.ae", other)
    directory = tmp_path / "ckpt"
    saver = callbacks.Checkpoint(str(directory), run=run_plan.run)
    with pytest.raises(ValueError) as caught:
        saver._check_run(run_plan.run, str(directory))  # the same run: accepted
        callbacks.Checkpoint(str(directory), run=other_plan.run)._check_run(
            run_plan.run, str(directory)
        )
    assert f"dataset={str(folder)!r} there, 'mnist' here" in str(caught.value)


def test_mnist_run_is_bit_identical(tmp_path):
    model, history, run = _train(tmp_path, "mnist", source="sample")
    assert run["dataset"] == "mnist"
    assert _fingerprint(model) == MNIST_SAMPLE_FINGERPRINT
