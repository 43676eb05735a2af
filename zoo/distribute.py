"""Training on more than one device, in mixed precision, with compile options.

Two kinds of helpers live here:

* In-step helpers that the model families call inside ``train_step``
  (:func:`global_batch_mean`, :func:`global_means`, :func:`replica_rows`).
  Without a ``tf.distribute`` strategy, or with one replica, each is exactly
  the single-device computation, so nothing changes for ordinary training.
  With ``n > 1`` replicas in sync they make a step on ``n`` devices compute
  what one device computes on the global batch: the losses are means over the
  global batch (also when it splits unevenly), the trackers record global
  means, and the training noise is the global batch's noise (see
  ``docs/distributed.md``).
* Command-line helpers (:func:`strategy_scope`, :func:`set_precision`,
  :func:`compile_options`, :func:`apply_compile_options`) behind
  ``python -m zoo train --distribute --mixed-precision ... --jit-compile ...
  --steps-per-execution N``.

This module imports only TensorFlow and Keras at import time, so that
:mod:`zoo.models` can use it without an import cycle.
"""

import contextlib

import keras
import tensorflow as tf

PRECISIONS = {"float32": "float32", "float16": "mixed_float16", "bfloat16": "mixed_bfloat16"}
JIT_CHOICES = ("auto", "true", "false")


# -- in-step helpers ----------------------------------------------------------
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
    mean by the number of replicas (``zoo.losses.replica_mean``) gives the same
    only when the global batch splits evenly; the last batch of an epoch often
    does not (101 examples on 2 replicas are 51 + 50).

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


# -- command-line helpers -----------------------------------------------------
def make_strategy(name):
    """The ``tf.distribute`` strategy called ``name``.

    Args:
        name: ``None`` or ``"default"`` (one device), ``"mirrored"`` (all
            visible GPUs of this machine, or its CPU) or ``"multiworker"``
            (``MultiWorkerMirroredStrategy``, configured by ``TF_CONFIG``).

    Returns:
        A ``tf.distribute.Strategy``.

    Raises:
        ValueError: for an unknown name.
    """
    if name in (None, "default"):
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise ValueError(f"Unknown strategy {name!r}; choose 'default', 'mirrored' or 'multiworker'.")


@contextlib.contextmanager
def strategy_scope(name):
    """Builds models under strategy ``name``; a no-op for ``None``/``"default"``.

    Everything that creates variables (``recipes.build``, checkpoint restore)
    and ``fit`` must run inside it.

    Yields:
        The strategy.
    """
    strategy = make_strategy(name)
    with strategy.scope():
        yield strategy


def set_precision(name):
    """Sets Keras' global dtype policy; call it before building a model.

    Args:
        name: ``None``/``"float32"``, ``"float16"`` (``mixed_float16``, with
            dynamic loss scaling) or ``"bfloat16"`` (``mixed_bfloat16``).

    Returns:
        The policy name that was set.

    Raises:
        ValueError: for an unknown name.
    """
    if name is None:
        name = "float32"
    if name not in PRECISIONS:
        raise ValueError(f"Unknown precision {name!r}; choose one of {sorted(PRECISIONS)}.")
    keras.mixed_precision.set_global_policy(PRECISIONS[name])
    return PRECISIONS[name]


def compile_options(jit_compile=None, steps_per_execution=None):
    """``keras.Model.compile`` options from command-line strings.

    Args:
        jit_compile: ``None`` (keep the recipe's), ``"auto"``, ``"true"`` or
            ``"false"`` (booleans accepted too).
        steps_per_execution: ``None`` or a positive integer.

    Returns:
        A dict holding only the options that were given.

    Raises:
        ValueError: for a bad value.
    """
    options = {}
    if jit_compile is not None:
        value = str(jit_compile).lower()
        if value not in JIT_CHOICES:
            raise ValueError(f"jit_compile must be one of {JIT_CHOICES}; got {jit_compile!r}.")
        options["jit_compile"] = {"auto": "auto", "true": True, "false": False}[value]
    if steps_per_execution is not None:
        if isinstance(steps_per_execution, bool) or int(steps_per_execution) < 1:
            raise ValueError(
                f"steps_per_execution must be a positive integer; got {steps_per_execution!r}."
            )
        options["steps_per_execution"] = int(steps_per_execution)
    return options


