"""The input contract of every zoo model, and its checks.

Images go in as ``uint8`` in [0, 255] or floats in [0, 1], shaped
``(N, 28, 28)``, ``(N, 28, 28, 1)`` or ``(N, 784)``. Shapes and dtypes are
checked when a step is traced; float values (NaN, range) when it runs, inside
the step (:func:`prepare_images`).

XLA drops assert ops ("Ignoring Assert operator"), so a step compiled with
``jit_compile=True`` would let NaN or [0, 255] floats through. For such models
``fit`` and ``evaluate`` move the value checks out of the step and into the
input (:func:`checked_input`): arrays are checked once up front, datasets and
generators batch by batch before the batch reaches the step. Either way a
refused batch changes no weight. A check that fails inside TensorFlow's graph
(a step's assert, or a dataset's ``map``) surfaces as an ``InvalidArgumentError``
whose zoo message is buried in graph details; :func:`clear_input_errors` raises
that message alone.

``fit`` also checks what it can before its first step: the shapes and dtypes of
arrays and datasets (:func:`check_images`, so that ``validation_data`` is not
found wrong only after a whole epoch), and input with no examples
(:func:`check_not_empty`; :class:`RefuseEmpty` for datasets of unknown size).
"""

import contextlib
import math
import re
import types

import keras
import numpy as np
import tensorflow as tf

# Floats a hair outside [0, 1] come from resizing or JPEG round-trips; more is a bug.
_RANGE_TOLERANCE = 1e-3
_NAN_MESSAGE = "Images contain NaN or Inf; clean the data first."
_RANGE_FIX = ". Divide raw pixels by 255, or pass them as uint8."
_RANGE_INTRO = "zoo models take float images in [0, 1] (or uint8 in [0, 255]); got values in"


def _in_range(lo, hi):
    return (lo >= -_RANGE_TOLERANCE) & (hi <= 1.0 + _RANGE_TOLERANCE)


def assert_valid_floats(x, intro=_RANGE_INTRO, fix=_RANGE_FIX):
    """``x`` (float32) gated by NaN/Inf and [0, 1] checks that run as ops.

    Both checks gate ``x`` itself, so that everything computed from the images
    (the optimizer update of a train step included) waits for them: a refused
    batch changes no weight. Unused assert ops would run in parallel with it.

    Args:
        x: Float32 images.
        intro: The range error's text before the values found.
        fix: Its text after them. An export gives both its own, since its
            float signatures take no uint8 (their ``_uint8`` twins do).
    """
    x = tf.debugging.assert_all_finite(x, _NAN_MESSAGE)
    lo, hi = tf.reduce_min(x), tf.reduce_max(x)
    in_range = tf.debugging.Assert(_in_range(lo, hi), [intro, lo, hi, fix])
    with tf.control_dependencies([in_range]):
        return tf.identity(x)


def prepare_images(x, image_shape):
    """Validates a batch of images and returns float32 in [0, 1] of ``image_shape``.

    Args:
        x: ``uint8`` images in [0, 255] (raw ``keras.datasets.mnist`` arrays
            work as they are) or floating images in [0, 1].
        image_shape: The model's image shape, without the batch axis.

    Returns:
        A float32 tensor of shape ``(batch,) + image_shape`` in [0, 1].

    Raises:
        TypeError: for integer dtypes other than ``uint8``, and non-numeric input.
        ValueError: for a shape that does not hold ``image_shape`` images.
        tf.errors.InvalidArgumentError: at run time, for floats outside [0, 1]
            or NaN/Inf values (not under XLA: see :func:`checked_input`).
    """
    x = tf.convert_to_tensor(x)
    if x.shape.rank is None or None in x.shape[1:]:
        # fit() retraces with relaxed shapes (unknown rank, or dims) once it has seen
        # inputs of several shapes (28x28 and 784, say): each was checked statically
        # when first traced; here the number of pixels per image is checked at run time.
        pixels = tf.reduce_prod(tf.shape(x)[1:])
        valid = tf.debugging.Assert(
            tf.equal(pixels, math.prod(image_shape)),
            [
                f"Expected {image_shape} images (or {math.prod(image_shape)} pixels each); "
                "got shape",
                tf.shape(x),
            ],
        )
        with tf.control_dependencies([valid]):
            x = tf.identity(x)
    else:
        check_shape(x.shape, image_shape)
    check_dtype(x.dtype)
    if x.dtype == tf.uint8:
        x = tf.cast(x, "float32") / 255.0
    else:
        x = assert_valid_floats(tf.cast(x, "float32"))
    return tf.reshape(x, (-1,) + tuple(image_shape))


