"""Export zoo models as TensorFlow SavedModels that plain TensorFlow can serve.

An export needs neither ``zoo`` nor Keras to load: ``tf.saved_model.load``
(or TensorFlow Serving) gets graphs and weights, with one named signature per
method of the model's family. Every signature has a dynamic batch axis, one
named input and named outputs:

================  ===============================  ==============================
signature         input (float32)                  outputs (float32)
================  ===============================  ==============================
``generate``      ``latent_normal`` (N, latent)    ``images`` (N, 28, 28, 1)
``discriminate``  ``images_0_1`` (N, 28, 28, 1)    ``probability_real`` (N, 1)
``encode``        ``images_0_1`` (N, 28, 28, 1)    ``codes`` (N, code); a VAE's:
                                                   ``z_mean``, ``z_log_var``
``decode``        ``codes`` (N, code)              ``images`` (N, 28, 28, 1)
``reconstruct``   ``images_0_1`` (N, 28, 28, 1)    ``images`` (N, 28, 28, 1)
================  ===============================  ==============================

The input names carry the value range the model expects: ``latent_normal``
is standard-normal noise ``N(0, I)``, ``images_0_1`` are grayscale images
scaled to [0, 1] (divide raw pixels by 255), ``codes`` are any real vectors
of the code size (what ``encode`` returns; for a VAE, points of its latent
space). Output ``images`` are always in [0, 1].

Which signatures a model gets depends on its family, which declares them
(``endpoints``, :class:`zoo.models.Endpoint`); this module dispatches on no
model class:

* :class:`~zoo.models.GAN` and :class:`~zoo.models.LatentGAN`: ``generate``
  (default), ``discriminate``. A latent GAN's ``generate`` goes through its
  autoencoder's decoder, and its ``discriminate`` encodes the images first.
* :class:`~zoo.models.Autoencoder`, :class:`~zoo.models.ContractiveAutoencoder`:
  ``reconstruct`` (default), ``encode``, ``decode``.
* :class:`~zoo.models.VAE`: ``reconstruct`` (default; from the posterior mean),
  ``encode`` (``z_mean``, ``z_log_var``), ``decode``, and ``generate``
  (the decoder applied to prior samples given as ``latent_normal``).

``serving_default`` repeats the default signature, as TensorFlow Serving
requires one.

Wrong input shapes fail at call time with the expected shape in the message:
calling the restored function (``loaded.generate(z)``) raises ``TypeError``
("Can not cast TensorSpec(shape=(3, 7), ...) to TensorSpec(shape=(None, 8),
...)") before anything runs; calling a signature
(``loaded.signatures["generate"](latent_normal=z)``, which is what TensorFlow
Serving does) raises ``tf.errors.InvalidArgumentError`` ("Shape of tensor
latent_normal [3,7] is not compatible with expected shape [?,8]"). Floats
outside [0, 1] given as ``images_0_1`` raise ``InvalidArgumentError`` too.

The directory layout is TensorFlow Serving's: ``OUT_DIR/<version>/`` with
integer versions; TensorFlow Serving serves the highest one.

Example:
    >>> from zoo import export
    >>> export.export_from("runs/a000.gan", "exports/gan")  # doctest: +SKIP
    'exports/gan/1'
    >>> images = export.sample_grid_from_export("exports/gan", n=16)  # doctest: +SKIP
    >>> images.shape  # doctest: +SKIP
    (16, 28, 28, 1)
"""

import inspect
import os
import re
import shutil
import tempfile
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from zoo.models import family_of
from zoo.models.base import CODES, IMAGES, LATENT

__all__ = [
    "CODES",
    "IMAGES",
    "LATENT",
    "export",
    "export_from",
    "load_model_from",
    "sample_grid_from_export",
    "saved_model_dir",
    "signature_names",
]

#: The file a run directory holds (``python -m zoo train ... --out DIR``).
RUN_MODEL_FILE = "model.keras"

_VERSION_NAME = re.compile(r"[0-9]+")


# -- signatures ---------------------------------------------------------------
def _checked(x, spec):
    """``x`` with a run-time shape check against ``spec``.

    A signature called by name (``loaded.signatures[...]``, TensorFlow
    Serving) does not check its inputs against the declared shape. Without
    this check a (3, 7) latent reaches the first MatMul ("Matrix
    size-incompatible"), and a (N, 784) batch sent to a convolutional
    discriminator aborts the whole process in a kernel CHECK (Conv2D on a
    rank-2 tensor: "Check failed ... tensor_format.h"), which would take a
    model server down. ``EnsureShape`` survives graph optimisation (Grappler
    folds asserts on ``tf.shape`` away against the static shape), and its
    error names the input and the expected shape.
    """
    return tf.ensure_shape(x, spec.shape, name=f"check_{spec.name}")


