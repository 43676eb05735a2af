"""TensorFlow Lite conversion of an export: one ``.tflite`` holding every signature.

TFLite drops TensorFlow's assert ops, so an export's checks do not survive:
floats outside [0, 1] and NaN go through, and so does a wrong image size (the
``EnsureShape`` check is gone too; measured with TF 2.21, ``docs/serving.md``).
The ``_uint8`` signatures, whose values cannot be out of range, are the safe
path. :data:`CAVEAT` says it once.
"""

from pathlib import Path

import tensorflow as tf

from zoo import disk

#: What ``python -m zoo export --format tflite`` prints after writing the file.
CAVEAT = (
    "note: TFLite drops the export's checks (assert ops): float images outside [0, 1] and NaN "
    "run through, and a (3, 56, 56, 1) batch gives 3 rows of garbage instead of an error. "
    "Send raw pixels to the *_uint8 signatures, which cannot be out of range, and check "
    "shapes in the client. See docs/serving.md."
)


def convert(saved_model_dir, signature_names):
    """The TFLite flatbuffer of the SavedModel's signatures, as bytes.

    Builtin TFLite ops only, so that any TFLite runtime runs the file without
    the Flex delegate. ``sample`` converts too: its noise is Philox written in
    builtin integer ops (:mod:`zoo.models.philox`), not TensorFlow's stateless
    random ops, which exist in TFLite only as TF Select (Flex) ops.
    """
    converter = tf.lite.TFLiteConverter.from_saved_model(
        str(saved_model_dir), signature_keys=list(signature_names)
    )
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    return converter.convert()


def tflite_path(out):
    """The file written: ``OUT`` if it is named ``*.tflite``, else ``OUT/model.tflite``."""
    out = Path(out)
    return out if out.suffix == ".tflite" else out / "model.tflite"


def write(blob, target, overwrite=False):
    """Writes ``blob`` to ``target`` atomically (a temporary file, then a rename).

    Raises:
        FileExistsError: if ``target`` exists and ``overwrite`` is false, or
            is a directory.
    """
    target = Path(target)
    if target.is_dir():
        raise FileExistsError(f"{str(target)!r} is a directory; name a .tflite file.")
    if target.exists() and not overwrite:
        raise FileExistsError(
            f"{str(target)!r} already exists; pass --overwrite (overwrite=True) to replace it."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    disk.atomic_write(target, lambda staging: Path(staging).write_bytes(blob))
    return str(target)
