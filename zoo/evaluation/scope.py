"""What a model is scored against: its data set's images, test split and classifier.

``python -m zoo eval`` scores a model of MNIST against MNIST and zoo's MNIST classifier,
a model of Fashion-MNIST against Fashion-MNIST and its own classifier (trained once and
cached, :mod:`zoo.classifier`), and a model of your own images against them: with a
classifier where the images are labelled (an .npz with labels and a test split) or one
is named (``--classifier PATH``), else with the figures that need none (reconstruction,
ELBO, IWAE), saying which it could not compute. :func:`resolve` decides all that once,
before anything is scored.

Example:
    >>> from zoo.evaluation import loading, scope
    >>> model, kind = loading.load("runs/a001.vae")                       # doctest: +SKIP
    >>> s = scope.resolve(model, "runs/a001.vae", kind, ["sample"])     # doctest: +SKIP
    >>> s.title, s.x_test.shape                                         # doctest: +SKIP
    ('MNIST', (10000, 28, 28, 1))
"""

import dataclasses
import json
import os
import warnings

import numpy as np

from zoo import data
from zoo.networks import IMAGE_SHAPE
from zoo.training import rundir


@dataclasses.dataclass
class Scope:
    """The real side of one evaluation.

    Attributes:
        dataset: The data set's name, or its path as given.
        title: Its name in messages ("Fashion-MNIST", or the path).
        noun: What its images show ("digits", "fashion items", "images").
        x_train: Training images, uint8 ``(N, H, W, C)`` at the model's shape.
        x_test: Test images; the training images where the data has no test split.
        test_split: Whether ``x_test`` is a real test split.
        source: One line: where the images came from.
        extractor: The classifier's features, or None where there is none.
        not_scored: One line per figure that could not be computed, and why.
        notes: Other lines the report shows (what the figures compare with).
    """

    dataset: str
    title: str
    noun: str
    x_train: np.ndarray
    x_test: np.ndarray
    test_split: bool
    source: str
    extractor: object = None
    not_scored: list = dataclasses.field(default_factory=list)
    notes: list = dataclasses.field(default_factory=list)


def recorded_dataset(model, path, kind):
    """The data set a model says it trained on, or None where it does not say.

    A run directory's ``run.json`` names it, as do a preset's ``metadata.json`` and an
    export's ``zoo.json`` (its run's); what predates the name was trained on MNIST. A
    bare ``.keras`` file does not say.
    """
    if kind == "run":
        with open(os.path.join(path, rundir.RUN)) as f:
            return json.load(f).get("dataset", "mnist")
    if kind == "preset":
        from zoo import presets

        with open(os.path.join(path, presets.METADATA)) as f:
            return json.load(f).get("dataset", "mnist")
    if kind == "saved_model":
        from zoo.export import metadata

        try:
            run = metadata.read(model.directory).get("run") or {}
        except (FileNotFoundError, ValueError):  # an export of another tool: no zoo.json
            return None
        return run.get("dataset", "mnist") if run else None
    return None


def _dataset(model, path, kind, dataset):
    """The data set to score on: the one asked for, else the run's, else MNIST."""
    recorded = recorded_dataset(model, path, kind)
    if dataset is None:
        return recorded or "mnist"
    dataset = os.fspath(dataset)
    if recorded is not None and dataset != recorded:
        what = {"run": "run", "preset": "preset", "saved_model": "export"}[kind]
        raise ValueError(
            f"This {what} trained on {recorded!r}, not {dataset!r}; leave --data out: a model "
            "is scored on the data it trained on."
        )
    return dataset


def _size(shape):
    return "x".join(map(str, shape))


def _load(dataset, split, shape, info, where):
    """One split of ``dataset`` at the model's ``(H, W, C)``; ``where``: a named set's source."""
    kwargs = dict(where)
    if tuple(info.image_shape[:2]) != shape[:2]:
        kwargs["image_size"] = shape[:2]
    if info.image_shape[2] != shape[2]:
        kwargs["channels"] = shape[2]
    return data.load(dataset, split, **kwargs)[0]


