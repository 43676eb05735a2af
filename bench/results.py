"""Trains every recipe for a small, stated budget and reports how well it works.

For each recipe of :mod:`zoo.recipes` (and the reference VAE of the IWAE paper,
:func:`zoo.reference.reference_vae`): training seconds on this machine, then FD,
KID and the classifier score of generated samples (generative models), test
reconstruction MSE/BCE (autoencoders and VAEs), and the test ELBO and IWAE NLL
bound (VAEs), beside the floor: the same scores of real MNIST training digits
against the test set. Prints a markdown table and writes ``docs/results.md``.
Every figure comes from :func:`zoo.evaluation.evaluate_model`, the code that
``python -m zoo eval`` runs.

Usage:
    .venv/bin/python bench/results.py                  # the full run (about 25 min)
    .venv/bin/python bench/results.py --quick --out -  # a smoke test, prints only
    .venv/bin/python bench/results.py --recipes a000.gan reference.iwae_vae
"""

import argparse
import datetime
import os
import platform
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from zoo import classifier, evaluation, reference  # noqa: E402

REFERENCE = "reference.iwae_vae"
# (epochs, training images). The recipes' own budgets (10-30 epochs) take hours
# on two shared CPU cores; these fit the whole run in about 25 minutes. The
# convolutional and Jacobian-penalised models get a subset of the 60,000 digits.
BUDGETS = {
    "a000.gan": (3, 60_000),
    "a000.ae": (2, 60_000),
    "a001.dcgan": (1, 6_400),  # ~3 s a step here: a full epoch would be ~20 min
    "a001.vae": (2, 30_000),
    "a002.aegan": (5, 60_000),
    "a003.cae": (1, 30_000),
    "a003.ae": (2, 60_000),
    "a003.latent_gan": (1, 30_000),
    "a004.gan": (5, 60_000),
    "a004.beta_vae": (5, 60_000),
    REFERENCE: (10, 60_000),
}
DEFAULT_BUDGET = (1, 10_000)
# (k, test images) of the IWAE bound where the default (--iwae-k on --iwae-n images,
# a quarter of them for grey-value models) costs too much: a001.vae's transposed-
# convolution decoder is about 15x the cost of an MLP decoder per sample.
IWAE_BUDGETS = {"a001.vae": (100, 250)}


def recipe_entries(selected=None):
    """``(name, family, build, batch_size)`` of every recipe, then the reference VAE."""
    out = []
    try:
        from zoo import recipes
    except ImportError:  # the registry is optional: the reference VAE still runs
        recipes = None
    for name in recipes.names() if recipes else []:
        r = recipes.get(name)
        out.append((name, r.family, lambda n=name: recipes.build(n), r.budget["batch_size"]))
    out.append((REFERENCE, "vae", reference.reference_vae, 100))
    return [e for e in out if not selected or e[0] in selected]


def train(name, build, batch_size, x_train, epochs, n_train, seed=0):
    """Builds and fits one model; returns it and the wall-clock seconds of ``fit``."""
    keras.utils.set_random_seed(seed)
    model = build()
    x = x_train[np.random.default_rng(seed).permutation(len(x_train))[:n_train]]
    start = time.perf_counter()
    if name == REFERENCE:  # dynamically binarised, as in the IWAE paper (it shuffles itself)
        ds = reference.binarized_dataset(x, batch_size, seed=seed)
        model.fit(ds, epochs=epochs, shuffle=False, verbose=0)
    else:
        model.fit(x, batch_size=batch_size, epochs=epochs, shuffle=True, verbose=0)
    return model, time.perf_counter() - start


def evaluate(name, model, real, args, extractor=None):
    """The figures of one trained model, as a flat dict (absent keys: not applicable).

    The same :func:`zoo.evaluation.evaluate_model` as ``python -m zoo eval``:
    what a model is scored on follows from what it can do.
    """
    # Decoding k samples per image is the cost: the IWAE bound uses a subset.
    k, n_iwae = args.iwae_k, args.iwae_n if evaluation.binarized_data(model) else args.iwae_n // 4
    if name in IWAE_BUDGETS and not args.quick:
        k, n_iwae = IWAE_BUDGETS[name]
    scores = evaluation.evaluate_model(
        model,
        real,
        n=args.n_samples,
        k=k,
        iwae_images=n_iwae,
        extractor=extractor,
        kid_subsets=args.kid_subsets,
    )
    return evaluation.flat_row(scores)


def fmt(value, spec):
    return "–" if value is None else format(value, spec)


def markdown(rows, floor, args):
    head = (
        "| recipe | family | budget | train s | FD ↓ | KID×10³ ↓ | CS ↑ | MSE ↓ | BCE ↓ "
        "| ELBO ↑ | IWAE NLL ↓ |\n|" + "---|" * 11
    )
    lines = [
        head,
        f"| **floor: real train digits** | data | {args.n_samples:,} | – "
        f"| {floor['fd']:.2f} | {1e3 * floor['kid']:.2f} ± {1e3 * floor['kid_std']:.2f} "
        f"| {floor['classifier_score']:.2f} | – | – | – | – |",
    ]
    for r in rows:
        kid = f"{1e3 * r['kid']:.2f} ± {1e3 * r['kid_std']:.2f}" if "kid" in r else "–"
        iwae = f"{r['iwae_nll']:.2f} (k={r['k']}, n={r['n_iwae']})" if "iwae_nll" in r else "–"
        note = f" ({r['likelihood']})" if "likelihood" in r else ""
        lines.append(
            f"| {r['name']} | {r['family']} | {r['epochs']} ep × {r['n_train']:,} "
            f"| {r['seconds']:.0f} | {fmt(r.get('fd'), '.2f')} | {kid} "
            f"| {fmt(r.get('classifier_score'), '.2f')} | {fmt(r.get('mse'), '.4f')} "
            f"| {fmt(r.get('bce'), '.4f')} | {fmt(r.get('elbo'), '.2f')} | {iwae}{note} |"
        )
    return "\n".join(lines)


