"""Executes the article notebooks and writes their outputs into the .ipynb files.

Each notebook is a jupytext pair: ``NNN_slug.py`` (percent format, the source
of truth) and ``NNN_slug.ipynb`` (the same cells with their outputs). This
script reads the ``.py`` with jupytext, runs it in a fresh ``python3`` kernel
with nbclient (working directory: this folder) and writes the ``.ipynb``.

Usage::

    python notebooks/run.py                  # full mode, all notebooks (make notebooks)
    python notebooks/run.py 001 003          # only the notebooks whose name starts so
    python notebooks/run.py --quick          # quick mode: results go to _out/quick/, the
                                             # committed .ipynb files are left alone
    python notebooks/run.py --pretrained     # preset mode: the shipped presets, no training;
                                             # results go to _out/pretrained/
    python notebooks/run.py --check          # no execution: every .ipynb exists, has the
                                             # cells of its .py, full-mode outputs, no errors
    python notebooks/run.py --prose 002      # no execution: copies edited markdown cells of
                                             # the .py into the .ipynb (code cells unchanged)

Environment: ``ZOO_MNIST_PATH`` (a Keras-layout ``mnist.npz``; the Makefile
sets it) is passed on to the kernels; ``ZOO_NOTEBOOK_QUICK`` and
``ZOO_PRETRAINED`` are set to ``1`` or ``0`` by this script (see :data:`MODES`);
``ZOO_NOTEBOOK_OUT`` moves the notebooks' own files (grids, GIFs, exports)
away from ``notebooks/_out/``.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
#: Metadata key recording how an .ipynb was produced.
META = "zoo_notebook"
#: The ways to run a notebook: the switches each one sets in the kernel's environment.
#: ``full`` trains at the recipes' budgets (the stored outputs), ``quick`` trains on a
#: few hundred images for an epoch, ``pretrained`` loads the shipped presets instead.
MODES = {
    "full": {"ZOO_NOTEBOOK_QUICK": "0", "ZOO_PRETRAINED": "0"},
    "quick": {"ZOO_NOTEBOOK_QUICK": "1", "ZOO_PRETRAINED": "0"},
    "pretrained": {"ZOO_NOTEBOOK_QUICK": "0", "ZOO_PRETRAINED": "1"},
}


def notebooks(names=()):
    """The notebook sources ``NNN_*.py``, in order; ``names`` filters by prefix."""
    paths = sorted(HERE.glob("[0-9][0-9][0-9]_*.py"))
    if names:
        paths = [p for p in paths if any(p.stem.startswith(n) for n in names)]
    return paths


def execute(path, *, mode, timeout=None, cwd=None, env=None):
    """Runs the notebook source ``path`` and returns the executed notebook.

    Args:
        path: A ``NNN_slug.py`` file.
        mode: A key of :data:`MODES`: ``"full"``, ``"quick"`` or ``"pretrained"``.
        timeout: Seconds allowed per cell; ``None``: 300 in quick and preset mode, 4 hours in full
            (notebook 001's 15-epoch DCGAN cell takes about an hour on 2 idle CPU cores,
            more on shared ones; at the old 3600 s it was cut off after 10 epochs).
        cwd: The kernel's working directory (default: this folder, which holds
            ``nbtools.py``; the kernel also gets it on ``PYTHONPATH``).
        env: Extra environment variables for the kernel.

    Raises:
        ValueError: an unknown ``mode``.
        nbclient.exceptions.CellExecutionError: at the first cell that raises.
    """
    if mode not in MODES:
        raise ValueError(f"unknown notebook mode {mode!r}; use one of {', '.join(MODES)}")
    full = mode == "full"
    nb = jupytext.read(path)
    for i, cell in enumerate(nb.cells):  # stable cell ids: reruns do not churn the diff
        cell.id = f"cell-{i:03d}"
    kernel_env = {
        **os.environ,
        "TF_CPP_MIN_LOG_LEVEL": "3",
        **(env or {}),
        **MODES[mode],
        "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])),
    }
    client = NotebookClient(
        nb,
        timeout=timeout or (4 * 3600 if full else 300),
        kernel_name="python3",
        record_timing=False,  # no per-cell timestamps: cleaner diffs
        # TensorFlow's C++ start-up lines go to this process's stderr, not into the cells.
        extra_arguments=["--IPKernelApp.capture_fd_output=False"],
        resources={"metadata": {"path": str(cwd or HERE)}},
    )
    client.execute(env=kernel_env)
    nb.metadata[META] = {"quick": not full, "mode": mode}  # check() reads "quick"
    return nb


def check(path):
    """Problems of the .ipynb paired with ``path`` (an empty list when it is up to date)."""
    ipynb = path.with_suffix(".ipynb")
    if not ipynb.exists():
        return [f"{ipynb.name} is missing"]
    source = [(c.cell_type, c.source) for c in jupytext.read(path).cells]
    executed = nbformat.read(ipynb, as_version=4)
    problems = []
    if [(c.cell_type, c.source) for c in jupytext.read(ipynb).cells] != source:
        problems.append(f"{ipynb.name} does not have the cells of {path.name}")
    if executed.metadata.get(META, {}).get("quick", True):
        problems.append(f"{ipynb.name} was not written by a full-mode run")
    code = [c for c in executed.cells if c.cell_type == "code"]
    if any(not c.get("outputs") and c.get("execution_count") is None for c in code):
        problems.append(f"{ipynb.name} has cells that were never executed")
    if any(o.get("output_type") == "error" for c in code for o in c.get("outputs", [])):
        problems.append(f"{ipynb.name} holds an error output")
    return problems


def copy_prose(path):
    """Copies the markdown cells of ``path`` into its .ipynb, keeping the outputs.

    For prose edited after a run: the code cells of the .py and the .ipynb must be the
    same, in the same places, so that every stored output still belongs to its code.

    Raises:
        ValueError: if a code cell or the cell layout differs (rerun the notebook then).
    """
    ipynb = path.with_suffix(".ipynb")
    source = jupytext.read(path).cells
    executed = jupytext.read(ipynb)

    def code_layout(cells):  # markdown cells are free to differ, code cells are not
        return [(c.cell_type, c.source if c.cell_type == "code" else None) for c in cells]

    if code_layout(source) != code_layout(executed.cells):
        raise ValueError(f"{path.name}: its code cells differ from {ipynb.name}'s; rerun it")
    for cell, new in zip(executed.cells, source, strict=True):
        if cell.cell_type == "markdown":
            cell.source = new.source
    jupytext.write(executed, ipynb, fmt="ipynb")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="notebook name prefixes, e.g. 000 003")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="quick mode; write the results to _out/quick/, not the .ipynb files",
    )
    parser.add_argument(
        "--pretrained",
        action="store_true",
        help="preset mode: load the shipped presets; write the results to _out/pretrained/",
    )
    parser.add_argument(
        "--check", action="store_true", help="only check that every .ipynb is in sync with its .py"
    )
    parser.add_argument(
        "--prose", action="store_true", help="copy edited markdown cells into the .ipynb files"
    )
    parser.add_argument("--timeout", type=int, default=None, help="seconds per cell")
    args = parser.parse_args(argv)
    paths = notebooks(args.names)
    if not paths:
        parser.error(f"no notebook matches {args.names}")
    if args.prose:
        for path in paths:
            copy_prose(path)
        print(f"{len(paths)} notebook(s): prose copied into the .ipynb")
        return 0
    if args.check:
        problems = [p for path in paths for p in check(path)]
        print("\n".join(problems) or f"{len(paths)} notebook(s) in sync with their sources")
        return 1 if problems else 0
    if args.quick and args.pretrained:
        parser.error("--quick and --pretrained are two modes; pick one")
    mode = "quick" if args.quick else "pretrained" if args.pretrained else "full"
    if mode != "quick" and not os.environ.get("ZOO_MNIST_PATH"):
        print(
            "warning: ZOO_MNIST_PATH is not set; zoo.data may fall back to the 5,000-digit "
            "sample (make notebooks sets it when ../shared/data/mnist.npz exists)",
            file=sys.stderr,
        )
    total = time.time()
    for path in paths:
        start = time.time()
        nb = execute(path, mode=mode, timeout=args.timeout)
        if mode != "full":
            target = HERE / "_out" / mode / path.with_suffix(".ipynb").name
            target.parent.mkdir(parents=True, exist_ok=True)
        else:
            target = path.with_suffix(".ipynb")
        jupytext.write(nb, target, fmt="ipynb")
        print(
            f"{path.name}: {time.time() - start:.0f} s -> {target.relative_to(HERE.parent)}",
            flush=True,
        )
    print(f"{len(paths)} notebook(s) in {time.time() - total:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
