"""Faults around a run: kills at every moment, two runs on one directory, full disks.

Kills are real SIGKILLs of ``python -m zoo train`` (``tests/killpoint.py`` picks
the moment exactly); the same command is then run again and must end with the
same files, bit for bit, as a run nothing interrupted (``run.json`` aside, which
records the resume and the time taken, and ``model.keras``, a zip with dates,
whose weights are compared instead).
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest

from zoo import cli
from zoo.training import lock as runlock

SOURCE = "npz" if os.environ.get("ZOO_MNIST_PATH") else "sample"
KILLPOINT = str(Path(__file__).with_name("killpoint.py"))
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(Path(__file__).parents[1])}
# 160 images in batches of 8: 20 steps an epoch, one per execution; checkpoints at
# steps 7, 14, 20 (end of epoch 1), 27, 34 and 40 (the end).
ARGS = [
    "a000.gan",
    "--epochs",
    "2",
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
    "7",
    "--steps-per-execution",
    "1",
    "--verbose",
    "0",
]


def train_argv(out, *extra):
    return ["train", *ARGS, "--out", str(out), *extra]


def files(out):
    """Every file of a run directory, by name: its bytes (``model.keras``: its weights)."""
    found = {}
    for path in sorted(Path(out).rglob("*")):
        if path.is_file() and path.name != "run.json":
            name = str(path.relative_to(out))
            if path.name == "model.keras":
                found[name] = keras.models.load_model(path).get_weights()
            else:
                found[name] = path.read_bytes()
    return found


@pytest.fixture(scope="module")
def unbroken(tmp_path_factory):
    out = tmp_path_factory.mktemp("unbroken")
    assert cli.main(train_argv(out)) == 0
    return files(out)


@pytest.mark.parametrize(
    "point",
    ["write:27", "saved:20", "saved:40", "final", "model"],
    ids=[
        "during-checkpoint-write",
        "after-epoch-checkpoint",
        "after-last-epoch-checkpoint",
        "during-final-save",
        "after-model-keras",
    ],
)
def test_a_kill_at_any_moment_then_the_same_command_ends_as_an_unbroken_run(
    unbroken, point, tmp_path
):
    out = tmp_path / "run"
    killed = subprocess.run(
        [sys.executable, KILLPOINT, point, *train_argv(out)],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert cli.main(train_argv(out)) == 0
    found = files(out)
    assert sorted(found) == sorted(unbroken)
    for name, content in unbroken.items():
        if name == "model.keras":
            for a, b in zip(found[name], content, strict=True):
                np.testing.assert_array_equal(a, b)
        else:
            assert found[name] == content, name
    assert not (out / "checkpoints").exists()
    assert json.loads((out / "run.json").read_text())["steps"] == 40
    # Finishing is idempotent: the same command again is told the run is finished.
    assert cli.main(train_argv(out)) == 2


# -- one run per output directory ------------------------------------------------------
def test_a_second_run_on_the_same_out_is_refused_naming_the_first(tmp_path, capsys):
    out = tmp_path / "run"
    first = subprocess.Popen(
        [sys.executable, "-m", "zoo", *train_argv(out, "--epochs", "50")],
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while not list(out.glob("checkpoints/step-*")) and time.monotonic() < deadline:
            assert first.poll() is None, first.stderr.read()
            time.sleep(0.05)
        assert cli.main(train_argv(out, "--epochs", "50")) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1
        assert f"is in use by another run: pid {first.pid} on " in err
        assert first.poll() is None  # the first run goes on, untouched
    finally:
        first.kill()
        first.wait()


def test_a_stale_lock_of_a_dead_process_is_taken_over(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    lock = out / runlock.LOCK_FILE
    lock.write_text(json.dumps({"pid": gone.pid, "host": os.uname().nodename, "since": "-"}))
    assert cli.main(train_argv(out, "--epochs", "1")) == 0
    assert (out / "model.keras").is_file() and not lock.exists()


# -- a full disk -------------------------------------------------------------------------
@pytest.fixture
def small_disk(tmp_path):
    """An 8 MB tmpfs: room for one checkpoint of a000.gan (5.2 MB), not two."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", str(mount)], check=False)


