"""In-step maths for ``tf.distribute``: what a family's ``train_step`` calls.

Without a ``tf.distribute`` strategy, or with one replica, each helper is
exactly the single-device computation, so nothing changes for ordinary
training. With ``n > 1`` replicas in sync they make a step on ``n`` devices
compute what one device computes on the global batch: the losses are means
over the global batch (also when it splits unevenly), the trackers record
global means, and the training noise is the global batch's noise (see
``docs/distributed.md``). The device and command-line plumbing (strategies,
precision, compile options) is :mod:`zoo.distribute`.

This module imports only TensorFlow, so that :mod:`zoo.models` can use it
without an import cycle.
"""

import tensorflow as tf


def _replica_context():
    """The replica context when more than one replica trains in sync, else ``None``."""
    ctx = tf.distribute.get_replica_context()
    if ctx is None or ctx.num_replicas_in_sync == 1:
        return None
    return ctx


def global_batch_mean(per_example):
    """This replica's share of the global-batch mean of ``per_example``.

    The optimizer sums the replicas' gradients, so each replica returns
    ``sum(local values) / global batch size``: the sum over replicas is then
    the mean over the global batch, and so are the gradients. Dividing a local
    mean by the number of replicas gives the same only when the global batch
    splits evenly; the last batch of an epoch often does not (101 examples on 2
    replicas are 51 + 50).

    Args:
        per_example: A float tensor of shape ``(local_batch,)``.

    Returns:
        A scalar: the plain batch mean without a strategy or with one replica.
    """
    ctx = _replica_context()
    if ctx is None:
        return tf.reduce_mean(per_example)
    count = tf.cast(tf.size(per_example), per_example.dtype)
    # The count is data, not a function of the weights: no gradient through it.
    total = tf.stop_gradient(ctx.all_reduce(tf.distribute.ReduceOp.SUM, count))
    return tf.reduce_sum(per_example) / total


def global_means(values):
    """Means over the global batch of per-example tensors, the same on every replica.

    The trackers are updated with these, so that every replica's
    ``keras.metrics.Mean`` holds the global value: the logs of a step (Keras
    averages the replicas' results) and the aggregated epoch value (Keras sums
    the replicas' ``total`` and ``count``) both equal what one device reports.
    One all-reduce carries all the terms.

    Args:
        values: A dict from name to a tensor of shape ``(local_batch,)``.

    Returns:
        A dict from the same names to float32 scalars.
    """
    ctx = _replica_context()
    if ctx is None:
        return {name: tf.reduce_mean(value) for name, value in values.items()}
    parts = []
    for value in values.values():
        value = tf.cast(value, "float32")
        parts += [tf.reduce_sum(value), tf.cast(tf.size(value), "float32")]
    totals = ctx.all_reduce(tf.distribute.ReduceOp.SUM, tf.stack(parts))
    return {name: totals[2 * i] / totals[2 * i + 1] for i, name in enumerate(values)}


def keras_logs(logs):
    """Step logs in the shape Keras can reduce across workers.

    Keras 3 reduces a step's logs under ``MultiWorkerMirroredStrategy`` with
    ``strategy.reduce("MEAN", value, axis=0)``, which fails on scalars
    ("Invalid reduction dimension 0 for input with 0 dimensions", TensorFlow
    issue 72388). There, each value gets a leading axis of size 1, which that
    reduction removes again; elsewhere the logs are returned as they are.

    Args:
        logs: A dict from name to a scalar tensor (equal on all replicas).

    Returns:
        The logs, each reshaped to ``(1,)`` under multi-worker training.
    """
    ctx = _replica_context()
    if ctx is None or not isinstance(ctx.strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return logs
    return {name: tf.reshape(value, [1]) for name, value in logs.items()}


def replica_rows(draw, local_size):
    """This replica's rows of a random draw made for the whole global batch.

    The model's ``SeedGenerator`` state is a mirrored variable that every
    replica advances in step, so every replica draws the *same* numbers: drawn
    for the local batch, the replicas would share one noise batch. Drawing for
    the global batch and keeping the rows of this replica's examples (Keras
    splits a global batch into consecutive slices, replica 0 first) gives each
    example the noise it gets on one device.

    Args:
        draw: ``draw(n)`` returns ``n`` rows of noise from the model's seed
            generator (one draw, i.e. one seed step).
        local_size: This replica's batch size (a scalar tensor or int).

    Returns:
        ``draw(local_size)`` without a strategy or with one replica; else the
        ``local_size`` rows of a global draw that belong to this replica.
    """
    ctx = _replica_context()
    if ctx is None:
        return draw(local_size)
    local_size = tf.cast(local_size, "int32")
    sizes = ctx.all_gather(tf.reshape(local_size, [1]), axis=0)
    offset = tf.reduce_sum(sizes[: ctx.replica_id_in_sync_group])
    return draw(tf.reduce_sum(sizes))[offset : offset + local_size]
