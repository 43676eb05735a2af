"""zoo: GANs, autoencoders and VAEs in Keras 3, rebuilt from five articles.

Example:
    >>> import zoo
    >>> ds = zoo.load_mnist("train", batch_size=128)
    >>> model = zoo.recipes.build("a000.gan")
    >>> model.fit(ds, epochs=5)
    >>> images = model.sample(64, seed=0)
    >>> trained = zoo.pretrained("a001.dcgan")   # a preset: trained at the recipe's budget
"""

import os

# Keras 3 on TensorFlow: set before keras is imported anywhere.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from zoo import _quiet  # noqa: E402  (imports nothing heavy)

if _quiet.is_command_line():
    _quiet.import_tensorflow_quietly()
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from zoo import losses, networks, recipes  # noqa: E402
from zoo.data import load_mnist, load_mnist_arrays  # noqa: E402
from zoo.models import GAN, VAE, Autoencoder, ContractiveAutoencoder, LatentGAN  # noqa: E402
from zoo.presets import pretrained  # noqa: E402

__version__ = "0.1.0"
__all__ = [
    "GAN",
    "VAE",
    "Autoencoder",
    "ContractiveAutoencoder",
    "LatentGAN",
    "load_mnist",
    "load_mnist_arrays",
    "losses",
    "networks",
    "pretrained",
    "recipes",
]