def check_shape(shape, image_shape, what=None):
    """Refuses a batch shape that does not hold ``image_shape`` images.

    Args:
        shape: The shape of a batch, batch axis first; unknown dims pass.
        image_shape: The model's image shape, without the batch axis.
        what: The argument it belongs to (``"fit's validation_data"``), named first.

    Raises:
        ValueError: naming the shape found, the shapes accepted and the fix.
    """
    shape = tf.TensorShape(shape)
    if shape.rank is None or None in shape[1:]:
        return
    shape = tuple(shape.as_list())
    accepted = {tuple(image_shape), (math.prod(image_shape),)}
    if image_shape[-1] == 1:
        accepted.add(tuple(image_shape[:-1]))
    if shape[1:] not in accepted:
        raise ValueError(
            f"{what + ': e' if what else 'E'}xpected a batch of images shaped "
            f"(N, {', '.join(map(str, image_shape))}), or one of {sorted(accepted, key=len)} "
            f"after the batch axis; got shape {shape}. Add the batch axis for a single image "
            f"(x[None]) and check that the images are {image_shape[0]}x{image_shape[1]} "
            f"{'grayscale' if image_shape[-1] == 1 else 'colour'}."
        )


def check_dtype(dtype, what=None):
    """Refuses image dtypes other than ``uint8`` and floats.

    Raises:
        TypeError: naming the dtype found and the conversion to make.
    """
    dtype = tf.as_dtype(dtype)
    if dtype != tf.uint8 and not dtype.is_floating:
        raise TypeError(
            f"{what + ': i' if what else 'I'}mages must be uint8 in [0, 255] or float in "
            f"[0, 1]; got dtype {dtype.name}. Convert with x.astype('uint8') for raw pixels "
            "or x / 255.0 for floats."
        )


def check_images(data, image_shape, what):
    """Checks the shape and dtype of ``fit``'s data before any step runs.

    Without it a wrong ``validation_data`` is found only when validation
    first runs, after a whole training epoch.

    Args:
        data: An array, a ``(images, ...)`` tuple or a ``tf.data.Dataset``
            (checked from its ``element_spec``); other kinds (generators,
            ``PyDataset``) pass, to be checked as their batches are traced.
        image_shape: The model's image shape, without the batch axis.
        what: The argument's name, for the message.

    Raises:
        ValueError: for a shape that does not hold ``image_shape`` images.
        TypeError: for a dtype that is neither ``uint8`` nor floating.
    """
    if isinstance(data, tuple | list) and data:
        data = data[0]
    if isinstance(data, tf.data.Dataset):
        spec = data.element_spec
        data = spec[0] if isinstance(spec, tuple) and spec else spec
        if not isinstance(data, tf.TensorSpec):
            return
    shape, dtype = getattr(data, "shape", None), getattr(data, "dtype", None)
    if shape is None or dtype is None:
        return
    try:
        dtype = tf.as_dtype(dtype)
    except TypeError:  # e.g. object arrays: Keras' own conversion names them
        return
    check_shape(shape, image_shape, what)
    check_dtype(dtype, what)


