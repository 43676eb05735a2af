"""The model families: one class each, variants as arguments.

:data:`FAMILIES` is the single table of them. Each class declares the protocol
the rest of zoo reads (:class:`zoo.models.base.ZooModel`): its ``family``
name, its ``sample_kind`` and its serving ``endpoints``. A new family is its
module, one row here and one row of the tests' family table.
"""

from zoo.models.autoencoder import Autoencoder, ContractiveAutoencoder
from zoo.models.base import Endpoint, ZooModel
from zoo.models.gan import GAN
from zoo.models.latent_gan import LatentGAN
from zoo.models.vae import VAE

#: ``Recipe.family`` name -> model class.
FAMILIES = {cls.family: cls for cls in (GAN, LatentGAN, Autoencoder, ContractiveAutoencoder, VAE)}


def family_of(model):
    """The :data:`FAMILIES` class that ``model`` is an instance of (its own class first).

    Raises:
        TypeError: for a model of no zoo family.
    """
    cls = FAMILIES.get(getattr(model, "family", None))
    if cls is None or not isinstance(model, cls):
        raise TypeError(
            f"{type(model).__name__} is not a model of a zoo family "
            f"({', '.join(c.__name__ for c in FAMILIES.values())})."
        )
    return cls


__all__ = [
    "FAMILIES",
    "GAN",
    "VAE",
    "Autoencoder",
    "ContractiveAutoencoder",
    "Endpoint",
    "LatentGAN",
    "ZooModel",
    "family_of",
]
