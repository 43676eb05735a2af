"""Presets: a trained model as data, in keras-hub's layout, loaded in one call.

A preset is a directory of four files (:mod:`zoo.presets.files`):
``config.json`` (the recipe and its whole typed config), ``model.weights.h5``
(the networks' weights, float16 on disk, float32 once loaded),
``metadata.json`` (data, budget, versions, ``zoo eval`` and check figures,
the weights' sha256) and ``README.md`` (the model card).

Every recipe ships two, trained at its budget on MNIST (``zoo/presets/mnist/``)
and on Fashion-MNIST (``zoo/presets/fashion_mnist/``); ``python -m zoo list``
shows them with their figures. :func:`pretrained` loads one by recipe name (and
data set), path or URL (:mod:`zoo.presets.hub`); :func:`make`
turns a finished run into one (``python -m zoo preset RUN_DIR OUT_DIR``), the
way the shipped ones were made (``make presets``); :mod:`zoo.presets.check`
holds the figures that tell a spoilt preset in seconds.

Example:
    >>> import zoo
    >>> model = zoo.pretrained("a001.dcgan")
    >>> images = model.sample(64, seed=0)
    >>> shoes = zoo.pretrained("a001.dcgan", dataset="fashion_mnist").sample(64, seed=0)
    >>> from zoo import presets
    >>> presets.make("runs/a000.gan", "my_presets/a000.gan")  # doctest: +SKIP
    >>> model = zoo.pretrained("my_presets/a000.gan")  # doctest: +SKIP
"""

from zoo.presets.files import (
    CARD,
    CONFIG,
    FORMAT,
    METADATA,
    WEIGHTS,
    is_preset,
    load,
    load_into,
    make,
    sha256,
)
from zoo.presets.hub import SHIPPED, available, dataset_of, fetch, find, pretrained, resolve

__all__ = [
    "CARD",
    "CONFIG",
    "FORMAT",
    "METADATA",
    "SHIPPED",
    "WEIGHTS",
    "available",
    "dataset_of",
    "fetch",
    "find",
    "is_preset",
    "load",
    "load_into",
    "make",
    "pretrained",
    "resolve",
    "sha256",
]
