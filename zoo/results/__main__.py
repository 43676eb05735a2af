"""``python -m zoo.results`` (``make results``): builds the table and writes ``docs/results.md``.

See :mod:`zoo.results` for what it trains, how it scores and how it resumes.
"""

import argparse
import datetime
import os
import sys

from zoo import classifier, data, evaluation, results
from zoo.training import rundir


def main(argv=None):
    """Trains and scores the selected entries of each data set; prints the tables, writes the doc.

    Args:
        argv: The command's arguments (``sys.argv[1:]`` when None); ``--help`` lists them.
    """
    p = argparse.ArgumentParser(prog="python -m zoo.results",
                                description=results.__doc__.split("\n")[0])  # fmt: skip
    p.add_argument("--out", default="docs/results.md", help="markdown file, or - for none")
    p.add_argument("--data", nargs="+", default=list(results.DATASETS), choices=results.DATASETS,
                   help="the data sets, one table each (default: all)")  # fmt: skip
    p.add_argument("--only", nargs="*", help="only these entries (recipes, peers, reference)")
    p.add_argument("--retrain", nargs="*", help="entries to train afresh")
    p.add_argument("--no-train", action="store_true",
                   help="score finished runs only; list unfinished entries as pending")  # fmt: skip
    p.add_argument("--runs", help="where the entries train and keep their rows (default: "
                   f"{results.RUNS}, or {results.RUNS}-NAME for data set NAME)")  # fmt: skip
    p.add_argument("--n-samples", type=int, default=10_000)
    p.add_argument("--kid-subsets", type=int, default=100)
    p.add_argument("--iwae-k", type=int, default=5000)
    p.add_argument("--iwae-n", type=int, default=500, help="test images for the IWAE bound")
    p.add_argument("--quick", action="store_true", help="smoke test: tiny budgets and sizes")
    args = p.parse_args(argv)
    if args.quick:
        args.n_samples, args.kid_subsets, args.iwae_k, args.iwae_n = 1000, 10, 50, 40
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    sections = [table_of(dataset, args) for dataset in args.data]
    if args.out != "-":
        meta = dict(
            date=datetime.date.today().isoformat(),
            machine=rundir.machine(versions=True),
            load=load,
            n_samples=args.n_samples,
            kid_subsets=args.kid_subsets,
            ref_epochs=results.REFERENCE_EPOCHS,
            command="python -m zoo.results",
            runs=results.RUNS,
            reference=results.REFERENCE,
        )
        with open(args.out, "w") as f:
            f.write(results.document("\n".join(sections), meta))
        print(f"wrote {args.out}", file=sys.stderr)


def table_of(dataset, args):
    """Trains and scores the entries of one data set; prints its table, returns its section.

    Args:
        dataset: A name of :data:`zoo.results.DATASETS`.
        args: The command's options.

    Returns:
        The data set's section of the document (:func:`zoo.results.section`).
    """
    spec = data.DATASETS[dataset]
    runs = args.runs or results.runs_dir(dataset)
    if args.quick and args.runs is None:  # a smoke test's tiny runs never land among the real ones
        runs = runs.replace(results.RUNS, os.path.join("runs", "results-quick"), 1)
    args = argparse.Namespace(**{**vars(args), "runs": runs})
    names = results.entry_names(args.only, dataset)
    (x_train, _), (x_test, _) = classifier.load_arrays(dataset, source="npz")
    extractor = classifier.default_extractor(source="npz", dataset=dataset)
    print(f"{spec.title} classifier: {extractor.metadata}", file=sys.stderr)

    # One pass over the 60,000 training images: their moments give the full floor,
    # a reservoir of n_samples of them the floor at the size models are scored at.
    real = evaluation.real_set(
        x_train, x_test, args.n_samples, extractor, kid_subsets=args.kid_subsets,
        full_train=True, noun=spec.noun,
    )  # fmt: skip
    floor = real.floor
    print(f"floor: {floor}, full train vs test FD {real.floor_full_fd:.3f}", file=sys.stderr)

    rows = []
    for name in names:
        rows.append(results.scored_row(name, args, x_train, real, extractor, dataset))
        print(f"{dataset} {name}: {rows[-1]}", file=sys.stderr, flush=True)

    table = results.markdown(rows, floor, args, spec.noun, spec.class_names)
    print(f"{spec.title}\n{table}")
    notes = os.path.join("docs", "results-notes", f"{dataset}.md")
    meta = dict(
        classifier=(
            f"v{classifier.VERSION}, test accuracy {100 * extractor.metadata['test_accuracy']:.2f}%"
        ),
        floor_full=real.floor_full_fd,
        noun=spec.noun,
        comparison=results.comparison(rows, floor, spec.noun),
        notes=open(notes).read() if os.path.exists(notes) else "",
    )
    return results.section(spec.title, table, meta)


if __name__ == "__main__":
    main()
