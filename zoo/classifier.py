"""The MNIST classifier whose features the generative metrics are measured in.

FID measures distances in the features of an ImageNet Inception network, which
knows nothing of digits and would have to be downloaded. zoo trains its own
small convnet on MNIST instead (nothing downloaded), caches it on disk with a
version in its file name, and keeps a metadata JSON beside it holding the test
accuracy and a fingerprint of the training data, so that a score can always be
traced to the exact feature network that produced it.

Example:
    >>> from zoo import classifier
    >>> net = classifier.load_or_train()          # trains once, then loads
    >>> feats, probs = classifier.FeatureExtractor(net)(images)  # doctest: +SKIP
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


def cache_paths(directory=None, data_fingerprint=None):
    """``(model_path, metadata_path)`` of the cached classifier of :data:`VERSION`.

    Args:
        directory: Cache directory; defaults to :func:`cache_dir`.
        data_fingerprint: :func:`fingerprint` of the training digits. One file
            per data set, so that a classifier of the 5,000-digit offline
            sample never replaces the one of full MNIST, nor the reverse.
    """
    d = Path(directory) if directory is not None else cache_dir()
    stem = f"mnist_classifier_v{VERSION}" + (f"_{data_fingerprint}" if data_fingerprint else "")
    return d / f"{stem}.keras", d / f"{stem}.json"


def build_classifier(num_classes=10):
    """The feature network: two conv blocks, a 128-unit penultimate layer, logits.

    Two blocks of [Conv(3x3) -> BN -> ReLU] x 2 -> MaxPool (32 then 64
    filters), then Dense(128) -> BN -> ReLU (the ``"features"`` layer the
    metrics use), then Dropout(0.5) and the logits. Small enough to train in
    minutes on two CPU cores. (One conv per block, with an extra dropout after
    the flatten, measured 99.05% after 3 epochs: short of the 99.2% target.)

    Args:
        num_classes: Number of classes.

    Returns:
        An uncompiled ``keras.Model`` from ``(28, 28, 1)`` images in [0, 1] to logits.
    """
    inputs = keras.Input(shape=(28, 28, 1), name="image")
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
    return keras.Model(inputs, logits, name=f"mnist_classifier_v{VERSION}")


def _as_input(x):
    return data.as_unit(x, (-1, 28, 28, 1))


def train_classifier(path=None, epochs=_EPOCHS, seed=_SEED, verbose=2, source="auto"):
    """Trains :func:`build_classifier` on MNIST and measures its test accuracy.

    Adam with a cosine-decayed learning rate (1e-3 to 0) over ``epochs``
    epochs: the decay is what takes a few epochs past 99.2% on the test set.

    Args:
        path: MNIST npz; see :func:`load_mnist`.
        epochs: Passes over the 60,000 training images.
        seed: Seed of the initialisation, shuffling and dropout.
        verbose: Keras ``fit`` verbosity.
        source: MNIST source; see :func:`load_mnist`.

    Returns:
        ``(model, metadata)``: the trained model (logits out) and a dict with
        ``test_accuracy``, ``train_seconds``, ``data_fingerprint`` and more.
    """
    (x_train, y_train), (x_test, y_test) = load_mnist(source, path)
    keras.utils.set_random_seed(seed)
    model = build_classifier()
    steps = epochs * int(np.ceil(len(x_train) / _BATCH_SIZE))
    model.compile(
        optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(1e-3, steps)),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    start = time.perf_counter()
    model.fit(_as_input(x_train), y_train, batch_size=_BATCH_SIZE, epochs=epochs, verbose=verbose)
    train_seconds = time.perf_counter() - start
    _, accuracy = model.evaluate(_as_input(x_test), y_test, batch_size=1000, verbose=0)
    metadata = {
        "version": VERSION,
        "test_accuracy": float(accuracy),
        "train_seconds": round(train_seconds, 1),
        "epochs": epochs,
        "batch_size": _BATCH_SIZE,
        "seed": seed,
        "data_source": data.describe_source(source, path),
        "data_fingerprint": fingerprint(x_train, y_train),
        "test_fingerprint": fingerprint(x_test, y_test),
        "keras_version": keras.__version__,
        "trained_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    return model, metadata


def shipped_dir():
    """Where the classifier shipped with zoo lives: beside the MNIST presets."""
    from zoo.presets import SHIPPED

    return SHIPPED / "mnist" / "classifier"


def load_shipped():
    """The classifier shipped inside the package, as ``(model, metadata)``; ``None`` if absent.

    It is the full-MNIST classifier of :data:`VERSION` (a shipped one of another
    version is ignored), stored as ``model.weights.h5`` (float32, so that every
    score is that of the trained network) beside a ``metadata.json`` that names
    its test accuracy, training data and the weights' sha256, which is checked.

    Raises:
        ValueError: the weights do not match their digest.
    """
    from zoo import presets

    directory = shipped_dir()
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
    model = build_classifier()
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
    bare = build_classifier()  # without the optimizer's state: a third of the bytes
    bare.set_weights(model.get_weights())
    disk.atomic_write(weights, bare.save_weights)
    metadata = {**metadata, "weights_sha256": presets.sha256(weights)}
    disk.atomic_write(
        directory / presets.METADATA,
        lambda p: Path(p).write_text(json.dumps(metadata, indent=2) + "\n"),
    )
    return directory


def load_or_train(directory=None, path=None, verbose=2, source="auto", shipped=True):
    """zoo's classifier: the one shipped with zoo, else the cached one, trained first if needed.

    The classifier shipped inside the package (:func:`load_shipped`) is used
    when there is one and ``directory`` is not given: trained on the full
    MNIST, it is the feature network of every figure zoo quotes, offline too.

    Otherwise the cache holds one classifier per training set, found by the data's
    :func:`fingerprint`: it trains when the MNIST now in use has none yet
    (full MNIST and the offline sample each get their own). Files are written
    under temporary names and renamed, so that two processes training at once
    never leave a half-written cache.

    Args:
        directory: Cache directory; defaults to :func:`cache_dir`.
        path: MNIST npz; see :func:`load_mnist`.
        verbose: Keras ``fit`` verbosity when training.
        source: MNIST source; see :func:`load_mnist`.
        shipped: Use the shipped classifier when there is one.

    Returns:
        ``(model, metadata)`` as :func:`train_classifier` returns them.
    """
    found = load_shipped() if shipped and directory is None else None
    if found is not None:
        return found
    x_train, y_train = data.load_mnist_arrays("train", source=source, path=path)
    model_path, meta_path = cache_paths(directory, fingerprint(x_train, y_train))
    if model_path.exists() and meta_path.exists():
        return keras.models.load_model(model_path), json.loads(meta_path.read_text())
    print(
        f"zoo: training the MNIST feature classifier once ({_EPOCHS} epochs, a few minutes on "
        f"a CPU); it is cached in {model_path.parent}."
    )
    model, metadata = train_classifier(path, verbose=verbose, source=source)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    disk.atomic_write(model_path, model.save)
    disk.atomic_write(
        meta_path, lambda p: Path(p).write_text(json.dumps(metadata, indent=2) + "\n")
    )
    return model, metadata


class FeatureExtractor:
    """Penultimate features and class probabilities of a classifier, in one pass.

    The callable the metrics in :mod:`zoo.metrics` take as ``extractor``: it
    maps a batch of images (uint8, or floats in [0, 1]; any of ``(N, 28, 28)``,
    ``(N, 28, 28, 1)``, ``(N, 784)``) to ``(features, probabilities)`` numpy arrays.

    Args:
        model: A classifier with a layer named ``features`` and logits out;
            defaults to :func:`load_or_train`'s.
        features_layer: Name of the feature layer.
        source: MNIST source of :func:`load_or_train`, when ``model`` is None.
        path: MNIST npz of :func:`load_or_train`, when ``model`` is None.
    """

    def __init__(self, model=None, features_layer=FEATURES_LAYER, source="auto", path=None):
        if model is None:
            model, self.metadata = load_or_train(path=path, source=source)
        else:
            self.metadata = None
        self.model = model
        self._net = keras.Model(
            model.inputs[0], [model.get_layer(features_layer).output, model.outputs[0]]
        )
        self.dim = int(model.get_layer(features_layer).output.shape[-1])

    def __call__(self, images):
        features, logits = self._net(_as_input(images), training=False)
        logits = np.asarray(logits, dtype="float64")
        # Softmax in float64: the classifier score takes logs of these.
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        return np.asarray(features, dtype="float64"), p / p.sum(axis=1, keepdims=True)


_DEFAULT = None


def default_extractor(source="auto", path=None):
    """The process-wide :class:`FeatureExtractor` of the cached classifier (loaded once).

    Args:
        source: MNIST source it is checked against (and trained on, the first time).
        path: MNIST npz, likewise; see :func:`load_mnist`.
    """
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = FeatureExtractor(source=source, path=path)
    return _DEFAULT


if __name__ == "__main__":
    _, meta = load_or_train()
    print(json.dumps(meta, indent=2))
