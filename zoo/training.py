"""Training a recipe end to end: data, model, callbacks, ``fit``, artefacts.

This is the one path that the command line, the notebooks and the tests
share; it adds files around ``model.fit`` and nothing inside it.

Runs resume: a run killed at any moment (even ``kill -9``) and started again
with the same arguments goes on from its last checkpoint (see
:class:`zoo.callbacks.Checkpoint`) and ends with the same optimizer steps, data
order and random draws as a run that was never stopped. The data order of an
epoch is a function of ``(seed, epoch)`` only (:func:`epoch_order`), so a
resumed epoch skips exactly the batches it had done.
"""

import importlib.util
import json
import math
import os
import shutil
import time

import keras
import numpy as np
import tensorflow as tf

from zoo import callbacks as zoo_callbacks
from zoo import data, distribute, recipes
from zoo.callbacks import DivergenceError

__all__ = ["DivergenceError", "build_model", "check_writable", "epoch_order", "train"]

CHECKPOINTS, FINAL_MODEL, TENSORBOARD = "checkpoints", "model.keras", "tensorboard"


def check_writable(out_dir):
    """Creates ``out_dir`` and fails early, with the fix, if it cannot be written."""
    try:
        os.makedirs(out_dir, exist_ok=True)
        probe = os.path.join(out_dir, ".zoo-write-test")
        with open(probe, "w") as f:
            f.write("ok")
        os.remove(probe)
    except OSError as e:
        raise PermissionError(
            f"Cannot write to the output directory {out_dir!r} ({e.strerror}); "
            "choose another with --out DIR."
        ) from e
    return out_dir


def build_model(recipe, seed=0, compile_options=None, **overrides):
    """Builds a recipe's model with initial weights that depend on ``seed`` only.

    Keras initialisers draw from the global RNG, so this seeds it first
    (``keras.utils.set_random_seed``, which also seeds Python's ``random``,
    NumPy's and TensorFlow's global generators); the model's training noise is
    seeded with ``seed`` too.

    Example:
        >>> a, b = build_model("a000.gan", seed=3), build_model("a000.gan", seed=3)
        >>> all((x == y).all() for x, y in zip(a.get_weights(), b.get_weights()))
        True
    """
    keras.utils.set_random_seed(seed)
    return recipes.build(recipe, compile_options=compile_options, seed=seed, **overrides)


def epoch_order(n, seed, epoch):
    """The order of ``n`` training examples in ``epoch``: a function of (seed, epoch) only."""
    return np.random.default_rng([seed, epoch]).permutation(n)


def _batches(images, batch_size, seed, epochs, skip=0):
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


def _positive(name, value):
    if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}.")
    return int(value)


def _whole_executions(model, steps):
    """Lowers ``model.steps_per_execution`` to the largest divisor of ``steps`` not above it.

    Recompiling keeps the optimizers (and any state restored into them).

    Keras runs ``steps_per_execution`` steps per call whatever ``steps_per_epoch``
    says. :func:`train` feeds all epochs back to back, so a call that ran past
    the end of an epoch would train on the next epoch's first batches inside
    this one, and the callbacks would count its steps wrong. 469 steps (full
    MNIST, batch 128) and 16 give 7.
    """
    spe = model.steps_per_execution
    whole = max(d for d in range(1, spe + 1) if steps % d == 0)
    if whole != spe:
        distribute.apply_compile_options(model, steps_per_execution=whole)
    return whole


#: Training images of full MNIST: an epoch of the offline sample is made this long.
FULL_TRAIN_IMAGES = 60_000


def _sample_repeats(images, source_text, limit):
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


def _clear(out_dir):
    """Removes what a run of zoo leaves in ``out_dir`` that would be taken up again."""
    for name in (CHECKPOINTS, TENSORBOARD):
        shutil.rmtree(os.path.join(out_dir, name), ignore_errors=True)
    if os.path.exists(os.path.join(out_dir, FINAL_MODEL)):
        os.remove(os.path.join(out_dir, FINAL_MODEL))


