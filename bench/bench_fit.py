"""Training throughput of ``model.fit`` against a hand-written ``tf.function`` loop.

For each recipe, one subprocess builds independent copies of the recipe's
model (one per configuration), warms each up (tracing, XLA compilation), then
runs them round by round, interleaved (fit, loop, fit xla, ..., fit, loop,
...), so that the load of other processes on a shared machine hits all of them
alike. It reports steady-state images/s (medians over the rounds) and ratios
as medians of per-round ratios. Peak memory (``VmHWM`` of
``/proc/self/status``: TensorFlow's allocations are invisible to
``tracemalloc``, and psutil has no peak on Linux) is measured in a fresh
subprocess per configuration, so that peaks do not accumulate.

Configurations (batch size = the recipe's budget):

* ``fit recipe``: ``model.fit`` with the recipe's own compile options
  (``Recipe.compile_options``: XLA where it was faster, 16 steps per
  execution), what ``recipes.build`` and ``python -m zoo train`` use;
* ``loop recipe``: the hand loop with the recipe's XLA setting;
* ``fit``: ``model.fit`` on a cached, prefetched ``tf.data`` of MNIST (uint8),
  no XLA, one step per execution;
* ``loop``: :mod:`hand_loops` (the same math with :mod:`zoo.losses`) on the same data;
* ``fit xla``, ``loop xla``: the same with ``jit_compile=True``;
* ``fit spe=4/16``: ``steps_per_execution`` 4 and 16;
* ``fit synth``: ``fit`` on one in-memory batch repeated (no input work): if
  the input pipeline starved a step, this would be faster than ``fit``;
* ``fit f32``: float32 input in [0, 1], which runs the range/NaN checks of
  ``prepare_images`` (uint8 input skips them).

Example:
    TF_CPP_MIN_LOG_LEVEL=3 python -m bench.bench_fit             # all recipes
    TF_CPP_MIN_LOG_LEVEL=3 python -m bench.bench_fit --recipes a000.gan --runs 5
    TF_CPP_MIN_LOG_LEVEL=3 python -m bench.bench_fit --profile a004.beta_vae
    TF_CPP_MIN_LOG_LEVEL=3 python -m bench.bench_fit --pipeline   # the input pipeline alone
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time

from bench.common import MNIST, ROOT, Clock

MARK = "BENCH-RESULT "
# Seconds one timed run should last; DCGAN steps take ~0.5 s here, MLP steps ~10 ms.
TARGET_SECONDS = 1.5


def _vm_hwm_mib():
    """Peak resident memory of this process in MiB (Linux ``VmHWM``)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def _setup(recipe, n_models):
    """Imports TF, loads MNIST, builds ``n_models`` copies of ``recipe`` (seed 0)."""
    import keras
    import tensorflow as tf

    from zoo import recipes

    batch = recipes.get(recipe).budget["batch_size"]
    models = []
    for _ in range(n_models):
        keras.utils.set_random_seed(0)
        models.append(recipes.build(recipe))
    x, real = _pipeline(batch)
    synth = tf.data.Dataset.from_tensors(x[:batch]).repeat()
    floats = real.map(lambda b: tf.cast(b, "float32") / 255.0)
    return models, batch, {"real": real, "synth": synth, "f32": floats}


def _pipeline(batch):
    """MNIST's training images (uint8) and the benchmark's input pipeline over them."""
    import numpy as np
    import tensorflow as tf

    with np.load(MNIST) as data:
        x = data["x_train"]
    real = (
        tf.data.Dataset.from_tensor_slices(x)
        .batch(batch, drop_remainder=True)
        .cache()
        .repeat()
        .prefetch(tf.data.AUTOTUNE)
    )
    return x, real


def _recompile(model, **options):
    return model.recompile(**options)


ALL_NAMES = (
    "fit recipe",
    "loop recipe",
    "fit",
    "loop",
    "fit xla",
    "loop xla",
    "fit spe=4",
    "fit spe=16",
    "fit synth",
    "fit f32",
)
# Steps of ~0.5 s (convolutions): Python overhead and steps_per_execution cannot matter there,
# so fewer configurations and 16 steps per run.
SLOW = ("a001.dcgan",)
SLOW_NAMES = ("fit", "loop", "fit xla", "loop xla", "fit synth")
# XLA on the CAE's batch Jacobian did not finish within 20 minutes on the 2-core CPU: skipped.
NO_XLA = ("a003.cae", "a003.latent_gan")
MEMORY_NAMES = ("fit", "loop", "fit xla")


