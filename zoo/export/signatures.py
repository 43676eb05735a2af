"""The signatures of an export, derived from the family's endpoints alone.

Each :class:`zoo.models.Endpoint` of a model becomes one signature; each that
takes images (:data:`~zoo.models.base.IMAGES`) also gets a ``<name>_uint8``
twin taking raw ``uint8`` pixels. No model class is named here: a new family
declares its endpoints and gets its signatures.

Every signature function checks its input's shape in-graph, refuses float
images outside [0, 1] with the fix (the ``_uint8`` twin), and answers an
empty batch with empty outputs.
"""

import dataclasses
import inspect

import tensorflow as tf

from zoo.models import family_of
from zoo.models.base import CODES, IMAGES, LATENT, SEEDS, Endpoint
from zoo.models.inputs import assert_valid_floats

#: The input of a ``_uint8`` twin: raw pixels, as ``keras.datasets.mnist`` gives them.
PIXELS = "pixels"
UINT8_SUFFIX = "_uint8"

#: What each input holds, for the metadata and the docs: (dtype, value range).
INPUT_VALUES = {
    LATENT: ("float32", "standard normal N(0, I)"),
    IMAGES: ("float32", [0.0, 1.0]),
    CODES: ("float32", "real"),
    SEEDS: ("int64", "any int64; one image per seed, the same for the same seed"),
    PIXELS: ("uint8", [0, 255]),
}
#: Value ranges of the outputs the families name; other outputs are any real number.
OUTPUT_RANGES = {"images": [0.0, 1.0], "probability_real": [0.0, 1.0]}


@dataclasses.dataclass(frozen=True)
class Signature:
    """One signature to write: its name, its function and its one input.

    Args:
        name: The signature's name (``"discriminate_uint8"`` ...).
        fn: A function of one tensor, named like ``spec``, returning a dict
            of named outputs.
        spec: The input's ``tf.TensorSpec`` (name, dtype, shape; batch axis free).
        endpoint: The family's endpoint it serves.
    """

    name: str
    fn: object
    spec: tf.TensorSpec
    endpoint: Endpoint


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


def _never_empty(x):
    """``x`` with one row of zeros appended when it has no rows.

    Some kernels fail on an empty batch: a DCGAN discriminator's Conv2D raises
    "input depth must be evenly divisible by filter depth" at N=0. The caller
    keeps the first N rows of the outputs, so N=0 gives correctly shaped empty
    outputs. Padding, rather than ``tf.cond`` around the model, keeps the graph
    free of control flow (one copy of the network, simpler TFLite and ONNX
    conversions); zeros are valid for every input kind.
    """
    missing = tf.maximum(1 - tf.shape(x)[0], 0)
    # A constant row sliced to 0 or 1 rows, not tf.zeros of a computed shape:
    # TFLite turns that into BROADCAST_TO, which corrupts the heap on uint8
    # input (TF 2.21; the process aborts a few calls later).
    filler = tf.zeros([1, *x.shape[1:]], x.dtype)[:missing]
    return tf.concat([x, filler], axis=0)


def _range_checked(x, name):
    """Float images checked for NaN/Inf and [0, 1], with an export's own fix in the error.

    The model's check (:func:`zoo.models.inputs.prepare_images`) also offers
    uint8 input, which a float32 signature refuses; this one runs first and
    names the ``_uint8`` twin instead.
    """
    return assert_valid_floats(
        x,
        intro=f"The {name} signature takes float32 images in [0, 1]; got values in",
        fix=f". Divide raw pixels by 255, or send the uint8 pixels as they are to the "
        f"{name}{UINT8_SUFFIX} signature (input {PIXELS}, uint8 of shape (N, 28, 28)).",
    )


def _signature_function(name, method, spec, outputs):
    """A function of one tensor, named like ``spec``, returning ``method``'s named outputs."""

    def endpoint(x):
        x = _checked(x, spec)
        n = tf.shape(x)[0]
        if spec.name == IMAGES:
            x = _range_checked(x, name)
        result = method(_never_empty(x))
        result = result if isinstance(result, tuple | list) else (result,)
        return {key: value[:n] for key, value in zip(outputs, result, strict=True)}

    # The parameter carries the input's name: TensorFlow prints it in its errors.
    parameter = inspect.Parameter(spec.name, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    endpoint.__signature__ = inspect.Signature([parameter])
    return endpoint


def pixels_spec(image_shape):
    """The uint8 input of a ``_uint8`` twin: ``(N, 28, 28)`` for one-channel images."""
    shape = image_shape[:-1] if image_shape[-1] == 1 else image_shape
    return tf.TensorSpec([None, *shape], tf.uint8, name=PIXELS)


def signatures_of(model):
    """The signatures of ``model``'s family, default first, each image one with its twin.

    Returns:
        A list of :class:`Signature`.

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
    found = []
    for endpoint in model.endpoints:
        method = getattr(model, endpoint.method)
        specs = [(endpoint.name, model.input_spec(endpoint.input))]
        if endpoint.input == IMAGES:
            # The model's methods take uint8 pixels as they are (divided by 255 inside).
            specs.append((endpoint.name + UINT8_SUFFIX, pixels_spec(model.image_shape)))
        for name, spec in specs:
            fn = _signature_function(endpoint.name, method, spec, endpoint.outputs)
            found.append(Signature(name, fn, spec, endpoint))
    return found
