"""Training throughput and peak GPU memory of every recipe on a CUDA GPU, plus a DCGAN epoch.

Prepared for the few minutes a CUDA machine (one NVIDIA H200) is lent; it ends within
``--budget`` seconds (450 by default, under 8 minutes). Not part of ``make test``.

Per recipe, at its batch size and ``steps_per_execution`` (16 unless the recipe says): the
steady-state ``model.fit`` images/s under ``mixed_float16`` and ``mixed_bfloat16``, each with
XLA off and on, and the peak GPU memory of each. A warm-up fit traces (and XLA-compiles),
then a fit of ``--steps`` steps on cached, repeated, prefetched MNIST uint8 is timed from
its first ``on_train_batch_end`` to its last. Each recipe runs in a subprocess under
``--timeout-per-recipe``; a configuration still running then (say, an XLA compile of an
a003 batch-Jacobian model) reads ``timeout``, one that raises ``failed: <first line>``.
Then ``a001.dcgan`` trains one epoch, checked for finite losses and ``0.1 < d_loss < 3.0``:
PASS, or FAIL and exit status 1. MNIST: ``--mnist`` or ``$ZOO_MNIST_PATH`` (a Keras-layout
mnist.npz), else ``zoo.data.load_mnist_arrays("train")``'s fallbacks (named in the header).

Run on the device, from the repository root:
    python -m bench.gpu_check --json gpu.json

Without a GPU it exits with status 2 unless ``--allow-cpu`` is given; the CPU smoke test:
    python -m bench.gpu_check --allow-cpu --steps 2 --recipes a000.gan a004.beta_vae \
        --skip-dcgan-epoch
"""

import argparse
import datetime
import gc
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# `python -m bench.gpu_check` from the checkout's root imports this checkout's zoo, with no
# install (the device has no network to install from).
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MARK = "GPU-CHECK "  # prefixes the JSON lines a worker prints; TF may print anything else
# label -> (zoo.distribute precision, jit_compile). Non-XLA first, so that a slow XLA compile
# that hits the recipe's timeout cannot take the non-XLA figures with it.
CONFIGS = {"f16": ("float16", False), "bf16": ("bfloat16", False)}
CONFIGS.update({f"{label} xla": (precision, True) for label, (precision, _) in CONFIGS.items()})
COLUMNS = ("f16", "f16 xla", "bf16", "bf16 xla")
DCGAN = "a001.dcgan"
D_LOSS_BAND = (0.1, 3.0)  # log 4 ~ 1.39 at equilibrium; outside this, D won or collapsed
DCGAN_RESERVE_S = 90  # of --budget, kept for the DCGAN epoch (~470 steps, plus its compile)


def _emit(**record):
    print(MARK + json.dumps(record), flush=True)  # flushed: a killed worker keeps its lines


def _first_line(err):
    lines = str(err).strip().splitlines() or [""]
    return f"{type(err).__name__}: {lines[0]}"[:160]


def _images(mnist):
    from zoo import data

    return data.load_mnist_arrays("train", path=mnist)[0]


def _import_tf_quietly():
    """TensorFlow, its physical GPUs (no context: this process holds no GPU memory), a hint."""
    # Its C++ logs at import go to fd 2 whatever the log level; they would bury the verdict.
    with tempfile.TemporaryFile("w+") as log:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(log.fileno(), 2)
        try:
            import tensorflow as tf

            gpus = tf.config.list_physical_devices("GPU")
        except ImportError as err:
            return None, [], _first_line(err)
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        log.seek(0)
        hints = [line.split("] ", 1)[-1].strip() for line in log if "cuda" in line.lower()]
    return tf, gpus, hints[-1] if hints else "no CUDA message"


