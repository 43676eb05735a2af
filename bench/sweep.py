"""One sweep: recipes, candidates, seeds and a budget, trained and scored alike, as one table.

The unit is (recipe, candidates, seeds, budget):

* a **candidate** is a complete configuration: the recipe's own (``recipe``), one
  named in its data file (``[recipe.candidates]`` in ``zoo/recipes/articles/aNNN.toml``:
  the recipe with the settings it lists, each differing from the recipe's, which
  ``tests/test_config.py`` checks, so a name cannot come to mean another
  configuration when a default moves), or a point of a grid (``--grid
  contractive_weight=0,1e-5``: the recipe with that one setting, stated even where
  it is the recipe's own). By default, every named candidate (or the recipe alone);
* each candidate trains once per **seed** (of the weights, the data order, the
  model's noise and the samples it is scored on);
* the **budget**, ``--epochs``, is required: a quoted figure names its budget
  (``budget``: each recipe's own). Several values train one run to the largest
  and score a snapshot at each: nothing in training depends on the epochs planned,
  so a snapshot is the run that budget gives (a001.dcgan's 5-epoch snapshot of a
  20-epoch run scored FD 9.820303, the results table's own 5-epoch run, to the
  last digit).

Each run is one :func:`zoo.training.train` call (what ``python -m zoo train``
runs) on full MNIST, in ``RUNS/RECIPE/CANDIDATE/seed_S``: a stopped sweep resumes,
and a finished run is scored without training it again. Scores are ``zoo eval``'s
(:func:`zoo.evaluation.evaluate_model`, the same real digits and floor): a
generator's 10,000 samples in zoo's classifier features (FD, classifier score,
the smallest digit class, classes over 2%), a VAE's test ELBO and IWAE bound, an
autoencoder's test MSE and the mean Frobenius norm of its encoder's Jacobian
``||dh/dx||_F`` (the contractive penalty's term). The table is markdown;
``--json`` keeps every figure; ``--docs`` draws the article pages' grids
(:mod:`bench.sweep_docs`).

Usage (a dense GAN candidate: about 2-3 minutes at 30 epochs on 2 idle cores)::

    ZOO_MNIST_PATH=../shared/data/mnist.npz python -m bench.sweep a002.aegan --epochs 30
    python -m bench.sweep a000.gan --epochs 30 --only recipe article_d --seeds 0 1
    python -m bench.sweep a003.cae --epochs 5 --grid contractive_weight=0,1e-5,3e-5,1e-4 \\
        --test-images 1000
    python -m bench.sweep a001.dcgan --epochs 5 10 15 --json runs/sweep/a001.dcgan.json
    python -m bench.sweep a000.gan a000.ae --epochs budget --only recipe --docs docs/articles/img
"""

import argparse
import ast
import dataclasses
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow loads

import keras  # noqa: E402

#: Families scored by their encoder's Jacobian too (``--grid contractive_weight=...``).
JACOBIAN_FAMILIES = ("autoencoder", "contractive_autoencoder")
#: The table's figures, in order: key, header, format. A column shows when a row has it.
COLUMNS = (
    ("fd", "FD", "{:.2f}"),
    ("classifier_score", "CS", "{:.2f}"),
    ("min_class_share", "smallest class", "{:.1%}"),
    ("classes_above_2pct", "classes >2%", "{:d}"),
    ("elbo", "ELBO", "{:.2f}"),
    ("iwae_nll", "IWAE NLL", "{:.2f}"),
    ("jacobian_norm", "‖dh/dx‖_F", "{:.2f}"),  # ‖: a | would split the cell
    ("mse", "test MSE", "{:.4f}"),
    ("train_seconds", "train s", "{:.0f}"),
)