def _configs(recipe, names):
    """``name -> run(steps)`` callables, warmed up; each returns its :class:`Clock` times.

    A name is ``fit`` or ``loop``, then ``xla`` for XLA, ``spe=N`` for
    ``steps_per_execution``, ``synth`` or ``f32`` for other input.
    """
    import keras

    from bench import hand_loops
    from zoo import recipes

    defaults = dict(recipes.get(recipe).compile_options)
    models, batch, data = _setup(recipe, len(names))
    runs = {}
    for name, model in zip(names, models, strict=True):
        spe = int(name.split("=")[1]) if "spe=" in name else 1
        jit = "xla" in name
        if "recipe" in name:  # the model as recipes.build compiled it
            spe = defaults.get("steps_per_execution", 1)
            jit = defaults.get("jit_compile") is True
        if name.startswith("loop"):
            graph = "graph" in name
            step = hand_loops.make_step(model, jit_compile=jit, in_graph_iterator=graph)
            # One iterator for all runs, as a hand-written loop over a whole training run has.
            iterator = iter(data["real"])

            def run(steps, step=step, iterator=iterator, graph=graph):
                clock = Clock()
                for _ in range(steps):
                    step(iterator) if graph else step(next(iterator))
                    clock.tick(1)
                return clock.done(steps)

        else:
            if "recipe" not in name:
                _recompile(model, jit_compile=jit, steps_per_execution=spe)
            ds = data[{"fit synth": "synth", "fit f32": "f32"}.get(name, "real")]

            def run(steps, model=model, ds=ds, spe=spe):
                clock = Clock()
                tick = keras.callbacks.LambdaCallback(
                    on_train_batch_end=lambda b, logs: clock.tick(spe)
                )
                model.fit(ds, epochs=1, steps_per_epoch=steps, verbose=0, callbacks=[tick])
                return clock.done(steps)

        try:
            run(16)  # warm-up: traces (and XLA-compiles) the step
        except Exception as e:  # reported in the results; the other configurations still run
            FAILED[name] = f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"
            continue
        runs[name] = run
    return runs, batch


FAILED = {}  # configuration -> why it could not run


