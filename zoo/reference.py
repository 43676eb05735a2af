"""The reference VAE of the IWAE paper, and dynamically binarised MNIST.

It lets zoo's likelihood numbers stand beside a published one: Burda et al.
(2016) report 86.76 nats for this one-sample VAE on dynamically binarised MNIST.
"""

import keras
import tensorflow as tf

from zoo import data, networks
from zoo.models import VAE


def reference_vae(
    latent_dim=50, hidden=(200, 200), learning_rate=1e-3, seed=None, **compile_options
):
    """The one-stochastic-layer VAE of Burda et al. (2016), as a compiled zoo VAE.

    Encoder and decoder are 2x200 tanh MLPs, the latent is 50-d, the decoder
    Bernoulli (sigmoid); Adam with their beta_1 = 0.9, beta_2 = 0.999, eps = 1e-4.
    Train it on :func:`binarized_dataset`; the model is built with
    ``binarized_data=True`` (a config field, kept by ``.keras`` files) so that
    :func:`zoo.evaluation.vae_metrics` evaluates it on binarised test images.
    ``compile_options`` (``steps_per_execution``, ``jit_compile``) go to
    ``compile``: the paper's batch of 20 makes the step cheap, so many steps
    per execution pay.

    Reference:
        Burda et al., ICLR 2016, section 5: 86.76 nats test NLL (k = 5000) for
        this model trained with k = 1 for 3,280 epochs (3^i passes at
        learning rate 1e-3 * 10^(-i/7), i = 0..7), batch size 20.
    """
    encoder = networks.gaussian_encoder(latent_dim=latent_dim, hidden=hidden, activation="tanh")
    decoder = networks.mlp(
        latent_dim,
        networks.IMAGE_SHAPE,
        hidden=hidden,
        activation="tanh",
        output_activation="sigmoid",
        name="decoder",
    )
    vae = VAE(
        encoder,
        decoder,
        beta=1.0,
        reconstruction="bce",
        reduction="sum",
        binarized_data=True,
        seed=seed,
        name="reference_iwae_vae",
    )
    vae.compile(
        optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-4),
        **compile_options,
    )
    return vae


def binarized_dataset(images, batch_size=100, seed=0, shuffle=True):
    """Dynamic binarisation: fresh Bernoulli pixels ``u < x`` for every batch, every epoch.

    A ``tf.random.Generator`` draws them: its state advances across epochs. A
    seeded ``tf.random.uniform`` in ``map`` would not: tf.data restarts it with
    each epoch's iterator, which silently gives a *static* binarisation.

    Returns:
        A ``tf.data.Dataset`` of float32 ``(batch, 28, 28, 1)`` batches of 0s and 1s.
    """
    x = data.as_unit(images, (-1, *networks.IMAGE_SHAPE))
    gen = tf.random.Generator.from_seed(seed)
    ds = tf.data.Dataset.from_tensor_slices(x)
    if shuffle:
        ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size).map(lambda b: tf.cast(gen.uniform(tf.shape(b)) < b, "float32"))
    return ds.prefetch(tf.data.AUTOTUNE)
