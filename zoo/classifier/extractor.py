"""Features and class probabilities of a classifier: what the generative metrics measure in.

See :mod:`zoo.classifier`.
"""

import os

import keras
import numpy as np
from keras import layers

from zoo.classifier.network import FEATURES_LAYER, _as_input, load_or_train


class FeatureExtractor:
    """Penultimate features and class probabilities of a classifier, in one pass.

    The callable the metrics in :mod:`zoo.metrics` take as ``extractor``: it
    maps a batch of images (uint8, or floats in [0, 1]; of the classifier's
    ``(H, W, C)``, or flat) to ``(features, probabilities)`` numpy arrays.

    Args:
        model: A classifier with a layer named ``features_layer`` and logits (or a
            softmax) out; defaults to :func:`load_or_train`'s of ``dataset``.
        features_layer: Name of the feature layer.
        source: The named set's source for :func:`load_or_train`, when ``model`` is None.
        path: The named set's npz for :func:`load_or_train`, when ``model`` is None.
        dataset: The data set of :func:`load_or_train`, when ``model`` is None.

    Raises:
        ValueError: ``model`` has no layer ``features_layer`` (the message lists its layers).
    """

    def __init__(
        self, model=None, features_layer=FEATURES_LAYER, source="auto", path=None, dataset="mnist"
    ):
        if model is None:
            model, self.metadata = load_or_train(path=path, source=source, dataset=dataset)
        else:
            self.metadata = None
        names = [layer.name for layer in model.layers]
        if features_layer not in names:
            raise ValueError(
                f"The classifier {model.name!r} has no layer {features_layer!r} to take "
                f"features from; name one of its layers ({', '.join(names)}) with "
                "--features-layer."
            )
        self.model = model
        self.image_shape = tuple(int(d) for d in model.inputs[0].shape[1:])
        self._net = keras.Model(
            model.inputs[0], [model.get_layer(features_layer).output, model.outputs[0]]
        )
        self.dim = int(model.get_layer(features_layer).output.shape[-1])
        last = model.layers[-1]
        # A softmax output is already probabilities; logits get one in float64 below
        self._softmax_out = isinstance(last, layers.Softmax) or (
            getattr(last, "activation", None) is keras.activations.softmax
        )

    @classmethod
    def from_file(cls, path, features_layer=FEATURES_LAYER):
        """The extractor of a ``.keras`` classifier file (``zoo eval --classifier PATH``).

        Args:
            path: A Keras classifier saved with ``model.save``.
            features_layer: The layer whose output are the features.

        Raises:
            FileNotFoundError: no such file.
            ValueError: not a Keras model file, or no layer ``features_layer``.
        """
        if not os.path.isfile(path):
            raise FileNotFoundError(
                f"No classifier at {os.fspath(path)!r}: name a Keras classifier saved with "
                "model.save('classifier.keras')."
            )
        try:
            model = keras.models.load_model(path, compile=False)
        except Exception as e:  # ValueError, OSError, zipfile errors: all "not readable"
            raise ValueError(
                f"{os.fspath(path)!r} is not a Keras model file ({type(e).__name__}: "
                f"{str(e).splitlines()[0][:120]}); save the classifier with model.save(...)."
            ) from e
        extractor = cls(model, features_layer)
        extractor.metadata = {"path": os.fspath(path), "features_layer": features_layer}
        return extractor

    def __call__(self, images):
        features, out = self._net(_as_input(images, self.model), training=False)
        out = np.asarray(out, dtype="float64")
        if self._softmax_out:
            return np.asarray(features, dtype="float64"), out
        # Softmax in float64: the classifier score takes logs of these.
        p = np.exp(out - out.max(axis=1, keepdims=True))
        return np.asarray(features, dtype="float64"), p / p.sum(axis=1, keepdims=True)


_DEFAULTS = {}


def default_extractor(source="auto", path=None, dataset="mnist"):
    """The process-wide :class:`FeatureExtractor` of a data set's classifier (loaded once).

    Args:
        source: The named set's source it is checked against (and trained on, the first time).
        path: The named set's npz, likewise; see :func:`load_arrays`.
        dataset: A name of :data:`zoo.data.DATASETS` or a labelled .npz's path.
    """
    key = os.fspath(dataset)
    if key not in _DEFAULTS:
        _DEFAULTS[key] = FeatureExtractor(source=source, path=path, dataset=dataset)
    return _DEFAULTS[key]
