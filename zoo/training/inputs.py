"""The data of a run: its training images, validation set and grid images, from any data set.

MNIST (``data="mnist"``, the default) is read as it always was, through
:func:`zoo.data.load_mnist_arrays` and :func:`zoo.data.load_mnist`, so that MNIST runs
stay bit-identical; every other data set, named (``"fashion_mnist"``) or a path (a folder
of PNG/JPEG images, an .npz), goes through :func:`zoo.data.load`. :func:`check` runs
before anything is written, so that data a recipe cannot take costs one line and no files.
The model takes the data's image shape: :func:`image_shape` is the override that says so.
"""

import dataclasses
import warnings

import numpy as np
import tensorflow as tf

from zoo import data
from zoo.networks import IMAGE_SHAPE
from zoo.training import batching

__all__ = ["Inputs", "MNIST_SHAPE", "check", "image_shape", "load"]

#: MNIST's image shape, every recipe's config's.
MNIST_SHAPE = IMAGE_SHAPE
_GRID_IMAGES = 32


@dataclasses.dataclass
class Inputs:
    """What a run reads: training images, validation set, grid images, and where from.

    ``val_data`` is None for data with no test split: the run validates on nothing.
    """

    images: np.ndarray
    val_data: tf.data.Dataset | None
    grid_images: np.ndarray
    source_text: str
    repeats: int


def _shape_text(shape):
    return "×".join(map(str, shape))


def check(recipe, settings):
    """Refuses, in one line, data that a recipe cannot train on; reads headers, no pixels.

    Args:
        recipe: The :class:`zoo.recipes.Recipe`.
        settings: The run's :class:`zoo.training.Settings` (``data``, ``image_size``,
            ``source``, ``path``).

    Returns:
        The data's :class:`zoo.data.DatasetInfo`, or None for MNIST (read as before).

    Raises:
        ValueError: An unknown data set name, flags that do not apply to the data, or
            images of a size the recipe's networks do not draw.
        FileNotFoundError: No such folder or file, or a named set that is nowhere.
    """
    s = settings
    if s.data == "mnist" and s.image_size in (None, MNIST_SHAPE[0]):
        return None  # MNIST's own path: no probe of TFDS here, the load says where it came from
    named = s.data in data.DATASETS
    if s.path is not None and s.data != "mnist":
        raise ValueError(
            f"--mnist (path) names MNIST's npz; with --data {s.data} leave it out"
            + (f" (set ${data.DATASETS[s.data].path_env} instead)." if named else ".")
        )
    if s.source != "auto" and not named:
        raise ValueError(
            f"--source (source) chooses where a named set comes from; {s.data!r} is read as "
            "it is: leave it out."
        )
    with warnings.catch_warnings():  # a load reports its own fallbacks, once
        warnings.simplefilter("ignore", UserWarning)
        info = data.dataset_info(s.data, image_size=s.image_size, source=s.source)
    if info.image_shape[2] not in (1, 3):
        raise ValueError(
            f"{s.data!r} holds {_shape_text(info.image_shape)} images; zoo's networks draw "
            "grey (1 channel) or colour (3) ones."
        )
    try:
        recipe.size_overrides(info.image_shape)
    except ValueError as e:
        raise ValueError(f"{e} ({s.data!r} holds {_shape_text(info.image_shape)}.)") from None
    return info


def image_shape(info):
    """The override that builds the model for the data's images: ``{}`` for MNIST's shape.

    Args:
        info: What :func:`check` returned.

    Returns:
        ``{"image_shape": (height, width, channels)}``, or ``{}`` when the data is
        28x28x1 (the recipes' own shape, so that MNIST runs stay as they were).
    """
    if info is None or tuple(info.image_shape) == MNIST_SHAPE:
        return {}
    return {"image_shape": tuple(int(v) for v in info.image_shape)}


def load(settings, batch_size, info):
    """Loads a run's training images, validation set and grid images.

    Args:
        settings: The run's :class:`zoo.training.Settings`.
        batch_size: The validation set's batch size.
        info: What :func:`check` returned.

    Returns:
        :class:`Inputs`. Raises ``ValueError`` for an empty training set.
    """
    s = settings
    if info is None:
        found = _load_mnist(s, batch_size)
    else:
        found = _load_other(s, batch_size, info)
    if len(found.images) == 0:
        raise ValueError(
            f"The training set is empty (0 images from {found.source_text}); "
            f"check {'the MNIST file' if info is None else repr(s.data)} and --limit."
        )
    return found


def _load_mnist(s, batch_size):
    """MNIST as zoo has always read it, its offline sample repeated to a full epoch."""
    images, _ = data.load_mnist_arrays("train", source=s.source, path=s.path, limit=s.limit)
    with warnings.catch_warnings():  # a fallback to the sample was told once, just above
        warnings.simplefilter("ignore", UserWarning)
        source_text = data.describe_source(s.source, s.path)  # may probe TFDS: once per run
        val_data = data.load_mnist(
            "test", source=s.source, path=s.path, batch_size=batch_size, limit=s.val_limit
        )
        grid_images, _ = data.load_mnist_arrays(
            "test", source=s.source, path=s.path, limit=_GRID_IMAGES
        )
    repeats = batching.sample_repeats(images, source_text, s.limit)
    if repeats > 1:
        sample_size = len(images)
        images = np.concatenate([images] * repeats)[: batching.FULL_TRAIN_IMAGES]
        print(
            f"zoo: the {sample_size:,}-digit sample is repeated {repeats} times per "
            f"epoch, so that an epoch has full MNIST's {len(images):,} images and the recipe's "
            "budget the same number of steps."
        )
    return Inputs(images, val_data, grid_images, source_text, repeats)


def _load_other(s, batch_size, info):
    """Another named set, a folder or an .npz, through :func:`zoo.data.load`."""
    named = s.data in data.DATASETS
    # source= is for named sets only: data.load refuses it for a path.
    where = {"image_size": s.image_size, **({"source": s.source} if named else {})}
    images, _ = data.load(s.data, "train", limit=s.limit, **where)
    if "test" in info.splits:
        val_data = data.load(s.data, "test", batch_size=batch_size, limit=s.val_limit, **where)
        grid_images, _ = data.load(s.data, "test", limit=_GRID_IMAGES, **where)
    else:
        val_data, grid_images = None, images[:_GRID_IMAGES]
        print(
            f"zoo: {s.data!r} has no test split: the run validates on nothing, and its image "
            "grids show training images."
        )
    source_text = f"{data.DATASETS[s.data].title}, {info.source}" if named else info.source
    return Inputs(images, val_data, grid_images, source_text, 1)
