"""Runs that are killed, crash while saving, diverge or meet bad input lose nothing.

The kill test is real: ``python -m zoo train`` in a subprocess, SIGKILLed once a
mid-run checkpoint exists, then started again with the same command.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from zoo import callbacks, cli, recipes, training
from zoo.training import batching

SOURCE = "npz" if os.environ.get("ZOO_MNIST_PATH") else "sample"
# A small dense GAN: 160 images in batches of 8 is 20 steps an epoch. One step per
# execution, so that the callbacks see (and the crash tests can stop at) every step;
# test_resume_with_steps_per_execution covers several.
RUN = dict(
    batch_size=8,
    limit=160,
    val_limit=16,
    source=SOURCE,
    verbose=0,
    hidden=16,
    compile_options={"steps_per_execution": 1},
)
STEPS = 20


def _train(out_dir, **kwargs):
    return training.train("a000.gan", out_dir=str(out_dir), **{**RUN, **kwargs})


def _iterations(model):
    return int(model.d_optimizer.iterations), int(model.g_optimizer.iterations)


class Crash(keras.callbacks.Callback):
    """Raises after ``at`` batches, as a process dying in the middle of an epoch."""

    def __init__(self, at, error=KeyboardInterrupt):
        super().__init__()
        self.at, self.error, self.seen = at, error, 0

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.at:
            raise self.error("simulated crash")


class PoisonWeights(keras.callbacks.Callback):
    """Sets a variable to NaN after ``at`` batches, as a diverging update would."""

    def __init__(self, at, pick):
        super().__init__()
        self.at, self.pick, self.seen = at, pick, 0

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.at:
            variable = self.pick(self.model)
            variable.assign(np.full(variable.shape, np.nan, variable.dtype))


@pytest.fixture(scope="module")
def unbroken(tmp_path_factory):
    """A run of 3 epochs that nothing interrupts: the reference."""
    out = tmp_path_factory.mktemp("unbroken")
    model, history = _train(out, epochs=3, checkpoint_every=7)
    return model, history, out


def test_unbroken_run_leaves_a_finished_run_and_no_checkpoints(unbroken):
    model, history, out = unbroken
    assert _iterations(model) == (3 * STEPS, 3 * STEPS)
    assert all(len(v) == 3 for v in history.history.values())
    assert (out / "model.keras").is_file() and not (out / "checkpoints").exists()
    assert json.loads((out / "run.json").read_text())["steps"] == 3 * STEPS


def test_crash_mid_epoch_resumes_to_the_unbroken_run_exactly(unbroken, tmp_path):
    reference, ref_history, _ = unbroken
    with pytest.raises(KeyboardInterrupt):
        _train(tmp_path, epochs=3, checkpoint_every=7, callbacks=[Crash(at=33)])
    saved = sorted(p.name for p in (tmp_path / "checkpoints").iterdir())
    # Saves at 7, 14, 20 (epoch end), 27; crashed at 33; the newest two are kept.
    assert saved == ["step-00000020", "step-00000027"]
    model, history = _train(tmp_path, epochs=3, checkpoint_every=7)
    # Both optimizers, the noise generator, the data order and the part-epoch loss
    # means came back: the resumed run is the unbroken run, bit for bit.
    assert _iterations(model) == _iterations(reference)
    np.testing.assert_array_equal(model.seed_generator.state, reference.seed_generator.state)
    for a, b in zip(model.get_weights(), reference.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert history.history == ref_history.history
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["resumed_from_step"] == 27 and run["steps"] == 3 * STEPS
    assert len(list(tmp_path.glob("samples_epoch_*.png"))) == 3
    assert (tmp_path / "samples.gif").is_file()


def test_resume_with_steps_per_execution_matches_the_unbroken_run(tmp_path):
    # Four steps per execution: the callbacks, the checkpoints and the crash see every
    # fourth step; the resumed run must still be the unbroken one.
    run = dict(epochs=2, checkpoint_every=4, compile_options={"steps_per_execution": 4})
    reference, ref_history = _train(tmp_path / "unbroken", **run)
    with pytest.raises(KeyboardInterrupt):
        _train(tmp_path / "run", callbacks=[Crash(at=6)], **run)  # 6 executions: step 24
    saved = sorted(p.name for p in (tmp_path / "run" / "checkpoints").iterdir())
    assert saved == ["step-00000020", "step-00000024"]
    model, history = _train(tmp_path / "run", **run)
    assert _iterations(model) == _iterations(reference) == (2 * STEPS, 2 * STEPS)
    for a, b in zip(model.get_weights(), reference.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert history.history == ref_history.history


def test_steps_per_execution_is_lowered_to_whole_executions_of_an_epoch(tmp_path):
    # a000.gan runs 16 steps per execution; an epoch of 20 steps takes 10 (a divisor),
    # so that no execution runs into the next epoch's batches.
    assert recipes.get("a000.gan").compile_options["steps_per_execution"] == 16
    model, _ = _train(tmp_path, epochs=2, compile_options=None)
    assert model.steps_per_execution == 10
    assert _iterations(model) == (2 * STEPS, 2 * STEPS)
    assert json.loads((tmp_path / "run.json").read_text())["steps_per_execution"] == 10


def test_the_offline_sample_fills_a_full_mnist_epoch(tmp_path):
    # The sample's 4,000 training digits, repeated 15 times: at batch 1024 an epoch has
    # full MNIST's 59 steps, not the sample's 4.
    run = {**RUN, "limit": None, "source": "sample", "batch_size": 1024}
    model, _ = training.train("a000.gan", out_dir=str(tmp_path), epochs=1, **run)
    record = json.loads((tmp_path / "run.json").read_text())
    assert record["sample_repeats"] == 15 and record["steps"] == 59
    assert _iterations(model) == (59, 59)


def test_a_limited_run_is_not_repeated():
    assert batching.sample_repeats(np.zeros((160, 28, 28)), "sample: …", limit=160) == 1
    assert batching.sample_repeats(np.zeros((60000, 28, 28)), "sample: …", None) == 1


def test_sigkill_mid_epoch_then_same_command_finishes_the_run(unbroken, tmp_path):
    _, ref_history, _ = unbroken
    out = tmp_path / "run"
    command = [
        sys.executable,
        "-m",
        "zoo",
        "train",
        "a000.gan",
        "--epochs",
        "3",
        "--batch-size",
        "8",
        "--limit",
        "160",
        "--val-limit",
        "16",
        "--source",
        SOURCE,
        "--set",
        "hidden=16",
        "--checkpoint-every",
        "3",
        "--verbose",
        "0",
        "--out",
        str(out),
    ]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    killed_at = None
    while killed_at is None and time.monotonic() < deadline and process.poll() is None:
        steps = [int(p.name[5:]) for p in out.glob("checkpoints/step-*")]
        # Kill inside epoch 2, right after a checkpoint that is not an epoch end.
        if any(s > STEPS and s % STEPS for s in steps):
            os.kill(process.pid, signal.SIGKILL)
            killed_at = max(steps)
        time.sleep(0.01)
    process.communicate(timeout=60)
    assert killed_at is not None, "the run ended before a mid-epoch checkpoint appeared"
    assert process.returncode == -signal.SIGKILL
    assert not (out / "model.keras").exists()

    resumed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)
    assert resumed.returncode == 0, resumed.stderr
    assert "Resuming a000.gan" in resumed.stdout
    loaded = keras.models.load_model(out / "model.keras")
    assert _iterations(loaded) == (3 * STEPS, 3 * STEPS)
    history = json.loads((out / "history.json").read_text())
    assert set(history) == set(ref_history.history)
    for key, values in history.items():
        assert len(values) == 3
        np.testing.assert_array_equal(values, ref_history.history[key])
    assert not (out / "checkpoints").exists()


def test_a_finished_run_is_refused(unbroken, capsys):
    _, _, out = unbroken
    code = cli.main(["train", "a000.gan", "--out", str(out), "--epochs", "1"])
    assert code == 2
    assert "already holds a finished run" in capsys.readouterr().err


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory):
    """A run that crashed at step 10 of 20, with checkpoints at steps 4 and 8."""
    out = tmp_path_factory.mktemp("interrupted")
    with pytest.raises(KeyboardInterrupt):
        _train(out, epochs=1, checkpoint_every=4, callbacks=[Crash(at=10)])
    return out


def test_crash_while_saving_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    real_write = callbacks.Checkpoint._write

    def torn_write(self, directory, state):
        if self.step >= 12:  # The third save dies half-way through the weights file.
            Path(directory, self.WEIGHTS).write_bytes(b"\x89HDF\r\n\x1a\n truncated")
            raise OSError("disk full (simulated)")
        real_write(self, directory, state)

    monkeypatch.setattr(callbacks.Checkpoint, "_write", torn_write)
    with pytest.raises(OSError, match="simulated"):
        _train(tmp_path, epochs=1, checkpoint_every=4)
    found = sorted(p.name for p in (tmp_path / "checkpoints").iterdir())
    assert found == ["step-00000004", "step-00000008"]  # the torn one never got a name
    monkeypatch.undo()
    model = training.build_model("a000.gan", hidden=16)
    assert callbacks.Checkpoint(tmp_path / "checkpoints").restore(model)["step"] == 8
    assert _iterations(model) == (8, 8)


def test_a_corrupt_latest_checkpoint_falls_back_to_the_previous(interrupted, tmp_path):
    shutil.copytree(interrupted, tmp_path, dirs_exist_ok=True)
    weights = tmp_path / "checkpoints" / "step-00000008" / "model.weights.h5"
    weights.write_bytes(weights.read_bytes()[:1000])  # a disk that lost the tail
    (tmp_path / "checkpoints" / ".partial-x").mkdir()  # and a torn save's leftovers
    model = training.build_model("a000.gan", hidden=16)
    checkpoint = callbacks.Checkpoint(tmp_path / "checkpoints")
    with pytest.warns(UserWarning, match="(?s)step-00000008.*resuming from step 4"):
        assert checkpoint.restore(model)["step"] == 4
    assert _iterations(model) == (4, 4)
    assert not (tmp_path / "checkpoints" / ".partial-x").exists()


def test_a_checkpoint_of_another_run_is_refused_unless_fresh(interrupted, tmp_path):
    shutil.copytree(interrupted, tmp_path, dirs_exist_ok=True)
    with pytest.raises(ValueError, match=r"different run \(batch_size=8 there, 4 here\).*--fresh"):
        _train(tmp_path, epochs=1, batch_size=4)
    model, history = _train(tmp_path, epochs=1, batch_size=4, fresh=True)
    assert json.loads((tmp_path / "run.json").read_text())["resumed_from_step"] is None
    assert _iterations(model) == (40, 40) and len(history.history["d_loss"]) == 1


def test_nan_loss_stops_at_the_step_and_keeps_the_last_good_checkpoint(tmp_path):
    poison = PoisonWeights(at=10, pick=lambda m: m.discriminator.trainable_variables[-1])
    with pytest.raises(training.DivergenceError) as raised:
        _train(tmp_path, epochs=1, checkpoint_every=4, callbacks=[poison])
    message = str(raised.value)
    assert message.startswith("Training diverged at step 11 (epoch 1, batch 11): d_loss is nan.")
    assert f"last good checkpoint (step 8) in {tmp_path / 'checkpoints'} is kept" in message
    assert "learning rate" in message
    model = training.build_model("a000.gan", hidden=16)
    assert callbacks.Checkpoint(tmp_path / "checkpoints").restore(model)["step"] == 8
    assert all(np.isfinite(w).all() for w in model.get_weights())


def test_non_finite_weights_are_never_saved(tmp_path):
    # Moving statistics do not enter training-mode losses: only the save sees them.
    poison = PoisonWeights(at=6, pick=lambda m: m.non_trainable_weights[0])
    with pytest.raises(training.DivergenceError, match=r"step 8 .*weights are no longer finite"):
        _train(tmp_path, epochs=1, checkpoint_every=4, callbacks=[poison])
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == ["step-00000004"]


def test_divergence_from_the_cli_exits_3_with_one_line(tmp_path, capsys):
    code = cli.main(
        [
            "train",
            "a004.beta_vae",
            "--out",
            str(tmp_path),
            "--epochs",
            "1",
            "--batch-size",
            "8",
            "--limit",
            "32",
            "--val-limit",
            "8",
            "--source",
            SOURCE,
            "--verbose",
            "0",
            "--set",
            "beta=1e30",  # a KL term of 1e30: NaN within a few steps
        ]
    )
    err = capsys.readouterr().err
    assert code == 3
    assert err.count("\n") == 1
    assert re.match(r"zoo: error: Training diverged (at step|in steps) ", err)
    assert "_loss is " in err and ("nan" in err or "inf" in err)


# -- bad input -------------------------------------------------------------------
# Unknown recipes and unwritable --out dirs: tests/test_cli.py.
@pytest.mark.parametrize(
    "args, message",
    [
        (["--epochs", "0"], "epochs must be a positive integer"),
        (["--batch-size", "-3"], "batch_size must be a positive integer"),
        (["--seed", "-1"], "seed must be a non-negative integer"),
        (["--checkpoint-every", "-5"], "must be a whole number of steps >= 0"),
        (["--set", "nonsense=1"], "has no setting 'nonsense'"),
    ],
)
def test_bad_train_arguments_exit_2(args, message, tmp_path, capsys):
    argv = ["train", "a000.gan", "--out", str(tmp_path), "--limit", "8", "--source", SOURCE]
    assert cli.main(argv + args) == 2
    assert message in capsys.readouterr().err


def test_an_empty_training_set_is_refused(tmp_path):
    empty = tmp_path / "empty.npz"
    x = np.zeros((0, 28, 28), "uint8")
    np.savez(empty, x_train=x, y_train=x[:, 0, 0], x_test=x, y_test=x[:, 0, 0])
    with pytest.raises(ValueError, match=r"The training set is empty \(0 images"):
        training.train("a000.gan", out_dir=str(tmp_path / "run"), source="npz", path=str(empty))


@pytest.mark.parametrize(
    "data, message",
    [
        (np.zeros((0, 28, 28), "uint8"), r"fit got no images: the input has shape \(0, 28, 28\)"),
        (
            tf.data.Dataset.from_tensor_slices(np.zeros((0, 28, 28), "uint8")).batch(4),
            "fit got an empty tf.data.Dataset",
        ),
        (np.float32(0.5), "fit got a scalar"),
    ],
    ids=["array", "tf.data", "scalar"],
)
def test_fit_on_empty_or_scalar_data_is_refused(data, message):
    model = training.build_model("a000.ae", hidden=16, code_dim=4)
    with pytest.raises(ValueError, match=message):
        model.fit(data, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=message.replace("fit", "evaluate")):
        model.evaluate(data, verbose=0)


def _refused(model, digits, dataset=False):
    """Fits a batch with a NaN pixel, then one with a pixel at 3.0; returns what changed.

    Without XLA the step's own checks refuse the batch; under XLA, which drops
    them, ``fit`` checks arrays up front and datasets batch by batch. Each is a
    ValueError with zoo's message.
    """
    before = [np.array(w) for w in model.weights]
    for bad, message in ((np.nan, "NaN or Inf"), (3.0, "take float images in")):
        x = digits[:8].astype("float32") / 255.0
        x[3, 4, 5] = bad
        data = tf.data.Dataset.from_tensor_slices(x).batch(8) if dataset else x
        with pytest.raises(ValueError, match=message):
            model.fit(data, batch_size=None if dataset else 8, epochs=1, verbose=0)
    return [v for b, v in zip(before, model.weights, strict=True) if not np.array_equal(b, v)]


def test_a_refused_batch_leaves_the_weights_alone(digits):
    vae = training.build_model("a004.beta_vae", hidden=16, latent_dim=4)
    assert not vae.jit_compile
    assert [v.path for v in _refused(vae, digits)] == []


@pytest.fixture(
    scope="module",
    params=[(False, False), (True, False), (True, True)],
    ids=["in-step checks", "xla, array", "xla, tf.data"],
)
def refused_gan(request, digits):
    jit, dataset = request.param
    gan = training.build_model("a000.gan", hidden=16, compile_options={"jit_compile": jit})
    assert gan.jit_compile is jit
    return gan, {id(v) for v in _refused(gan, digits, dataset)}


def test_a_refused_batch_leaves_the_discriminator_alone(refused_gan):
    gan, changed = refused_gan
    assert not changed & {id(v) for v in gan.discriminator.weights}


def test_a_refused_batch_leaves_the_generator_alone_too(refused_gan):
    assert not refused_gan[1]