@dataclasses.dataclass(frozen=True)
class Run:
    """One training run of the sweep: a recipe's candidate at one seed.

    Attributes:
        recipe: The recipe's name.
        candidate: Its name (``recipe``, a data file's, or ``KEY=VALUE``).
        overrides: The settings that make the candidate from the recipe.
        seed: The run's seed.
        epochs: The budgets it is scored at, ascending; it trains to the last.
        limit: Train on the first ``limit`` digits only (``None``: all 60,000).
    """

    recipe: str
    candidate: str
    overrides: dict
    seed: int
    epochs: tuple
    limit: int | None = None

    def directory(self, runs):
        """Where the run lives under ``runs``; the seed and limit are part of a run's identity."""
        leaf = f"seed_{self.seed}" + (f"_limit_{self.limit}" if self.limit else "")
        return os.path.join(runs, self.recipe, self.candidate, leaf)

    def train_kwargs(self, runs, mnist=None):
        """The keywords of its :func:`zoo.training.train` call (beside the recipe's name)."""
        return {
            "epochs": self.epochs[-1],
            "out_dir": self.directory(runs),
            "source": "npz",
            **({"path": mnist} if mnist else {}),
            **({"limit": self.limit} if self.limit else {}),
            "seed": self.seed,
            "verbose": 0,
            **self.overrides,
        }


def parse_grid(recipe, text):
    """``KEY=V1,V2,...`` as ``{"KEY=V1": {KEY: V1}, ...}``, each value of the setting's type.

    Values are Python literals (``1e-5``, ``(7, 7, 256)``, ``True``) or else all
    words (``hinge,wasserstein``; ``true``/``false``); an integer for a float
    setting becomes the float the setting holds (``contractive_weight=0`` is ``0.0``).
    """
    from zoo.recipes import keys

    key, equals, values = text.partition("=")
    if not equals or not key or not values:
        raise ValueError(f"--grid takes KEY=V1,V2,... (contractive_weight=0,1e-5); got {text!r}")
    try:
        parsed = ast.literal_eval(f"[{values}]")
    except (ValueError, SyntaxError):
        parsed = [{"true": True, "false": False}.get(w, w) for w in values.split(",")]
    current = keys.keys(recipe.config).get(recipe.expand(key)[0])
    out = {}
    for value in parsed:
        if isinstance(current, float) and type(value) is int:
            value = float(value)
        label = f"{value:g}" if isinstance(value, float) else str(value).replace(" ", "")
        out[f"{key}={label}"] = {key: value}
    return out


def candidates_of(recipe, only=None, grid=()):
    """The candidates of ``recipe`` by name: those named in ``only``, then the grids' points.

    Raises:
        ValueError: a name that is no candidate of the recipe, or a bad grid.
    """
    named = {k: dict(v) for k, v in recipe.candidates.items()} or {"recipe": {}}
    if only is None and not grid:
        return named
    unknown = sorted(set(only or ()) - set(named))
    if unknown:
        raise ValueError(
            f"unknown candidate(s) {unknown} of {recipe.name}; choose from {list(named)}"
        )
    chosen = {name: named[name] for name in only or ()}
    for text in grid:
        chosen.update(parse_grid(recipe, text))
    for overrides in chosen.values():
        recipe.configure(**overrides)  # a wrong key or type fails before any training
    return chosen


def epochs_arg(text):
    """A positive number of epochs, or ``budget`` (the recipe's own)."""
    if text == "budget":
        return text
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"epochs must be positive; got {value}")
    return value


def parser():
    """The command line (``tests/test_config.py`` parses the quoted commands with it)."""
    p = argparse.ArgumentParser(prog="python -m bench.sweep", description=__doc__.split("\n")[0])
    p.add_argument("recipes", nargs="+", metavar="RECIPE")
    p.add_argument("--epochs", type=epochs_arg, nargs="+", required=True,
                   help="the budget (pin it: a figure names it); several: snapshots of one run; "
                        "'budget': each recipe's own")  # fmt: skip
    p.add_argument("--only", nargs="*", metavar="NAME", help="candidates named in the data file")
    p.add_argument("--grid", action="append", default=[], metavar="KEY=V1,V2",
                   help="one candidate per value of one setting (repeatable)")  # fmt: skip
    p.add_argument("--seeds", "--seed", type=int, nargs="+", default=[0])
    p.add_argument("--samples", type=int, default=10_000, help="samples scored per generator")
    p.add_argument("--test-images", type=int, default=None, help="first N test digits (all)")
    p.add_argument("--limit", type=int, default=None, help="train on the first N digits (all)")
    p.add_argument("--mnist", default=None, help="MNIST npz (default: $ZOO_MNIST_PATH)")
    p.add_argument("--runs", default=os.path.join("runs", "sweep"), help="the runs' root")
    p.add_argument("--fresh", action="store_true", help="train every run again from scratch")
    p.add_argument("--score-only", action="store_true", help="score finished runs, train none")
    p.add_argument("--json", default=None, help="also write every figure to this file")
    p.add_argument("--docs", default=None, metavar="IMG_DIR",
                   help="draw each run's grid for the pages (bench.sweep_docs)")  # fmt: skip
    p.add_argument("--note", action="append", default=[], help="a line for the docs' notes")
    return p


