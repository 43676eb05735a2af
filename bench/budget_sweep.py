"""How a recipe's samples improve with its budget: one run, scored at several epochs.

Trains the recipe once on full MNIST to the largest of ``--epochs`` with
:func:`zoo.training.train` (the call ``python -m zoo.results`` and the slow tests
make, seed 0), saving the model at each listed epoch. A snapshot only reads
the model, and nothing in training depends on the number of epochs planned,
so a snapshot is the run that a budget of that many epochs gives (checked:
a001.dcgan's 5-epoch snapshot of a 20-epoch run scores FD 9.820303, the
figure of the results table's own 5-epoch run, to the last digit). Each
snapshot is then scored by :func:`zoo.evaluation.evaluate_model` (what
``python -m zoo eval`` runs: 10,000 samples in zoo's classifier features),
and the table gives FD, classifier score, the smallest class and the wall
time to that epoch. The run's ``samples_epoch_NNN.png`` grids show what the
figures mean.

Usage (a001.dcgan: about 3.8 minutes an epoch on 2 CPU cores)::

    ZOO_MNIST_PATH=../shared/data/mnist.npz python -m bench.budget_sweep a001.dcgan \\
        --epochs 5 10 15 --json runs/bench-budget/a001.dcgan.json
    python -m bench.budget_sweep a001.dcgan --epochs 5 10 15 --score-only
"""

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402


class Snapshots(keras.callbacks.Callback):
    """Saves ``epoch_NNN.keras`` (and the wall seconds to it) after each listed epoch."""

    def __init__(self, directory, epochs):
        super().__init__()
        self.directory, self.epochs = directory, set(epochs)
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 in self.epochs:
            os.makedirs(self.directory, exist_ok=True)
            self.model.save(os.path.join(self.directory, f"epoch_{epoch + 1:03d}.keras"))
            with open(os.path.join(self.directory, f"epoch_{epoch + 1:03d}.json"), "w") as f:
                json.dump({"seconds_this_sitting": time.perf_counter() - self.started}, f)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("recipe")
    parser.add_argument("--epochs", type=int, nargs="+", default=(5, 10, 15))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-samples", type=int, default=10_000)
    parser.add_argument("--out", default=None, help="default runs/bench-budget/RECIPE")
    parser.add_argument("--score-only", action="store_true", help="score existing snapshots")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)

    from zoo import classifier, evaluation, training
    from zoo.training import rundir

    out = args.out or os.path.join("runs", "bench-budget", args.recipe)
    snapshots = os.path.join(out, "snapshots")
    if not args.score_only and not rundir.is_finished(out):
        training.train(
            args.recipe,
            epochs=max(args.epochs),
            out_dir=out,
            source="npz",
            seed=args.seed,
            verbose=0,
            callbacks=[Snapshots(snapshots, args.epochs)],
        )

    (x_train, _), (x_test, _) = classifier.load_mnist(source="npz")
    extractor = classifier.default_extractor(source="npz")
    real = evaluation.real_set(x_train, x_test, args.n_samples, extractor, full_train=True)
    rows = {}
    for epoch in sorted(args.epochs):
        stem = os.path.join(snapshots, f"epoch_{epoch:03d}")
        model = keras.models.load_model(stem + ".keras")
        scores = evaluation.flat_row(
            evaluation.evaluate_model(model, real, n=args.n_samples, extractor=extractor)
        )
        with open(stem + ".json") as f:
            scores["seconds_this_sitting"] = json.load(f)["seconds_this_sitting"]
        rows[epoch] = scores
        print(f"epoch {epoch}: {json.dumps(scores)}", file=sys.stderr, flush=True)

    print(f"\n{args.recipe}, seed {args.seed}, full MNIST, {args.n_samples} samples")
    print(f"{'epochs':>6} {'FD':>7} {'CS':>6} {'smallest':>9} {'>2%':>4} {'wall min':>9}")
    for epoch, r in rows.items():
        print(f"{epoch:>6} {r['fd']:>7.2f} {r['classifier_score']:>6.2f} "
              f"{100 * r['min_class_share']:>8.1f}% {r['classes_above_2pct']:>4} "
              f"{r['seconds_this_sitting'] / 60:>9.1f}")  # fmt: skip
    floor = real.floor
    print(f"real digits (floor): FD {floor['fd']:.2f}, CS {floor['classifier_score']:.2f}")
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump({"recipe": args.recipe, "seed": args.seed, "epochs": rows}, f, indent=1)


if __name__ == "__main__":
    main()
