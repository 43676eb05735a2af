"""Training on more than one device, in mixed precision, with compile options.

The device and command-line plumbing behind ``python -m zoo train
--distribute --mixed-precision ... --jit-compile ... --steps-per-execution N``:
:func:`strategy_scope`, :func:`set_precision`, :func:`compile_options` and
:func:`resolve_compile_options`. The maths a step does under a strategy (global
batch means, per-replica noise) is :mod:`zoo.replicas`.
"""

import contextlib

import keras
import tensorflow as tf

PRECISIONS = {"float32": "float32", "float16": "mixed_float16", "bfloat16": "mixed_bfloat16"}
JIT_CHOICES = ("auto", "true", "false")


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
        A dict of ``keras.Model.compile`` options.

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
