"""Export zoo models as TensorFlow SavedModels that plain TensorFlow can serve.

An export needs neither ``zoo`` nor Keras to load: ``tf.saved_model.load``
(or TensorFlow Serving) gets graphs and weights, with one named signature per
method of the model's family. Every signature has a dynamic batch axis, one
named input and named outputs (``docs/serving.md`` has the full table):

====================  ==================================  ===========================
signature             input                               outputs (float32)
====================  ==================================  ===========================
``generate``          ``latent_normal`` f32 (N, latent)   ``images`` (N, 28, 28, 1)
``sample``            ``seeds`` int64 (N,)                ``images`` (N, 28, 28, 1)
``discriminate``      ``images_0_1`` f32 (N, 28, 28, 1)   ``probability_real`` (N, 1)
``encode``            ``images_0_1`` f32 (N, 28, 28, 1)   ``codes`` (N, code); a VAE's:
                                                          ``z_mean``, ``z_log_var``
``decode``            ``codes`` f32 (N, code)             ``images`` (N, 28, 28, 1)
``reconstruct``       ``images_0_1`` f32 (N, 28, 28, 1)   ``images`` (N, 28, 28, 1)
``<name>_uint8``      ``pixels`` uint8 (N, 28, 28)        as ``<name>`` on pixels / 255
====================  ==================================  ===========================

The input names carry the value range: ``latent_normal`` is ``N(0, I)``
noise, ``images_0_1`` are images in [0, 1] (floats outside it, and NaN, are
refused with the fix), ``codes`` are any real vectors of the code size,
``seeds`` give one image each, the same for the same seed in every call and
process (:func:`zoo.models.philox.seeded_normal`), and ``pixels`` are raw
``uint8`` digits as ``keras.datasets.mnist`` gives them; every signature that
takes ``images_0_1`` has a ``_uint8`` twin taking ``pixels``. Output
``images`` are in [0, 1]. An empty batch (N=0) gives empty outputs.

Which signatures a model gets depends on its family, which declares them
(``endpoints``, :class:`zoo.models.Endpoint`); this package dispatches on no
model class (:mod:`zoo.export.signatures`). ``serving_default`` repeats the
first (``generate`` for GANs, ``reconstruct`` for autoencoders and VAEs).

Beside ``saved_model.pb``, ``assets.extra/zoo.json`` describes the export
(:func:`info`; ``python -m zoo export --info DIR``), and
``assets.extra/tf_serving_warmup_requests`` warms TensorFlow Serving up when
``tensorflow-serving-api`` is installed (:mod:`zoo.export.metadata`). The
weights are listed on the loaded object (``loaded.variables``,
``loaded.trainable_variables``); optimizer state is left out.

The directory layout is TensorFlow Serving's: ``OUT_DIR/<version>/`` with
integer versions; TensorFlow Serving serves the highest one.
:func:`export_tflite` writes one ``.tflite`` file instead
(:mod:`zoo.export.tflite`).

Example:
    >>> from zoo import export
    >>> export.export_from("runs/a000.gan", "exports/gan")  # doctest: +SKIP
    'exports/gan/1'
    >>> images = export.sample_grid_from_export("exports/gan", n=16)  # doctest: +SKIP
    >>> images.shape  # doctest: +SKIP
    (16, 28, 28, 1)
"""

import tempfile
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from zoo import checks, disk
from zoo.export import metadata, tflite
from zoo.export.paths import (
    RUN_MODEL_FILE,
    check_version,
    load_keras,
    load_model_from,
    saved_model_dir,
    versions,
)
from zoo.export.signatures import PIXELS, signatures_of
from zoo.models.base import CODES, IMAGES, LATENT, SEEDS

__all__ = [
    "CODES",
    "FORMATS",
    "IMAGES",
    "LATENT",
    "PIXELS",
    "RUN_MODEL_FILE",
    "SEEDS",
    "export",
    "export_from",
    "export_tflite",
    "info",
    "load_keras",
    "load_model_from",
    "sample_grid_from_export",
    "saved_model_dir",
    "signature_names",
]

#: What ``export_from(..., format=...)`` and ``python -m zoo export --format`` write.
FORMATS = ("saved_model", "tflite")