def document(table, meta):
    """The text of docs/results.md around the table."""
    return f"""# Results: does it work?

Measured by `bench/results.py` (`make results`) on {meta["date"]}, on {meta["machine"]}
(load average {meta["load"]} at the start: the CPU was shared with other jobs, so the
train seconds are an upper bound, not a benchmark). Whole run: {meta["total"]:.0f} s.

{table}

## How to read it

* **Budgets are tiny and stated** (`budget`: epochs × training images): the recipes'
  own budgets (10–30 epochs) take hours on this CPU. Convolutional and
  Jacobian-penalised recipes train on a random subset of the 60,000 digits. These
  are smoke-level numbers that separate working from broken, not converged models.
* **FD** is the Fréchet distance (FID's formula, Heusel et al. 2017) and **KID** the
  unbiased polynomial-kernel MMD² (Bińkowski et al. 2018; mean ± std over
  {meta["kid_subsets"]} subsets of 1,000) between {meta["n_samples"]:,} samples and
  the 10,000 MNIST test digits, both in the 128-d penultimate features of zoo's own
  MNIST classifier ({meta["classifier"]}). They are *not* comparable to FID/KID
  figures in Inception features. The **floor** row scores {meta["n_samples"]:,}
  random real *training* digits the same way: what a perfect model would get at
  this sample size (FD over all 60,000 training digits: {meta["floor_full"]:.3f};
  the floor's CS is over all 60,000).
* **CS** is the classifier score, the Inception score's formula
  exp(E KL(p(y|x) ‖ p(y))) (Salimans et al. 2016) with the same classifier: 1 to 10.
* **MSE / BCE** are per pixel, on the 10,000 test digits (grey values in [0, 1]).
* **ELBO** (nats, β = 1 whatever the model trained with) is on all test digits;
  the **IWAE NLL** bound (Burda et al. 2016) uses k importance samples on the first n
  test digits. Only the binarised-data Bernoulli model (`{REFERENCE}`, evaluated on
  test digits binarised once with a fixed seed) gives nats comparable to the
  literature; grey-value Bernoulli "likelihoods" and Gaussian densities
  (σ² = 1/2 on [0, 1] pixels) are for comparing zoo models among themselves.
* **The anchor**: Burda et al. report 86.76 nats for this one-stochastic-layer VAE
  (2×200 tanh MLPs, 50-d latent, k = 1 training) after 3,280 passes over the data
  (3^i epochs at learning rate 1e-3·10^(-i/7), i = 0…7) with batch size 20.
  Ours had {meta["ref_epochs"]} epochs with batch size 100: the gap is budget, and
  the figures are not comparable in budget.

Regenerate with `make results` (or `{meta["command"]}`).
"""


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default="docs/results.md", help="markdown file, or - for none")
    p.add_argument("--recipes", nargs="*", help="only these recipe names")
    p.add_argument("--n-samples", type=int, default=10_000)
    p.add_argument("--kid-subsets", type=int, default=100)
    p.add_argument("--iwae-k", type=int, default=5000)
    p.add_argument("--iwae-n", type=int, default=500, help="test images for the IWAE bound")
    p.add_argument("--quick", action="store_true", help="smoke test: tiny budgets and sizes")
    args = p.parse_args(argv)
    if args.quick:
        args.n_samples, args.kid_subsets, args.iwae_k, args.iwae_n = 1000, 10, 50, 40
    start = time.perf_counter()
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    (x_train, _), (x_test, _) = classifier.load_mnist(source="npz")
    extractor = classifier.default_extractor(source="npz")
    print(f"classifier: {extractor.metadata}", file=sys.stderr)

    # One pass over the 60,000 training digits: their moments give the full floor,
    # a reservoir of n_samples of them the floor at the size models are scored at.
    real = evaluation.real_set(
        x_train, x_test, args.n_samples, extractor, kid_subsets=args.kid_subsets, full_train=True
    )
    floor, floor_full = real.floor, real.floor_full_fd
    print(f"floor: {floor}, full train vs test FD {floor_full:.3f}", file=sys.stderr)

    rows = []
    for name, family, build, batch_size in recipe_entries(args.recipes):
        epochs, n_train = (1, 2000) if args.quick else BUDGETS.get(name, DEFAULT_BUDGET)
        model, seconds = train(name, build, batch_size, x_train, epochs, n_train)
        row = dict(name=name, family=family, epochs=epochs, n_train=n_train, seconds=seconds)
        row.update(evaluate(name, model, real, args, extractor))
        print(f"{name}: {row}", file=sys.stderr, flush=True)
        rows.append(row)

    table = markdown(rows, floor, args)
    print(table)
    if args.out != "-":
        meta = dict(
            date=datetime.date.today().isoformat(),
            machine=f"{platform.machine()} Linux, {os.cpu_count()} CPU cores, no GPU, "
            f"TensorFlow {tf.__version__}, Keras {keras.__version__}",
            load=load,
            total=time.perf_counter() - start,
            n_samples=args.n_samples,
            kid_subsets=args.kid_subsets,
            floor_full=floor_full,
            classifier=(
                f"v{classifier.VERSION}, test accuracy "
                f"{100 * extractor.metadata['test_accuracy']:.2f}%"
            ),
            ref_epochs=BUDGETS[REFERENCE][0],
            command="python bench/results.py",
        )
        with open(args.out, "w") as f:
            f.write(document(table, meta))
        print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