def _signature_function(method, spec, outputs):
    """A function of one tensor, named like ``spec``, returning ``method``'s named outputs."""

    def endpoint(x):
        result = method(_checked(x, spec))
        result = result if isinstance(result, tuple | list) else (result,)
        return dict(zip(outputs, result, strict=True))

    # The parameter carries the input's name: TensorFlow prints it in its errors.
    parameter = inspect.Parameter(spec.name, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    endpoint.__signature__ = inspect.Signature([parameter])
    return endpoint


def _endpoints(model):
    """The signatures of ``model``'s family (its ``endpoints``), default first.

    Returns:
        A list of ``(name, fn, input_spec)``; each ``fn`` takes one tensor,
        named like the spec, and returns a dict of named outputs.

    Raises:
        TypeError: for objects that are not zoo models.
    """
    try:
        family_of(model)
    except TypeError as e:
        raise TypeError(
            f"Cannot export {type(model).__name__}: {e} For another Keras model use "
            "model.export(path, format='tf_saved_model')."
        ) from None
    endpoints = []
    for endpoint in model.endpoints:
        spec = model.input_spec(endpoint.input)
        fn = _signature_function(getattr(model, endpoint.method), spec, endpoint.outputs)
        endpoints.append((endpoint.name, fn, spec))
    return endpoints


def signature_names(model):
    """Names of the signatures :func:`export` writes for ``model``, default first.

    ``serving_default`` is not listed; it repeats the first name.
    """
    return [name for name, _, _ in _endpoints(model)]


# -- versions -----------------------------------------------------------------
def _versions(base):
    """Integer versions already in ``base`` (TensorFlow Serving's numeric subdirs)."""
    if not base.is_dir():
        return []
    return sorted(
        int(p.name) for p in base.iterdir() if p.is_dir() and _VERSION_NAME.fullmatch(p.name)
    )


def _check_version(version):
    if isinstance(version, str) and _VERSION_NAME.fullmatch(version):
        version = int(version)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(
            f"version must be a positive integer (TensorFlow Serving reads numeric "
            f"directory names); got {version!r}."
        )
    return version


# -- export -------------------------------------------------------------------
def export(model, path, *, version=None, overwrite=False):
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
    endpoints = _endpoints(model)  # Fails on a wrong model before touching the disk.
    if version is None:
        version = max(_versions(base), default=0) + 1
    else:
        version = _check_version(version)
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
    for name, fn, spec in endpoints:
        archive.add_endpoint(name, fn, input_signature=[spec])

    base.mkdir(parents=True, exist_ok=True)
    # Write next to the target under a non-numeric name, then rename: TensorFlow
    # Serving polls the base directory and ignores non-numeric names, so it never
    # sees a half-written version.
    staging = Path(tempfile.mkdtemp(prefix=f".staging-{version}-", dir=base))
    try:
        archive.write_out(str(staging), verbose=False)
        _move_into_place(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # Gone already unless something failed.
    return str(target)


def _move_into_place(new, target):
    """Renames ``new`` to ``target``, replacing what is there, never losing both."""
    if not target.exists():
        os.replace(new, target)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".replaced-{target.name}-", dir=target.parent))
    try:
        os.replace(target, retired / "old")
        try:
            os.replace(new, target)
        except BaseException:
            os.replace(retired / "old", target)  # Put the previous export back.
            raise
    finally:
        shutil.rmtree(retired, ignore_errors=True)


def load_model_from(model_or_path):
    """Returns a zoo model from a model object, a ``.keras`` file or a run directory.

    Args:
        model_or_path: A ``keras.Model``, a path to a ``.keras`` file, or a run
            directory holding ``model.keras`` (what ``python -m zoo train ...
            --out DIR`` writes).

    Raises:
        FileNotFoundError: if the path does not exist, or is neither a
            ``.keras`` file nor a directory holding ``model.keras``.
        TypeError: if ``model_or_path`` is neither a model nor a path.
    """
    if isinstance(model_or_path, keras.Model):
        return model_or_path
    if not isinstance(model_or_path, (str, os.PathLike)):
        raise TypeError(
            "Expected a Keras model, a .keras file or a run directory; got "
            f"{type(model_or_path).__name__}."
        )
    path = Path(model_or_path)
    expected = f"a .keras file or a run directory holding {RUN_MODEL_FILE}"
    if path.is_dir():
        if (path / RUN_MODEL_FILE).is_file():
            path = path / RUN_MODEL_FILE
        elif (path / "saved_model.pb").is_file() or _versions(path):
            raise FileNotFoundError(
                f"{str(path)!r} is a SavedModel export, not a run directory; export needs "
                f"{expected} (python -m zoo train ... --out DIR writes one)."
            )
        else:
            raise FileNotFoundError(
                f"No {RUN_MODEL_FILE} in {str(path)!r}; expected {expected} "
                "(python -m zoo train ... --out DIR writes one)."
            )
    elif not path.is_file():
        raise FileNotFoundError(f"{str(path)!r} does not exist; expected {expected}.")
    elif path.suffix != ".keras":
        raise FileNotFoundError(f"{str(path)!r} is not a .keras file; expected {expected}.")
    # compile=False: serving needs the weights only, not the optimizer state.
    return keras.models.load_model(path, compile=False)


def export_from(model_or_run_dir, out_dir, *, version=None, overwrite=False):
    """Exports a model object, a ``.keras`` file or a run directory to ``out_dir``.

    What ``python -m zoo export MODEL_OR_RUN_DIR OUT_DIR [--overwrite]`` runs.

    Args:
        model_or_run_dir: See :func:`load_model_from`.
        out_dir: The export base directory; see :func:`export`.
        version: See :func:`export`.
        overwrite: See :func:`export`.

    Returns:
        The version directory written.

    Raises:
        FileNotFoundError: for a missing path, or one that holds no model.
        And what :func:`export` raises.
    """
    model = load_model_from(model_or_run_dir)
    return export(model, out_dir, version=version, overwrite=overwrite)


# -- using an export ------------------------------------------------------------
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
    for version in reversed(_versions(path)):
        if (path / str(version) / "saved_model.pb").is_file():
            return str(path / str(version))
    raise FileNotFoundError(
        f"No SavedModel in {str(path)!r}; expected an export directory OUT_DIR/<version> "
        "or its base OUT_DIR (python -m zoo export MODEL OUT_DIR writes one)."
    )


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
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer; got {n!r}.")
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
