"""The classifier network: built, trained once per data set, cached, shipped.

See :mod:`zoo.classifier`.
"""

import datetime
import hashlib
import json
import os
import time
from pathlib import Path

import keras
import numpy as np
from keras import layers

from zoo import data, disk
from zoo.networks import IMAGE_SHAPE

#: Bump when the architecture or the training recipe changes: old caches are
#: then ignored (their file name differs), never silently reused.
VERSION = 1
FEATURES_LAYER = "features"
_EPOCHS = 3
_BATCH_SIZE = 128
_SEED = 0


def load_mnist(source="auto", path=None):
    """MNIST as the classifier trains on it: ``(x_train, y_train), (x_test, y_test)``, uint8.

    Found as :func:`zoo.data.load_mnist_arrays` finds it: ``path``, else
    ``$ZOO_MNIST_PATH``, else tensorflow-datasets, else the 5,000-digit sample
    (which gives a weaker classifier; ``source="npz"`` refuses to fall back).

    Args:
        source: ``"auto"``, ``"npz"``, ``"tfds"`` or ``"sample"``.
        path: A Keras-layout ``mnist.npz``.

    Returns:
        Two ``(images, labels)`` pairs; images are ``(N, 28, 28)`` uint8.
    """
    return tuple(data.load_mnist_arrays(split, source=source, path=path) for split in data.SPLITS)


def load_arrays(dataset="mnist", source="auto", path=None):
    """A labelled data set's two splits as the classifier trains and is tested on them.

    Args:
        dataset: A name of :data:`zoo.data.DATASETS`, or the path of a labelled .npz.
        source: Source of a named set (:func:`zoo.data.load`).
        path: A named set's Keras-layout npz, instead of its environment variable.

    Returns:
        ``((x_train, y_train), (x_test, y_test))``: uint8 ``(N, H, W, C)`` images (MNIST's
        ``(N, 28, 28)``) and their labels.

    Raises:
        ValueError: the data has no labels, or no test split to measure accuracy on.
    """
    if dataset == "mnist":  # (N, 28, 28), as MNIST's fingerprints have always been taken
        return load_mnist(source=source, path=path)
    named = dataset in data.DATASETS
    info = data.dataset_info(dataset)
    if not info.labelled or "test" not in info.splits:
        raise ValueError(
            f"{dataset!r} has {'no labels' if not info.labelled else 'no test split'}, so zoo "
            "cannot train a classifier of it; pass a Keras classifier of these images "
            "instead (--classifier PATH on the command line)."
        )
    kwargs = dict(source=source, path=path) if named else {}
    return tuple(data.load(dataset, split, **kwargs) for split in data.SPLITS)


def fingerprint(*arrays):
    """SHA-256 (hex, first 16 characters) of the arrays' shapes, dtypes and bytes."""
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.shape}{a.dtype}".encode())
        h.update(a.tobytes())
    return h.hexdigest()[:16]


def cache_dir():
    """``$ZOO_CACHE_DIR``, else ``~/.cache/zoo``."""
    return Path(os.environ.get("ZOO_CACHE_DIR", Path.home() / ".cache" / "zoo"))


def _label(dataset):
    """The data set's name in file and model names: its own, or ``data`` for a path."""
    return dataset if dataset in data.DATASETS else "data"


def cache_paths(directory=None, data_fingerprint=None, dataset="mnist"):
    """``(model_path, metadata_path)`` of the cached classifier of :data:`VERSION`.

    Args:
        directory: Cache directory; defaults to :func:`cache_dir`.
        data_fingerprint: :func:`fingerprint` of the training images. One file
            per data set, so that a classifier of the 5,000-digit offline
            sample never replaces the one of full MNIST, nor the reverse.
        dataset: The data set's name (or path), which begins the file name.
    """
    d = Path(directory) if directory is not None else cache_dir()
    stem = f"{_label(dataset)}_classifier_v{VERSION}"
    stem += f"_{data_fingerprint}" if data_fingerprint else ""
    return d / f"{stem}.keras", d / f"{stem}.json"


