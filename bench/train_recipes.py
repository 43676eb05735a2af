"""Trains the article recipes on MNIST, saves image grids for the docs, prints a table.

Each recipe trains within its budget (``Recipe.budget``: epochs and batch
size; ``--epochs`` and ``--train-images`` shrink it), then:

* an 8x8 PNG grid goes to ``--out`` (``<recipe>.png``): 64 samples for the
  generative recipes, or 32 test images (odd rows) above their
  reconstructions (even rows) for the autoencoders;
* its row (epochs, seconds, final losses, the figures of
  :mod:`zoo.evaluation.checks`) is merged into ``benchmark.json`` next to the
  image folder, and the docs pages are regenerated from it.

Example:
    TF_CPP_MIN_LOG_LEVEL=3 python -m bench.train_recipes --recipes a000.gan a000.ae
    TF_CPP_MIN_LOG_LEVEL=3 python -m bench.train_recipes --recipes a001.dcgan \\
        --train-images 20000
"""

import argparse
import datetime
import json
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import matplotlib  # noqa: E402

matplotlib.use("Agg")  # files only: no display on the benchmark machines

import keras  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from bench.common import machine  # noqa: E402
from zoo import data, recipes  # noqa: E402
from zoo import evaluation as metrics  # noqa: E402
from zoo.recipes import docs  # noqa: E402

GENERATIVE = ("gan", "latent_gan", "vae")
AUTOENCODING = ("autoencoder", "contractive_autoencoder", "vae")


def load_mnist(path):
    """``(x_train, x_test)`` as raw uint8 arrays (the models take them as they are)."""
    return tuple(data.load_mnist_arrays(s, source="npz", path=path)[0] for s in data.SPLITS)


def grid(images, rows=8, cols=8, pad=2, scale=2):
    """Tiles ``rows * cols`` images in [0, 1] into one array, white-padded."""
    images = np.asarray(images).reshape(-1, 28, 28)[: rows * cols]
    side = 28 + pad
    canvas = np.ones((rows * side + pad, cols * side + pad), dtype="float32")
    for i, image in enumerate(images):
        r, c = divmod(i, cols)
        canvas[pad + r * side : pad + r * side + 28, pad + c * side : pad + c * side + 28] = image
    return np.kron(canvas, np.ones((scale, scale), dtype="float32"))


def picture(model, recipe, x_test):
    """The 64 images of a recipe's grid, in [0, 1]."""
    if recipe.sample_kind == "samples":
        return model.sample(64, seed=1234).numpy()
    originals = data.as_unit(x_test[:32], (-1, 28, 28, 1))
    recons = model.reconstruct(originals).numpy()
    rows = []
    for r in range(4):  # 4 pairs of rows: 8 originals, then their 8 reconstructions
        rows += [originals[r * 8 : (r + 1) * 8], recons[r * 8 : (r + 1) * 8]]
    return np.concatenate(rows)


def figures(model, recipe, x_train, x_test, nelbo_init=None):
    """The recipe's sanity figures on the test set (see zoo.evaluation.checks)."""
    out = {}
    if recipe.family in ("gan", "latent_gan"):
        samples = model.sample(256, seed=1234)
        out["sat"] = metrics.saturated_fraction(samples)
        out["pair_l2"] = metrics.mean_pairwise_distance(samples)
    if recipe.family in AUTOENCODING:
        mse = metrics.reconstruction_errors(model, x_test)["mse"]
        out["mse"] = mse
        out["mean_image_ratio"] = metrics.mean_image_errors(x_train, x_test)["mse"] / mse
    if recipe.family in ("autoencoder", "contractive_autoencoder"):
        out["jac"] = metrics.jacobian_norm(model, x_test[:1000])
    if recipe.family == "vae":
        out["nelbo_init"] = nelbo_init
        out["nelbo"] = metrics.negative_elbo(model, x_test)
        samples = model.sample(256, seed=1234)
        out["pair_l2"] = metrics.mean_pairwise_distance(samples)
    return out


