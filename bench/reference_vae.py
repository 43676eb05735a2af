"""The reference VAE on the IWAE paper's schedule, against its published 86.76 nats.

Burda et al. (ICLR 2016, section 5) train the one-stochastic-layer VAE
(:func:`zoo.reference.reference_vae`) with batch size 20 for 3,280 passes:
stage i = 0..7 runs 3^i epochs at learning rate 1e-3 * 10^(-i/7). This script
runs that schedule on dynamically binarised MNIST and, after every stage,
reports the test NLL bound (IWAE, k = 5000) on the first ``--test-images``
test digits (all 10,000 with ``--test-images 10000``, the paper's setting).

Resumable across sittings: the model (with its optimizer state) is saved after
every epoch (``keras.callbacks.BackupAndRestore``) and after every stage, and
``progress.json`` keeps each finished stage's figures. Running it again goes on
where it stopped; ``--stages`` bounds how far one sitting goes. It writes the
table to ``docs/reference_vae.md`` with the projected time of the whole schedule.

Usage:
    ZOO_MNIST_PATH=../shared/data/mnist.npz .venv/bin/python -m bench.reference_vae --stages 4
"""

import argparse
import datetime
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402

from zoo import data, reference  # noqa: E402
from zoo.evaluation import likelihood  # noqa: E402

PUBLISHED_NATS = 86.76
TARGET_NATS = 88.0
STAGES = 8
BATCH_SIZE = 20


def stage_epochs(i):
    return 3**i


def stage_learning_rate(i):
    return 1e-3 * 10 ** (-i / 7)


def load_progress(path):
    if os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    return {"stages": []}


def run_stage(i, model, x_train, out, seed):
    """Trains stage ``i`` (resuming it mid-way if a sitting stopped); returns its seconds."""
    model.optimizer.learning_rate.assign(stage_learning_rate(i))
    ds = reference.binarized_dataset(x_train, BATCH_SIZE, seed=seed + i)
    started = time.perf_counter()
    model.fit(
        ds,
        epochs=stage_epochs(i),
        verbose=0,
        callbacks=[keras.callbacks.BackupAndRestore(os.path.join(out, f"backup-{i}"))],
    )
    return time.perf_counter() - started


def markdown(progress, args):
    done = progress["stages"]
    passes = sum(stage_epochs(s["stage"]) for s in done)
    total = sum(stage_epochs(i) for i in range(STAGES))
    # The projection takes the latest stage's rate: the first stage's seconds include
    # compiling the step, and the later ones run longer at a steadier pace.
    last = done[-1] if done else None
    per_pass = last["seconds"] / stage_epochs(last["stage"]) if last else float("nan")
    lines = [
        "| stage | learning rate | epochs | passes so far | train s | "
        f"test NLL (k = {args.k}) ↓ | test images |",
        "|---|---|---|---|---|---|---|",
    ]
    cumulative = 0
    for s in done:
        cumulative += stage_epochs(s["stage"])
        lines.append(
            f"| {s['stage']} | {stage_learning_rate(s['stage']):.2e} | {stage_epochs(s['stage'])} "
            f"| {cumulative:,} | {s['seconds']:.0f} | {s['nll']:.2f} | {s['n']:,} |"
        )
    return "\n".join(lines), passes, total, per_pass


def document(table, passes, total, per_pass, meta):
    left_hours = (total - passes) * per_pass / 3600
    return f"""# The reference VAE against 86.76 nats

`bench/reference_vae.py` on {meta["date"]}, {meta["machine"]}. The one-stochastic-layer
VAE of Burda et al. (2016): 2×200 tanh MLPs, 50-d latent, Bernoulli decoder, k = 1
training, Adam (β = 0.9, 0.999, ε = 1e-4), batch size 20, dynamically binarised MNIST,
stage i = 0…7 of 3^i epochs at learning rate 1e-3·10^(-i/7): 3,280 passes in all.
Published: **{PUBLISHED_NATS} nats** test NLL (k = 5000); the target here: ≤ {TARGET_NATS}.

{table}

{passes:,} of the schedule's {total:,} passes are done; at the last stage's {per_pass:.1f} s a
pass on this CPU the rest would take about **{left_hours:.0f} hours** more. Each stage is scored on
the first test digits given in its row, binarised once with a fixed seed; the full
10,000 come with `--test-images 10000` (about 10x the scoring time). Run the script
again to go on from the last finished epoch.
"""


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--stages", type=int, default=STAGES, help="run stages 0..N-1 (default 8)")
    p.add_argument("--k", type=int, default=5000)
    p.add_argument("--test-images", type=int, default=1000)
    p.add_argument("--steps-per-execution", type=int, default=100)
    p.add_argument("--no-xla", action="store_true", help="XLA off (it ran 1.4x faster here)")
    p.add_argument("--out", default=os.path.join("runs", "results", "reference-schedule"))
    p.add_argument("--doc", default="docs/reference_vae.md", help="markdown file, or -")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    progress_path = os.path.join(args.out, "progress.json")
    progress = load_progress(progress_path)
    x_train, _ = data.load_mnist_arrays("train", source="npz")
    x_test, _ = data.load_mnist_arrays("test", source="npz")

    keras.utils.set_random_seed(args.seed)
    model = reference.reference_vae(
        steps_per_execution=args.steps_per_execution, jit_compile=not args.no_xla
    )
    model_path = os.path.join(args.out, "model.keras")
    if progress["stages"]:  # the last finished stage's weights and optimizer state
        model.optimizer.build(model.trainable_variables)
        model.load_weights(model_path.replace(".keras", ".weights.h5"))
    for i in range(len(progress["stages"]), min(args.stages, STAGES)):
        seconds = run_stage(i, model, x_train, args.out, args.seed)
        scores = likelihood.vae_metrics(
            model, x_test, k=args.k, n_iwae=args.test_images, seed=args.seed
        )
        progress["stages"].append(
            dict(
                stage=i,
                seconds=seconds,
                nll=scores["iwae_nll"],
                n=scores["n_iwae"],
                elbo=scores["elbo"],
            )  # fmt: skip
        )
        model.save_weights(model_path.replace(".keras", ".weights.h5"))
        model.save(model_path)
        with open(progress_path, "w") as f:
            json.dump(progress, f, indent=1)
        print(f"stage {i}: {progress['stages'][-1]}", flush=True)

    table, passes, total, per_pass = markdown(progress, args)
    print(table)
    if args.doc != "-":
        from bench.common import machine

        meta = dict(date=datetime.date.today().isoformat(), machine=machine())
        with open(args.doc, "w") as f:
            f.write(document(table, passes, total, per_pass, meta))


if __name__ == "__main__":
    main()
