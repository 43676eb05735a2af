"""A preset's four files: made from a finished run (:func:`make`), read back whole (:func:`load`).

* ``config.json``: the format, the recipe's name, the run's overrides and the
  model's whole typed config (:mod:`zoo.recipes.config`), enough to rebuild it;
* ``model.weights.h5``: the networks' weights (both players of a GAN, so that
  training can go on), without optimizer state, stored in float16 by default
  (half the bytes; :mod:`zoo.presets` links the float32-against-float16 table),
  gzip-compressed, and loaded as float32;
* ``metadata.json``: what was trained on what data, how long, by which zoo,
  TensorFlow and Keras, its parameter count, the preset's ``zoo eval`` figures
  when made with an evaluator, its check figures (:mod:`zoo.presets.check`) and
  the weights file's sha256;
* ``README.md``: a short model card of the same facts.
"""

import contextlib
import datetime
import hashlib
import json
import os
import subprocess
import tempfile
import warnings
from pathlib import Path

import numpy as np

from zoo import disk
from zoo.networks import IMAGE_SHAPE

#: The preset format this zoo writes and reads; a newer one is refused with advice.
FORMAT = 1
CONFIG, WEIGHTS, METADATA, CARD = "config.json", "model.weights.h5", "metadata.json", "README.md"
#: Storage dtypes of the weights file: float16 halves it (loaded back as float32).
DTYPES = ("float16", "float32")
#: HDF5 filters of the stored arrays (byte shuffle, then gzip): lossless, read by any h5py.
COMPRESSION = {"compression": "gzip", "compression_opts": 9, "shuffle": True}
#: Smaller arrays (biases of a few units, counters) are stored plain: filters cost bytes there.
COMPRESS_FROM = 64
#: The distribution's name on PyPI (``import zoo`` stays): for the versions recorded.
DISTRIBUTION = "keras-gen-zoo"


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


def read_json(path, what):
    """A JSON file of a preset; a missing or damaged one is one error naming it."""
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f"{what}: no {Path(path).name} in it.") from None
    except (ValueError, UnicodeDecodeError) as e:
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
        zoo_version = importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        zoo_version = None
    return {"zoo": zoo_version, "zoo_commit": _commit(), "tensorflow": tf.__version__,
            "keras": keras.__version__}  # fmt: skip


def _datasets(h5):
    """``{path: dataset}`` of every array in an open HDF5 file."""
    import h5py

    found = {}
    h5.visititems(lambda name, obj: found.update({name: obj}) if isinstance(obj, h5py.Dataset)
                  else None)  # fmt: skip
    return found


def store_as(path, dtype):
    """Rewrites the float32 arrays of the weights file ``path`` in ``dtype``, compressed.

    An array that float16 cannot hold (a finite value beyond its range) stays
    float32; integer arrays (counters, seeds) are never touched. Every array of
    :data:`COMPRESS_FROM` values or more is stored with HDF5's shuffle and gzip
    filters, which h5py (and so ``load_weights``) undoes on reading: 9 % fewer
    bytes for zoo's float16 weights, the values bit for bit the same. The file is
    written anew (HDF5 does not give back the space of deleted arrays).

    Returns:
        The number of arrays stored in ``dtype``.
    """
    import h5py

    changed = 0
    narrow_path = Path(path).with_name(f".narrow-{Path(path).name}")
    with h5py.File(path, "r") as src, h5py.File(narrow_path, "w") as dst:
        dst.attrs.update(src.attrs)

        def copy(name, obj):
            nonlocal changed
            if isinstance(obj, h5py.Group):
                dst.require_group(name).attrs.update(obj.attrs)
                return
            value = obj[()]
            if obj.dtype == np.float32 and dtype != "float32":
                with np.errstate(over="ignore"):
                    narrow = value.astype(dtype)
                if np.array_equal(np.isfinite(narrow), np.isfinite(value)):
                    value, changed = narrow, changed + 1  # else out of range: keep it exact
            packed = COMPRESSION if np.size(value) >= COMPRESS_FROM else {}
            dst.create_dataset(name, data=value, **packed).attrs.update(obj.attrs)

        src.visititems(copy)
    os.replace(narrow_path, path)
    return changed