def signature_names(model):
    """Names of the signatures :func:`export` writes for ``model``, default first.

    ``serving_default`` is not listed; it repeats the first name.
    """
    return [sig.name for sig in signatures_of(model)]


def export(model, path, *, version=None, overwrite=False, source=None):
    """Writes ``model`` as a SavedModel to ``path/<version>/`` and returns that directory.

    Args:
        model: A zoo model (GAN, LatentGAN, Autoencoder, ContractiveAutoencoder
            or VAE); see the module docstring for the signatures each gets.
        path: The export base directory (TensorFlow Serving's model base path);
            created if missing.
        version: A positive integer. ``None`` (default) takes the next integer
            after the numeric subdirectories already in ``path``, starting at 1.
        overwrite: Replace a non-empty ``path/<version>``. Without it, an
            existing version is never touched.
        source: The run directory or ``.keras`` file the model came from;
            ``zoo.json`` then records its run (``run.json``) and ``zoo eval``
            figures (``eval.json``). :func:`export_from` passes it.

    Returns:
        The version directory written, as a string (``path/<version>``).

    Raises:
        TypeError: if ``model`` is not a zoo model.
        ValueError: for a version that is not a positive integer.
        NotADirectoryError: if ``path`` (or ``path/<version>``) is a file.
        FileExistsError: if ``path/<version>`` is a non-empty directory and
            ``overwrite`` is false.
    """
    base = Path(path)
    if base.exists() and not base.is_dir():
        raise NotADirectoryError(
            f"The export directory {str(base)!r} is a file; exports go to OUT_DIR/<version>/. "
            "Choose a directory path."
        )
    sigs = signatures_of(model)  # Fails on a wrong model before touching the disk.
    version = max(versions(base), default=0) + 1 if version is None else check_version(version)
    target = base / str(version)
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(f"{str(target)!r} is a file, not a version directory.")
    if target.is_dir() and any(target.iterdir()) and not overwrite:
        raise FileExistsError(
            f"{str(target)!r} already holds an export; pass --overwrite (overwrite=True) to "
            "replace it, or leave the version out to write the next one."
        )

    # ExportArchive rather than tf.saved_model.save on a tf.Module holding the
    # model: it saves only the variables the traced signatures read, whereas a
    # module holding the Keras model also writes both optimizers' state (Adam
    # moments: 2.3x the size for a small trained DCGAN). It also aliases
    # serving_default to the first endpoint and carries Keras' tracking
    # workarounds for each TF version. Named TensorSpecs with a None batch axis
    # name the SignatureDefs' inputs; the functions return dicts, which name
    # the outputs.
    archive = keras.export.ExportArchive()
    traced = {
        sig.name: archive.add_endpoint(sig.name, sig.fn, input_signature=[sig.spec]) for sig in sigs
    }
    # The loaded object lists the model's weights (for inspection and
    # fine-tuning): the networks' only, not the optimizers' or the seed state.
    # Their tf.Variables (``.value``), which the signatures capture: listing the
    # Keras variables instead would save every weight a second time.
    for collection in ("variables", "trainable_variables", "non_trainable_variables"):
        weights = getattr(model, collection.replace("variables", "weights"))
        archive.add_variable_collection(collection, [w.value for w in weights])
    described = metadata.describe(model, sigs, traced, source)

    # Written next to the target under a non-numeric name, then renamed: TensorFlow
    # Serving polls the base directory and ignores non-numeric names, so it never
    # sees a half-written version; a failed overwrite keeps the previous one.
    with disk.atomic_directory(
        target, overwrite=overwrite, what=f"the export of version {version}"
    ) as staging:
        archive.write_out(str(staging), verbose=False)
        metadata.write(staging, described)
        metadata.write_warmup(staging, sigs, model_name=base.resolve().name)
    return str(target)