def worker(recipe, runs, target, names=None):
    """Times every configuration, interleaved round by round; prints the results as JSON.

    Ratios are medians of per-round ratios (both terms of a ratio ran seconds
    apart, under nearly the same load), the sturdiest figure on a shared machine.
    """
    names = names or (SLOW_NAMES if recipe in SLOW else ALL_NAMES)
    if recipe in NO_XLA:
        names = [n for n in names if "xla" not in n]
    configs, batch = _configs(recipe, names)
    # Steps per run from the warm fit step time: a multiple of 16, >= 3 executions at spe=16.
    probe = configs["fit"](16)
    step_s = probe["steady_s"] / probe["steady_steps"]
    steps = 16 if recipe in SLOW else int(min(400, max(48, round(target / step_s / 16) * 16)))
    rounds = []
    for _ in range(runs):
        rounds.append({name: run(steps) for name, run in configs.items()})

    def ips(t, clock="steady_s"):
        return t["steady_steps"] * batch / t[clock]

    def median_ratio(a, b, clock="steady_s"):
        if a not in configs or b not in configs:
            return None
        return statistics.median(ips(r[a], clock) / ips(r[b], clock) for r in rounds)

    from zoo import recipes

    result = {
        "recipe": recipe,
        "compile_options": dict(recipes.get(recipe).compile_options),
        "batch": batch,
        "steps": steps,
        "runs": runs,
        "failed": FAILED,
        "images_per_s": {n: statistics.median(ips(r[n]) for r in rounds) for n in configs},
        "ratios": {
            "recipe fit/loop": median_ratio("fit recipe", "loop recipe")
            or median_ratio("fit", "loop"),
            "recipe fit/loop cpu": median_ratio("fit recipe", "loop recipe", "steady_cpu_s")
            or median_ratio("fit", "loop", "steady_cpu_s"),
            "recipe fit/fit": median_ratio("fit recipe", "fit"),
            "fit/loop": median_ratio("fit", "loop"),
            "fit/loop cpu": median_ratio("fit", "loop", "steady_cpu_s"),
            "fit/loop graph": median_ratio("fit", "loop graph"),
            "fit/loop graph cpu": median_ratio("fit", "loop graph", "steady_cpu_s"),
            "fit xla/loop xla": median_ratio("fit xla", "loop xla"),
            "fit xla/fit": median_ratio("fit xla", "fit"),
            "loop xla/loop": median_ratio("loop xla", "loop"),
            "spe=4": median_ratio("fit spe=4", "fit"),
            "spe=16": median_ratio("fit spe=16", "fit"),
            "synth/real": median_ratio("fit synth", "fit"),
            "f32/uint8": median_ratio("fit f32", "fit"),
        },
        # The same ratios in process CPU time: what each configuration costs, whatever the load.
        "ratios_cpu": {
            "recipe fit/loop": median_ratio("fit recipe", "loop recipe", "steady_cpu_s"),
            "recipe fit/fit": median_ratio("fit recipe", "fit", "steady_cpu_s"),
            "fit/loop": median_ratio("fit", "loop", "steady_cpu_s"),
            "fit/loop graph": median_ratio("fit", "loop graph", "steady_cpu_s"),
            "fit xla/loop xla": median_ratio("fit xla", "loop xla", "steady_cpu_s"),
            "fit xla/fit": median_ratio("fit xla", "fit", "steady_cpu_s"),
            "loop xla/loop": median_ratio("loop xla", "loop", "steady_cpu_s"),
            "spe=4": median_ratio("fit spe=4", "fit", "steady_cpu_s"),
            "spe=16": median_ratio("fit spe=16", "fit", "steady_cpu_s"),
            "synth/real": median_ratio("fit synth", "fit", "steady_cpu_s"),
            "f32/uint8": median_ratio("fit f32", "fit", "steady_cpu_s"),
        },
        # What one fit call costs beyond its steps (setup, iterator, end of epoch).
        "fit_call_overhead_s": statistics.median(
            r["fit"]["total_s"] - steps * r["fit"]["steady_s"] / r["fit"]["steady_steps"]
            for r in rounds
        ),
    }
    print(MARK + json.dumps(result), flush=True)


def memory_worker(recipe, name):
    """Peak memory (MiB) of one configuration, alone in this process."""
    baseline = _vm_hwm_mib()
    configs, _ = _configs(recipe, [name])
    configs[name](32)
    print(MARK + json.dumps({"baseline_mib": baseline, "peak_mib": _vm_hwm_mib()}), flush=True)


def profile(recipe, steps=200):
    """cProfile of the Python side of ``fit`` (spe=1) and of the hand loop."""
    import cProfile
    import pstats

    configs, _ = _configs(recipe, ["fit", "loop"])
    for name in ("fit", "loop"):
        profiler = cProfile.Profile()
        profiler.enable()
        configs[name](steps)
        profiler.disable()
        print(f"\n== {recipe} {name}: {steps} steps, top 25 by cumulative time")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def pipeline_rate(batch, steps=2000):
    """Images/s the input pipeline of the benchmark delivers alone, pulled as fit pulls it.

    ``fit`` takes its batches inside the compiled step (``iterator.get_next``);
    this times the same pull with nothing else in the step, over ``steps`` batches.
    """
    import tensorflow as tf

    x, real = _pipeline(batch)
    iterator = iter(real)

    @tf.function
    def pull(iterator):
        return tf.reduce_sum(tf.cast(iterator.get_next()[0, 0, 0], "int32"))

    for _ in range(len(x) // batch + 1):  # warm-up: tracing, and the cache's first pass
        pull(iterator)
    start = time.perf_counter()
    for _ in range(steps):
        pull(iterator)
    return steps * batch / (time.perf_counter() - start)


def pipeline_table(batches=(64, 128)):
    """Prints what the input pipeline delivers alone, per batch size."""
    rows = [f"| {b} | {pipeline_rate(b):.0f} |" for b in batches]
    print("| batch | pipeline alone, img/s |\n|---|---|\n" + "\n".join(rows))


def _subprocess(args, timeout=1800, module="bench.bench_fit"):
    """Runs ``python -m module args`` from the checkout's root; returns its result line's JSON."""
    proc = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith(MARK)]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"bench worker {args} failed:\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1][len(MARK) :])