# Without the check up front, the second checkpoint's write runs out of space mid-file.
UNCHECKED = "import zoo.disk; zoo.disk.check_free = lambda *args: None; "


@pytest.mark.parametrize("prelude", ["", UNCHECKED], ids=["checked-before", "full-while-writing"])
def test_a_full_disk_is_one_line_that_keeps_the_last_checkpoint(small_disk, prelude):
    out = small_disk / "run"
    # 2 steps an epoch: the checkpoint of step 2 fits, that of step 4 does not.
    argv = ["train", "a000.gan", "--epochs", "2", "--limit", "256", "--batch-size", "128"]
    argv += ["--val-limit", "16", "--source", SOURCE, "--verbose", "0", "--out", str(out)]
    code = f"{prelude}import sys; from zoo import cli; sys.exit(cli.main({argv!r}))"
    done = subprocess.run(
        [sys.executable, "-c", code], env=ENV, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 2, done.stderr  # not 139, h5py's segfault
    errors = [line for line in done.stderr.splitlines() if line.startswith("zoo: ")]
    assert errors == [errors[-1]] and "Traceback" not in done.stderr, done.stderr
    assert errors[0].startswith(
        f"zoo: error: Not enough free space on {out}/checkpoints (the disk mounted at "
        f"{small_disk}): the checkpoint of step 4 needs about 5.2 MB, "
    )
    assert "The checkpoint of step 2 is kept; free some space" in errors[0]
    assert [p.name for p in (out / "checkpoints").iterdir()] == ["step-00000002"]
    assert not list(out.rglob(".partial-*")) and not (out / "model.keras").exists()


# -- Ctrl-C and start-up noise -----------------------------------------------------------
def test_ctrl_c_prints_one_line_with_the_resume_command_and_exits_130(tmp_path):
    out = tmp_path / "run"
    env = {k: v for k, v in ENV.items() if k != "TF_CPP_MIN_LOG_LEVEL"}  # zoo quietens TF
    argv = train_argv(out, "--epochs", "500")  # far longer than the wait, on a loaded machine too
    process = subprocess.Popen(
        [sys.executable, "-m", "zoo", *argv],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        # A suite started in the background (`make test &`, nohup) inherits SIGINT ignored,
        # and Python then installs no KeyboardInterrupt handler: give the child a terminal's.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 300
    while not list(out.glob("checkpoints/step-*")) and time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[1].decode()[-2000:]
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    lines = err.decode().splitlines()
    assert process.returncode == 130, (process.returncode, lines[-20:])
    assert len(lines) == 1, lines
    assert lines[0].startswith("zoo: interrupted at step ")
    assert f"is saved in {out}/checkpoints. Resume with: python -m zoo train a000.gan" in lines[0]
    assert not (out / runlock.LOCK_FILE).exists()


def test_the_command_line_starts_quietly_and_warns_once(tmp_path):
    env = {k: v for k, v in ENV.items() if k != "ZOO_MNIST_PATH"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"  # as the Makefile exports it for `make train`
    argv = [a if a != SOURCE else "auto" for a in train_argv(tmp_path, "--epochs", "1")]
    done = subprocess.run(
        [sys.executable, "-m", "zoo", *argv], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    # The offline sample is told once (none where TFDS has MNIST); nothing of TensorFlow's
    # ("failed call to cuInit", "Could not find cuda drivers", oneDNN), even at level 2.
    assert not [line for line in lines if "cuInit" in line or "cuda" in line or "oneDNN" in line]
    assert len(lines) <= 1 and all(line.startswith("zoo: warning: ") for line in lines), lines


# -- a resume continues the same run, or one changed on purpose --------------------------
from test_resilience import RUN, Crash, PoisonWeights  # noqa: E402

from zoo import callbacks, recipes, training  # noqa: E402


def _train(out, **kwargs):
    return training.train("a000.gan", out_dir=str(out), **{**RUN, **kwargs})


def test_resume_refuses_other_data_naming_the_fingerprint(tmp_path, digits, test_digits):
    files_ = []
    for name, train in (("a.npz", digits[:160]), ("b.npz", digits[:160][::-1])):
        np.savez(
            tmp_path / name,
            x_train=train,
            y_train=train[:, 0, 0],
            x_test=test_digits,
            y_test=test_digits[:, 0, 0],
        )
        files_.append(str(tmp_path / name))
    run = {"source": "npz", "epochs": 1, "checkpoint_every": 4}
    with pytest.raises(KeyboardInterrupt):
        _train(tmp_path / "run", path=files_[0], callbacks=[Crash(at=10)], **run)
    with pytest.raises(ValueError, match=r"different run \(data='[0-9a-f]{16}' there, .*--fresh"):
        _train(tmp_path / "run", path=files_[1], **run)


def test_resume_refuses_other_epochs_unless_allowed(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        _train(tmp_path, epochs=2, checkpoint_every=4, callbacks=[Crash(at=30)])
    with pytest.raises(ValueError, match=r"epochs=2 there, 1 here.*--resume-with-changes"):
        _train(tmp_path, epochs=1, checkpoint_every=4)
    with pytest.raises(ValueError, match=r"epochs=1, but the checkpoint has reached epoch 2"):
        _train(tmp_path, epochs=1, checkpoint_every=4, allow_changes=["epochs"])
    with pytest.warns(UserWarning, match="with changes: epochs=2 there, 3 here"):
        model, history = _train(tmp_path, epochs=3, checkpoint_every=4, allow_changes=["epochs"])
    assert int(model.d_optimizer.iterations) == 60 and len(history.history["d_loss"]) == 3


def test_a_diverged_run_resumes_its_last_good_checkpoint_with_a_lower_learning_rate(tmp_path):
    poison = PoisonWeights(at=10, pick=lambda m: m.discriminator.trainable_variables[-1])
    with pytest.raises(training.DivergenceError, match="--set learning_rate=... --resume-with"):
        _train(tmp_path, epochs=1, checkpoint_every=4, callbacks=[poison])
    with pytest.raises(ValueError, match=r"overrides.learning_rate=None there, 0.0001 here"):
        _train(tmp_path, epochs=1, checkpoint_every=4, learning_rate=1e-4)
    with pytest.raises(ValueError, match="may name epochs, learning_rate, beta_1"):
        _train(tmp_path, epochs=1, allow_changes=["hidden"])
    with pytest.warns(UserWarning, match="with changes"):
        model, _ = _train(
            tmp_path,
            epochs=1,
            checkpoint_every=4,
            learning_rate=1e-4,
            allow_changes=["learning_rate"],
        )
    assert int(model.d_optimizer.iterations) == 20
    assert float(model.d_optimizer.learning_rate) == pytest.approx(1e-4)


def test_the_advice_names_the_recipes_own_learning_rate_key():
    keys = recipes.optimizer_keys(recipes.get("a003.cae"))
    assert keys[:2] == ["ae_learning_rate", "learning_rate"]  # the recipe's own key first
    checkpoint = callbacks.Checkpoint("unused", optimizer_keys=keys)
    checkpoint.saved_step = 8
    assert "--set ae_learning_rate=... --resume-with-changes ae_learning_rate" in (
        checkpoint.advice()
    )


def test_divergence_in_a_multi_step_execution_names_its_step_range(tmp_path):
    # Four steps per execution: the NaN set after step 12 shows in the execution of 13-16.
    poison = PoisonWeights(at=3, pick=lambda m: m.discriminator.trainable_variables[-1])
    with pytest.raises(training.DivergenceError, match=r"diverged in steps 13-16 \(epoch 1"):
        _train(tmp_path, epochs=1, compile_options={"steps_per_execution": 4}, callbacks=[poison])
