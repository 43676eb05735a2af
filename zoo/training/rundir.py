"""The files of a run directory (``python -m zoo train ... --out DIR``).

A run directory holds, while training, ``checkpoints/`` (and TensorBoard logs
when asked for) and the image grids and loss plot of each epoch; when the run
has finished, ``history.json``, ``run.json``, the last grid again and
``model.keras``, which marks it finished and is written last.
"""

import json
import os
import shutil

from zoo import disk

__all__ = [
    "CHECKPOINTS",
    "EVAL",
    "FINAL_MODEL",
    "HISTORY",
    "LOSSES",
    "RUN",
    "TENSORBOARD",
    "IDENTITY",
    "check_writable",
    "clean_up",
    "complete",
    "finish",
    "frames",
    "is_finished",
    "prepare",
    "record",
    "write_gif",
]

# The layout of a run directory: this module is its one owner; the rest of zoo
# (training, evaluation, export) names these files through it.
CHECKPOINTS, FINAL_MODEL, TENSORBOARD = "checkpoints", "model.keras", "tensorboard"
HISTORY, RUN, LOSSES = "history.json", "run.json", "losses.png"
#: What ``zoo eval`` writes beside a run's files.
EVAL = "eval.json"


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
    elif os.path.exists(final) and not os.path.isdir(os.path.join(out_dir, CHECKPOINTS)):
        # With checkpoints beside it, the run was killed during its clean-up, which
        # zoo.training.train completes.
        raise FileExistsError(
            f"{out_dir!r} already holds a finished run ({final} exists). Pass --fresh "
            "(fresh=True) to train it again from scratch, replacing it, or choose another --out."
        )
    return out_dir


def is_finished(out_dir):
    """Whether ``out_dir`` holds ``model.keras``, the mark of a finished run."""
    return os.path.exists(os.path.join(out_dir, FINAL_MODEL))


def frames(out_dir, grid_name, epochs):
    """The image grids (``<grid_name>_epoch_001.png`` ...) of epochs 1 to ``epochs`` on disk."""
    paths = (os.path.join(out_dir, f"{grid_name}_epoch_{e:03d}.png") for e in range(1, epochs + 1))
    return [p for p in paths if os.path.exists(p)]


def _atomic(path, write):
    """:func:`zoo.disk.atomic_write`; after a full disk the checkpoints are kept to resume."""
    then = "The checkpoints are kept; free some space and run the same command again to finish."
    disk.atomic_write(path, write, then)


def write_gif(paths, target):
    """Assembles the PNG frames ``paths`` into an animated GIF ``target`` (atomically)."""
    from PIL import Image  # Pillow is a matplotlib dependency

    images = [Image.open(p).convert("P") for p in paths]
    _atomic(
        target,
        lambda staging: images[0].save(
            staging, format="GIF", save_all=True, append_images=images[1:], duration=500, loop=0
        ),
    )


def finish(out_dir, model, history, record, grid_name="samples"):
    """Writes a finished run's files; ``model.keras`` last, then drops the checkpoints.

    Every artefact is derived here from what is on disk (the epochs' grids) and
    the full history, not from what this process happened to draw: a run resumed
    after a kill, even one with no epoch left to train, ends with the same files
    as one never stopped.

    Args:
        out_dir: The run directory.
        model: The trained model.
        history: Logs of every epoch (``{"loss": [...], ...}``).
        record: What ``run.json`` holds (recipe, epochs, data, steps, seconds ...).
        grid_name: ``"samples"`` or ``"reconstructions"``.
    """
    from zoo import plotting

    _atomic(os.path.join(out_dir, HISTORY), lambda p: _dump(history, p))
    if history:
        _atomic(os.path.join(out_dir, LOSSES), lambda p: plotting.plot_history(history, p))
    grids = frames(out_dir, grid_name, record["epochs"])
    if grids:
        _atomic(os.path.join(out_dir, f"{grid_name}.png"), lambda p: shutil.copyfile(grids[-1], p))
    if len(grids) > 1:
        write_gif(grids, os.path.join(out_dir, f"{grid_name}.gif"))
    _atomic(os.path.join(out_dir, RUN), lambda p: _dump(record, p))
    # model.keras marks a finished run, so it is written last and atomically;
    # the checkpoints are only dropped once it is in place.
    _atomic(os.path.join(out_dir, FINAL_MODEL), model.save)
    clean_up(out_dir)


