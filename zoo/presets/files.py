"""Presets: a trained model as data, in keras-hub's layout, loaded in one call.

A preset is a directory of four files:

* ``config.json``: the format, the recipe's name, the run's overrides and the
  model's whole typed config (:mod:`zoo.recipes.config`), enough to rebuild it;
* ``model.weights.h5``: the networks' weights (both players of a GAN, so that
  training can go on), without optimizer state;
* ``metadata.json``: what was trained on what data, how long, by which zoo,
  TensorFlow and Keras, its parameter count, its ``zoo eval`` figures where the
  run had them, and the weights file's sha256;
* ``README.md``: a short model card of the same facts.

:func:`make` turns a finished run directory into one (``python -m zoo preset
RUN_DIR OUT_DIR``); :func:`load` gives the model back compiled, after checking
the weights against their digest.

Example:
    >>> from zoo import presets
    >>> presets.make("runs/a000.gan", "presets/a000.gan")  # doctest: +SKIP
    >>> model = presets.load("presets/a000.gan")  # doctest: +SKIP
    >>> model.sample(16, seed=0).shape  # doctest: +SKIP
    TensorShape([16, 28, 28, 1])
"""

import datetime
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

from zoo import disk
from zoo.training import rundir

__all__ = ["CONFIG", "FORMAT", "METADATA", "WEIGHTS", "is_preset", "load", "make"]

#: The preset format this zoo writes and reads; a newer one is refused with advice.
FORMAT = 1
CONFIG, WEIGHTS, METADATA, CARD = "config.json", "model.weights.h5", "metadata.json", "README.md"


def is_preset(path):
    """Whether ``path`` is a preset directory (it holds a ``config.json`` and a weights file)."""
    path = Path(path)
    return (path / CONFIG).is_file() and (path / WEIGHTS).exists()


def sha256(path):
    """The hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_json(path, what):
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f"{what}: no {Path(path).name} in it.") from None
    except ValueError as e:
        raise ValueError(f"{what}: {str(path)!r} is damaged ({e}).") from None


def _commit():
    """The zoo checkout's git commit, or ``None`` outside one."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def _versions():
    import importlib.metadata

    import keras
    import tensorflow as tf

    try:
        zoo_version = importlib.metadata.version("zoo")
    except importlib.metadata.PackageNotFoundError:
        zoo_version = None
    return {"zoo": zoo_version, "zoo_commit": _commit(), "tensorflow": tf.__version__,
            "keras": keras.__version__}  # fmt: skip


def _card(config, metadata):
    run, scores = metadata["run"], metadata.get("eval") or {}
    lines = [
        f"# {config['recipe']} (zoo preset)",
        "",
        f"Trained by `python -m zoo train {config['recipe']}` on {run.get('data', '?')}: "
        f"{run.get('epochs')} epochs of batch {run.get('batch_size')} ({run.get('steps')} steps), "
        f"seed {run.get('seed')}, overrides {json.dumps(config['overrides'])}, "
        f"{run.get('seconds')} s of training.",
        "",
        f"{metadata['parameters']:,} parameters; weights `{WEIGHTS}`, sha256 "
        f"`{metadata['weights_sha256']}`.",
    ]
    if scores:
        lines += ["", "`zoo eval` figures of the run:", "", "```json",
                  json.dumps(scores, indent=1), "```"]  # fmt: skip
    lines += ["", "Load it with `zoo.presets.load(path)`; made by `python -m zoo preset`."]
    return "\n".join(lines) + "\n"


