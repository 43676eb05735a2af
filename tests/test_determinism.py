"""A seed fixes the initial weights, the samples, and (with op determinism) the losses."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from zoo import cli, training

SOURCE = "npz" if os.environ.get("ZOO_MNIST_PATH") else "sample"


def _weights(model):
    return model.get_weights()


@pytest.mark.parametrize("name", ["a000.gan", "a001.vae", "a003.latent_gan"])
def test_a_seed_fixes_the_initial_weights(name):
    first, second = training.build_model(name, seed=7), training.build_model(name, seed=7)
    for a, b in zip(_weights(first), _weights(second), strict=True):
        np.testing.assert_array_equal(a, b)
    other = _weights(training.build_model(name, seed=8))
    assert any(not np.array_equal(a, b) for a, b in zip(_weights(first), other, strict=True))


def test_a_seed_fixes_the_samples():
    first, second = training.build_model("a004.beta_vae"), training.build_model("a004.beta_vae")
    np.testing.assert_array_equal(first.sample(8, seed=5), second.sample(8, seed=5))
    assert not np.array_equal(first.sample(8, seed=5), first.sample(8, seed=6))


def test_the_seed_is_set_with_seed_not_set(capsys):
    assert cli.main(["train", "a000.gan", "--set", "seed=2"]) == 2
    assert "Set the seed with --seed N" in capsys.readouterr().err


def test_two_deterministic_runs_in_separate_processes_have_identical_losses(tmp_path):
    # enable_op_determinism is process-wide and cannot be undone: subprocesses only.
    # A VAE: its training noise comes from the model's SeedGenerator.
    runs = [tmp_path / "first", tmp_path / "second"]
    command = [
        sys.executable,
        "-m",
        "zoo",
        "train",
        "a004.beta_vae",
        "--epochs",
        "2",
        "--batch-size",
        "16",
        "--limit",
        "96",
        "--val-limit",
        "32",
        "--source",
        SOURCE,
        "--set",
        "hidden=32",
        "--set",
        "latent_dim=8",
        "--seed",
        "3",
        "--deterministic",
        "--verbose",
        "0",
        "--out",
    ]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    # Both at once: the machine's cores are shared, but the imports dominate.
    processes = [
        subprocess.Popen([*command, str(out)], env=env, stderr=subprocess.PIPE, text=True)
        for out in runs
    ]
    for process in processes:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
    first, second = (json.loads((out / "history.json").read_text()) for out in runs)
    assert set(first) == {
        "loss",
        "reconstruction_loss",
        "kl_loss",
        "val_loss",
        "val_reconstruction_loss",
        "val_kl_loss",
    }
    assert first == second  # exactly, every term of both epochs
    assert first["loss"][1] != first["loss"][0]  # and the runs did train
