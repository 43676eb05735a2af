"""Article 001's DCGAN at its own 64x64 on a folder of your images, timed.

The article wrote its DCGAN for 64x64 colour images (4x4x256 -> 8 -> 16 -> 32 -> 64x64x3);
``a001.dcgan`` draws that network when the data is 64x64 (``Recipe.image_sizes``). This
trains it on any folder of PNG/JPEG files, centre-cropped and resized to 64x64 (grey or
colour as the folder is), through the same ``zoo.training.train`` as ``zoo train``: a
progress bar per epoch, a sample grid per epoch (``samples_epoch_NNN.png``, then
``samples.gif``), checkpoints that a second call resumes; then prints its speed.

Usage:
    .venv/bin/python -m bench.dcgan64 ~/pictures/faces --epochs 5 --out runs/faces64
    .venv/bin/python -m zoo eval runs/faces64 --classifier my_classifier.keras

Example:
    >>> from bench import dcgan64
    >>> dcgan64.main(["tests/data/shapes", "--epochs", "1"])     # doctest: +SKIP
"""

import argparse
import json
import os
import sys

import bench.common  # noqa: F401  (quiets TensorFlow's start-up before it is imported)

#: The article's image side.
SIZE = 64


def main(argv=None):
    """Trains (or resumes) ``a001.dcgan`` at 64x64 on a folder and prints images per second.

    Args:
        argv: The command's arguments (``sys.argv[1:]`` when None); ``--help`` lists them.

    Returns:
        The run's ``run.json`` as a dict, with ``images_per_second`` added.
    """
    p = argparse.ArgumentParser(prog="python -m bench.dcgan64", description=__doc__.split("\n")[0])
    p.add_argument("folder", help="a folder of PNG/JPEG images (or with train/ and test/)")
    p.add_argument("--epochs", type=int, default=5, help="passes over the folder (default: 5)")
    p.add_argument("--batch-size", type=int, help="batch size (default: the recipe's, 128)")
    p.add_argument("--limit", type=int, help="train on the first N images only")
    p.add_argument("--out", help="run directory (default: runs/dcgan64-FOLDER)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    from zoo import training
    from zoo.training import rundir

    name = os.path.basename(os.path.normpath(args.folder))
    out = args.out or os.path.join("runs", f"dcgan64-{name}")
    training.train(
        "a001.dcgan",
        data=args.folder,
        image_size=SIZE,
        epochs=args.epochs,
        batch_size=args.batch_size,
        limit=args.limit,
        seed=args.seed,
        out_dir=out,
    )
    with open(os.path.join(out, rundir.RUN)) as f:
        run = json.load(f)
    steps = run["steps"] - (run["resumed_from_step"] or 0)  # this sitting's steps
    run["images_per_second"] = steps * run["batch_size"] / max(run["seconds"], 1e-9)
    print(
        f"a001.dcgan at {'x'.join(map(str, run['overrides']['image_shape']))} on {run['data']}: "
        f"{run['epochs']} epochs, {run['steps']} steps, {run['images_per_second']:.1f} images/s "
        f"this sitting; sample grids per epoch in {out}/samples_epoch_*.png",
        file=sys.stderr,
    )
    return run


if __name__ == "__main__":
    main()