def make(run_dir, out_dir, overwrite=False):
    """Writes the preset of a finished run: its config, weights, metadata and card.

    Args:
        run_dir: A finished run directory (``python -m zoo train ... --out DIR``).
        out_dir: The preset directory to write (all of it, or nothing).
        overwrite: Replace an existing ``out_dir``.

    Returns:
        ``out_dir`` as a ``Path``.

    Raises:
        FileNotFoundError: ``run_dir`` is no finished run.
        FileExistsError: ``out_dir`` exists and ``overwrite`` is false.
    """
    from zoo.export import load_keras
    from zoo.recipes import builders
    from zoo.recipes import config as cfg

    run_dir, out_dir = Path(run_dir), Path(out_dir)
    if not rundir.is_finished(run_dir):
        raise FileNotFoundError(
            f"{str(run_dir)!r} holds no finished run ({rundir.FINAL_MODEL}); train it first "
            "(python -m zoo train RECIPE --out DIR)."
        )
    if out_dir.exists() and not overwrite:
        raise FileExistsError(f"{str(out_dir)!r} already exists; pass --overwrite to replace it.")
    run = _read_json(run_dir / rundir.RUN, "the run")
    if "config" not in run:
        raise ValueError(
            f"{str(run_dir)!r} was trained by a zoo that did not record its config in "
            f"{rundir.RUN}; train it again with this zoo to make a preset."
        )
    config = cfg.from_dict(run["config"], f"{run_dir}/{rundir.RUN}")
    trained = load_keras(run_dir / rundir.FINAL_MODEL)
    # A fresh build holds unbuilt optimizers: its weights file has the networks' only.
    model = builders.build(config, recipe=run["recipe"])
    model.set_weights(trained.get_weights())

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = out_dir.parent / f".partial-{os.getpid()}-{out_dir.name}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        model.save_weights(staging / WEIGHTS)
        evaluation = run_dir / rundir.EVAL
        metadata = {
            "format": FORMAT,
            "created": datetime.date.today().isoformat(),
            "recipe": run["recipe"],
            "dataset": "mnist",
            "run": {k: v for k, v in run.items() if k != "config"},
            "eval": _read_json(evaluation, "the run's eval") if evaluation.exists() else None,
            "parameters": int(model.count_params()),
            "versions": _versions(),
            "weights_sha256": sha256(staging / WEIGHTS),
        }
        preset = {"format": FORMAT, "recipe": run["recipe"], "overrides": run["overrides"],
                  "config": config.to_dict()}  # fmt: skip
        (staging / CONFIG).write_text(json.dumps(preset, indent=1) + "\n")
        (staging / METADATA).write_text(json.dumps(metadata, indent=1) + "\n")
        (staging / CARD).write_text(_card(preset, metadata))
        for name in (CONFIG, METADATA, CARD, WEIGHTS):
            disk.fsync(staging / name)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out_dir


def load(path):
    """The model of the preset at ``path``, compiled with its recipe's speed settings.

    Args:
        path: A preset directory (:func:`make`'s).

    Returns:
        A compiled zoo model, ready to ``sample``, ``evaluate``, ``fit`` further
        and ``export``; ``model.recipe`` names its recipe.

    Raises:
        FileNotFoundError: a file of the preset is missing.
        ValueError: a damaged file, weights that do not match their digest or
            their config, or a preset of a newer format; each message names the
            file and the fix.
    """
    from zoo import recipes
    from zoo.recipes import builders
    from zoo.recipes import config as cfg

    path = Path(path)
    what = f"the preset {str(path)!r}"
    preset = _read_json(path / CONFIG, what)
    metadata = _read_json(path / METADATA, what)
    if preset.get("format", 0) > FORMAT:
        raise ValueError(
            f"{what} has format {preset['format']}, newer than this zoo reads ({FORMAT}); "
            "upgrade zoo (pip install -U) to load it."
        )
    weights = path / WEIGHTS
    if not weights.is_file():
        raise FileNotFoundError(f"{what}: no {WEIGHTS} in it.")
    found, expected = sha256(weights), metadata.get("weights_sha256")
    if found != expected:
        raise ValueError(
            f"{what}: {WEIGHTS} does not match its digest (expected sha256 {expected}, found "
            f"{found}); the file is damaged or was replaced: fetch or make the preset again."
        )
    config = cfg.from_dict(preset["config"], f"{what}'s {CONFIG}")
    name = preset["recipe"]
    options = recipes.get(name).compile_options if name in recipes.REGISTRY else {}
    model = builders.build(config, options, recipe=name)
    try:
        model.load_weights(weights)
    except ValueError as e:
        raise ValueError(
            f"{what}: {WEIGHTS} does not fit the {name} model its {CONFIG} describes "
            f"({str(e).splitlines()[0]})."
        ) from None
    return model
