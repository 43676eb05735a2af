"""GAN training throughput: zoo's ``fit`` against the fastest known loop and the peers.

For every GAN recipe, and for the networks of TensorFlow's DCGAN tutorial
(``tf-tutorial``), one subprocess builds an independent copy of the model per
configuration, warms each up (tracing, XLA compilation), then times them round
by round, interleaved, so that a shared machine's load hits all alike. Figures
are steady-state images/s (medians over the rounds); ratios are medians of
per-round ratios.

Configurations, all with the recipe's compile options (XLA, steps per
execution; ``tf-tutorial`` uses ``a001.dcgan``'s, Keras' defaults):

* ``fit``: ``model.fit`` as ``recipes.build`` makes it (one generator forward
  per step, ``reuse_fakes=True``);
* ``fit 2fwd``: the same with ``reuse_fakes=False`` (fresh noise for the G
  update: two generator forwards, zoo's step before this change);
* ``loop``: the fastest known hand-written loop for the articles' algorithm
  (:mod:`hand_loops`: D then G, one generator forward, no trackers, no input
  checks), as many steps per ``tf.function`` call as ``fit`` runs per
  execution; ``loop 1``: one step per call, Python ``for`` over the batches;
  ``best loop`` is the faster of the two in each round;
* ``simultaneous``: the TF tutorial's loop (both players' gradients from one
  forward pass, then both updates), a different algorithm, as a reference;
* ``keras-io fit``: ``fit`` of keras-io's DCGAN ``train_step``
  (:class:`gan_peers.KerasIOGAN`: concatenated D batch, fresh noise for G);
  ``keras-io philox``: the same with zoo's Philox-named draws (under XLA
  only: the example's ``keras.random`` draws are slow there on CPU);
  ``keras-io defaults``: compiled as the example is, with Keras' defaults
  (no XLA on CPU, one step per execution).

``--torch-python PY`` (by default this interpreter, if it has torch) also
times :mod:`torch_dcgan` (eager PyTorch, the same tutorial networks and
one-forward step) with that interpreter, right after the ``tf-tutorial``
subject, and reports ``fit/torch``.

Targets (issue 12): ``fit`` >= 0.95x the best loop, >= 1.2x keras-io ``fit``.

Example:
    TF_CPP_MIN_LOG_LEVEL=3 python -m bench.bench_gan --torch-python /work/torchenv/bin/python
    TF_CPP_MIN_LOG_LEVEL=3 python -m bench.bench_gan --subjects a000.gan --runs 5
"""

import argparse
import datetime
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time

from bench.bench_fit import MARK, _pipeline, _subprocess
from bench.common import MNIST, ROOT, Clock

CONFIGS = ("fit", "fit 2fwd", "loop", "loop 1", "simultaneous")
CONFIGS += ("keras-io fit", "keras-io philox", "keras-io defaults")
TUTORIAL = "tf-tutorial"
CONV = ("a001.dcgan", TUTORIAL)  # ~0.2-0.5 s steps: a fixed 16 steps per run
RATIOS = {  # name -> (numerator, denominator, target)
    "fit/best loop": ("fit", "best loop", 0.95),
    "fit/keras-io fit": ("fit", "keras-io fit", 1.2),
    "fit/keras-io philox": ("fit", "keras-io philox", None),
    "fit/keras-io defaults": ("fit", "keras-io defaults", None),
    "fit/fit 2fwd": ("fit", "fit 2fwd", None),
    "simultaneous/best loop": ("simultaneous", "best loop", None),
}


def gan_subjects():
    from zoo import recipes

    return [TUTORIAL] + [n for n in recipes.names() if recipes.get(n).family.endswith("gan")]


def _options(subject):
    """``subject``'s compile options and batch size (the tutorial's: Keras defaults, 128)."""
    from zoo import recipes

    if subject == TUTORIAL:
        return {}, 128
    recipe = recipes.get(subject)
    return dict(recipe.compile_options), recipe.budget["batch_size"]


def _build(subject, **attrs):
    """A fresh compiled model of ``subject`` (seed 0), ``attrs`` set before its first fit."""
    import keras

    from bench import gan_peers
    from zoo import recipes

    keras.utils.set_random_seed(0)
    model = gan_peers.tf_tutorial_dcgan() if subject == TUTORIAL else recipes.build(subject)
    for key, value in attrs.items():
        setattr(model, key, value)  # before the first fit traces the step
    return model


def _fit_run(model, spe, iterator):
    import keras

    def run(steps):
        clock = Clock()
        tick = keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: clock.tick(spe))
        model.fit(iterator, epochs=1, steps_per_epoch=steps, verbose=0, callbacks=[tick])
        return clock.done(steps)

    return run


