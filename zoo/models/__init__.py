"""The model families: one class each, variants as arguments."""

from zoo.models.autoencoder import Autoencoder, ContractiveAutoencoder
from zoo.models.gan import GAN, LatentGAN
from zoo.models.vae import VAE

__all__ = ["GAN", "LatentGAN", "Autoencoder", "ContractiveAutoencoder", "VAE"]