def _extractor(dataset, info, shape, where, classifier_path, features_layer):
    """The classifier's features for ``dataset``, or ``(None, why)``."""
    from zoo import classifier

    if classifier_path is not None:
        found = classifier.FeatureExtractor.from_file(classifier_path, features_layer)
        if found.image_shape != shape:
            raise ValueError(
                f"The classifier {os.fspath(classifier_path)!r} takes {_size(found.image_shape)} "
                f"images, not the model's {_size(shape)}; pass a classifier of the model's images."
            )
        return found, None
    if info.labelled and "test" in info.splits:
        found = classifier.default_extractor(dataset=dataset, **where)
        if getattr(found, "image_shape", shape) == shape:
            return found, None
        return None, (
            f"FD, KID, classifier score and coverage: zoo's classifier of {dataset!r} takes "
            f"{_size(found.image_shape)} images, not the model's {_size(shape)}; pass one of "
            "these images with --classifier PATH"
        )
    why = "no labels" if not info.labelled else "no test split"
    return None, (
        f"FD, KID, classifier score and coverage: {dataset!r} has {why}, so zoo has no "
        "classifier of its images; pass one with --classifier PATH"
    )


def resolve(
    model,
    path,
    kind,
    caps,
    dataset=None,
    source="auto",
    npz=None,
    classifier_path=None,
    features_layer="features",
    extractor=None,
):
    """Finds the data and the classifier a model is scored with, before any scoring.

    Args:
        model: The loaded model (its ``image_shape`` says which images it draws).
        path: Where it was loaded from.
        kind: ``"run"``, ``"keras"`` or ``"export"`` (:func:`zoo.evaluation.loading.load`).
        caps: Its capabilities (:func:`zoo.evaluation.loading.capabilities`).
        dataset: A name of :data:`zoo.data.DATASETS` or a path; None: the run's, else MNIST.
        source: A named set's source (``"auto"``, ``"npz"``, ``"tfds"``, ``"sample"``).
        npz: A named set's Keras-layout npz, instead of its environment variable.
        classifier_path: A Keras classifier file whose features score the samples.
        features_layer: Its feature layer's name.
        extractor: A ready feature extractor (tests, :mod:`zoo.results`); wins over the rest.

    Returns:
        A :class:`Scope`.

    Raises:
        ValueError: a run scored on other data, a classifier of other images, or a
            generator of unlabelled images with no classifier: nothing could be scored.
        FileNotFoundError: no such data or classifier.
    """
    dataset = _dataset(model, path, kind, dataset)
    # A named set's source, found once (for "auto" it may probe the network for 3 s)
    where = dict(source=source, path=npz) if dataset in data.DATASETS else {}
    info = data.dataset_info(dataset, **where)
    shape = tuple(int(d) for d in getattr(model, "image_shape", IMAGE_SHAPE))
    spec = data.DATASETS.get(dataset)
    title = spec.title if spec else dataset
    not_scored, notes = [], []
    if "sample" in caps and extractor is None:
        extractor, why = _extractor(dataset, info, shape, where, classifier_path, features_layer)
        if why and "reconstruct" not in caps:  # a GAN: without a classifier, nothing to score
            raise ValueError(f"Nothing to score: {why}.")
        not_scored += [why] if why else []
    x_train = _load(dataset, "train", shape, info, where)
    test_split = "test" in info.splits
    if test_split:
        with warnings.catch_warnings():  # a fall-back to the offline sample was told just above
            warnings.simplefilter("ignore", UserWarning)
            x_test = _load(dataset, "test", shape, info, where)
    else:
        x_test = x_train
        notes.append(f"{title} has no test split: every figure compares with its training images")
    return Scope(
        dataset=dataset,
        title=title,
        noun=spec.noun if spec else "images",
        x_train=x_train,
        x_test=x_test,
        test_split=test_split,
        source=info.source,
        extractor=extractor,
        not_scored=not_scored,
        notes=notes,
    )
