"""Every family trains the same on 2 mirrored replicas as on one device.

TensorFlow's logical devices must be configured before TensorFlow starts, so
the comparison runs in one subprocess (this file run as a script) for all
families: it trains each family once without a strategy and once under a
``MirroredStrategy`` over two logical CPUs, from the same weights, seed and
batches, and prints what it measured as JSON. The batches are 32, 32 and 11
images, so the last one splits unevenly (6 + 5): the losses must be means over
the global batch, not averages of the replicas' means.

The multi-worker example (two processes on 127.0.0.1) is a slow test.
"""

import json
import os
import subprocess
import sys
import time

import pytest

MARK = "DISTRIBUTE-RESULTS "
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _env():
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "tensorflow"}


def _run_worker(what):
    proc = subprocess.run(
        [sys.executable, os.path.abspath(__file__), what],
        capture_output=True,
        text=True,
        timeout=600,
        env=_env(),
        cwd=ROOT,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith(MARK)]
    assert proc.returncode == 0 and lines, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(lines[-1][len(MARK) :])


@pytest.fixture(scope="module")
def results():
    return _run_worker("families")


@pytest.fixture(scope="module")
def cli_results():
    return _run_worker("cli")


FAMILIES = ["gan", "latent_gan", "autoencoder", "contractive_autoencoder", "vae"]


@pytest.mark.parametrize("family", FAMILIES)
def test_two_replicas_train_like_one_device(results, family):
    r = results[family]
    assert r["replicas"] == [1, 2]
    # Per-step logs (the global means of each batch), epoch values and weights agree.
    assert r["step_log_diff"] < 1e-4, r
    assert r["epoch_log_diff"] < 1e-4, r
    assert r["weight_diff"] < 1e-5, r
    # Training moved the weights, so equal weights are not equal *initial* weights.
    assert r["weight_change"] > 1e-4, r
    assert r["eval_diff"] < 1e-4, r


def test_per_replica_noise_would_differ(results):
    """The check can fail: noise drawn per replica (each replica the same) changes the run."""
    assert results["gan_naive"]["step_log_diff"] > 1e-3, results["gan_naive"]


def test_replica_mean_alone_would_miss_uneven_batches(results):
    """Averaging the replicas' local means is off on the 6 + 5 split; global_means is not."""
    naive = results["uneven_mean"]
    assert naive["local_mean_of_means_error"] > 1e-3, naive
    assert naive["global_means_error"] < 1e-6, naive


# -- the command-line helpers (no subprocess needed) -----------------------------
def test_compile_options_parse_the_command_line_values():
    from zoo.distribute import compile_options

    assert compile_options() == {}
    assert compile_options("true", 4) == {"jit_compile": True, "steps_per_execution": 4}
    assert compile_options("auto")["jit_compile"] == "auto"
    assert compile_options(False)["jit_compile"] is False
    with pytest.raises(ValueError, match="jit_compile"):
        compile_options("yes")
    with pytest.raises(ValueError, match="steps_per_execution"):
        compile_options(None, 0)


def test_set_precision_sets_the_global_policy():
    import keras

    from zoo.distribute import set_precision

    previous = keras.mixed_precision.dtype_policy()
    try:
        assert set_precision("bfloat16") == "mixed_bfloat16"
        assert keras.mixed_precision.dtype_policy().name == "mixed_bfloat16"
        assert set_precision(None) == "float32"
        with pytest.raises(ValueError, match="precision"):
            set_precision("int8")
    finally:
        keras.mixed_precision.set_global_policy(previous)


@pytest.mark.parametrize("family", ["gan", "vae"])
def test_recompile_keeps_the_optimizers(family, digits):
    from zoo.distribute import strategy_scope

    with strategy_scope("default"):
        model = _builders()[family]()
    optimizers = [getattr(model, n, None) for n in ("d_optimizer", "g_optimizer", "optimizer")]
    assert model.recompile(steps_per_execution=4, jit_compile=False) is model
    assert model.steps_per_execution == 4 and model.jit_compile is False
    assert [getattr(model, n, None) for n in ("d_optimizer", "g_optimizer", "optimizer")] == (
        optimizers
    )
    model.fit(digits[:128], batch_size=16, epochs=1, verbose=0)
    steps = model.g_optimizer if family == "gan" else model.optimizer
    assert int(steps.iterations) == 8


