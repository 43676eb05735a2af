"""``python -m zoo.results`` (``make results``): builds the table and writes ``docs/results.md``.

See :mod:`zoo.results` for what it trains, how it scores and how it resumes.
"""

import argparse
import datetime
import os
import sys

from zoo import classifier, evaluation, results
from zoo.training import rundir


def main(argv=None):
    """Trains and scores every selected entry, prints the table and writes the document.

    Args:
        argv: The command's arguments (``sys.argv[1:]`` when None); ``--help`` lists them.
    """
    p = argparse.ArgumentParser(prog="python -m zoo.results",
                                description=results.__doc__.split("\n")[0])  # fmt: skip
    p.add_argument("--out", default="docs/results.md", help="markdown file, or - for none")
    p.add_argument("--only", nargs="*", help="only these entries (recipes, peers, reference)")
    p.add_argument("--retrain", nargs="*", help="entries to train afresh")
    p.add_argument("--no-train", action="store_true",
                   help="score finished runs only; list unfinished entries as pending")  # fmt: skip
    p.add_argument("--runs", default=results.RUNS,
                   help="where the entries train and keep their rows")  # fmt: skip
    p.add_argument("--n-samples", type=int, default=10_000)
    p.add_argument("--kid-subsets", type=int, default=100)
    p.add_argument("--iwae-k", type=int, default=5000)
    p.add_argument("--iwae-n", type=int, default=500, help="test images for the IWAE bound")
    p.add_argument("--quick", action="store_true", help="smoke test: tiny budgets and sizes")
    args = p.parse_args(argv)
    if args.quick:
        args.n_samples, args.kid_subsets, args.iwae_k, args.iwae_n = 1000, 10, 50, 40
        if args.runs == results.RUNS:  # a smoke test's tiny runs never land among the real ones
            args.runs = os.path.join("runs", "results-quick")
    names = results.entry_names(args.only)
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
    for name in names:
        rows.append(results.scored_row(name, args, x_train, real, extractor))
        print(f"{name}: {rows[-1]}", file=sys.stderr, flush=True)

    table = results.markdown(rows, floor, args)
    print(table)
    if args.out != "-":
        meta = dict(
            date=datetime.date.today().isoformat(),
            machine=rundir.machine(versions=True),
            load=load,
            n_samples=args.n_samples,
            kid_subsets=args.kid_subsets,
            floor_full=floor_full,
            classifier=(
                f"v{classifier.VERSION}, test accuracy "
                f"{100 * extractor.metadata['test_accuracy']:.2f}%"
            ),
            ref_epochs=results.REFERENCE_EPOCHS,
            command="python -m zoo.results",
            comparison=results.comparison(rows, floor),
        )
        with open(args.out, "w") as f:
            f.write(results.document(table, meta))
        print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
