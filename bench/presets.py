"""Makes the shipped presets (``make presets``): every recipe's run of ``make results``, in float16.

For each data set (``--data``, MNIST and Fashion-MNIST) and each recipe: its
finished run in ``runs/results/<name>`` (``runs/results-<data set>/<name>``;
``python -m zoo.results`` trains it: the recipe's budget, seed 0, the full
data set) is scored by ``zoo eval``'s code in float32, turned into a preset
under ``zoo/presets/<data set>/<name>`` with float16 weights
(:func:`zoo.presets.make`), whose own weights are scored the same way, with the
same seed and real set. ``--noise`` also scores the float32 weights with seed
1: the sampling noise that a float16 difference is read against. Writes
``docs/presets.md``: the float32 against float16 tables, and the sizes against
the budgets (MNIST presets together at most 40 MB; everything shipped, both data
sets' presets and classifiers, at most 64 MB).

A preset is remade only when its recipe's config or its run changed
(``--remake NAME`` forces it). The classifiers ship beside the presets
(``zoo/presets/<data set>/classifier``), from the cache of ``zoo.classifier``.

Usage:
    .venv/bin/python -m bench.presets                      # every recipe with a finished run
    .venv/bin/python -m bench.presets --data fashion_mnist --only a000.gan --noise
"""

import argparse
import datetime
import json
import os
import sys
from pathlib import Path

from bench.common import FASHION_MNIST, MNIST, machine
from zoo import classifier, data, evaluation, presets, recipes, results  # noqa: E402
from zoo.export import load_keras  # noqa: E402
from zoo.training import rundir  # noqa: E402

#: Megabytes: the MNIST presets' weights, and every file shipped under zoo/presets.
BUDGET_MB, TOTAL_BUDGET_MB = 40, 64
#: zoo eval's defaults: what the cards quote.
EVAL = dict(n=10_000, k=100, iwae_images=1000, seed=0, kid_subsets=100)
FIGURES = (("fd", "FD", ".3f"), ("classifier_score", "CS", ".3f"),
           ("min_class_share", "min share", ".4f"), ("mse", "MSE", ".5f"),
           ("elbo", "ELBO", ".2f"), ("iwae_nll", "IWAE NLL", ".2f"))  # fmt: skip


#: The data sets whose classifiers ship with zoo, beside the presets.
CLASSIFIERS = ("mnist", "fashion_mnist")


def ship_classifier(dataset="mnist"):
    """Ships the cached classifier of a full data set unless the shipped one is of this version."""
    if classifier.load_shipped(dataset) is not None:
        return classifier.shipped_dir(dataset)
    model, metadata = classifier.load_or_train(source="npz", shipped=False, dataset=dataset)
    return classifier.ship(model, metadata, classifier.shipped_dir(dataset))


def up_to_date(name, run_dir, dataset="mnist"):
    """Whether the shipped preset of ``name`` is of its recipe's config and of this run."""
    target = presets.SHIPPED / dataset / name
    if not presets.is_preset(target):
        return False
    config = json.loads((target / presets.CONFIG).read_text())
    metadata = json.loads((target / presets.METADATA).read_text())
    run = json.loads((run_dir / rundir.RUN).read_text())
    recorded = {k: v for k, v in metadata["run"].items() if k != "machine"}
    trained = {k: v for k, v in run.items() if k not in ("config", "machine")}
    return recipes.get(name).is_config_of(config["config"]) and recorded == trained


def scorer(real, extractor, seed=0):
    def score(model):
        result = evaluation.evaluate_model(
            model,
            real,
            EVAL["n"],
            EVAL["k"],
            EVAL["iwae_images"],
            extractor,
            seed=seed,
            kid_subsets=EVAL["kid_subsets"],
        )
        return evaluation.flat_row(result)

    return score


def row(name, f32, f16, noise, size):
    cells = []
    for key, _, spec in FIGURES:
        if key not in f32:
            cells.append("–")
            continue
        cell = f"{format(f32[key], spec)} / {format(f16[key], spec)}"
        if noise and key in noise:
            cell += f" ({format(noise[key], spec)})"
        cells.append(cell)
    return f"| {name} | {size / 1e6:.2f} | " + " | ".join(cells) + " |"


def section(dataset, rows):
    """The float32 against float16 table of one data set's presets."""
    spec = data.DATASETS[dataset]
    head = "| preset | MB | " + " | ".join(label for _, label, _ in FIGURES) + " |"
    return f"""## {spec.title}

From `runs/{os.path.basename(results.runs_dir(dataset))}/<name>`; the IWAE bound on the
first {EVAL["iwae_images"]:,} test {spec.noun}.

{head}
|{"---|" * (len(FIGURES) + 2)}
{chr(10).join(rows)}
"""