def table(results, memory):
    """The markdown table: steady-state img/s (medians) and per-round median ratios."""
    cols = ["recipe fit/loop", "recipe fit/loop cpu", "recipe fit/fit"]
    cols += ["fit/loop", "fit/loop cpu", "fit/loop graph", "fit/loop graph cpu"]
    cols += ["fit xla/loop xla", "fit xla/fit", "loop xla/loop"]
    cols += ["spe=4", "spe=16", "synth/real", "f32/uint8"]
    head = "| recipe | options | batch | steps/run | recipe fit img/s | fit img/s | loop img/s | "
    head += " | ".join(cols)
    head += " | fit call s | peak MiB fit / loop / fit xla |\n|" + "---|" * (len(cols) + 9)
    rows = []
    for r in results:
        ips, ratios = r["images_per_s"], r["ratios"]
        mem = memory.get(r["recipe"], {})
        peaks = " / ".join(f"{mem[k]['peak_mib']:.0f}" if k in mem else "-" for k in MEMORY_NAMES)
        cells = [f"{ratios[c]:.2f}" if ratios.get(c) is not None else "-" for c in cols]
        options = r.get("compile_options") or {}
        short = {"jit_compile": "xla", "steps_per_execution": "spe"}
        options = ", ".join(f"{short[k]}={v}" for k, v in options.items()) or "Keras defaults"
        rows.append(
            f"| {r['recipe']} | {options} | {r['batch']} | {r['steps']} | "
            f"{ips.get('fit recipe', ips.get('fit', 0)):.0f} | {ips.get('fit', 0):.0f} | "
            f"{ips.get('loop', 0):.0f} | " + " | ".join(cells) + f" | "
            f"{r['fit_call_overhead_s']:.2f} | {peaks} |"
        )
        if r["failed"]:
            rows.append(f"| {r['recipe']}: failed {r['failed']} |")
    return head + "\n" + "\n".join(rows) + "\n"


def main(argv=None):
    from zoo import recipes

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipes", nargs="+", default=recipes.names())
    parser.add_argument("--runs", type=int, default=3, help="timed rounds (>= 3)")
    parser.add_argument("--target", type=float, default=TARGET_SECONDS, help="seconds per run")
    parser.add_argument("--memory", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--json", help="also write the raw results here")
    parser.add_argument("--profile", metavar="RECIPE", help="cProfile fit and the loop")
    parser.add_argument(
        "--pipeline", action="store_true", help="time the input pipeline alone, and stop"
    )
    parser.add_argument(
        "--configs", nargs="+", help="configurations to time (default: all), e.g. fit 'loop graph'"
    )
    parser.add_argument("--worker", metavar="RECIPE", help=argparse.SUPPRESS)
    parser.add_argument("--memory-worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.worker, args.runs, args.target, args.configs)
    if args.memory_worker:
        return memory_worker(*args.memory_worker)
    if args.profile:
        return profile(args.profile)
    if args.pipeline:
        return pipeline_table()

    started = time.time()
    results, memory = [], {}
    for recipe in args.recipes:
        run_args = ["--runs", str(args.runs), "--target", str(args.target)]
        run_args += ["--configs", *args.configs] if args.configs else []
        r = _subprocess(["--worker", recipe, *run_args])
        results.append(r)
        if args.memory:
            names = [n for n in MEMORY_NAMES if n in r["images_per_s"]]
            memory[recipe] = {n: _subprocess(["--memory-worker", recipe, n]) for n in names}
        print(table([r], memory).splitlines()[-1], file=sys.stderr, flush=True)
        if args.json:  # after every recipe, so that a long run that is stopped keeps its results
            with open(args.json, "w") as f:
                json.dump({"results": results, "memory": memory}, f, indent=1)
    print(
        f"# bench_fit: {datetime.date.today()}, {platform.node()}, {os.cpu_count()} CPUs, "
        f"runs={args.runs}, target={args.target} s, {time.time() - started:.0f} s\n"
    )
    print(table(results, memory))


if __name__ == "__main__":
    main()