def export_tflite(model, out, *, overwrite=False, source=None):
    """Writes ``model`` as one ``.tflite`` file holding every signature (not the alias).

    Builtin TFLite ops only (:func:`zoo.export.tflite.convert`), ``sample``
    included: its seeds draw through :func:`zoo.models.philox.seeded_normal`,
    which uses no TensorFlow random op, so the file gives the SavedModel's
    images per seed.

    Args:
        model: A zoo model.
        out: A ``.tflite`` file path, or a directory (the file is then
            ``OUT/model.tflite``).
        overwrite: Replace an existing file.
        source: As :func:`export`'s.

    Returns:
        The file written.

    Raises:
        FileExistsError: if the file exists and ``overwrite`` is false.
        And what :func:`export` raises.
    """
    target = tflite.tflite_path(out)
    if target.exists() and not overwrite:
        raise FileExistsError(
            f"{str(target)!r} already exists; pass --overwrite (overwrite=True) to replace it."
        )
    names = signature_names(model)
    with tempfile.TemporaryDirectory(prefix="zoo-tflite-") as scratch:
        directory = export(model, scratch, version=1, source=source)
        blob = tflite.convert(directory, names)
    return tflite.write(blob, target, overwrite=overwrite)


def export_from(model_or_run_dir, out_dir, *, version=None, overwrite=False, format="saved_model"):
    """Exports a model object, a ``.keras`` file or a run directory to ``out_dir``.

    What ``python -m zoo export MODEL_OR_RUN_DIR OUT_DIR [--format F] [--overwrite]`` runs.

    Args:
        model_or_run_dir: See :func:`load_model_from`.
        out_dir: The export base directory (see :func:`export`); for
            ``format="tflite"``, the file (see :func:`export_tflite`).
        version: See :func:`export` (SavedModels only).
        overwrite: See :func:`export`.
        format: One of :data:`FORMATS`.

    Returns:
        The version directory, or the ``.tflite`` file, written.

    Raises:
        FileNotFoundError: for a missing path, or one that holds no model.
        ValueError: for an unknown format, or a version with ``"tflite"``.
        And what :func:`export` raises.
    """
    if format not in FORMATS:
        raise ValueError(f"Unknown export format {format!r}; choose one of {FORMATS}.")
    if format == "tflite" and version is not None:
        raise ValueError("A .tflite file has no versions; leave --version out.")
    model = load_model_from(model_or_run_dir)
    source = None if isinstance(model_or_run_dir, keras.Model) else model_or_run_dir
    if format == "tflite":
        return export_tflite(model, out_dir, overwrite=overwrite, source=source)
    return export(model, out_dir, version=version, overwrite=overwrite, source=source)


# -- using an export ------------------------------------------------------------
def info(export_dir):
    """The metadata of an export (its ``assets.extra/zoo.json``), as a dict.

    Args:
        export_dir: A version directory or an export base directory (its
            highest version is read).

    Raises:
        FileNotFoundError: if there is no SavedModel there, or it has no ``zoo.json``.
    """
    return metadata.read(saved_model_dir(export_dir))


def sample_grid_from_export(export_dir, n=64, seed=0):
    """Draws ``n`` images from an exported generator, with plain TensorFlow.

    Loads the export with ``tf.saved_model.load``, draws ``n`` standard-normal
    latent vectors with ``numpy.random.default_rng(seed)`` and calls the
    ``generate`` signature on them.

    Args:
        export_dir: A version directory or an export base directory (its
            highest version is used).
        n: Number of images.
        seed: Seed of the latent vectors; the same seed gives the same images.

    Returns:
        A float32 array of shape ``(n, 28, 28, 1)`` in [0, 1].

    Raises:
        FileNotFoundError: if there is no SavedModel at ``export_dir``.
        ValueError: if ``n`` is not positive, or the export has no ``generate``
            signature (autoencoders).
    """
    checks.positive_int("n", n)
    directory = saved_model_dir(export_dir)
    loaded = tf.saved_model.load(directory)
    if "generate" not in loaded.signatures:
        raise ValueError(
            f"The export {directory!r} has no 'generate' signature (it has "
            f"{sorted(loaded.signatures)}); only GANs, latent GANs and VAEs generate."
        )
    generate = loaded.signatures["generate"]
    latent_dim = generate.structured_input_signature[1][LATENT].shape[-1]
    latent = np.random.default_rng(seed).standard_normal((int(n), latent_dim), dtype=np.float32)
    return generate(**{LATENT: tf.constant(latent)})["images"].numpy()