def plan(args):
    """The sweep's runs, in order: recipe, candidate, seed. Checks every name first.

    Raises:
        ValueError: an unknown recipe or candidate, a bad grid value or budget.
        TypeError: a grid of a setting the recipe does not have.
    """
    from zoo import recipes

    if "budget" in args.epochs and len(args.epochs) > 1:
        raise ValueError("--epochs budget stands alone: each recipe's own budget")
    runs = []
    for name in args.recipes:
        recipe = recipes.get(name)
        budget = args.epochs == ["budget"]
        epochs = (recipe.budget["epochs"],) if budget else tuple(sorted(set(args.epochs)))
        for candidate, overrides in candidates_of(recipe, args.only, args.grid).items():
            runs += [Run(name, candidate, overrides, s, epochs, args.limit) for s in args.seeds]
    if not runs:
        raise ValueError("nothing to train: name candidates after --only, or a --grid")
    return runs


class Snapshots(keras.callbacks.Callback):
    """Saves the model after each budget but the last, and the seconds to each.

    The last budget's model is the run's own ``model.keras``. The seconds are
    those of this sitting, from the :func:`zoo.training.train` call to that
    epoch's end (a resumed run counts from its resumption).
    """

    def __init__(self, directory, epochs):
        super().__init__()
        self.directory, self.epochs = directory, tuple(epochs)
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        from zoo import disk

        if epoch + 1 not in self.epochs:
            return
        os.makedirs(self.directory, exist_ok=True)
        stem = os.path.join(self.directory, f"epoch_{epoch + 1:03d}")
        if epoch + 1 < self.epochs[-1]:  # atomic: a kill mid-save leaves no torn snapshot
            disk.atomic_write(stem + ".keras", self.model.save)
        with open(stem + ".json", "w") as f:
            json.dump({"seconds_this_sitting": time.perf_counter() - self.started}, f)


def check_finished(run, directory):
    """Refuses a finished run in ``directory`` that is not ``run`` (another budget, say)."""
    from zoo import recipes
    from zoo.training import rundir

    with open(os.path.join(directory, rundir.RUN)) as f:
        saved = json.load(f)
    here = {"recipe": run.recipe, "epochs": run.epochs[-1], "seed": run.seed,
            "limit": run.limit, "batch_size": recipes.get(run.recipe).budget["batch_size"],
            "overrides": json.loads(json.dumps(run.overrides))}  # fmt: skip
    diffs = [
        f"{k}={saved.get(k)!r} there, {v!r} here" for k, v in here.items() if saved.get(k) != v
    ]
    if diffs:
        raise SystemExit(
            f"{directory} holds another finished run ({'; '.join(diffs)}): pass --fresh to "
            "train it again, or choose another --runs."
        )


def trained(run, args):
    """Trains (or resumes, or finds finished) one run; yields ``(epochs, model, seconds)``."""
    from zoo import training
    from zoo.training import rundir

    directory = run.directory(args.runs)
    snapshots = os.path.join(directory, "snapshots")
    model = None
    if rundir.is_finished(directory) and not args.fresh:
        check_finished(run, directory)
    elif args.score_only:
        raise SystemExit(f"--score-only: {directory} holds no finished run")
    else:
        callback = Snapshots(snapshots, run.epochs)
        kwargs = run.train_kwargs(args.runs, args.mnist)
        model, _ = training.train(run.recipe, fresh=args.fresh, callbacks=[callback], **kwargs)
    with open(os.path.join(directory, rundir.RUN)) as f:
        fit_seconds = json.load(f)["seconds"]
    for epochs in run.epochs:
        stem = os.path.join(snapshots, f"epoch_{epochs:03d}")
        if epochs < run.epochs[-1]:
            if not os.path.exists(stem + ".keras"):
                raise SystemExit(f"{directory} has no snapshot after {epochs} epochs: --fresh")
            scored = keras.models.load_model(stem + ".keras")
        else:  # the model just trained, as scored before any save, else the run's own
            final = os.path.join(directory, rundir.FINAL_MODEL)
            scored = model if model is not None else keras.models.load_model(final)
        seconds = fit_seconds
        if os.path.exists(stem + ".json"):
            with open(stem + ".json") as f:
                seconds = json.load(f)["seconds_this_sitting"]
        yield epochs, scored, seconds


