"""What ``python -m zoo eval PATH`` scores: a run directory, a ``.keras`` file or an export.

A SavedModel export is wrapped in :class:`ExportedModel`, which drives its
plain-TensorFlow signatures behind the methods the metrics call
(``sample``, ``reconstruct``, ``encode``, ``decode``), so that a Keras model
and its export go through one metrics path. What a model is scored on
follows from what it can do (:func:`capabilities`), not from its class name.

Example:
    >>> from zoo.evaluation import loading
    >>> model, kind = loading.load("runs/a000.gan")   # doctest: +SKIP
    >>> loading.capabilities(model)                   # doctest: +SKIP
    ['sample']
"""

from pathlib import Path

import numpy as np
import tensorflow as tf

from zoo import data
from zoo.training import rundir

#: The file a run directory holds (``python -m zoo train ... --out DIR``).
RUN_MODEL_FILE = rundir.FINAL_MODEL
_KINDS = (
    "a run directory holding model.keras (python -m zoo train ... --out DIR), "
    "a preset directory (python -m zoo preset), a .keras file, or a SavedModel export "
    "(OUT/<n>/ holding saved_model.pb, or its base OUT/; "
    "python -m zoo export)"
)


class ExportedModel:
    """A SavedModel export behind the zoo model protocol, with plain TensorFlow only.

    Each method exists only when the export has its signature, so that
    ``hasattr(model, "sample")`` reads the same for an export as for the
    Keras model it came from: ``generate`` gives ``sample(n, seed)``
    (standard-normal ``latent_normal`` drawn with ``numpy.random.default_rng(seed)``),
    ``reconstruct`` gives ``reconstruct(x)``, ``encode`` gives ``encode(x)``
    (``(z_mean, z_log_var)`` for a VAE's), ``decode`` gives ``decode(z)``.

    Args:
        directory: A SavedModel directory (a version folder).

    Raises:
        ValueError: if the SavedModel cannot be read (damaged or not a SavedModel).
    """

    is_export = True

    def __init__(self, directory):
        self.directory = str(directory)
        try:
            self._loaded = tf.saved_model.load(self.directory)
        except Exception as e:  # OSError, DecodeError, ...: all mean "not readable"
            raise ValueError(
                f"The SavedModel in {self.directory!r} cannot be read, it is damaged "
                f"({type(e).__name__}: {str(e).splitlines()[0][:160]}); export the model "
                "again with python -m zoo export RUN_DIR OUT."
            ) from e
        sigs = self._loaded.signatures
        self.name = Path(self.directory).resolve().parent.name or self.directory
        self.signatures = sorted(k for k in sigs if k != "serving_default")
        self.image_shape = (28, 28, 1)
        self.is_vae = False
        if "generate" in sigs:
            self._generate = sigs["generate"]
            spec = self._generate.structured_input_signature[1]["latent_normal"]
            self.latent_dim = int(spec.shape[-1])
            self.image_shape = tuple(
                int(d) for d in self._generate.structured_outputs["images"].shape[1:]
            )
            self.sample = self._sample
        if "reconstruct" in sigs:
            self._reconstruct = sigs["reconstruct"]
            spec = self._reconstruct.structured_input_signature[1]["images_0_1"]
            self.image_shape = tuple(int(d) for d in spec.shape[1:])
            self.reconstruct = self._reconstruct_images
        if "encode" in sigs:
            self._encode = sigs["encode"]
            self.is_vae = {"z_mean", "z_log_var"} <= set(self._encode.structured_outputs)
            self.encode = self._encode_images
        if "decode" in sigs:
            self._decode = sigs["decode"]
            self.decode = self._decode_codes

    def _images(self, x):
        return tf.constant(data.as_unit(x, (-1, *self.image_shape)))

    def _sample(self, n, seed=None):
        z = np.random.default_rng(seed).standard_normal((int(n), self.latent_dim), np.float32)
        return self._generate(latent_normal=tf.constant(z))["images"]

    def _reconstruct_images(self, x):
        return self._reconstruct(images_0_1=self._images(x))["images"]

    def _encode_images(self, x):
        out = self._encode(images_0_1=self._images(x))
        return (out["z_mean"], out["z_log_var"]) if self.is_vae else out["codes"]

    def _decode_codes(self, z):
        return self._decode(codes=tf.cast(z, "float32"))["images"]


def is_vae(model):
    """Whether ``model`` has a likelihood and a Gaussian posterior, as its family declares.

    A zoo model says so by its family's ``has_likelihood``; an export's loader
    (:class:`ExportModel`) by ``is_vae``.
    """
    return bool(getattr(model, "has_likelihood", False) or getattr(model, "is_vae", False))


def capabilities(model):
    """What ``model`` can be scored on: ``"sample"``, ``"reconstruct"``, ``"likelihood"``.

    ``sample`` (GANs, latent GANs, VAEs): FD, KID, classifier score, class
    coverage. ``reconstruct`` (autoencoders, VAEs): test MSE and BCE.
    ``likelihood`` (VAEs, with ``encode`` and ``decode``): ELBO and IWAE bound.
    """
    found = [name for name in ("sample", "reconstruct") if callable(getattr(model, name, None))]
    if is_vae(model) and all(callable(getattr(model, m, None)) for m in ("encode", "decode")):
        found.append("likelihood")
    return found


def load(path):
    """Loads what ``python -m zoo eval PATH`` scores.

    Args:
        path: A run directory (holding ``model.keras``), a preset directory
            (:mod:`zoo.presets`), a ``.keras`` file, or a SavedModel export: a
            version folder holding ``saved_model.pb``, or its base folder (the
            highest version is used).

    Returns:
        ``(model, kind)``: a Keras model or an :class:`ExportedModel`, and
        ``"run"``, ``"preset"``, ``"keras"`` or ``"saved_model"``.

    Raises:
        FileNotFoundError: for a path that does not exist or is none of the three kinds.
        ValueError: for a damaged ``.keras`` file or SavedModel.
    """
    from zoo import presets
    from zoo.export import load_keras, saved_model_dir

    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{str(p)!r} does not exist; expected {_KINDS}.")
    if p.is_dir():
        if (p / RUN_MODEL_FILE).is_file():
            return load_keras(p / RUN_MODEL_FILE), "run"
        if presets.is_preset(p):
            return presets.load(p), "preset"
        try:
            return ExportedModel(saved_model_dir(p)), "saved_model"
        except FileNotFoundError:
            pass
    elif p.suffix == ".keras":
        return load_keras(p), "keras"
    elif p.name == "saved_model.pb":
        return ExportedModel(p.parent), "saved_model"
    raise FileNotFoundError(f"{str(p)!r} is not a model zoo can score; expected {_KINDS}.")