def train(
    recipe,
    *,
    epochs=None,
    batch_size=None,
    out_dir=None,
    source="auto",
    path=None,
    limit=None,
    val_limit=2000,
    seed=0,
    verbose="auto",
    callbacks=(),
    checkpoint_every=100,
    fresh=False,
    tensorboard=False,
    deterministic=False,
    compile_options=None,
    **overrides,
):
    """Trains a recipe on MNIST and writes its artefacts to ``out_dir``; resumes a killed run.

    Writes ``model.keras``, ``history.json``, ``losses.png``, one image grid
    per epoch (``samples_epoch_001.png`` or ``reconstructions_epoch_001.png``),
    an animated GIF of them, the last grid again as ``samples.png`` (or
    ``reconstructions.png``) and ``run.json`` (what was run, on what data,
    in how long). While training, ``checkpoints/`` holds the last two
    checkpoints; it is removed once ``model.keras`` is written.

    If ``out_dir/checkpoints`` holds a checkpoint of the same run (recipe,
    batch size, limit, seed, overrides), training goes on from it. A directory
    that already holds a finished run (``model.keras``) is refused unless
    ``fresh`` is given.

    Args:
        recipe: A recipe name (see ``python -m zoo list``).
        epochs: Epochs; defaults to the recipe's budget.
        batch_size: Batch size; defaults to the recipe's.
        out_dir: Output directory; defaults to ``runs/<recipe>``.
        source: MNIST source for :func:`zoo.data.load_mnist` (``"auto"``,
            ``"npz"``, ``"tfds"``, ``"sample"``).
        path: A Keras-layout ``mnist.npz`` (else ``$ZOO_MNIST_PATH``).
        limit: Use only the first ``limit`` training images.
        val_limit: Test images used for validation each epoch (``None``: all).
        seed: Seed of the initial weights, the data order and the model's noise.
        verbose: Passed to ``fit`` (``"auto"`` shows the progress bar).
        callbacks: Extra Keras callbacks.
        checkpoint_every: Save a checkpoint every this many steps (and after
            every epoch); ``0``: after every epoch only. A save takes about
            0.1 s (a000.gan, 5 MB) to 0.3 s (a001.dcgan, 30 MB) on a busy CPU.
        fresh: Ignore and delete earlier checkpoints, ``model.keras`` and
            TensorBoard logs in ``out_dir``, and train from scratch.
        tensorboard: Write TensorBoard logs to ``out_dir/tensorboard``.
        deterministic: Call ``tf.config.experimental.enable_op_determinism()``
            (process-wide, and cannot be undone) so that runs repeat exactly.
            Keras runs without XLA then.
        compile_options: ``jit_compile`` / ``steps_per_execution`` overriding
            the recipe's (:func:`zoo.distribute.compile_options` parses the
            command line's strings). To train on several devices or in mixed
            precision, call this inside :func:`zoo.distribute.strategy_scope`
            and after :func:`zoo.distribute.set_precision`.
        **overrides: Recipe hyperparameter overrides.

    Returns:
        ``(model, history)``; ``history.history`` covers all epochs, those
        before a resume included.

    Raises:
        FileExistsError: ``out_dir`` holds a finished run and ``fresh`` is false.
        PermissionError: ``out_dir`` cannot be written.
        ModuleNotFoundError: ``tensorboard`` is asked for but not installed.
        ValueError: bad arguments, an empty training set, or a checkpoint of a
            different run.
        DivergenceError: a loss became NaN or Inf (the message names the step
            and the term; the last good checkpoint is kept).

    Example:
        >>> model, history = train("a000.gan", epochs=1, limit=512)  # doctest: +SKIP
    """
    spec = recipes.get(recipe)
    budget = dict(spec.budget)
    epochs = _positive("epochs", budget.get("epochs", 5) if epochs is None else epochs)
    batch_size = _positive(
        "batch_size", budget.get("batch_size", 128) if batch_size is None else batch_size
    )
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}.")
    if not isinstance(checkpoint_every, int) or checkpoint_every < 0:
        raise ValueError(
            "--checkpoint-every (checkpoint_every) must be a whole number of steps >= 0 "
            f"(0: after each epoch only); got {checkpoint_every!r}."
        )
    if tensorboard and importlib.util.find_spec("tensorboard") is None:
        # Keras' TensorBoard callback would only fail at the end of the first epoch.
        raise ModuleNotFoundError(
            "--tensorboard (tensorboard=True) needs the tensorboard package: "
            "pip install 'tensorboard>=2.16'."
        )
    out_dir = check_writable(out_dir or os.path.join("runs", spec.name))
    final = os.path.join(out_dir, FINAL_MODEL)
    if fresh:
        _clear(out_dir)
    elif os.path.exists(final):
        raise FileExistsError(
            f"{out_dir!r} already holds a finished run ({final} exists). Pass --fresh "
            "(fresh=True) to train it again from scratch, replacing it, or choose another --out."
        )
    if deterministic:
        tf.config.experimental.enable_op_determinism()

    images, _ = data.load_mnist_arrays("train", source=source, path=path, limit=limit)
    source_text = data.describe_source(source, path)  # may probe TFDS: once per run
    if len(images) == 0:
        raise ValueError(
            f"The training set is empty (0 images from {source_text}); "
            "check the MNIST file and --limit."
        )
    val_ds = data.load_mnist(
        "test", source=source, path=path, batch_size=batch_size, limit=val_limit
    )
    test_images, _ = data.load_mnist_arrays("test", source=source, path=path, limit=32)
    repeats = _sample_repeats(images, source_text, limit)
    if repeats > 1:
        sample_size = len(images)
        images = np.concatenate([images] * repeats)[:FULL_TRAIN_IMAGES]
        print(
            f"zoo: the {sample_size:,}-digit sample is repeated {repeats} times per "
            f"epoch, so that an epoch has full MNIST's {len(images):,} images and the recipe's "
            "budget the same number of steps."
        )
    steps = math.ceil(len(images) / batch_size)

    model = build_model(spec.name, seed=seed, compile_options=compile_options, **overrides)
    run = {
        "recipe": spec.name,
        "batch_size": batch_size,
        "limit": limit,
        "seed": seed,
        "train_images": len(images),
        "overrides": overrides,
    }
    checkpoint = zoo_callbacks.Checkpoint(
        os.path.join(out_dir, CHECKPOINTS), every=checkpoint_every, run=run
    )
    resumed = checkpoint.restore(model)
    # Whole executions in the epochs and in what is left of a resumed one.
    _whole_executions(model, math.gcd(steps, checkpoint.batch))
    if resumed:
        print(
            f"Resuming {spec.name} from {checkpoint.directory} at step {checkpoint.step} "
            f"(epoch {checkpoint.epoch + 1}, batch {checkpoint.batch} of {steps})."
        )
    grid = zoo_callbacks.ImageGrid(out_dir, images=test_images)
    curves = zoo_callbacks.LossCurves(
        os.path.join(out_dir, "losses.png"), history=checkpoint.history
    )
    extra = [keras.callbacks.TensorBoard(os.path.join(out_dir, TENSORBOARD))] if tensorboard else []
    # The checkpoint (and its NaN guard) goes first: a diverged step raises before
    # any other callback draws or logs it.
    all_callbacks = [checkpoint, grid, curves, *extra, *callbacks]

    # A run resumed mid-epoch first finishes that epoch (its remaining batches),
    # then runs the whole epochs in one fit with a fixed steps_per_epoch.
    start, skip = checkpoint.epoch, checkpoint.batch
    segments = []  # (first epoch, end epoch, batches to skip, steps_per_epoch)
    if skip and start < epochs:
        segments.append((start, start + 1, skip, None))
        start += 1
    if start < epochs:
        segments.append((start, epochs, 0, steps))
    started = time.perf_counter()
    history = keras.callbacks.History()
    for first, end, skipped, steps_per_epoch in segments:
        history = model.fit(
            _batches(images, batch_size, seed, range(first, end), skipped),
            initial_epoch=first,
            epochs=end,
            steps_per_epoch=steps_per_epoch,
            shuffle=False,  # the order is epoch_order's
            validation_data=val_ds,
            callbacks=all_callbacks,
            verbose=verbose,
        )
    seconds = time.perf_counter() - started
    history.history = {k: list(v) for k, v in checkpoint.history.items()}
    history.epoch = list(range(len(next(iter(history.history.values()), []))))

    with open(os.path.join(out_dir, "history.json"), "w") as f:
        json.dump(history.history, f, indent=1)
    if grid.frames:
        shutil.copyfile(grid.frames[-1], os.path.join(out_dir, f"{grid.prefix}.png"))
    with open(os.path.join(out_dir, "run.json"), "w") as f:
        json.dump(
            {
                "recipe": spec.name,
                "epochs": epochs,
                "batch_size": batch_size,
                "limit": limit,
                "seed": seed,
                "steps": checkpoint.step,
                "sample_repeats": repeats,
                "resumed_from_step": resumed["step"] if resumed else None,
                "data": source_text,
                "seconds": round(seconds, 1),
                "keras": keras.__version__,
                "overrides": overrides,
                "jit_compile": bool(model.jit_compile),
                "steps_per_execution": model.steps_per_execution,
                "dtype_policy": model.dtype_policy.name,
                "replicas": model.distribute_strategy.num_replicas_in_sync,
            },
            f,
            indent=1,
        )
    # model.keras marks a finished run, so it is written last and atomically;
    # the checkpoints are only dropped once it is in place.
    staging = os.path.join(out_dir, ".partial-model.keras")
    model.save(staging)
    os.replace(staging, final)
    shutil.rmtree(checkpoint.directory, ignore_errors=True)
    return model, history