def _card(config, metadata):
    run, scores = metadata["run"], metadata.get("eval") or {}
    data = "" if metadata["dataset"] == "mnist" else f" --data {metadata['dataset']}"
    lines = [
        f"# {config['recipe']} (zoo preset, {metadata['dataset']})",
        "",
        f"Trained by `python -m zoo train {config['recipe']}{data}` on {run.get('data', '?')}: "
        f"{run.get('epochs')} epochs of batch {run.get('batch_size')} ({run.get('steps')} steps), "
        f"seed {run.get('seed')}, overrides {json.dumps(config['overrides'])}, "
        f"{run.get('seconds')} s of training on {run.get('machine', 'an unrecorded machine')}.",
        "",
        f"{metadata['parameters']:,} parameters; weights `{WEIGHTS}` stored in "
        f"{metadata['weights_dtype']}, compressed (loaded as float32), sha256 "
        f"`{metadata['weights_sha256']}`.",
    ]
    if scores:
        lines += ["", "`zoo eval` figures of this preset's weights:", "", "```json",
                  json.dumps(scores, indent=1), "```"]  # fmt: skip
    if metadata.get("check"):
        lines += ["", "Check figures (`zoo.presets.check`; the preset test reproduces them):", "",
                  "```json", json.dumps(metadata["check"], indent=1), "```"]  # fmt: skip
    by_name = {
        "mnist": f'`zoo.pretrained("{config["recipe"]}")` or ',
        "fashion_mnist": f'`zoo.pretrained("{config["recipe"]}", dataset="fashion_mnist")` or ',
    }  # the shipped ones' names
    lines += ["", f"Load it with {by_name.get(metadata['dataset'], '')}"
              "`zoo.pretrained(PATH)`; made by `python -m zoo preset`."]  # fmt: skip
    return "\n".join(lines) + "\n"


def make(run_dir, out_dir, overwrite=False, dtype="float16", dataset=None, evaluate=None,
         check=True, machine=None):  # fmt: skip
    """Writes the preset of a finished run: its config, weights, metadata and card.

    Args:
        run_dir: A finished run directory (``python -m zoo train ... --out DIR``).
        out_dir: The preset directory to write (all of it, or nothing).
        overwrite: Replace an existing ``out_dir``.
        dtype: Storage dtype of the weights, ``"float16"`` or ``"float32"``.
        dataset: The data set the run trained on, as :func:`zoo.pretrained` names it;
            ``None``: the run's own (``run.json``'s ``dataset``, else MNIST).
        evaluate: Optional ``evaluate(model) -> dict``, called on the preset's
            own (stored, reloaded) weights; its figures go into the metadata
            and the card (``make presets`` passes ``zoo eval``'s).
        check: Record the check figures (:func:`zoo.presets.check.figures`); a run
            of data that zoo ships no check images of gets none.
        machine: The machine the run trained on, for a ``run.json`` that does
            not name it (runs of zoo before the presets).

    Returns:
        ``out_dir`` as a ``Path``.

    Raises:
        FileNotFoundError: ``run_dir`` is no finished run.
        FileExistsError: ``out_dir`` exists and ``overwrite`` is false.
        ValueError: an unknown ``dtype``, or a run that recorded no config.
    """
    from zoo.export import load_keras
    from zoo.presets import check as checks
    from zoo.recipes import builders
    from zoo.recipes import config as cfg
    from zoo.training import rundir  # here: `import zoo` (which loads presets) needs no training

    run_dir, out_dir = Path(run_dir), Path(out_dir)
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {DTYPES}; got {dtype!r}.")
    if not rundir.is_finished(run_dir):
        raise FileNotFoundError(
            f"{str(run_dir)!r} holds no finished run ({rundir.FINAL_MODEL}); train it first "
            "(python -m zoo train RECIPE --out DIR)."
        )
    if out_dir.exists() and not overwrite:
        raise FileExistsError(f"{str(out_dir)!r} already exists; pass --overwrite to replace it.")
    run = read_json(run_dir / rundir.RUN, "the run")
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

    then = "Nothing was written; free some space and make the preset again."
    with disk.atomic_directory(
        out_dir, overwrite=overwrite, what="the preset", then=then
    ) as staging:
        model.save_weights(staging / WEIGHTS)
        store_as(staging / WEIGHTS, dtype)
        preset = {"format": FORMAT, "recipe": run["recipe"], "overrides": run["overrides"],
                  "config": config.to_dict()}  # fmt: skip
        (staging / CONFIG).write_text(json.dumps(preset, indent=1) + "\n")
        stored = _build(staging, preset)  # the figures are those of the stored weights
        dataset = dataset or run.get("dataset", "mnist")
        check = check and dataset in checks.DATA and tuple(stored.image_shape) == IMAGE_SHAPE
        metadata = {
            "format": FORMAT,
            "created": datetime.date.today().isoformat(),
            "recipe": run["recipe"],
            "dataset": dataset,
            "run": {"machine": machine, **{k: v for k, v in run.items() if k != "config"}},
            "eval": evaluate(stored) if evaluate else None,
            "check": checks.figures(stored, dataset=dataset) if check else None,
            "parameters": int(model.count_params()),
            "versions": _versions(),
            "weights_dtype": dtype,
            "weights_bytes": (staging / WEIGHTS).stat().st_size,
            "weights_sha256": sha256(staging / WEIGHTS),
        }
        (staging / METADATA).write_text(json.dumps(metadata, indent=1, default=float) + "\n")
        (staging / CARD).write_text(_card(preset, metadata))
    return out_dir


