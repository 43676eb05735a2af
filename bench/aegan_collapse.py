"""a002.aegan's mode collapse: each candidate remedy at the recipe's budget, scored alike.

Trains ``a002.aegan`` (article 002's bottleneck generator) at its budget on full
MNIST once per candidate, each a set of recipe overrides, then scores 10,000
samples of each with ``zoo eval``'s code (:func:`zoo.evaluation.evaluate_model`):
class coverage (the share of each digit class by zoo's classifier; the smallest
share, and how many classes hold over 2%) and FD in that classifier's features.
Prints a table; ``--json`` keeps it. The candidates are the remedies issue 13
names: the article's own 32-d noise, balancing the players (D's learning rate,
D steps), D regularisation (a gradient penalty) and minibatch statistics.

Usage (about 3 minutes a candidate on 2 idle cores)::

    ZOO_MNIST_PATH=../shared/data/mnist.npz python bench/aegan_collapse.py --json aegan.json
    python bench/aegan_collapse.py --only baseline minibatch_std --epochs 5   # a quick look
"""

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

#: name -> recipe overrides.
CANDIDATES = {
    "baseline": {},
    "noise_32": {"latent_dim": 32},
    "d_lr_1e-4": {"d_learning_rate": 1e-4},
    "d_steps_2": {"d_steps": 2},
    "gradient_penalty_1": {"gradient_penalty": 1.0},
    "minibatch_std": {"d_minibatch_std": True},
    "minibatch_std_noise_32": {"d_minibatch_std": True, "latent_dim": 32},
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", choices=list(CANDIDATES), help="candidates to run")
    parser.add_argument("--epochs", type=int, default=None, help="default: the recipe's budget")
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="runs/bench-aegan")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)

    from zoo import data, evaluation, training

    x_train, _ = data.load_mnist_arrays("train", source="npz")
    x_test, _ = data.load_mnist_arrays("test", source="npz")
    real = evaluation.real_set(x_train, x_test, n=args.samples, seed=args.seed)
    rows = {}
    for name in args.only or CANDIDATES:
        started = time.perf_counter()
        model, _ = training.train(
            "a002.aegan",
            epochs=args.epochs,
            out_dir=os.path.join(args.out, name),
            source="npz",
            seed=args.seed,
            fresh=True,
            verbose=0,
            **CANDIDATES[name],
        )
        seconds = time.perf_counter() - started
        scores = evaluation.evaluate_model(model, real, n=args.samples, seed=args.seed)
        gen = scores["generative"]
        rows[name] = {
            "overrides": CANDIDATES[name],
            "train_seconds": round(seconds, 1),
            "fd": gen["fd"],
            "min_class_share": gen["min_class_share"],
            "classes_above_2pct": gen["classes_above_2pct"],
            "class_shares": gen["class_shares"],
            "classifier_score": gen["classifier_score"],
        }
        print(f"{name}: {json.dumps(rows[name])}", flush=True)
    floor = real.floor
    budget = args.epochs or "budget"
    print(f"\na002.aegan, {budget} epochs, seed {args.seed}, {args.samples} samples")
    print(f"{'candidate':<24} {'FD':>8} {'min share':>10} {'classes >2%':>12} {'train s':>8}")
    print(f"{'real train digits':<24} {floor['fd']:>8.2f} {floor['min_class_share']:>10.3f} "
          f"{floor['classes_above_2pct']:>12d} {'':>8}")  # fmt: skip
    for name, r in rows.items():
        print(f"{name:<24} {r['fd']:>8.2f} {r['min_class_share']:>10.3f} "
              f"{r['classes_above_2pct']:>12d} {r['train_seconds']:>8.0f}")  # fmt: skip
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"floor": floor, "candidates": rows, "seed": args.seed}, f, indent=1)


if __name__ == "__main__":
    main()
