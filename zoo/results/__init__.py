"""Every recipe at its own budget on MNIST and Fashion-MNIST, beside peers, scored by ``zoo eval``.

The results tables of the README's "Does it work?" (``docs/results.md``), which
``make results`` (``python -m zoo.results``, :mod:`zoo.results.__main__`) builds,
one per data set. For each recipe of :mod:`zoo.recipes`: trained by
:func:`zoo.training.train` at the recipe's budget (what ``python -m zoo train``
runs) on the data set's 60,000 training images; then the peers
(:mod:`zoo.results.peers`: the TF-tutorial DCGAN as written and with the DCGAN
paper's settings, the keras-io VAE with its 2-d latent and a 16-d one) at the epochs
of ``a001.dcgan`` and ``a001.vae``; then, on MNIST, the reference VAE of the IWAE
paper (:func:`zoo.reference.reference_vae`) for :data:`REFERENCE_EPOCHS` epochs
(its long schedule: ``bench/reference_vae.py``).
Each is scored by :func:`zoo.evaluation.evaluate_model`, the code that
``python -m zoo eval`` runs: FD, KID, the classifier score and class coverage
of generated samples, test reconstruction MSE/BCE, test ELBO and IWAE NLL,
beside the floor (real training digits scored alike). Prints a markdown
table and writes ``docs/results.md``.

Resumable: every entry trains in ``runs_dir(dataset)/<name>`` (checkpoints, then
the finished model) and keeps its scored row in ``row.json`` there, so a
stopped run continues where it left off and the tables can be built over
several sittings; ``--retrain NAME`` starts an entry afresh.

Usage:
    .venv/bin/python -m zoo.results                      # everything (hours on 2 cores)
    .venv/bin/python -m zoo.results --data fashion_mnist --no-train   # finished runs only
    .venv/bin/python -m zoo.results --only a000.gan peer.keras_io_vae --out -
    .venv/bin/python -m zoo.results --quick --out -      # a smoke test, prints only
"""

import glob
import json
import os
import shutil
import time

import keras

from zoo import evaluation, recipes, reference, training
from zoo.results import peers
from zoo.results.document import document, section
from zoo.training import rundir

#: The entry of the IWAE paper's reference VAE (:func:`zoo.reference.reference_vae`).
REFERENCE = "reference.iwae_vae"
#: Its budget here: a short stand-in for the paper's 3,280 passes.
REFERENCE_EPOCHS = 10
#: Where every MNIST entry trains and keeps its scored row, ``RUNS/<name>/``.
RUNS = os.path.join("runs", "results")
__all__ = [
    "DATASETS",
    "IWAE_BUDGETS",
    "REFERENCE",
    "REFERENCE_EPOCHS",
    "RUNS",
    "TIMING",
    "comparison",
    "coverage",
    "document",
    "entry_names",
    "epochs_of",
    "evaluate",
    "family_of",
    "fmt",
    "markdown",
    "runs_dir",
    "scored_row",
    "section",
    "train",
]

#: Where a peer's or the reference VAE's training seconds are kept, in its run directory.
TIMING = "timing.json"
#: The data sets of the tables, in their order in the document.
DATASETS = ("mnist", "fashion_mnist")


def runs_dir(dataset):
    """Where the entries of ``dataset`` train: :data:`RUNS` for MNIST, else ``RUNS-<name>``."""
    return RUNS if dataset == "mnist" else f"{RUNS}-{dataset}"


# (k, test images) of the IWAE bound where the default (--iwae-k on --iwae-n images,
# a quarter of them for grey-value models) costs too much: a001.vae's transposed-
# convolution decoder is about 15x the cost of an MLP decoder per sample.
IWAE_BUDGETS = {"a001.vae": (100, 250)}


def entry_names(selected=None, dataset="mnist"):
    """Every recipe, then the peers, then (MNIST) the reference VAE; ``selected`` only if given.

    The reference VAE is an anchor to the literature's binarised-MNIST figures, so it has
    no row of another data set.
    """
    names = [*recipes.names(), *peers.PEERS, REFERENCE]
    unknown = sorted(set(selected or ()) - set(names))
    if unknown:
        raise SystemExit(f"unknown entries {unknown}; choose from {names}")
    names = [n for n in names if n != REFERENCE or dataset == "mnist"]
    return [n for n in names if not selected or n in selected]


