"""The classifier of each data set, in whose features the generative metrics are measured.

FID measures distances in the features of an ImageNet Inception network, which
knows nothing of digits and would have to be downloaded. zoo trains its own
small convnet on each labelled data set instead (nothing downloaded): MNIST's
ships with zoo; any other (Fashion-MNIST, a labelled npz of your own) is trained
on first use and cached on disk with a version and the data's fingerprint in its
file name, beside a metadata JSON holding the test accuracy, so that a score can
always be traced to the exact feature network that produced it.

Example:
    >>> from zoo import classifier
    >>> net, meta = classifier.load_or_train("fashion_mnist")  # trains once, then loads
    >>> feats, probs = classifier.FeatureExtractor(net)(images)  # doctest: +SKIP
"""

from zoo.classifier.extractor import FeatureExtractor, default_extractor
from zoo.classifier.network import (
    FEATURES_LAYER,
    VERSION,
    build_classifier,
    cache_dir,
    cache_paths,
    fingerprint,
    load_arrays,
    load_mnist,
    load_or_train,
    load_shipped,
    ship,
    shipped_dir,
    train_classifier,
)

__all__ = [
    "FEATURES_LAYER",
    "VERSION",
    "FeatureExtractor",
    "build_classifier",
    "cache_dir",
    "cache_paths",
    "default_extractor",
    "fingerprint",
    "load_arrays",
    "load_mnist",
    "load_or_train",
    "load_shipped",
    "ship",
    "shipped_dir",
    "train_classifier",
]