def test_cli_distribute_trains_on_two_replicas_without_the_single_device_options(cli_results):
    cli = cli_results
    # Under two replicas the recipe's XLA and steps_per_execution defaults are dropped.
    assert cli["recipe_defaults"] == [False, 1]
    run = cli["run"]
    assert run["status"] == 0, run["stderr"]
    assert run["run"]["replicas"] == 2 and run["run"]["steps"] == 2 * 4
    assert run["run"]["steps_per_execution"] == 1 and run["run"]["jit_compile"] is False
    assert run["loss"][1] < run["loss"][0]


@pytest.mark.parametrize(
    "option, message",
    [
        ("spe", r"--steps-per-execution 4 cannot be used with more than one replica: .*#19246"),
        ("jit", r"--jit-compile true cannot be used with more than one replica: XLA cannot"),
    ],
)
def test_cli_distribute_refuses_what_keras_cannot_run_on_two_replicas(cli_results, option, message):
    import re

    refused = cli_results[option]
    assert refused["status"] == 2
    assert re.search(r"zoo: error: " + message, refused["stderr"]), refused["stderr"]


@pytest.mark.slow
def test_multiworker_example_runs_on_localhost(tmp_path):
    script = os.path.join(ROOT, "bench", "multiworker_example.py")
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, script, "--steps", "3", "--json", str(tmp_path / "mw.json")],
        capture_output=True,
        text=True,
        timeout=600,
        env=_env(),
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads((tmp_path / "mw.json").read_text())
    assert report["workers"] == 2 and report["replicas"] == 2
    # Both workers hold the same weights after training (synchronous all-reduce).
    assert report["weight_diff_between_workers"] < 1e-6
    assert time.monotonic() - started < 600


# -- the subprocess -------------------------------------------------------------
#: What this comparison sets on the tests' tiny models (``helpers.FAMILIES``):
#: two D updates per step, and seeded autoencoders.
OPTIONS = {
    "gan": dict(d_steps=2),
    "latent_gan": dict(cae_seed=1),
    "autoencoder": dict(seed=1),
    "contractive_autoencoder": dict(seed=1, contractive_weight=1e-2),
}


def _builders():
    import functools

    from helpers import FAMILIES as TABLE

    return {
        name: functools.partial(row.build, **OPTIONS.get(name, {})) for name, row in TABLE.items()
    }


def _train(build, x, strategy, weights=None):
    """Fits one epoch (batches of 32, 32, 11); returns step logs, epoch logs, weights."""
    import keras
    import numpy as np

    keras.utils.set_random_seed(0)
    with strategy.scope():
        model = build()
        if weights is not None:
            model.set_weights(weights)
    start = [np.array(w) for w in model.get_weights()]
    steps = []
    record = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda b, logs: steps.append({k: float(v) for k, v in logs.items()})
    )
    history = model.fit(x, batch_size=32, epochs=1, shuffle=False, verbose=0, callbacks=[record])
    evaluated = model.evaluate(x, batch_size=32, verbose=0, return_dict=True)
    return {
        "replicas": model.distribute_strategy.num_replicas_in_sync,
        "start": start,
        "steps": steps,
        "epoch": {k: v[-1] for k, v in history.history.items()},
        "eval": evaluated,
        "weights": [np.array(w) for w in model.get_weights()],
    }


