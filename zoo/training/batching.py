"""The data of a run's epochs: their order, their batches, and the offline sample's length.

The data order of an epoch is a function of ``(seed, epoch)`` only
(:func:`epoch_order`), so a resumed epoch skips exactly the batches it had done.
"""

import math

import numpy as np
import tensorflow as tf

__all__ = ["FULL_TRAIN_IMAGES", "batches", "epoch_order", "sample_repeats"]


def epoch_order(n, seed, epoch):
    """The order of ``n`` training examples in ``epoch``: a function of (seed, epoch) only."""
    return np.random.default_rng([seed, epoch]).permutation(n)


def batches(images, batch_size, seed, epochs, skip=0):
    """A dataset of the uint8 batches of ``epochs`` (a range), less ``skip`` at the start."""
    n = len(images)
    orders, lengths = [], []
    for i, epoch in enumerate(epochs):
        start = skip * batch_size if i == 0 else 0
        orders.append(epoch_order(n, seed, epoch)[start:])
        lengths += [min(batch_size, n - s) for s in range(start, n, batch_size)]
    rows = tf.RaggedTensor.from_row_lengths(np.concatenate(orders).astype("int32"), lengths)
    pixels = tf.constant(images)

    def gather(indices):
        return tf.gather(pixels, indices)

    ds = tf.data.Dataset.from_tensor_slices(rows).map(gather, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)


#: Training images of full MNIST: an epoch of the offline sample is made this long.
FULL_TRAIN_IMAGES = 60_000


def sample_repeats(images, source_text, limit):
    """How many times the offline sample must repeat to fill a full-MNIST epoch (1: no repeat).

    A recipe's budget is in epochs of full MNIST (e.g. 30 epochs of 469 steps for
    a000.gan). On the offline sample's 4,000 training digits the same epochs would
    be 15x fewer optimizer steps, too few for a GAN to draw digits; repeating the
    sample within each epoch keeps the recipe's number of steps, so a first run
    offline trains as long as one on full MNIST. An explicit ``limit`` asks for
    a small run and is not repeated.

    Args:
        images: The training images.
        source_text: :func:`zoo.data.describe_source` of their source.
        limit: The run's ``limit``.
    """
    if limit is not None or not source_text.startswith("sample"):
        return 1
    return max(1, math.ceil(FULL_TRAIN_IMAGES / max(len(images), 1)))