class Scorer:
    """Scores models alike: the real digits once per seed, then ``zoo eval``'s figures."""

    def __init__(self, args):
        from zoo import data

        self.args = args
        self.x_train, _ = data.load_mnist_arrays("train", source="npz", path=args.mnist)
        x_test, _ = data.load_mnist_arrays("test", source="npz", path=args.mnist)
        self.x_test = x_test[: args.test_images]
        self.reals = {}  # (seed, generative) -> RealSet

    def real(self, seed, extractor):
        """The real digits' side at ``seed``, as ``python -m zoo eval`` scores them (a
        generator's test features and floor need the classifier; an autoencoder's none)."""
        from zoo import evaluation

        if (seed, extractor is not None) not in self.reals:
            self.reals[seed, extractor is not None] = evaluation.real_set(
                self.x_train, self.x_test, n=self.args.samples, extractor=extractor, seed=seed,
                generative=extractor is not None,
            )  # fmt: skip
        return self.reals[seed, extractor is not None]

    def floors(self):
        """The real training digits' figures (a perfect generator's), by seed."""
        return {s: r.floor for (s, generative), r in self.reals.items() if generative}

    def __call__(self, model, recipe, seed):
        from zoo import classifier, evaluation

        extractor = None
        if recipe.sample_kind == "samples":
            extractor = classifier.default_extractor(source="npz", path=self.args.mnist)
        real, n = self.real(seed, extractor), self.args.samples
        row = evaluation.flat_row(
            evaluation.evaluate_model(model, real, n=n, extractor=extractor, seed=seed)
        )
        if recipe.family in JACOBIAN_FAMILIES:
            row["jacobian_norm"] = evaluation.jacobian_norm(model, self.x_test)
        return row


def table(rows, floors, args):
    """The markdown table: one row per run and budget, the real digits' floor first."""
    shown = [c for c in COLUMNS if any(c[0] in r for r in rows)]
    head = ["recipe", "candidate", "seed", "epochs", *(h for _, h, _ in shown)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

    def cells(row):
        return [("–" if row.get(k) is None else f.format(row[k])) for k, _, f in shown]

    for seed, floor in floors.items():
        lines.append(f"| real training digits | | {seed} | | " + " | ".join(cells(floor)) + " |")
    for r in rows:
        ident = [r["recipe"], r["candidate"], str(r["seed"]), str(r["epochs"])]
        lines.append("| " + " | ".join(ident + cells(r)) + " |")
    data = f"the first {args.limit:,} training digits" if args.limit else "full MNIST"
    test = f"the first {args.test_images:,}" if args.test_images else "all"
    about = f"{data}; {args.samples:,} samples a generator, {test} test digits"
    return f"{', '.join(args.recipes)}: {about}.\n\n" + "\n".join(lines)


def main(argv=None):
    """Command line; see the module docstring and ``--help``."""
    p = parser()
    args = p.parse_args(argv)
    try:
        runs = plan(args)  # every name checked before hours of training
    except (ValueError, TypeError) as e:  # TypeError: a setting the recipe does not have
        p.error(str(e))
    if args.docs:
        from bench import sweep_docs

        sweep_docs.check(runs, args)
    from zoo import recipes

    score = Scorer(args)
    rows = []
    for run in runs:
        recipe = recipes.get(run.recipe)
        docs_row = sweep_docs.start(run, score) if args.docs else None
        for epochs, model, seconds in trained(run, args):
            ident = {"recipe": run.recipe, "candidate": run.candidate, "seed": run.seed}
            figures = score(model, recipe, run.seed)
            row = {**ident, "epochs": epochs, "overrides": run.overrides, **figures,
                   "train_seconds": round(seconds, 1)}  # fmt: skip
            print(json.dumps(row), file=sys.stderr, flush=True)
            rows.append(row)
        if args.docs:
            sweep_docs.finish(run, model, docs_row, score, args)
    print(table(rows, score.floors(), args))
    if args.docs:
        sweep_docs.write(args, score)
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            out = {"command": ["python", "-m", "bench.sweep", *(argv or sys.argv[1:])],
                   "floors": score.floors(), "rows": rows}  # fmt: skip
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