def clean_up(out_dir):
    """Drops what a finished run no longer needs: its checkpoints, torn ``.partial-*`` files.

    Idempotent: a run killed after ``model.keras`` appeared is completed by calling it again.
    """
    shutil.rmtree(os.path.join(out_dir, CHECKPOINTS), ignore_errors=True)
    disk.remove_partials(out_dir)


def _dump(obj, path):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)


#: The keys of ``run.json`` that say which run it was (the rest: how it went).
IDENTITY = ("recipe", "dataset", "epochs", "batch_size", "limit", "seed", "overrides")
# What a run.json without a key meant: zoo trained on MNIST only before ``dataset``.
_BEFORE = {"dataset": "mnist"}


def record(run_plan, model=None, checkpoint=None, resumed=None, seconds=None):
    """What ``run.json`` says: what was run, on what data, in how long.

    Without ``model``, only what identifies the run (:data:`IDENTITY`).
    """
    identity = {
        "recipe": run_plan.recipe.name,
        "dataset": os.fspath(run_plan.data),  # a name, or the path as given
        "epochs": run_plan.epochs,
        "batch_size": run_plan.batch_size,
        "limit": run_plan.limit,
        "seed": run_plan.seed,
        "overrides": run_plan.overrides,
    }
    if model is None:
        return identity
    import keras

    config = run_plan.recipe.configure(**run_plan.overrides, seed=run_plan.seed)
    return {
        **identity,
        "config": config.to_dict(),  # the model's every setting: recipes.config.from_dict
        "steps": checkpoint.step,
        "sample_repeats": run_plan.repeats,
        "resumed_from_step": resumed["step"] if resumed else None,
        "data": run_plan.source_text,
        "seconds": round(seconds, 1),
        "keras": keras.__version__,
        "jit_compile": bool(model.jit_compile),
        "steps_per_execution": model.steps_per_execution,
        "dtype_policy": model.dtype_policy.name,
        "replicas": model.distribute_strategy.num_replicas_in_sync,
        "machine": machine(),
        **({"from_preset": run_plan.from_preset} if run_plan.from_preset else {}),
    }


def machine(versions=False):
    """This machine in a few words: architecture, system, CPU cores and GPUs.

    Args:
        versions: Add TensorFlow's and Keras's versions, as the docs record them beside
            their figures (``make results``, the benchmarks). ``run.json`` leaves them out
            of its ``machine``: it keeps Keras's version in a field of its own.

    Returns:
        One line, e.g. ``"x86_64 Linux, 2 CPU cores, no GPU"``.
    """
    import platform

    import keras
    import tensorflow as tf

    gpus = len(tf.config.list_physical_devices("GPU"))
    line = (f"{platform.machine()} {platform.system()}, {os.cpu_count()} CPU cores, "
            f"{f'{gpus} GPU(s)' if gpus else 'no GPU'}")  # fmt: skip
    return f"{line}, TensorFlow {tf.__version__}, Keras {keras.__version__}" if versions else line


def complete(out_dir, identity):
    """Completes a run killed after ``model.keras`` appeared, before its clean-up.

    Every other file was written before ``model.keras``, so only the clean-up is
    left: this does it and returns the run as :func:`zoo.training.train` would.

    Args:
        out_dir: The run directory, holding ``model.keras`` and ``checkpoints/``.
        identity: This command's :func:`record` without a model, checked against
            ``run.json`` so that another command is still refused.

    Returns:
        ``(model, history)``, loaded from ``model.keras`` and ``history.json``.

    Raises:
        FileExistsError: ``run.json`` is another run's.
    """
    import keras

    final = os.path.join(out_dir, FINAL_MODEL)
    with open(os.path.join(out_dir, RUN)) as f:
        saved = json.load(f)
    here = json.loads(json.dumps(identity))  # tuples -> lists, as run.json holds them
    diffs = [
        f"{key}={saved.get(key)!r} there, {here[key]!r} here"
        for key in IDENTITY
        if saved.get(key, _BEFORE.get(key)) != here[key]
    ]
    if diffs:
        raise FileExistsError(
            f"{out_dir!r} already holds a finished run ({final} exists; {'; '.join(diffs)}). "
            "Pass --fresh (fresh=True) to train it again from scratch, replacing it, "
            "or choose another --out."
        )
    clean_up(out_dir)
    print(f"zoo: {out_dir} held a finished run whose clean-up was cut short; completed it.")
    history = keras.callbacks.History()
    with open(os.path.join(out_dir, HISTORY)) as f:
        history.history = json.load(f)
    history.epoch = list(range(len(next(iter(history.history.values()), []))))
    return keras.models.load_model(final), history
