"""What an export says about itself: ``assets.extra/zoo.json`` and TF Serving warm-up.

``assets.extra/`` sits beside ``saved_model.pb``; TensorFlow ignores it when
loading and TensorFlow Serving reads ``tf_serving_warmup_requests`` from it.
``zoo.json`` describes the model, every signature (dtypes, shapes, value
ranges) and, when the export came from a run directory, the training run
(``run.json``) and its ``zoo eval`` figures (``eval.json``).
"""

import datetime
import json
import math
import os
import platform
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from zoo.export.signatures import INPUT_VALUES, OUTPUT_RANGES
from zoo.training import rundir

EXTRA_DIR = "assets.extra"
METADATA_FILE = "zoo.json"
WARMUP_FILE = "tf_serving_warmup_requests"
RUN_FILE, EVAL_FILE = rundir.RUN, rundir.EVAL
#: Bumped when a field changes meaning; readers can check it.
FORMAT = "zoo-export/1"


def _shape(spec_shape):
    return [None if d is None else int(d) for d in spec_shape]


def _tensor(spec, value_range):
    return {"dtype": spec.dtype.name, "shape": _shape(spec.shape), "range": value_range}


def run_dir_of(source):
    """The run directory ``source`` came from, or ``None``.

    A run directory itself, or the folder of a ``.keras`` file that holds a
    ``run.json`` beside it (``runs/x/model.keras``).
    """
    if source is None:
        return None
    path = Path(source)
    folder = path if path.is_dir() else path.parent
    return folder if (folder / RUN_FILE).is_file() else None


def _records(source):
    """``(run, eval)`` of what ``source`` was loaded from, each ``None`` where unrecorded.

    A run directory's ``run.json`` and ``eval.json``; a preset's ``metadata.json``
    holds both (its run, with the data set it trained on, and its ``zoo eval`` figures).
    """
    run_dir = run_dir_of(source)
    if run_dir:
        return _read_json(run_dir / RUN_FILE), _read_json(run_dir / EVAL_FILE)
    if source is not None and (Path(source) / "metadata.json").is_file():
        from zoo import presets

        if presets.is_preset(source):
            metadata = _read_json(Path(source) / presets.METADATA) or {}
            run = metadata.get("run")
            if run is not None:
                run = {**run, "dataset": metadata.get("dataset", "mnist")}
            return run, metadata.get("eval")
    return None, None


def _read_json(path):
    """The JSON at ``path``, or ``None`` when it is missing or unreadable (never fatal)."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None


def recipe_of(model, run=None):
    """The recipe ``model`` was built from: its own ``recipe`` setting, else ``run.json``'s.

    Models built by :func:`zoo.recipes.build` keep their recipe's name in their
    config; a model saved before they did, or built by hand, has none, and its
    run directory's ``run.json`` may name it. Nothing is guessed from a model's name.
    """
    return getattr(model, "recipe", None) or (run or {}).get("recipe")


def _count(variables):
    return int(sum(math.prod(v.shape) for v in variables))


def describe(model, signatures, traced, source=None):
    """The ``zoo.json`` dict of an export.

    Args:
        model: The exported zoo model.
        signatures: Its :class:`~zoo.export.signatures.Signature` list, default first.
        traced: ``{name: tf.function}`` of the traced signatures (their output specs).
        source: The run directory or ``.keras`` file it was loaded from, if any.
    """
    import zoo

    run, evaluation = _records(source)
    described = {}
    for sig in signatures:
        outputs = traced[sig.name].get_concrete_function().structured_outputs
        described[sig.name] = {
            "method": sig.endpoint.method,
            "inputs": {sig.spec.name: _tensor(sig.spec, INPUT_VALUES[sig.spec.name][1])},
            "outputs": {
                key: _tensor(spec, OUTPUT_RANGES.get(key, "real")) for key, spec in outputs.items()
            },
        }
    return {
        "format": FORMAT,
        "exported_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "versions": {
            "zoo": zoo.__version__,
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "python": platform.python_version(),
        },
        "model": {
            "name": model.name,
            "class": type(model).__name__,
            "family": model.family,
            "recipe": recipe_of(model, run),
            "latent_dim": int(model.latent_dim),
            "image_shape": list(model.image_shape),
            "parameters": {
                "trainable": _count(model.trainable_weights),
                "non_trainable": _count(model.non_trainable_weights),
            },
        },
        "source": None if source is None else os.fspath(source),
        "default_signature": signatures[0].name,
        "signatures": described,
        "run": run,
        "eval": evaluation,
    }


def write(directory, metadata):
    """Writes ``metadata`` to ``directory/assets.extra/zoo.json``."""
    extra = Path(directory) / EXTRA_DIR
    extra.mkdir(exist_ok=True)
    (extra / METADATA_FILE).write_text(json.dumps(metadata, indent=2) + "\n")


def read(saved_model_dir):
    """The ``zoo.json`` of a SavedModel directory.

    Raises:
        FileNotFoundError: for an export without one (written before zoo 0.1's
            serving round two, or not by zoo).
    """
    path = Path(saved_model_dir) / EXTRA_DIR / METADATA_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"{str(saved_model_dir)!r} has no {EXTRA_DIR}/{METADATA_FILE}: it was not written "
            "by this version of python -m zoo export; export the model again."
        )
    return json.loads(path.read_text())


def _warmup_input(spec):
    """One all-zero example of ``spec``: valid for every input kind."""
    shape = [1 if d is None else int(d) for d in spec.shape]
    return np.zeros(shape, spec.dtype.as_numpy_dtype)


def write_warmup(directory, signatures, model_name):
    """Writes TF Serving's warm-up requests, one per signature; ``False`` without the package.

    TensorFlow Serving replays ``assets.extra/tf_serving_warmup_requests``
    (a TFRecord of ``PredictionLog``) when it loads a version, so that the
    first real request does not pay for graph initialisation. Its protos come
    with ``tensorflow-serving-api`` (the ``serving`` extra), which is optional.

    Args:
        directory: The SavedModel directory.
        signatures: The :class:`~zoo.export.signatures.Signature` list.
        model_name: The ``model_spec.name`` of the requests.

    Returns:
        Whether the file was written.
    """
    try:
        from tensorflow_serving.apis import predict_pb2, prediction_log_pb2
    except ImportError:
        return False
    extra = Path(directory) / EXTRA_DIR
    extra.mkdir(exist_ok=True)
    with tf.io.TFRecordWriter(str(extra / WARMUP_FILE)) as writer:
        for sig in signatures:
            request = predict_pb2.PredictRequest()
            request.model_spec.name = model_name
            request.model_spec.signature_name = sig.name
            request.inputs[sig.spec.name].CopyFrom(tf.make_tensor_proto(_warmup_input(sig.spec)))
            log = prediction_log_pb2.PredictionLog(
                predict_log=prediction_log_pb2.PredictLog(request=request)
            )
            writer.write(log.SerializeToString())
    return True
