"""The contractive weight of ``a003.cae``: a sweep over lambda, one table.

Trains ``a003.cae`` on full MNIST once per lambda (0 is the plain autoencoder
``a003.ae``: same networks, same step), with every other hyperparameter the
recipe's, then measures on the first ``--test-images`` test digits the mean
Frobenius norm of the encoder's Jacobian ``||dh/dx||_F``
(:func:`zoo.evaluation.jacobian_norm`, the penalty's own term) and the
per-pixel test MSE of the reconstructions
(:func:`zoo.evaluation.reconstruction_errors`). The recipe's lambda is the one
that cuts the Jacobian norm several times while the MSE stays close to the
baseline's.

Usage (about a minute an epoch per lambda on 2 idle cores)::

    ZOO_MNIST_PATH=../shared/data/mnist.npz python -m bench.cae_sweep --epochs 5
    python -m bench.cae_sweep --epochs 10 --lambdas 0 3e-5 --json sweep.json
"""

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

LAMBDAS = (0.0, 1e-5, 3e-5, 1e-4)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lambdas", type=float, nargs="*", default=LAMBDAS)
    parser.add_argument("--epochs", type=int, required=True, help="pin the budget a figure names")
    parser.add_argument("--test-images", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="runs/bench-cae-sweep")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)

    from zoo import data, evaluation, training

    x_test, _ = data.load_mnist_arrays("test", source="npz")
    x_test = x_test[: args.test_images]
    rows = {}
    for lam in args.lambdas:
        started = time.perf_counter()
        model, _ = training.train(
            "a003.cae",
            epochs=args.epochs,
            out_dir=os.path.join(args.out, f"lambda_{lam:g}"),
            source="npz",
            seed=args.seed,
            fresh=True,
            verbose=0,
            contractive_weight=lam,
        )
        rows[f"{lam:g}"] = {
            "jacobian_norm": evaluation.jacobian_norm(model, x_test),
            "test_mse": evaluation.reconstruction_errors(model, x_test)["mse"],
            "train_seconds": round(time.perf_counter() - started, 1),
        }
        print(f"lambda {lam:g}: {json.dumps(rows[f'{lam:g}'])}", flush=True)

    print(f"\na003.cae, {args.epochs} epochs, seed {args.seed}, {len(x_test)} test digits")
    print(f"{'lambda':>8} {'||dh/dx||_F':>12} {'test MSE':>10} {'train s':>8}")
    for lam, r in rows.items():
        print(f"{lam:>8} {r['jacobian_norm']:>12.2f} {r['test_mse']:>10.4f} "
              f"{r['train_seconds']:>8.0f}")  # fmt: skip
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"epochs": args.epochs, "seed": args.seed, "lambdas": rows}, f, indent=1)


if __name__ == "__main__":
    main()