def build_classifier(num_classes=10, image_shape=IMAGE_SHAPE, dataset="mnist"):
    """The feature network: two conv blocks, a 128-unit penultimate layer, logits.

    Two blocks of [Conv(3x3) -> BN -> ReLU] x 2 -> MaxPool (32 then 64
    filters), then Dense(128) -> BN -> ReLU (the ``"features"`` layer the
    metrics use), then Dropout(0.5) and the logits. Small enough to train in
    minutes on two CPU cores. (One conv per block, with an extra dropout after
    the flatten, measured 99.05% after 3 epochs: short of the 99.2% target.)

    Args:
        num_classes: Number of classes.
        image_shape: ``(H, W, C)`` of the images.
        dataset: The data set's name, for the model's.

    Returns:
        An uncompiled ``keras.Model`` from ``image_shape`` images in [0, 1] to logits.
    """
    inputs = keras.Input(shape=tuple(image_shape), name="image")
    x = inputs
    for filters in (32, 64):
        for _ in range(2):
            # No conv bias: the BatchNormalization that follows has its own offset.
            x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
            x = layers.BatchNormalization()(x)
            x = layers.ReLU()(x)
        x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dense(128, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU(name=FEATURES_LAYER)(x)
    x = layers.Dropout(0.5)(x)
    logits = layers.Dense(num_classes, name="logits")(x)
    return keras.Model(inputs, logits, name=f"{_label(dataset)}_classifier_v{VERSION}")


def _as_input(x, model):
    return data.as_unit(x, (-1, *model.inputs[0].shape[1:]))


def train_classifier(path=None, epochs=None, seed=_SEED, verbose=2, source="auto", dataset="mnist"):
    """Trains :func:`build_classifier` on a labelled data set and measures its test accuracy.

    Adam with a cosine-decayed learning rate (1e-3 to 0) over ``epochs``
    epochs: the decay is what takes a few epochs past 99.2% on the test set.

    Args:
        path: The named set's npz; see :func:`load_arrays`.
        epochs: Passes over the training images (None: 3).
        seed: Seed of the initialisation, shuffling and dropout.
        verbose: Keras ``fit`` verbosity.
        source: The named set's source; see :func:`load_arrays`.
        dataset: A name of :data:`zoo.data.DATASETS` or a labelled .npz's path.

    Returns:
        ``(model, metadata)``: the trained model (logits out) and a dict with
        ``test_accuracy``, ``train_seconds``, ``data_fingerprint`` and more.
    """
    epochs = _EPOCHS if epochs is None else epochs
    (x_train, y_train), (x_test, y_test) = load_arrays(dataset, source, path)
    keras.utils.set_random_seed(seed)
    classes = int(max(y_train.max(), y_test.max())) + 1
    shape = x_train.shape[1:] if x_train.ndim == 4 else (*x_train.shape[1:], 1)
    model = build_classifier(classes, shape, dataset)
    steps = epochs * int(np.ceil(len(x_train) / _BATCH_SIZE))
    model.compile(
        optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(1e-3, steps)),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    start = time.perf_counter()
    inputs = _as_input(x_train, model)
    model.fit(inputs, y_train, batch_size=_BATCH_SIZE, epochs=epochs, verbose=verbose)
    train_seconds = time.perf_counter() - start
    _, accuracy = model.evaluate(_as_input(x_test, model), y_test, batch_size=1000, verbose=0)
    metadata = {
        "version": VERSION,
        "dataset": os.fspath(dataset),
        "test_accuracy": float(accuracy),
        "train_seconds": round(train_seconds, 1),
        "epochs": epochs,
        "batch_size": _BATCH_SIZE,
        "seed": seed,
        "data_source": (
            data.describe_source(source, path, dataset=dataset)
            if dataset in data.DATASETS
            else os.fspath(dataset)
        ),
        "data_fingerprint": fingerprint(x_train, y_train),
        "test_fingerprint": fingerprint(x_test, y_test),
        "keras_version": keras.__version__,
        "trained_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    return model, metadata


def shipped_dir(dataset="mnist"):
    """Where the classifier of ``dataset`` shipped with zoo lives: beside its presets."""
    from zoo.presets import SHIPPED

    return SHIPPED / dataset / "classifier"


def load_shipped(dataset="mnist"):
    """The classifier shipped inside the package, as ``(model, metadata)``; ``None`` if absent.

    It is the classifier of :data:`VERSION` of the full named set (a shipped one of
    another version is ignored), stored as ``model.weights.h5`` (float32, so that every
    score is that of the trained network) beside a ``metadata.json`` that names
    its test accuracy, training data and the weights' sha256, which is checked.

    Args:
        dataset: A name of :data:`zoo.data.DATASETS`.

    Raises:
        ValueError: the weights do not match their digest.
    """
    from zoo import presets

    if dataset not in data.DATASETS:
        return None
    directory = shipped_dir(dataset)
    weights, meta_path = directory / presets.WEIGHTS, directory / presets.METADATA
    if not (weights.is_file() and meta_path.is_file()):
        return None
    metadata = json.loads(meta_path.read_text())
    if metadata.get("version") != VERSION:
        return None
    found = presets.sha256(weights)
    if found != metadata.get("weights_sha256"):
        raise ValueError(
            f"zoo's classifier {str(weights)!r} does not match its digest (expected sha256 "
            f"{metadata.get('weights_sha256')}, found {found}); reinstall zoo."
        )
    spec = data.DATASETS[dataset]
    model = build_classifier(len(spec.class_names), spec.image_shape, dataset)
    model.load_weights(weights)
    return model, metadata


def ship(model, metadata, directory):
    """Writes ``model`` (float32 weights) and its ``metadata`` (plus the digest) to ``directory``.

    How the shipped classifier is made from the cached one (``make presets``).
    """
    from zoo import presets

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    weights = directory / presets.WEIGHTS
    # Without the optimizer's state: a third of the bytes
    shape, classes = model.inputs[0].shape[1:], model.outputs[0].shape[-1]
    bare = build_classifier(classes, shape, metadata.get("dataset", "mnist"))
    bare.set_weights(model.get_weights())
    disk.atomic_write(weights, bare.save_weights)
    metadata = {**metadata, "weights_sha256": presets.sha256(weights)}
    disk.atomic_write(
        directory / presets.METADATA,
        lambda p: Path(p).write_text(json.dumps(metadata, indent=2) + "\n"),
    )
    return directory


def load_or_train(
    directory=None, path=None, verbose=2, source="auto", shipped=True, dataset="mnist"
):
    """A data set's classifier: the one shipped with zoo, else the cached one, trained if need be.

    The classifier shipped inside the package (:func:`load_shipped`) is used
    when there is one and ``directory`` is not given: trained on the full
    MNIST, it is the feature network of every MNIST figure zoo quotes, offline too.

    Otherwise the cache holds one classifier per training set, found by the data's
    :func:`fingerprint`: it trains when the data now in use has none yet
    (full MNIST and the offline sample each get their own, as does Fashion-MNIST).
    Files are written under temporary names and renamed, so that two processes
    training at once never leave a half-written cache.

    Args:
        directory: Cache directory; defaults to :func:`cache_dir`.
        path: The named set's npz; see :func:`load_arrays`.
        verbose: Keras ``fit`` verbosity when training.
        source: The named set's source; see :func:`load_arrays`.
        shipped: Use the shipped classifier when there is one.
        dataset: A name of :data:`zoo.data.DATASETS` or a labelled .npz's path.

    Returns:
        ``(model, metadata)`` as :func:`train_classifier` returns them.

    Raises:
        ValueError: unlabelled data, or data with no test split (see :func:`load_arrays`).
    """
    found = load_shipped(dataset) if shipped and directory is None else None
    if found is not None:
        return found
    (x_train, y_train), _ = load_arrays(dataset, source, path)
    model_path, meta_path = cache_paths(directory, fingerprint(x_train, y_train), dataset)
    if model_path.exists() and meta_path.exists():
        return keras.models.load_model(model_path), json.loads(meta_path.read_text())
    title = data.DATASETS[dataset].title if dataset in data.DATASETS else os.fspath(dataset)
    print(
        f"zoo: training the {title} feature classifier once ({_EPOCHS} epochs, a few minutes "
        f"on a CPU); it is cached in {model_path.parent}."
    )
    model, metadata = train_classifier(path, verbose=verbose, source=source, dataset=dataset)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    disk.atomic_write(model_path, model.save)
    disk.atomic_write(
        meta_path, lambda p: Path(p).write_text(json.dumps(metadata, indent=2) + "\n")
    )
    return model, metadata