@contextlib.contextmanager
def _quiet_container_warnings():
    # Keras 3.15 warns once per Functional network that it skips the empty
    # "_operations_by_depth" containers of the graph; the layers themselves load
    # (the preset tests compare outputs), so the warning only misleads.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Skipping nested container")
        yield


def _first_mismatch(model, weights):
    """``"path: (file shape) in the file, (model shape) in the model"`` of the first difference."""
    import h5py

    with tempfile.TemporaryDirectory() as tmp:
        expected_path = Path(tmp) / WEIGHTS
        model.save_weights(expected_path)
        with h5py.File(expected_path, "r") as e, h5py.File(weights, "r") as f:
            want = {k: v.shape for k, v in _datasets(e).items() if "optimizer" not in k}
            have = {k: v.shape for k, v in _datasets(f).items() if "optimizer" not in k}
    for key in sorted(want.keys() | have.keys()):
        if want.get(key) != have.get(key):
            layer = key.rsplit("/vars/", 1)[0]
            return f"first mismatch at {layer}: {have.get(key)} in the file, {want.get(key)} " \
                "in the model"  # fmt: skip
    return None


def _build(path, preset):
    """The model of a preset directory's config with its weights loaded (no digest check)."""
    from zoo import recipes
    from zoo.recipes import builders
    from zoo.recipes import config as cfg

    what = f"the preset {str(path)!r}"
    config = cfg.from_dict(preset["config"], f"{what}'s {CONFIG}")
    name = preset["recipe"]
    options = recipes.get(name).compile_options if name in recipes.REGISTRY else {}
    model = builders.build(config, options, recipe=name)
    _load_weights(model, Path(path) / WEIGHTS, f"{what}: {WEIGHTS} does not fit the {name} "
                  f"model its {CONFIG} describes")  # fmt: skip
    return model


def _load_weights(model, weights, what):
    try:
        with _quiet_container_warnings():
            model.load_weights(weights)
    except (ValueError, OSError) as e:
        where = _first_mismatch(model, weights) if isinstance(e, ValueError) else None
        raise ValueError(f"{what} ({where or str(e).splitlines()[0]}).") from None


def _checked(path):
    """``(config.json, metadata.json)`` of the preset at ``path``, its format and digest checked."""
    path = Path(path)
    what = f"the preset {str(path)!r}"
    preset = read_json(path / CONFIG, what)
    metadata = read_json(path / METADATA, what)
    if preset.get("format", 0) > FORMAT or metadata.get("format", 0) > FORMAT:
        newest = max(preset.get("format", 0), metadata.get("format", 0))
        raise ValueError(
            f"{what} has format {newest}, newer than this zoo reads ({FORMAT}); "
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
    return preset, metadata


def load_into(model, path):
    """Loads the weights of the preset at ``path`` into ``model`` (``train --from-preset``).

    Args:
        model: A built zoo model of the preset's recipe and shapes.
        path: A preset directory.

    Returns:
        The preset's ``metadata.json``.

    Raises:
        ValueError: a damaged preset, or weights that do not fit ``model``
            (naming the first layer that differs).
    """
    preset, metadata = _checked(path)
    _load_weights(model, Path(path) / WEIGHTS, f"the preset {str(path)!r} (of "
                  f"{preset['recipe']}) does not fit this {getattr(model, 'recipe', None)} "
                  "model: train it with the preset's settings")  # fmt: skip
    return metadata


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
    preset, _ = _checked(path)
    return _build(Path(path), preset)