def _compare(one, two):
    import numpy as np

    def max_diff(a, b):
        return max(abs(a[k] - b[k]) / max(1.0, abs(a[k])) for k in a)

    return {
        "replicas": [one["replicas"], two["replicas"]],
        "step_log_diff": max(
            max_diff(a, b) for a, b in zip(one["steps"], two["steps"], strict=True)
        ),
        "epoch_log_diff": max_diff(one["epoch"], two["epoch"]),
        "eval_diff": max_diff(one["eval"], two["eval"]),
        "weight_diff": max(
            float(np.max(np.abs(a - b)))
            for a, b in zip(one["weights"], two["weights"], strict=True)
        ),
        "weight_change": max(
            float(np.max(np.abs(a - b))) for a, b in zip(one["start"], one["weights"], strict=True)
        ),
    }


def _uneven_mean(mirrored):
    """Global means on a 6 + 5 split, against the mean of the replicas' means."""
    import numpy as np
    import tensorflow as tf

    from zoo.replicas import global_means

    values = np.arange(11, dtype="float32") ** 2
    dataset = tf.data.Dataset.from_tensor_slices(values).batch(11)
    batch = next(iter(mirrored.experimental_distribute_dataset(dataset)))

    def step(v):
        return global_means({"v": v})["v"], tf.reduce_mean(v)

    exact, local = mirrored.run(tf.function(step), args=(batch,))
    truth = float(values.mean())
    return {
        "global_means_error": max(
            abs(float(t) - truth) for t in mirrored.experimental_local_results(exact)
        ),
        "local_mean_of_means_error": abs(
            float(np.mean(mirrored.experimental_local_results(local))) - truth
        ),
    }


def _cli():
    """``python -m zoo train --distribute``: a run, and the refused compile options.

    In a process of its own: MirroredStrategy objects created one after the other
    in one process can mismatch their collective ops' instance keys.
    """
    import contextlib
    import io
    import tempfile

    from zoo import cli, recipes
    from zoo.distribute import strategy_scope

    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        common = ["train", "a000.ae", "--distribute", "--limit", "256", "--batch-size", "64"]
        common += ["--epochs", "2", "--val-limit", "64", "--verbose", "0", "--out", tmp]
        for name, extra in [
            ("run", []),
            ("spe", ["--steps-per-execution", "4", "--fresh"]),
            ("jit", ["--jit-compile", "true", "--fresh"]),
        ]:
            stderr = io.StringIO()
            with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
                status = cli.main(common + extra)
            out[name] = {"status": status, "stderr": stderr.getvalue()}
            if name == "run":
                with open(os.path.join(tmp, "run.json")) as f:
                    out[name]["run"] = json.load(f)
                with open(os.path.join(tmp, "history.json")) as f:
                    out[name]["loss"] = json.load(f)["loss"]
    with strategy_scope("mirrored"):
        gan = recipes.build("a000.gan")  # its recipe asks for XLA and 16 steps per execution
    out["recipe_defaults"] = [gan.jit_compile, gan.steps_per_execution]
    return out


def _worker(what):
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    if what == "cli":
        print(MARK + json.dumps(_cli()), flush=True)
        return
    import warnings

    from zoo import data

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        x, _ = data.load_mnist_arrays("train", limit=75)
    single = tf.distribute.get_strategy()
    mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    out = {}
    for family, build in _builders().items():
        one = _train(build, x, single)
        two = _train(build, x, mirrored, weights=one["start"])
        out[family] = _compare(one, two)
        if family == "gan":
            # The same run with noise drawn per replica, as Keras' SeedGenerator does.
            import zoo.models.gan as gan_module

            rows = gan_module.replica_rows
            gan_module.replica_rows = lambda draw, n: draw(n)
            try:
                naive = _train(build, x, mirrored, weights=one["start"])
            finally:
                gan_module.replica_rows = rows
            out["gan_naive"] = _compare(one, naive)
    out["uneven_mean"] = _uneven_mean(mirrored)
    print(MARK + json.dumps(out), flush=True)


if __name__ == "__main__":
    sys.path.insert(0, ROOT)
    _worker(sys.argv[1] if len(sys.argv) > 1 else "families")