def worker(recipe, steps, mnist):
    """Times the CONFIGS of ``recipe`` in this process, one JSON line each."""
    import keras
    import tensorflow as tf

    from zoo import distribute, recipes

    batch = recipes.get(recipe).budget["batch_size"]
    spe = recipes.get(recipe).compile_options.get("steps_per_execution", 16)
    spe = max(1, min(spe, steps // 2))  # >= 2 executions: the timed window runs between them
    steps = -(-steps // spe) * spe  # whole executions: a partial one would be traced anew
    ds = tf.data.Dataset.from_tensor_slices(_images(mnist)).batch(batch, drop_remainder=True)
    ds = ds.cache().repeat().prefetch(tf.data.AUTOTUNE)
    gpu = bool(tf.config.list_logical_devices("GPU"))
    # Keras calls this once per execution, after syncing the logs (LambdaCallback is not
    # async-safe), so the stamps follow the device; `step` is the execution's last step index.
    ticks = []
    tick = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda step, logs: ticks.append((time.perf_counter(), step))
    )
    for label in CONFIGS:
        precision, jit = CONFIGS[label]
        record = {"recipe": recipe, "config": label, "batch": batch, "steps_per_execution": spe}
        record.update(policy=distribute.PRECISIONS[precision], jit_compile=jit)
        model = None
        try:
            distribute.set_precision(precision)
            if gpu:
                tf.config.experimental.reset_memory_stats("GPU:0")
            keras.utils.set_random_seed(0)
            options = {"jit_compile": jit, "steps_per_execution": spe}
            model = recipes.build(recipe, compile_options=options)
            start = time.perf_counter()
            model.fit(ds, epochs=1, steps_per_epoch=2 * spe, verbose=0)  # trace, XLA compile
            record["warmup_s"] = time.perf_counter() - start
            ticks.clear()
            model.fit(ds, epochs=1, steps_per_epoch=steps, verbose=0, callbacks=[tick])
            (t0, s0), (t1, s1) = ticks[0], ticks[-1]
            record.update(steps=steps, timed_steps=s1 - s0, seconds=t1 - t0)
            record["img_per_s"] = (s1 - s0) * batch / (t1 - t0)
            if gpu:
                peak = tf.config.experimental.get_memory_info("GPU:0")["peak"]
                record["peak_mib"] = peak / 2**20
        except Exception as err:  # reported in its cell; the next configuration still runs
            record["error"] = f"failed: {_first_line(err)}"
        finally:
            distribute.set_precision("float32")
            del model  # free this configuration's memory before the next one's peak
            keras.backend.clear_session()
            gc.collect()
        _emit(**record)


def dcgan_worker(mnist):
    """One epoch of a001.dcgan as the recipe builds it (float32); emits the verdict."""
    import keras
    import tensorflow as tf

    from zoo import recipes

    x = _images(mnist)
    batch = recipes.get(DCGAN).budget["batch_size"]
    ds = tf.data.Dataset.from_tensor_slices(x).shuffle(len(x), seed=0)
    ds = ds.batch(batch, drop_remainder=True).prefetch(tf.data.AUTOTUNE)
    keras.utils.set_random_seed(0)
    model = recipes.build(DCGAN)
    start = time.perf_counter()
    history = model.fit(ds, epochs=1, verbose=0).history
    d_loss, g_loss = float(history["d_loss"][-1]), float(history["g_loss"][-1])
    ok = math.isfinite(g_loss) and D_LOSS_BAND[0] < d_loss < D_LOSS_BAND[1]  # False for NaN
    seconds = time.perf_counter() - start
    _emit(ok=ok, d_loss=d_loss, g_loss=g_loss, images=len(x), seconds=seconds)


def _spawn(args, timeout):
    """Runs this script with ``args``; returns (records, returncode or None on timeout, stderr)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        # Files, not pipes: a killed worker's lines are all there, and no pipe can fill up.
        # A session of its own: its process group is killed whole on timeout.
        command = [sys.executable, "-m", "bench.gpu_check", *args]
        proc = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=err, start_new_session=True)
        try:
            rc = proc.wait(timeout=max(timeout, 1))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            rc = None
        out.seek(0)
        err.seek(0)
        records = [json.loads(line[len(MARK) :]) for line in out if line.startswith(MARK)]
        return records, rc, err.read()


def _last_line(text):
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:160] if lines else ""


def _mnist_args(args):
    return ["--mnist", args.mnist] if args.mnist else []


def run_recipe(recipe, args, timeout):
    """The four configurations of ``recipe`` in one worker; missing ones say why."""
    worker_args = ["--worker", recipe, "--steps", str(args.steps)]
    records, rc, stderr = _spawn(worker_args + _mnist_args(args), timeout)
    results = {r["config"]: r for r in records}
    missing = [label for label in CONFIGS if label not in results]
    for label in missing:  # configurations run in order: the first missing one was running
        if rc is None:
            why = "timeout" if label == missing[0] else "not run (timeout)"
        else:
            why = f"failed: worker exited {rc}: {_last_line(stderr)}"
        results[label] = {"recipe": recipe, "config": label, "error": why}
    return [results[label] for label in CONFIGS]


def run_dcgan(args, started):
    """The DCGAN epoch in a worker, in the time left of ``--budget``; its verdict record."""
    left = args.budget - (time.monotonic() - started)
    records, rc, stderr = _spawn(["--dcgan-worker", *_mnist_args(args)], left)
    if records:
        return records[0]
    return {"ok": False, "error": "timeout" if rc is None else f"exited {rc}: {_last_line(stderr)}"}


def _cell(record, key, fmt):
    if "error" in record:
        return record["error"].replace("|", "\\|") if key == "img_per_s" else "-"
    return fmt.format(record[key]) if record.get(key) is not None else "n/a"


def table(rows):
    from zoo import recipes

    head = ["recipe", "batch"] + [f"{c} img/s" for c in COLUMNS] + [f"{c} MiB" for c in COLUMNS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for recipe, records in rows.items():
        by = {r["config"]: r for r in records}
        cells = [recipe, str(recipes.get(recipe).budget["batch_size"])]
        cells += [_cell(by[c], "img_per_s", "{:.0f}") for c in COLUMNS]
        cells += [_cell(by[c], "peak_mib", "{:.0f}") for c in COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipes", nargs="+", metavar="NAME", help="default: all recipes")
    parser.add_argument("--steps", type=int, default=256, help="timed steps per configuration")
    parser.add_argument("--mnist", help="Keras-layout mnist.npz (default: $ZOO_MNIST_PATH)")
    parser.add_argument("--json", metavar="FILE", help="also write the raw results here")
    parser.add_argument("--allow-cpu", action="store_true", help="run without a GPU (smoke)")
    parser.add_argument("--skip-dcgan-epoch", action="store_true")
    parser.add_argument("--timeout-per-recipe", type=float, default=60.0, metavar="S")
    parser.add_argument("--budget", type=float, default=450.0, metavar="S", help="whole run")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--dcgan-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.steps < 2:
        parser.error("--steps must be at least 2: the timed window runs between two executions")
    if args.worker:
        return worker(args.worker, args.steps, args.mnist)
    if args.dcgan_worker:
        return dcgan_worker(args.mnist)

    started = time.monotonic()
    tf, gpus, hint = _import_tf_quietly()
    if tf is None:
        print(f"TensorFlow cannot be imported by {sys.executable}: {hint}", file=sys.stderr)
        return 2
    if not gpus and not args.allow_cpu:
        built = "with" if tf.test.is_built_with_cuda() else "without"
        print(
            f"no CUDA GPU visible to TensorFlow; run this on the CUDA machine, or pass "
            f"--allow-cpu for a CPU smoke test (TF {tf.__version__}, built {built} CUDA: {hint})",
            file=sys.stderr,
        )
        return 2
    import keras

    from zoo import data, recipes

    device = "CPU (--allow-cpu)"
    if gpus:
        details = tf.config.experimental.get_device_details(gpus[0])
        cc = ".".join(map(str, details.get("compute_capability", ())))
        device = f"{details.get('device_name', gpus[0].name)} (compute {cc}), {len(gpus)} GPU(s)"
    names = args.recipes or recipes.names()
    unknown = [name for name in names if name not in recipes.names()]
    if unknown:  # before any run
        parser.error(f"unknown recipe(s) {' '.join(unknown)}; known: {' '.join(recipes.names())}")
    header = dict(date=datetime.datetime.now().isoformat(timespec="seconds"), device=device)
    header.update(tensorflow=tf.__version__, keras=keras.__version__, steps=args.steps)
    header["mnist"] = data.describe_source(path=args.mnist)
    reserve = 0 if args.skip_dcgan_epoch else DCGAN_RESERVE_S
    rows = {}
    for name in names:
        left = args.budget - reserve - (time.monotonic() - started)
        # Under 10 s a worker would not even start up: say so instead.
        skip = [{"recipe": name, "config": c, "error": "not run (budget)"} for c in CONFIGS]
        rows[name] = (
            run_recipe(name, args, min(args.timeout_per_recipe, left)) if left > 10 else skip
        )
        print(f"[gpu_check] {name} done at {time.monotonic() - started:.0f} s", file=sys.stderr)
    dcgan = None if args.skip_dcgan_epoch else run_dcgan(args, started)
    print(
        f"gpu_check {header['date']} | {device} | TF {header['tensorflow']} | "
        f"Keras {header['keras']} | MNIST {header['mnist']} | --steps {args.steps}\n"
    )
    print(table(rows))
    if dcgan is not None:
        figures = dcgan.get("error") or (
            f"d_loss={dcgan['d_loss']:.4f} (want {D_LOSS_BAND[0]} < d_loss < {D_LOSS_BAND[1]}), "
            f"g_loss={dcgan['g_loss']:.4f}, {dcgan['images']} images in {dcgan['seconds']:.1f} s"
        )
        print(f"\n{DCGAN} one epoch: {'PASS' if dcgan['ok'] else 'FAIL'}: {figures}")
    print(f"\n(total {time.monotonic() - started:.0f} s)", file=sys.stderr)
    if args.json:
        results = [r for records in rows.values() for r in records]
        with open(args.json, "w") as f:
            json.dump({"header": header, "results": results, "dcgan_epoch": dcgan}, f, indent=1)
    return 1 if dcgan is not None and not dcgan["ok"] else 0


if __name__ == "__main__":
    sys.exit(main())
