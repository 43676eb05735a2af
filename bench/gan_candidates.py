"""A recipe's candidates at a pinned budget, scored alike: the table its choices quote.

Trains a recipe on full MNIST once per candidate and scores 10,000 samples
of each with ``zoo eval``'s code (:func:`zoo.evaluation.evaluate_model`):
class coverage (the share of each digit class by zoo's classifier; the smallest
share, and how many classes hold over 2%) and FD in that classifier's features;
a VAE also by its test ELBO and IWAE bound. Prints a table; ``--json`` keeps it.

The candidates are data, beside the recipe (``[recipe.candidates]`` in
``zoo/recipes/articles/aNNN.toml``): each one is the recipe with the settings it
lists, and every listed setting differs from the recipe's
(``tests/test_config.py``), so a candidate means the same configuration when a
recipe's default moves, or the suite fails. ``--epochs`` is required: a quoted
figure names its budget.

Usage (about 2-3 minutes a dense candidate at 30 epochs on 2 idle cores)::

    ZOO_MNIST_PATH=../shared/data/mnist.npz python -m bench.gan_candidates a002.aegan --epochs 30
    python -m bench.gan_candidates a000.gan --epochs 30 --only recipe article_d --json a000.json
"""

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def candidates_of(recipe):
    """The recipe's candidates (``Recipe.candidates``, in its data file), by name."""
    from zoo import recipes

    return dict(recipes.get(recipe).candidates)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("recipe", help="a recipe with candidates in its data file")
    parser.add_argument("--only", nargs="*", help="candidates to run (default: all)")
    parser.add_argument(
        "--epochs", type=int, required=True, help="epochs of every candidate (pin the budget)"
    )
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="runs/bench-candidates")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    candidates = candidates_of(args.recipe)
    if len(candidates) < 2:
        parser.error(f"{args.recipe} has no candidates to compare in its data file")
    unknown = sorted(set(args.only or ()) - set(candidates))
    if unknown:
        parser.error(
            f"unknown candidate(s) {unknown} of {args.recipe}; choose from {list(candidates)}"
        )

    from zoo import data, evaluation, training

    x_train, _ = data.load_mnist_arrays("train", source="npz")
    x_test, _ = data.load_mnist_arrays("test", source="npz")
    real = evaluation.real_set(x_train, x_test, n=args.samples, seed=args.seed)
    rows = {}
    for name in args.only or candidates:
        started = time.perf_counter()
        model, _ = training.train(
            args.recipe,
            epochs=args.epochs,
            out_dir=os.path.join(args.out, args.recipe, name),
            source="npz",
            seed=args.seed,
            fresh=True,
            verbose=0,
            **candidates[name],
        )
        seconds = time.perf_counter() - started
        scores = evaluation.evaluate_model(model, real, n=args.samples, seed=args.seed)
        gen = scores["generative"]
        rows[name] = {
            "overrides": dict(candidates[name]),
            "train_seconds": round(seconds, 1),
            "fd": gen["fd"],
            "min_class_share": gen["min_class_share"],
            "classes_above_2pct": gen["classes_above_2pct"],
            "class_shares": gen["class_shares"],
            "classifier_score": gen["classifier_score"],
            # VAEs: the test ELBO (nats) and IWAE bound beside the sample scores
            **{k: scores["likelihood"][k] for k in ("elbo", "iwae_nll") if "likelihood" in scores},
        }
        print(f"{name}: {json.dumps(rows[name])}", flush=True)
    floor = real.floor
    print(f"\n{args.recipe}, {args.epochs} epochs, seed {args.seed}, {args.samples} samples")
    print(f"{'candidate':<24} {'FD':>8} {'min share':>10} {'classes >2%':>12} {'train s':>8}")
    print(f"{'real train digits':<24} {floor['fd']:>8.2f} {floor['min_class_share']:>10.3f} "
          f"{floor['classes_above_2pct']:>12d} {'':>8}")  # fmt: skip
    for name, r in rows.items():
        elbo = f"   ELBO {r['elbo']:.2f}, IWAE NLL {r['iwae_nll']:.2f}" if "elbo" in r else ""
        print(f"{name:<24} {r['fd']:>8.2f} {r['min_class_share']:>10.3f} "
              f"{r['classes_above_2pct']:>12d} {r['train_seconds']:>8.0f}{elbo}")  # fmt: skip
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                {"recipe": args.recipe, "floor": floor, "candidates": rows, "seed": args.seed},
                f,
                indent=1,
            )


if __name__ == "__main__":
    main()
