"""Where exports live: TensorFlow Serving's versioned layout, and what can be exported."""

import os
import re
import zipfile
from pathlib import Path

import keras

from zoo import checks
from zoo.training import rundir

#: The file a run directory holds (``python -m zoo train ... --out DIR``).
RUN_MODEL_FILE = rundir.FINAL_MODEL

_VERSION_NAME = re.compile(r"[0-9]+")


def versions(base):
    """Integer versions already in ``base`` (TensorFlow Serving's numeric subdirs)."""
    base = Path(base)
    if not base.is_dir():
        return []
    return sorted(
        int(p.name) for p in base.iterdir() if p.is_dir() and _VERSION_NAME.fullmatch(p.name)
    )


def check_version(version):
    """``version`` as a positive int; numeric strings are accepted."""
    if isinstance(version, str) and _VERSION_NAME.fullmatch(version):
        version = int(version)
    note = " (TensorFlow Serving reads numeric directory names)"
    return checks.positive_int("version", version, note)


def model_file(model_or_path):
    """The ``.keras`` file of a path: itself, or a run directory's ``model.keras``.

    Raises:
        FileNotFoundError: if the path does not exist, or is neither a
            ``.keras`` file nor a directory holding ``model.keras``.
        TypeError: if ``model_or_path`` is not a path.
    """
    if not isinstance(model_or_path, (str, os.PathLike)):
        raise TypeError(
            "Expected a Keras model, a .keras file or a run directory; got "
            f"{type(model_or_path).__name__}."
        )
    path = Path(model_or_path)
    expected = f"a .keras file or a run directory holding {RUN_MODEL_FILE}"
    if path.is_dir():
        if (path / RUN_MODEL_FILE).is_file():
            return path / RUN_MODEL_FILE
        if (path / "saved_model.pb").is_file() or versions(path):
            raise FileNotFoundError(
                f"{str(path)!r} is a SavedModel export, not a run directory; export needs "
                f"{expected} (python -m zoo train ... --out DIR writes one)."
            )
        raise FileNotFoundError(
            f"No {RUN_MODEL_FILE} in {str(path)!r}; expected {expected} "
            "(python -m zoo train ... --out DIR writes one)."
        )
    if not path.is_file():
        raise FileNotFoundError(f"{str(path)!r} does not exist; expected {expected}.")
    if path.suffix != ".keras":
        raise FileNotFoundError(f"{str(path)!r} is not a .keras file; expected {expected}.")
    return path


def load_model_from(model_or_path):
    """Returns a zoo model from a model object, a ``.keras`` file, a run or a preset.

    Args:
        model_or_path: A ``keras.Model``, a path to a ``.keras`` file, a run
            directory holding ``model.keras`` (what ``python -m zoo train ...
            --out DIR`` writes) or a preset directory (:mod:`zoo.presets`).

    Raises:
        FileNotFoundError: if the path does not exist, or is neither a
            ``.keras`` file nor a directory holding ``model.keras``.
        TypeError: if ``model_or_path`` is neither a model nor a path.
        ValueError: if the ``.keras`` file is damaged (:func:`load_keras`).
    """
    if isinstance(model_or_path, keras.Model):
        return model_or_path
    from zoo import presets

    if isinstance(model_or_path, str | os.PathLike) and presets.is_preset(model_or_path):
        return presets.load(model_or_path)
    return load_keras(model_file(model_or_path))


def load_keras(path):
    """Loads a ``.keras`` file uncompiled, saying so when it is damaged or truncated.

    Keras reports an archive it cannot open (a copy cut short, a disk that
    filled up) as "File not found", which sends the user looking for a file
    that is there.

    Args:
        path: An existing ``.keras`` file.

    Returns:
        The model, without its optimizer state (serving and scoring need the
        weights only).

    Raises:
        ValueError: for a file that is not a whole ``.keras`` archive, or one
            Keras cannot rebuild, naming the path and the fix.
    """
    import zoo  # noqa: F401  (registers the zoo classes the file names)

    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError) as e:
        bad = f"{type(e).__name__}: {e}"
    if bad is not None:
        raise ValueError(
            f"{str(path)!r} is damaged or truncated: not a readable .keras archive ({bad}). "
            "Train the run again (python -m zoo train RECIPE --out DIR --fresh) or save the "
            "model again (model.save(path))."
        )
    try:
        return keras.models.load_model(path, compile=False)
    except Exception as e:
        raise ValueError(
            f"{str(path)!r} cannot be loaded as a Keras model ({type(e).__name__}: "
            f"{str(e).splitlines()[0][:160]}); it is damaged or not a zoo model. Train the "
            "run again (python -m zoo train RECIPE --out DIR --fresh)."
        ) from e


def saved_model_dir(export_dir):
    """The SavedModel directory of ``export_dir``: itself, or its highest version.

    Args:
        export_dir: A version directory (``OUT_DIR/<version>``) or an export
            base directory (``OUT_DIR``), in which case the highest version is
            used, as TensorFlow Serving does.

    Raises:
        FileNotFoundError: if neither holds a SavedModel.
    """
    path = Path(export_dir)
    if (path / "saved_model.pb").is_file():
        return str(path)
    for version in reversed(versions(path)):
        if (path / str(version) / "saved_model.pb").is_file():
            return str(path / str(version))
    raise FileNotFoundError(
        f"No SavedModel in {str(path)!r}; expected an export directory OUT_DIR/<version> "
        "or its base OUT_DIR (python -m zoo export MODEL OUT_DIR writes one)."
    )
