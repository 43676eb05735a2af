"""The callbacks write their files, from ``fit`` (notebooks) and from the CLI."""

import glob
import importlib.util
import os

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import zoo
from zoo import callbacks, cli
from zoo import networks as nets

SOURCE = "npz" if os.environ.get("ZOO_MNIST_PATH") else "sample"


def tiny_gan():
    gan = zoo.GAN(
        nets.mlp(4, (28, 28, 1), hidden=(16,), output_activation="sigmoid", name="generator"),
        nets.mlp((28, 28, 1), 1, hidden=(16,), name="discriminator"),
        seed=1,
    )
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3))
    return gan


def tiny_ae():
    ae = zoo.Autoencoder(
        nets.mlp((28, 28, 1), 4, hidden=(16,), name="encoder"),
        nets.mlp(4, (28, 28, 1), hidden=(16,), output_activation="sigmoid", name="decoder"),
    )
    ae.compile(optimizer=keras.optimizers.Adam(1e-3))
    return ae


def gif_frames(path):
    with Image.open(path) as gif:
        return gif.n_frames


def test_image_grid_writes_a_png_per_epoch_and_a_gif(digits, tmp_path):
    grid = callbacks.ImageGrid(tmp_path, n=16)
    tiny_gan().fit(digits[:64], batch_size=32, epochs=3, verbose=0, callbacks=[grid])
    names = sorted(os.path.basename(p) for p in glob.glob(str(tmp_path / "*")))
    assert names == [
        "samples.gif",
        "samples_epoch_001.png",
        "samples_epoch_002.png",
        "samples_epoch_003.png",
    ]
    assert gif_frames(tmp_path / "samples.gif") == 3
    with Image.open(tmp_path / "samples_epoch_003.png") as png:
        assert png.size[0] > 4 * 28  # a 4x4 grid of digits


def test_image_grid_every_and_resumed_runs(digits, tmp_path):
    gan = tiny_gan()
    gan.fit(
        digits[:32],
        batch_size=32,
        epochs=4,
        verbose=0,
        callbacks=[callbacks.ImageGrid(tmp_path, n=4, every=2)],
    )
    assert sorted(p.name for p in tmp_path.glob("*.png")) == [
        "samples_epoch_002.png",
        "samples_epoch_004.png",
    ]
    # A fit that goes on from epoch 4 (a new callback, as after a restart) puts
    # the earlier frames in its GIF too.
    grid = callbacks.ImageGrid(tmp_path, n=4, every=2)
    gan.fit(digits[:32], batch_size=32, initial_epoch=4, epochs=6, verbose=0, callbacks=[grid])
    assert [os.path.basename(p) for p in grid.frames] == [
        "samples_epoch_002.png",
        "samples_epoch_004.png",
        "samples_epoch_006.png",
    ]
    assert gif_frames(tmp_path / "samples.gif") == 3


def test_image_grid_shows_reconstructions_for_autoencoders(digits, tmp_path):
    ae = tiny_ae()
    with pytest.raises(ValueError, match="ImageGrid needs `images`"):
        ae.fit(digits[:32], epochs=1, verbose=0, callbacks=[callbacks.ImageGrid(tmp_path)])
    grid = callbacks.ImageGrid(tmp_path, images=digits[:8], gif=False)
    ae.fit(digits[:32], epochs=2, verbose=0, callbacks=[grid])
    assert [os.path.basename(p) for p in grid.frames] == [
        "reconstructions_epoch_001.png",
        "reconstructions_epoch_002.png",
    ]
    assert not (tmp_path / "reconstructions.gif").exists()


def test_loss_curves_redraw_each_epoch_and_continue_a_history(digits, tmp_path):
    path = tmp_path / "losses.png"
    curves = callbacks.LossCurves(str(path), history={"loss": [9.0], "reconstruction_loss": [9.0]})
    ae = tiny_ae()
    ae.fit(
        digits[:32],
        epochs=3,
        initial_epoch=1,
        verbose=0,
        callbacks=[curves],
        validation_data=digits[32:48],
    )
    assert path.is_file() and path.stat().st_size > 1000
    assert len(curves.logs["loss"]) == 3 and curves.logs["loss"][0] == 9.0
    # Validation started at epoch 2: its curve is padded, not shifted.
    assert np.isnan(curves.logs["val_loss"][0]) and len(curves.logs["val_loss"]) == 3
    ae.fit(digits[:32], epochs=1, verbose=0, callbacks=[curves])  # a new run starts over
    assert set(curves.logs) == {"loss", "reconstruction_loss"} and len(curves.logs["loss"]) == 1


def test_divergence_guard_names_step_epoch_batch_and_term(digits):
    class Poison(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 2:
                bias = self.model.discriminator.trainable_variables[-1]
                bias.assign(np.full(bias.shape, np.inf, "float32"))

    guard = callbacks.DivergenceGuard()
    with pytest.raises(callbacks.DivergenceError) as raised:
        tiny_gan().fit(digits[:64], batch_size=8, epochs=2, verbose=0, callbacks=[guard, Poison()])
    # Epoch 1 has 8 batches; the poison lands after batch 3 of epoch 1.
    message = str(raised.value)
    assert message.startswith("Training diverged at step 4 (epoch 1, batch 4): d_loss is ")
    assert isinstance(raised.value, RuntimeError)


def test_divergence_guard_checks_validation_terms():
    guard = callbacks.DivergenceGuard()
    guard.epoch, guard.step = 1, 40
    guard.check({"loss": 1.0, "val_kl_loss": 2.0}, epoch_end=True)  # finite: no error
    with pytest.raises(
        callbacks.DivergenceError,
        match=r"^Training diverged at the end of epoch 2 \(step 40\): val_kl_loss is inf\.",
    ):
        guard.check({"loss": 1.0, "val_kl_loss": float("inf")}, epoch_end=True)


def _event_tags(directory):
    tags = set()
    for path in glob.glob(os.path.join(directory, "events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(path):
            tags.update(value.tag for value in event.summary.value)
    return tags


@pytest.mark.skipif(importlib.util.find_spec("tensorboard") is None, reason="no tensorboard")
def test_cli_train_writes_every_artefact_and_tensorboard_logs(tmp_path, capsys):
    out = tmp_path / "run"
    code = cli.main(
        [
            "train",
            "a000.gan",
            "--out",
            str(out),
            "--epochs",
            "2",
            "--batch-size",
            "16",
            "--limit",
            "64",
            "--val-limit",
            "16",
            "--source",
            SOURCE,
            "--set",
            "hidden=16",
            "--verbose",
            "0",
            "--tensorboard",
        ]
    )
    assert code == 0, capsys.readouterr().err
    for name in [
        "model.keras",
        "history.json",
        "run.json",
        "losses.png",
        "samples.png",
        "samples.gif",
        "samples_epoch_001.png",
        "samples_epoch_002.png",
    ]:
        assert (out / name).is_file(), name
    assert gif_frames(out / "samples.gif") == 2
    assert {"epoch_d_loss", "epoch_g_loss"} <= _event_tags(out / "tensorboard" / "train")
    assert {"epoch_d_loss", "epoch_g_loss"} <= _event_tags(out / "tensorboard" / "validation")


def test_tensorboard_without_the_package_is_a_clear_error(tmp_path, monkeypatch, capsys):
    real = importlib.util.find_spec

    def find_spec(name, *args):
        return None if name == "tensorboard" else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    assert cli.main(["train", "a000.gan", "--out", str(tmp_path), "--tensorboard"]) == 2
    assert "needs the tensorboard package: pip install" in capsys.readouterr().err