def check_array(x):
    """Checks the values of an array of float images now, in NumPy.

    Args:
        x: A NumPy array or tensor of images; non-float arrays pass unchecked
            (their dtype and shape are checked when the step is traced).

    Returns:
        ``x``, unchanged.

    Raises:
        ValueError: for NaN/Inf or values outside [0, 1], with the fix.
    """
    dtype = getattr(x, "dtype", None)
    if dtype is None or not tf.as_dtype(dtype).is_floating or np.size(x) == 0:
        return x
    values = np.asarray(x)
    if not np.isfinite(values).all():
        raise ValueError(_NAN_MESSAGE)
    lo, hi = float(values.min()), float(values.max())
    if not _in_range(lo, hi):
        raise ValueError(f"{_RANGE_INTRO} [{lo:g}, {hi:g}]{_RANGE_FIX}")
    return x


def _check_batch(batch):
    """Checks the images of one batch: a bare array or the first item of (x, y[, w])."""
    check_array(batch[0] if isinstance(batch, tuple | list) else batch)
    return batch


class _CheckedPyDataset(keras.utils.PyDataset):
    """A ``PyDataset`` whose batches are checked by :func:`check_array` as they are read."""

    def __init__(self, inner):
        super().__init__(
            workers=inner.workers,
            use_multiprocessing=inner.use_multiprocessing,
            max_queue_size=inner.max_queue_size,
        )
        self.inner = inner

    @property
    def num_batches(self):
        return self.inner.num_batches

    def __getitem__(self, index):
        return _check_batch(self.inner[index])

    def on_epoch_begin(self):
        self.inner.on_epoch_begin()

    def on_epoch_end(self):
        self.inner.on_epoch_end()