def family_of(name):
    """The entry's family: a peer's is that of the zoo recipe it stands beside."""
    if name == REFERENCE:
        return "vae"
    return recipes.get(peers.PEERS[name][2] if name in peers.PEERS else name).family


def epochs_of(name, quick):
    """The entry's budget in epochs: the recipe's; a peer gets its zoo counterpart's."""
    if quick:
        return 1
    if name == REFERENCE:
        return REFERENCE_EPOCHS
    return recipes.get(peers.PEERS[name][2] if name in peers.PEERS else name).budget["epochs"]


def train(name, x_train, run_dir, epochs, limit=None, seed=0, data="mnist"):
    """Trains (or resumes, or loads) one entry.

    Args:
        name: A recipe's, a peer's (:data:`zoo.results.peers.PEERS`) or :data:`REFERENCE`.
        x_train: The training images of ``data``, uint8.
        run_dir: The entry's run directory: resumed, or loaded when finished.
        epochs: The budget.
        limit: Train on the first ``limit`` digits only (``--quick``).
        seed: The run's seed.
        data: The data set's name (:data:`zoo.data.DATASETS`): recipes load it themselves.

    Returns:
        ``(model, seconds, resumed)``: ``seconds`` are those of the sitting that
        finished the training, however long ago (None for a peer that finished
        before its seconds were recorded), ``resumed`` says whether earlier
        sittings trained part of it.
    """
    x = x_train[:limit]
    if name in peers.PEERS:  # seen before training: BackupAndRestore deletes it at the end
        resumed = os.path.isdir(os.path.join(run_dir, "backup"))
        model, seconds = peers.train(name, x, epochs, run_dir, seed=seed)
        return (model, *_timing(run_dir, seconds, resumed))
    if name == REFERENCE:  # dynamically binarised, as in the IWAE paper
        path = os.path.join(run_dir, "model.keras")
        if os.path.exists(path):
            return (keras.models.load_model(path), *_timing(run_dir, 0.0, False))
        keras.utils.set_random_seed(seed)
        model = reference.reference_vae()
        started = time.perf_counter()
        model.fit(reference.binarized_dataset(x, 100, seed=seed), epochs=epochs, verbose=0)
        seconds = time.perf_counter() - started
        os.makedirs(run_dir, exist_ok=True)
        model.save(path)
        return (model, *_timing(run_dir, seconds, False))
    if not rundir.is_finished(run_dir):
        training.train(name, out_dir=run_dir, data=data, source="npz", limit=limit,
                       epochs=epochs, seed=seed, verbose=0)  # fmt: skip
    with open(os.path.join(run_dir, "run.json")) as f:
        record = json.load(f)
    model = keras.models.load_model(os.path.join(run_dir, "model.keras"))
    return model, record["seconds"], record.get("resumed_from_step") is not None


def _timing(run_dir, seconds, resumed):
    """``(seconds, resumed)`` of the sitting that finished a peer's training.

    The sitting that finishes it writes them to ``TIMING`` in its run directory; a later
    call, which loads the finished networks (``seconds`` 0), reads them back.
    """
    path = os.path.join(run_dir, TIMING)
    if seconds:
        os.makedirs(run_dir, exist_ok=True)
        with open(path, "w") as f:
            json.dump({"seconds": seconds, "resumed": resumed}, f)
        return seconds, resumed
    if not os.path.exists(path):
        return None, resumed
    with open(path) as f:
        record = json.load(f)
    return record["seconds"], record["resumed"]