def _loop_run(step, iterator, per_call, graph):
    def run(steps):
        clock = Clock()
        for _ in range(steps // per_call):
            step(iterator) if graph else step(next(iterator))
            clock.tick(per_call)
        return clock.done(steps)

    return run


def _configs(subject, names):
    """``name -> run(steps)``, each warmed up, and the batch size."""
    from bench import gan_peers, hand_loops

    options, batch = _options(subject)
    spe = options.get("steps_per_execution", 1)
    jit = options.get("jit_compile") is True
    runs = {}
    for name in names:
        if spe == 1 and name in ("loop 1", "keras-io defaults"):
            continue  # the same as "loop", "keras-io fit"
        if name == "keras-io philox" and not jit:
            continue  # the same draws as "keras-io fit" off XLA
        model = _build(subject, reuse_fakes=name != "fit 2fwd")
        data = _pipeline(batch)[1]
        if name in ("fit", "fit 2fwd"):
            run = _fit_run(model, spe, data)
        elif name.startswith("keras-io"):
            peer = gan_peers.KerasIOGAN(model, philox=name == "keras-io philox")
            defaults = name == "keras-io defaults"
            peer.compile(**({} if defaults else options))
            run = _fit_run(peer, 1 if defaults else spe, data)
        else:
            per_call = 1 if name == "loop 1" else spe
            step = hand_loops.make_step(
                model,
                jit_compile=jit,
                in_graph_iterator=per_call > 1,
                steps_per_call=per_call,
                gan_round="simultaneous" if name == "simultaneous" else None,
            )
            run = _loop_run(step, iter(data), per_call, per_call > 1)
        run(2 * spe if spe > 1 else 8)  # warm-up: traces and XLA-compiles
        runs[name] = run
    return runs, batch, spe


def worker(subject, n_runs, target, names):
    """Times the configurations of ``subject``, interleaved; prints the results as JSON."""
    configs, batch, spe = _configs(subject, names)
    probe = configs["fit"](max(16, 2 * spe))
    step_s = probe["steady_s"] / max(probe["steady_steps"], 1)
    quantum = max(16, spe)
    steps = 16 if subject in CONV else int(min(512, max(48, round(target / step_s / quantum))))
    steps = max(quantum, steps - steps % quantum)
    rounds = [{name: run(steps) for name, run in configs.items()} for _ in range(n_runs)]
    for r in rounds:
        ips = {n: t["steady_steps"] * batch / t["steady_s"] for n, t in r.items()}
        ips["best loop"] = max(ips.get("loop", 0), ips.get("loop 1", 0))
        r.clear()
        r.update(ips)

    def median_ratio(a, b):
        if any(a not in r or b not in r for r in rounds):
            return None
        return statistics.median(r[a] / r[b] for r in rounds)

    result = {
        "subject": subject,
        "batch": batch,
        "steps_per_execution": spe,
        "steps": steps,
        "runs": n_runs,
        "images_per_s": {n: statistics.median(r[n] for r in rounds) for n in rounds[0]},
        "ratios": {k: median_ratio(a, b) for k, (a, b, _) in RATIOS.items()},
    }
    print(MARK + json.dumps(result), flush=True)


def torch_peer(python, runs, steps=16):
    """Images/s of the eager PyTorch loop (:mod:`torch_dcgan`), or None if it cannot run."""
    cmd = [
        python,
        os.path.join(ROOT, "bench", "torch_dcgan.py"),
        "--steps",
        str(steps),
        "--warmup",
        "4",
    ]
    cmd += ["--runs", str(runs), "--batch", "128", "--threads", str(os.cpu_count())]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    lines = [line for line in proc.stdout.splitlines() if line.startswith(MARK)]
    if proc.returncode != 0 or not lines:
        print(f"torch peer failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(lines[-1][len(MARK) :])


def table(results):
    cols = ["fit", "fit 2fwd", "best loop", "loop", "loop 1", "simultaneous", "keras-io fit"]
    cols += ["keras-io philox", "keras-io defaults"]
    head = "| subject | batch | spe | " + " | ".join(f"{c} img/s" for c in cols)
    head += " | " + " | ".join(RATIOS) + " | torch img/s | fit/torch |\n"
    head += "|" + "---|" * (3 + len(cols) + len(RATIOS) + 2)
    rows = []
    for r in results:
        ips, ratios = r["images_per_s"], r["ratios"]
        cells = [f"{ips[c]:.0f}" if c in ips else "-" for c in cols]
        for key, (_, _, target) in RATIOS.items():
            value = ratios.get(key)
            mark = "" if target is None or value is None else (" ✓" if value >= target else " ✗")
            cells.append("-" if value is None else f"{value:.2f}{mark}")
        torch_ips = r.get("torch", {}).get("median_images_per_s")
        cells += [f"{torch_ips:.0f}", f"{ips['fit'] / torch_ips:.2f}"] if torch_ips else ["-"] * 2
        rows.append(f"| {r['subject']} | {r['batch']} | {r['steps_per_execution']} | ")
        rows[-1] += " | ".join(cells) + " |"
    return head + "\n" + "\n".join(rows) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subjects", nargs="+", default=None, help="recipes and/or tf-tutorial")
    parser.add_argument("--runs", type=int, default=3, help="timed rounds")
    parser.add_argument("--target", type=float, default=1.0, help="seconds per run")
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS))
    parser.add_argument(
        "--torch-python",
        default=sys.executable if importlib.util.find_spec("torch") else None,
        help="a Python with torch, to time torch_dcgan.py (default: this one, if it has torch)",
    )
    parser.add_argument("--json", help="also write the raw results here")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.worker, args.runs, args.target, args.configs)

    started = time.time()
    results = []
    for subject in args.subjects or gan_subjects():
        worker_args = ["--worker", subject, "--runs", str(args.runs), "--target", str(args.target)]
        r = _subprocess([*worker_args, "--configs", *args.configs], module="bench.bench_gan")
        if subject == TUTORIAL and args.torch_python:
            r["torch"] = torch_peer(args.torch_python, args.runs) or {}
        results.append(r)
        print(table([r]).splitlines()[-1], file=sys.stderr, flush=True)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(results, f, indent=1)
    print(
        f"# bench_gan: {datetime.date.today()}, {platform.node()}, {os.cpu_count()} CPUs, "
        f"runs={args.runs}, target={args.target} s, data={MNIST}, {time.time() - started:.0f} s\n"
    )
    print(table(results))


if __name__ == "__main__":
    main()