def document(sections, sizes, meta):
    mnist, total = sizes["mnist"], sum(sizes.values())
    others = ", ".join(f"{data.DATASETS[d].title} {b / 1e6:.1f} MB" for d, b in sizes.items()
                       if d not in ("mnist", "all"))  # fmt: skip
    return f"""# Presets: float32 against float16

Made by `python -m bench.presets --noise` (`make presets`) on {meta["date"]}, on {meta["machine"]},
from the runs of `make results` (each recipe at its budget, seed 0, the full data set).
Each cell is `float32 / float16`: `zoo eval`'s figures ({EVAL["n"]:,} samples, seed
{EVAL["seed"]}, IWAE k = {EVAL["k"]}) of the run's float32 weights and of the preset's
float16 weights, on the same samples; in brackets, the float32 weights scored with seed 1:
how far the figures move from sampling noise alone. Where the float16 figure is as close
to the float32 one as the noise, float16 changes nothing that `zoo eval` can tell, and the
presets store it (gzip-compressed in the file, loaded as float32).

{chr(10).join(sections)}
Size: the MNIST presets' weights take {mnist / 1e6:.1f} MB together (budget {BUDGET_MB} MB);
{others}; everything under `zoo/presets` (classifiers and check images included)
{total / 1e6:.1f} MB (budget {TOTAL_BUDGET_MB} MB).
"""


def make_presets(dataset, args):
    """Scores and (re)makes the presets of ``dataset``; returns its rows' table."""
    runs = Path(args.runs or results.runs_dir(dataset))
    extractor = classifier.default_extractor(source="npz", dataset=dataset)
    (x_train, _), (x_test, _) = classifier.load_arrays(dataset, source="npz")
    real = evaluation.real_set(x_train, x_test, EVAL["n"], extractor, seed=EVAL["seed"],
                               kid_subsets=EVAL["kid_subsets"])  # fmt: skip
    table_path = runs / "presets.json"
    table = json.loads(table_path.read_text()) if table_path.exists() else {}
    for name in args.only or recipes.names():
        run_dir = runs / name
        if not rundir.is_finished(run_dir):
            print(f"{dataset} {name}: no finished run in {run_dir}; train it with "
                  f"python -m zoo.results --data {dataset} --only {name}",
                  file=sys.stderr)  # fmt: skip
            continue
        run = json.loads((run_dir / rundir.RUN).read_text())
        if not recipes.get(name).is_config_of(run.get("config", {})) or run.get("overrides"):
            print(f"{dataset} {name}: the run in {run_dir} is of another config than the "
                  f"recipe's now; train it again: python -m zoo.results --data {dataset} "
                  f"--only {name} --retrain {name}", file=sys.stderr)  # fmt: skip
            continue
        if up_to_date(name, run_dir, dataset) and name not in args.remake and name in table:
            print(f"{dataset} {name}: up to date", file=sys.stderr)
            continue
        entry = {"f32": scorer(real, extractor)(load_keras(run_dir / rundir.FINAL_MODEL))}
        if args.noise:
            model = load_keras(run_dir / rundir.FINAL_MODEL)
            entry["noise"] = scorer(real, extractor, seed=1)(model)
        target = presets.make(run_dir, presets.SHIPPED / dataset / name, overwrite=True,
                              dataset=dataset, evaluate=scorer(real, extractor),
                              machine=machine())  # fmt: skip
        metadata = json.loads((target / presets.METADATA).read_text())
        entry.update(f16=metadata["eval"], bytes=metadata["weights_bytes"])
        table[name] = entry
        table_path.write_text(json.dumps(table, indent=1))
        print(f"{dataset} {name}: {entry}", file=sys.stderr, flush=True)
    return table


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", nargs="+", default=list(CLASSIFIERS), choices=CLASSIFIERS,
                   help="the data sets whose presets to make (default: all)")  # fmt: skip
    p.add_argument("--only", nargs="*", help="these recipes only")
    p.add_argument("--remake", nargs="*", default=(), help="remake these even if up to date")
    p.add_argument("--runs", help="the runs (default: runs/results[-<data set>])")
    p.add_argument("--noise", action="store_true", help="also score float32 with seed 1")
    p.add_argument("--out", default="docs/presets.md", help="markdown file, or - for none")
    args = p.parse_args(argv)
    os.environ.setdefault("ZOO_MNIST_PATH", MNIST)
    os.environ.setdefault("ZOO_FASHION_MNIST_PATH", FASHION_MNIST)
    for dataset in CLASSIFIERS:
        ship_classifier(dataset)
    tables = {dataset: make_presets(dataset, args) for dataset in args.data}
    sections, sizes = [], {}
    for dataset in CLASSIFIERS:  # the document covers every data set, made now or before
        path = Path(results.runs_dir(dataset)) / "presets.json"
        table = tables.get(dataset) or (json.loads(path.read_text()) if path.exists() else {})
        rows = [row(n, e["f32"], e["f16"], e.get("noise"), e["bytes"]) for n, e in table.items()]
        sections.append(section(dataset, rows))
        sizes[dataset] = sum(e["bytes"] for e in table.values())
    shipped = sum(p.stat().st_size for p in presets.SHIPPED.rglob("*") if p.is_file()
                  and "__pycache__" not in p.parts and p.suffix != ".py")  # fmt: skip
    sizes["all"] = shipped - sum(sizes.values())  # classifiers, check images, cards
    text = document(sections, sizes,
                    {"date": datetime.date.today().isoformat(), "machine": machine()})  # fmt: skip
    print(text)
    if args.out != "-":
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