def evaluate(name, model, real, args, extractor=None):
    """The figures of one trained model, as a flat dict (absent keys: not applicable).

    The same :func:`zoo.evaluation.evaluate_model` as ``python -m zoo eval``:
    what a model is scored on follows from what it can do.

    Args:
        name: The entry, for its IWAE budget (:data:`IWAE_BUDGETS`).
        model: The trained model.
        real: The :class:`zoo.evaluation.RealSet` it is scored against.
        args: The command's options: ``n_samples``, ``kid_subsets``, ``iwae_k``,
            ``iwae_n`` and ``quick``.
        extractor: The classifier's features; zoo's default when None.

    Returns:
        :func:`zoo.evaluation.flat_row` of the scores.
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
    """``value`` formatted by ``spec``, or a dash where the entry has no such figure."""
    return "–" if value is None else format(value, spec)


def coverage(r, class_names=()):
    """``min share (its class) / classes over 2%``, the mode-collapse detector.

    Args:
        r: A row (or the floor) with ``min_class_share`` and ``classes_above_2pct``.
        class_names: The data set's class names: the rarest class is named when given.
    """
    if "min_class_share" not in r:
        return "–"
    shares = r.get("class_shares")
    rarest = ""
    if class_names and shares is not None and len(shares) == len(class_names):
        rarest = f" ({class_names[min(range(len(shares)), key=shares.__getitem__)]})"
    return f"{100 * r['min_class_share']:.1f}%{rarest} / {r['classes_above_2pct']}"


def markdown(rows, floor, args, noun="digits", class_names=()):
    """The table: the floor's row, then one row per entry (a pending one says so).

    Args:
        rows: The entries' rows, as :func:`scored_row` returns them.
        floor: The real training images' figures (:attr:`zoo.evaluation.RealSet.floor`).
        args: The command's options; ``n_samples`` is the floor's budget.
        noun: What the images show (:attr:`zoo.data.DatasetSpec.noun`).
        class_names: The data set's class names, to name each row's rarest class.

    Returns:
        The markdown table, one line per row.
    """
    head = (
        "| model | family | budget | train s | FD ↓ | KID×10³ ↓ | CS ↑ | coverage ↑ | MSE ↓ "
        "| BCE ↓ | ELBO ↑ | IWAE NLL ↓ |\n|" + "---|" * 12
    )
    lines = [
        head,
        f"| **floor: real train {noun}** | data | {args.n_samples:,} | – "
        f"| {floor['fd']:.2f} | {1e3 * floor['kid']:.2f} ± {1e3 * floor['kid_std']:.2f} "
        f"| {floor['classifier_score']:.2f} | {coverage(floor, class_names)} | – | – | – | – |",
    ]
    for r in rows:
        if r.get("pending"):
            lines.append(
                f"| {r['name']} | {r['family']} | {r['epochs']} ep × {r['n_train']:,} "
                "| not finished: `make results` resumes it |" + " – |" * 8
            )
            continue
        kid = f"{1e3 * r['kid']:.2f} ± {1e3 * r['kid_std']:.2f}" if "kid" in r else "–"
        iwae = f"{r['iwae_nll']:.2f} (k={r['k']}, n={r['n_iwae']})" if "iwae_nll" in r else "–"
        note = f" ({r['likelihood']})" if "likelihood" in r else ""
        seconds = fmt(r["seconds"], ".0f") + (" †" if r.get("resumed") else "")
        lines.append(
            f"| {r['name']} | {r['family']} | {r['epochs']} ep × {r['n_train']:,} "
            f"| {seconds} | {fmt(r.get('fd'), '.2f')} | {kid} "
            f"| {fmt(r.get('classifier_score'), '.2f')} | {coverage(r, class_names)} "
            f"| {fmt(r.get('mse'), '.4f')} | {fmt(r.get('bce'), '.4f')} "
            f"| {fmt(r.get('elbo'), '.2f')} | {iwae}{note} |"
        )
    return "\n".join(lines)


def comparison(rows, floor, noun="digits"):
    """Each peer against its zoo counterpart, and where zoo loses, from the rows' figures.

    Args:
        rows: The entries' rows, as :func:`scored_row` returns them.
        floor: The real training images' figures.
        noun: What the images show.

    Returns:
        Markdown bullets, one line each (a continuation line indented).
    """
    by = {r["name"]: r for r in rows}
    lines = []
    for peer, (_, _, mine) in peers.PEERS.items():
        p, z = by.get(peer), by.get(mine)
        if p and p.get("pending"):
            lines.append(
                f"* `{mine}` beside `{peer}`: the peer's {p['epochs']}-epoch run is not finished "
                "yet (`make results` resumes it), so there is no comparison at this budget."
            )
        if not (p and z and "fd" in p and "fd" in z):
            continue
        winner = f"`{mine}` wins" if z["fd"] < p["fd"] else f"**the peer wins**, `{mine}` loses"
        budget = (f"{z['epochs']} epochs each" if z["epochs"] == p["epochs"]
                  else f"{z['epochs']} epochs against {p['epochs']}")  # fmt: skip
        if z.get("resumed") or p.get("resumed"):  # † seconds are one sitting's
            seconds = "no train seconds to compare (a run resumed across sittings, †)"
        elif z["seconds"] is None or p["seconds"] is None:
            seconds = "no train seconds to compare (not recorded)"
        else:
            seconds = f"train seconds {z['seconds']:.0f} against {p['seconds']:.0f}"
        lines.append(
            f"* `{mine}` beside `{peer}`, {budget}: FD {z['fd']:.2f} against "
            f"{p['fd']:.2f}, classifier score {z['classifier_score']:.2f} against "
            f"{p['classifier_score']:.2f}, smallest class {100 * z['min_class_share']:.1f}% "
            f"against {100 * p['min_class_share']:.1f}%: {winner} on samples; {seconds}."
        )
        same = [r for r in rows if r.get("likelihood") == p.get("likelihood") and r is not p]
        if "elbo" in p and same:
            lines.append(
                f"  Its test ELBO, {p['elbo']:.2f} nats ({p['likelihood']}), compares only with "
                "models of the same likelihood: "
                + ", ".join(f"`{r['name']}` {r['elbo']:.2f}" for r in same)
                + (
                    f"; `{mine}`'s ({z['likelihood']}) is not in the same units."
                    if z.get("likelihood") != p["likelihood"]
                    else "."
                )
            )
    scored = [r for r in rows if "classifier_score" in r and r["name"] not in peers.PEERS]
    if scored:
        best = max(scored, key=lambda r: r["classifier_score"])
        lines.append(
            f"* Against real {noun} every model loses: the best classifier score, "
            f"`{best['name']}`'s {best['classifier_score']:.2f}, is far from the floor's "
            f"{floor['classifier_score']:.2f}, and the best FD, "
            f"{min(r['fd'] for r in scored):.2f}, from {floor['fd']:.2f}."
        )
    ref = by.get(REFERENCE)
    if ref and "iwae_nll" in ref:
        lines.append(
            f"* The reference VAE after {ref['epochs']} epochs: {ref['iwae_nll']:.2f} nats "
            f"(k = {ref['k']}, first {ref['n_iwae']} test digits) against the published 86.76 "
            "after 3,280 passes; how far the paper's schedule got here is in "
            "[reference_vae.md](reference_vae.md)."
        )
    return "\n".join(lines)


def scored_row(name, args, x_train, real, extractor, dataset="mnist"):
    """One entry's row: read from its ``row.json`` when scored alike before, else made.

    Args:
        name: The entry.
        args: The command's options (``runs``, ``retrain``, ``no_train``, and those
            that :func:`evaluate` reads).
        x_train: The training images, uint8.
        real: The :class:`zoo.evaluation.RealSet` it is scored against.
        extractor: The classifier's features.
        dataset: The data set's name: the recipes' runs load it themselves.

    Returns:
        The row: the entry's name, family, budget, train seconds and figures. With
        ``--no-train``, an entry whose run is unfinished or of another budget is
        ``pending`` instead, neither trained nor removed.
    """
    run_dir = os.path.join(args.runs, name)
    row_path = os.path.join(run_dir, "row.json")
    settings = dict(n_samples=args.n_samples, kid_subsets=args.kid_subsets, iwae_k=args.iwae_k,
                    iwae_n=args.iwae_n, quick=args.quick)  # fmt: skip
    if name in (args.retrain or ()):
        shutil.rmtree(run_dir, ignore_errors=True)
    epochs = epochs_of(name, args.quick)
    stale = False  # The budget changed since the row was scored: the run is of the old one.
    if os.path.exists(row_path):
        with open(row_path) as f:
            row = json.load(f)
        if row.get("settings") == settings and row.get("epochs") == epochs:
            return row
        stale = row.get("epochs") != epochs
    limit = 2000 if args.quick else None
    n_train = len(x_train[:limit])
    if args.no_train and (stale or not glob.glob(os.path.join(run_dir, "*.keras"))):
        # Not finished (its networks are saved at the end): listed, neither trained nor removed.
        return dict(name=name, family=family_of(name), epochs=epochs, n_train=n_train,
                    pending=True)  # fmt: skip
    if stale:
        shutil.rmtree(run_dir)
    model, seconds, resumed = train(name, x_train, run_dir, epochs, limit=limit, data=dataset)
    row = dict(name=name, family=family_of(name), epochs=epochs, n_train=n_train,
               seconds=seconds, resumed=resumed, settings=settings)  # fmt: skip
    row.update(evaluate(name, model, real, args, extractor))
    with open(row_path, "w") as f:
        json.dump(row, f, indent=1, default=float)
    return row