def _refuse(option, why):
    raise ValueError(f"{option} cannot be used with more than one replica: {why}.")


def resolve_compile_options(defaults=None, requested=None):
    """The compile options to apply: a recipe's defaults, overridden by ``requested``.

    The recipes' defaults (``Recipe.compile_options``) are speed settings
    measured on one device. Under a ``tf.distribute`` strategy with more than
    one replica in sync (the one in scope), two of them do not run, so a
    default is dropped there and the same option asked for explicitly is
    refused with the reason:

    * ``steps_per_execution > 1``: Keras 3's multi-step loop fails under
      ``MirroredStrategy`` ("You must feed a value for placeholder tensor
      'while/cond/...'", keras-team/keras#19246), for any model.
    * ``jit_compile=True`` without a GPU: XLA cannot compile a step that reads
      mirrored variables on several CPU devices
      (https://www.tensorflow.org/xla/known_issues). Keras' own
      ``"auto"`` turns XLA off under a strategy as well.

    ``jit_compile=True`` defaults are also dropped when op determinism is on,
    where Keras would only warn and turn XLA off.

    Args:
        defaults: A recipe's ``compile_options`` (a mapping; may be empty).
        requested: Options asked for, e.g. from :func:`compile_options`.

    Returns:
        A dict of ``keras.Model.compile`` options for :func:`apply_compile_options`.

    Raises:
        ValueError: for an explicit option that cannot run under the strategy in scope.
    """
    requested = dict(requested or {})
    options = {**(defaults or {}), **requested}
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    if replicas > 1 and options.get("steps_per_execution", 1) > 1:
        if "steps_per_execution" in requested:
            _refuse(
                f"--steps-per-execution {options['steps_per_execution']}",
                "Keras' multi-step loop fails under MirroredStrategy (keras-team/keras#19246); "
                "leave it at 1 with --distribute",
            )
        options.pop("steps_per_execution")
    if replicas > 1 and options.get("jit_compile") is True:
        if "jit_compile" in requested and not tf.config.list_logical_devices("GPU"):
            _refuse(
                "--jit-compile true",
                "XLA cannot compile mirrored variables placed on several CPU devices; "
                "use --jit-compile auto (or false) with --distribute on a CPU",
            )
        if "jit_compile" not in requested:
            options.pop("jit_compile")
    if options.get("jit_compile") is True and "jit_compile" not in requested:
        # Not public in tf.config; Keras reads the same flag (model_supports_jit).
        from tensorflow.python.framework.config import is_op_determinism_enabled

        if is_op_determinism_enabled():
            options.pop("jit_compile")
    return options


def apply_compile_options(model, **options):
    """Compiles ``model`` again with its own optimizers and compile options, updated by ``options``.

    ``recipes.build(name, **overrides)`` takes hyperparameters only; compile
    options are not hyperparameters, so they are applied afterwards. The
    optimizers are the same instances (not yet built), so this changes how
    steps are run and nothing that is learned.

    Args:
        model: A compiled zoo model that has not trained yet.
        **options: ``keras.Model.compile`` options, e.g. from
            :func:`compile_options`.

    Returns:
        ``model``.
    """
    if not options:
        return model
    zoo_config = getattr(model, "_zoo_compile_config", None)
    if zoo_config is not None:  # GAN, LatentGAN: their optimizers and options, as given
        model.compile(**{**zoo_config, **options})
    else:  # Autoencoder, VAE: Keras' compile (it keeps a LossScaleOptimizer as it is)
        config = model.get_compile_config() or {}
        kept = {k: config[k] for k in ("jit_compile", "steps_per_execution") if k in config}
        model.compile(optimizer=model.optimizer, **{**kept, **options})
    return model
