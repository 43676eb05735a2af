"""The article pages' images and benchmark rows, drawn from a sweep's runs (``--docs``).

``python -m bench.sweep RECIPE ... --epochs budget --only recipe --docs docs/articles/img``
trains each recipe at its own budget (``--epochs N`` and ``--limit N`` shrink it) and then:

* an 8x8 PNG grid goes to the image folder (``<recipe>.png``): 64 samples for the
  generative recipes, or 32 test images (odd rows) above their reconstructions
  (even rows) for the autoencoders;
* its row (epochs, seconds, final losses, the figures of
  :mod:`zoo.evaluation.checks`) is merged into ``benchmark.json`` next to the
  image folder, and the docs pages are regenerated from it
  (:func:`zoo.recipes.docs.write_docs`).

The runs are the sweep's, so a page's image is that of the run ``python -m zoo
train`` makes with the same budget, seed and data.
"""

import datetime
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display on the benchmark machines

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from bench.common import machine  # noqa: E402

AUTOENCODING = ("autoencoder", "contractive_autoencoder", "vae")
#: The benchmark being written: ``docs/articles/benchmark.json``'s content (:func:`check`).
BENCH = {}


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
    from zoo import data

    if recipe.sample_kind == "samples":
        return model.sample(64, seed=1234).numpy()
    originals = data.as_unit(x_test[:32], (-1, 28, 28, 1))
    recons = model.reconstruct(originals).numpy()
    rows = []
    for r in range(4):  # 4 pairs of rows: 8 originals, then their 8 reconstructions
        rows += [originals[r * 8 : (r + 1) * 8], recons[r * 8 : (r + 1) * 8]]
    return np.concatenate(rows)


def figures(model, recipe, x_train, x_test, nelbo_init=None):
    """The recipe's sanity figures on the test set (see :mod:`zoo.evaluation.checks`)."""
    from zoo import evaluation as metrics

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


def _docs_dir(args):
    return Path(args.docs).parent


def check(runs, args):
    """Refuses what a page cannot show (a candidate, several seeds or budgets); loads the bench.

    Raises:
        SystemExit: a run that is not its recipe's own config at one seed and budget.
    """
    from zoo.recipes import docs

    names = [r.recipe for r in runs]
    odd = [r for r in runs if r.overrides or len(r.epochs) > 1]
    if odd or len(set(names)) != len(names):
        raise SystemExit(
            "--docs draws each recipe's own config at one seed and one budget: "
            "add --only recipe, one --seeds value and one --epochs value"
        )
    BENCH.clear()
    BENCH.update(docs.load_benchmark(_docs_dir(args)) or {"results": {}})


def start(run, score):
    """What a row needs from before training: a VAE's negative ELBO at initialisation."""
    from zoo import evaluation, recipes, training

    if recipes.get(run.recipe).family != "vae":
        return None
    return evaluation.negative_elbo(training.build_model(run.recipe, seed=run.seed), score.x_test)


def finish(run, model, nelbo_init, score, args):
    """Draws the run's grid and merges its row into ``benchmark.json`` (after each recipe,
    so that a long sweep keeps what it finished)."""
    from zoo import recipes
    from zoo.recipes import docs
    from zoo.training import rundir

    recipe = recipes.get(run.recipe)
    out_dir = Path(args.docs)
    out_dir.mkdir(parents=True, exist_ok=True)
    image = grid(picture(model, recipe, score.x_test))
    plt.imsave(out_dir / f"{run.recipe}.png", image, cmap="gray", vmin=0.0, vmax=1.0)
    directory = Path(run.directory(args.runs))
    record = json.loads((directory / rundir.RUN).read_text())
    history = json.loads((directory / rundir.HISTORY).read_text())
    BENCH["results"][run.recipe] = {
        "epochs": record["epochs"],
        "batch_size": record["batch_size"],
        "train_images": run.limit or len(score.x_train),
        "seconds": record["seconds"],
        # The training losses' last values: the pages' table leaves validation out.
        "losses": {k: v[-1] for k, v in history.items() if not k.startswith("val_")},
        "metrics": figures(model, recipe, score.x_train, score.x_test, nelbo_init),
    }
    print(docs.benchmark_table(BENCH, [run.recipe]), flush=True)
    _save(args, score)


def _save(args, score):
    from zoo import evaluation as metrics
    from zoo.recipes import docs

    BENCH.update(
        made_by="`python -m bench.sweep --docs`",  # the pages name it beside the date
        machine=machine(),
        date=datetime.date.today().isoformat(),
        mnist_sat=metrics.saturated_fraction(score.x_test[:256]),
        mnist_pair_l2=metrics.mean_pairwise_distance(score.x_test[:256]),
    )
    BENCH["notes"] = list(dict.fromkeys(BENCH.get("notes", []) + args.note))
    (_docs_dir(args) / docs.BENCHMARK_FILE).write_text(
        json.dumps(BENCH, indent=1) + "\n", encoding="utf-8"
    )


def write(args, score):
    """Keeps the registry's order in ``benchmark.json`` and regenerates the docs pages."""
    from zoo import recipes
    from zoo.recipes import docs

    # The registry's order, not the order of this sweep or of earlier ones.
    BENCH["results"] = {n: BENCH["results"][n] for n in recipes.names() if n in BENCH["results"]}
    print(docs.benchmark_table(BENCH, args.recipes))
    _save(args, score)
    docs.write_docs(_docs_dir(args))