def run(name, x_train, x_test, out_dir, epochs=None, train_images=None, seed=0):
    """Trains one recipe, saves its grid, and returns its benchmark row."""
    recipe = recipes.get(name)
    epochs = epochs or recipe.budget["epochs"]
    batch_size = recipe.budget["batch_size"]
    x = x_train[:train_images] if train_images else x_train
    keras.utils.set_random_seed(seed)
    model = recipes.build(name)
    nelbo_init = metrics.negative_elbo(model, x_test) if recipe.family == "vae" else None
    start = time.perf_counter()
    history = model.fit(x, batch_size=batch_size, epochs=epochs, shuffle=True, verbose=2)
    seconds = time.perf_counter() - start
    plt.imsave(
        out_dir / f"{name}.png",
        grid(picture(model, recipe, x_test)),
        cmap="gray",
        vmin=0.0,
        vmax=1.0,
    )
    return {
        "epochs": epochs,
        "batch_size": batch_size,
        "train_images": len(x),
        "seconds": seconds,
        "losses": {k: float(v[-1]) for k, v in history.history.items()},
        "metrics": figures(model, recipe, x_train, x_test, nelbo_init),
    }


def main(argv=None):
    """Command line; see the module docstring and ``--help``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--recipes",
        nargs="+",
        default=recipes.names(),
        metavar="NAME",
        help="recipes to train (default: all)",
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="epochs for every recipe (default: each recipe's budget)",
    )
    parser.add_argument(
        "--train-images",
        type=int,
        default=None,
        help="train on the first N training images (default: all 60,000)",
    )
    parser.add_argument(
        "--mnist",
        help="MNIST npz in the keras load_data layout (default: $ZOO_MNIST_PATH)",
    )
    parser.add_argument("--out", default="docs/articles/img", help="image folder")
    parser.add_argument("--seed", type=int, default=0, help="global Keras seed")
    parser.add_argument(
        "--note",
        action="append",
        default=[],
        help="a line for the benchmark notes of the docs (repeatable)",
    )
    parser.add_argument(
        "--no-docs", action="store_true", help="do not update benchmark.json and the docs pages"
    )
    args = parser.parse_args(argv)
    for name in args.recipes:
        recipes.get(name)  # fail on a typo before hours of training

    x_train, x_test = load_mnist(args.mnist)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    docs_dir = out_dir.parent
    bench = docs.load_benchmark(docs_dir) or {"results": {}}
    bench.update(
        machine=machine(),
        date=datetime.date.today().isoformat(),
        mnist_sat=metrics.saturated_fraction(x_test[:256]),
        mnist_pair_l2=metrics.mean_pairwise_distance(x_test[:256]),
    )
    bench["notes"] = list(dict.fromkeys(bench.get("notes", []) + args.note))
    for name in args.recipes:
        print(f"== {name}", flush=True)
        bench["results"][name] = run(
            name, x_train, x_test, out_dir, args.epochs, args.train_images, args.seed
        )
        print(docs.benchmark_table(bench, [name]), flush=True)
        if not args.no_docs:
            # Saved after each recipe, so that a long run keeps what it finished.
            (docs_dir / docs.BENCHMARK_FILE).write_text(
                json.dumps(bench, indent=1) + "\n", encoding="utf-8"
            )
    # Keep the registry's order, not the order of this run or of earlier ones.
    order = [n for n in recipes.names() if n in bench["results"]]
    bench["results"] = {n: bench["results"][n] for n in order}
    print(docs.benchmark_table(bench, args.recipes))
    if not args.no_docs:
        (docs_dir / docs.BENCHMARK_FILE).write_text(
            json.dumps(bench, indent=1) + "\n", encoding="utf-8"
        )
        docs.write_docs(docs_dir)


if __name__ == "__main__":
    main()