def checked_input(x):
    """``x`` as ``fit``/``evaluate`` take it, with the float-image checks outside the step.

    For models compiled with ``jit_compile=True``, whose compiled step drops
    the checks of :func:`prepare_images`.

    Args:
        x: Images in any form ``fit`` takes: an array, a ``tf.data.Dataset``
            (of images or ``(images, ...)`` tuples), a Python generator or a
            ``keras.utils.PyDataset``, or a ``(images, labels[, weights])``
            tuple as ``validation_data`` is; ``None`` passes.

    Returns:
        Arrays and uint8 data unchanged (float arrays checked now); float
        datasets, generators and ``PyDataset`` objects wrapped so that each
        batch is checked before it reaches the step.

    Raises:
        ValueError: for a float array with NaN/Inf or values outside [0, 1].
    """
    if isinstance(x, tuple | list):  # validation_data=(x_val, y_val[, weights])
        return type(x)((checked_input(x[0]), *x[1:]))
    if isinstance(x, tf.data.Dataset):
        spec = x.element_spec
        first = spec[0] if isinstance(spec, tuple) else spec
        if not isinstance(first, tf.TensorSpec) or not first.dtype.is_floating:
            return x
        parallel = dict(num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        if isinstance(spec, tuple):
            return x.map(lambda images, *rest: (assert_valid_floats(images), *rest), **parallel)
        return x.map(assert_valid_floats, **parallel)
    if isinstance(x, keras.utils.PyDataset):
        return _CheckedPyDataset(x)
    if isinstance(x, types.GeneratorType):
        return (_check_batch(batch) for batch in x)
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        return check_array(x)
    return x


def images_from(data):
    """Takes the images out of what ``fit``/``evaluate`` pass to a step."""
    x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
    return x


def check_not_empty(x, what):
    """Refuses input with no examples, or no batch axis, before ``fit``/``evaluate`` start.

    Keras itself only warns ("Your input ran out of data") and trains on
    nothing for empty input, and fails with an IndexError for a scalar.
    Datasets of unknown size (after ``filter``) cannot be checked up front.
    """
    if isinstance(x, tf.data.Dataset):
        if int(x.cardinality()) == 0:
            raise ValueError(
                f"{what} got an empty tf.data.Dataset (no batches); check its source and any "
                "take/skip/filter/batch(drop_remainder=True) that could leave nothing."
            )
        return
    shape = getattr(x, "shape", None)
    if shape is not None and len(shape) == 0:
        raise ValueError(
            f"{what} got a scalar; expected a batch of images shaped (N, height, width, "
            "channels), e.g. (N, 28, 28, 1) for MNIST."
        )
    if shape is not None and shape[0] == 0:
        raise ValueError(
            f"{what} got no images: the input has shape {tuple(shape)}, with 0 examples. "
            "Check the slicing, filtering or --limit that produced it."
        )


class RefuseEmpty(keras.callbacks.Callback):
    """Raises when an epoch of ``fit``, or an ``evaluate``, ran no batch at all.

    For datasets whose size is unknown until they are read (``filter``), which
    :func:`check_not_empty` cannot check up front: Keras only warns ("Your
    input ran out of data"), runs every epoch on nothing and returns an empty
    history. Keras still calls ``on_epoch_end`` and ``on_test_end`` then, but
    no ``on_*_batch_end``; the first epoch is enough to tell. It goes first
    among the callbacks, so that none of them (a checkpoint) acts on the
    empty epoch.

    Args:
        what: ``"fit"`` or ``"evaluate"``, named in the message.
    """

    def __init__(self, what):
        super().__init__()
        self.what = what
        self.train_batches = self.test_batches = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.train_batches = 0

    def on_train_batch_end(self, batch, logs=None):
        self.train_batches += 1

    def on_epoch_end(self, epoch, logs=None):
        if self.train_batches == 0:
            raise ValueError(
                f"{self.what} got no batches in epoch {epoch + 1}: the training data "
                f"{_EMPTY_ADVICE}"
            )

    def on_test_begin(self, logs=None):
        self.test_batches = 0

    def on_test_batch_end(self, batch, logs=None):
        self.test_batches += 1

    def on_test_end(self, logs=None):
        if self.test_batches == 0:
            data = "validation_data" if self.what == "fit" else "data"
            raise ValueError(f"{self.what} got no batches: the {data} {_EMPTY_ADVICE}")


_EMPTY_ADVICE = (
    "is empty (a tf.data.Dataset whose filter, take, skip or "
    "batch(drop_remainder=True) left nothing, or a generator already used up). Check the "
    "filter's condition and the data's source and value range."
)

# The values of a failed range check: an assert's data as TensorFlow prints it,
# "[intro] [lo] [hi] [fix]", or check_array's message from a generator's batch.
_RANGE_FOUND = (
    re.compile(re.escape(f"[{_RANGE_INTRO}]") + r" \[([^\]]*)\] \[([^\]]*)\]"),
    re.compile(re.escape(_RANGE_INTRO) + r" \[([^,\]]*), ([^\]]*)\]"),
)


@contextlib.contextmanager
def clear_input_errors():
    """Raises zoo's own message for input that a check in TensorFlow's graph refused.

    A failed assert comes out of ``fit`` as an ``InvalidArgumentError``,
    "Graph execution error", with zoo's message inside node names and, under
    XLA (where the checks run in the dataset's ``map``, :func:`checked_input`),
    "Error in user-defined function passed to ParallelMapDatasetV2". This turns
    it into the ``ValueError`` the same data gets as an array (:func:`check_array`).

    Raises:
        ValueError: for images with NaN/Inf or floats outside [0, 1].
    """
    try:
        yield
    except tf.errors.InvalidArgumentError as e:
        text = e.message or ""
        found = next((m for m in (p.search(text) for p in _RANGE_FOUND) if m), None)
        if found:
            lo, hi = (float(v) for v in found.groups())
            raise ValueError(f"{_RANGE_INTRO} [{lo:g}, {hi:g}]{_RANGE_FIX}") from None
        if _NAN_MESSAGE in text:
            raise ValueError(_NAN_MESSAGE) from None
        raise
