"""The files of a run directory (``python -m zoo train ... --out DIR``).

A run directory holds, while training, ``checkpoints/`` (and TensorBoard logs
when asked for) and the image grids and loss plot of each epoch; when the run
has finished, ``history.json``, ``run.json``, the last grid again and
``model.keras``, which marks it finished and is written last.
"""

import json
import os
import shutil

__all__ = ["CHECKPOINTS", "FINAL_MODEL", "TENSORBOARD", "check_writable", "prepare", "finish"]

CHECKPOINTS, FINAL_MODEL, TENSORBOARD = "checkpoints", "model.keras", "tensorboard"


def check_writable(out_dir):
    """Creates ``out_dir`` and fails early, with the fix, if it cannot be written."""
    try:
        os.makedirs(out_dir, exist_ok=True)
        probe = os.path.join(out_dir, ".zoo-write-test")
        with open(probe, "w") as f:
            f.write("ok")
        os.remove(probe)
    except OSError as e:
        raise PermissionError(
            f"Cannot write to the output directory {out_dir!r} ({e.strerror}); "
            "choose another with --out DIR."
        ) from e
    return out_dir


def _clear(out_dir):
    """Removes what a run of zoo leaves in ``out_dir`` that would be taken up again."""
    for name in (CHECKPOINTS, TENSORBOARD):
        shutil.rmtree(os.path.join(out_dir, name), ignore_errors=True)
    if os.path.exists(os.path.join(out_dir, FINAL_MODEL)):
        os.remove(os.path.join(out_dir, FINAL_MODEL))


def prepare(out_dir, fresh=False):
    """Makes ``out_dir`` ready for a run: writable, and cleared when ``fresh``.

    Raises:
        PermissionError: ``out_dir`` cannot be written.
        FileExistsError: it holds a finished run and ``fresh`` is false.
    """
    check_writable(out_dir)
    final = os.path.join(out_dir, FINAL_MODEL)
    if fresh:
        _clear(out_dir)
    elif os.path.exists(final):
        raise FileExistsError(
            f"{out_dir!r} already holds a finished run ({final} exists). Pass --fresh "
            "(fresh=True) to train it again from scratch, replacing it, or choose another --out."
        )
    return out_dir


def finish(out_dir, model, history, record, last_grid=None, grid_name=None):
    """Writes a finished run's files; ``model.keras`` last, then drops the checkpoints.

    Args:
        out_dir: The run directory.
        model: The trained model.
        history: Logs of every epoch (``{"loss": [...], ...}``).
        record: What ``run.json`` holds (recipe, data, steps, seconds ...).
        last_grid: The last epoch's image grid, copied to ``<grid_name>.png``.
        grid_name: ``"samples"`` or ``"reconstructions"``.
    """
    with open(os.path.join(out_dir, "history.json"), "w") as f:
        json.dump(history, f, indent=1)
    if last_grid:
        shutil.copyfile(last_grid, os.path.join(out_dir, f"{grid_name}.png"))
    with open(os.path.join(out_dir, "run.json"), "w") as f:
        json.dump(record, f, indent=1)
    # model.keras marks a finished run, so it is written last and atomically;
    # the checkpoints are only dropped once it is in place.
    staging = os.path.join(out_dir, ".partial-model.keras")
    model.save(staging)
    os.replace(staging, os.path.join(out_dir, FINAL_MODEL))
    shutil.rmtree(os.path.join(out_dir, CHECKPOINTS), ignore_errors=True)
