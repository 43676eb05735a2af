"""Training a recipe end to end: a plan, a build, a fit with callbacks, the artefacts.

This is the one path that the command line, the notebooks and the tests
share; it adds files around ``model.fit`` and nothing inside it. :func:`train`
runs its four parts in order: :func:`plan` (arguments, output directory,
data, budget), :func:`build` (the model, compiled once, and a checkpoint to
resume), :func:`fit` (``model.fit`` with zoo's callbacks) and
:func:`zoo.training.rundir.finish` (the files of a finished run).

Runs resume: a run killed at any moment (even ``kill -9``) and started again
with the same arguments goes on from its last checkpoint (see
:class:`zoo.callbacks.Checkpoint`) and ends with the same optimizer steps, data
order and random draws as a run that was never stopped. The data order of an
epoch is a function of ``(seed, epoch)`` only (:func:`zoo.training.batching.epoch_order`), so a
resumed epoch skips exactly the batches it had done.
"""

import dataclasses
import hashlib
import math
import os
import time

import keras
import numpy as np
import tensorflow as tf

from zoo import callbacks as zoo_callbacks  # read at call time: zoo.callbacks imports this package
from zoo import recipes
from zoo.training import args as runargs
from zoo.training import batching, inputs, rundir
from zoo.training import lock as runlock
from zoo.training.divergence import DivergenceError
from zoo.training.rundir import CHECKPOINTS, TENSORBOARD

__all__ = ["DivergenceError", "Plan", "Settings", "build", "build_model", "fit", "plan", "train"]


def build_model(recipe, seed=0, compile_options=None, fit_steps=None, **overrides):
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
    return recipes.build(
        recipe, compile_options=compile_options, fit_steps=fit_steps, seed=seed, **overrides
    )


# -- 0. the settings -------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Settings:
    """How a run trains, beside what the recipe builds: one object, built once.

    The command line builds it from its flags; :func:`train` takes it, or its
    fields as keywords, and hands it to :func:`plan` whole.

    Args:
        epochs: Epochs; ``None``: the recipe's budget.
        batch_size: Batch size; ``None``: the recipe's.
        out_dir: Output directory; ``None``: ``runs/<recipe>``.
        data: The data set: a name of :data:`zoo.data.DATASETS` (``"mnist"``,
            ``"fashion_mnist"``) or the path of a folder of PNG/JPEG images or of an
            .npz (:func:`zoo.data.load`). The model is built for its images' shape, a size
            the recipe's networks draw (:attr:`zoo.recipes.Recipe.image_sizes`).
        image_size: Fit the data's images to this height and width (an int), as
            :func:`zoo.data.load` does; ``None``: the data's own size.
        source: Source of a named set (``"auto"``, ``"npz"``, ``"tfds"``,
            ``"sample"``: :func:`zoo.data.describe_source`).
        path: A Keras-layout ``mnist.npz`` (else ``$ZOO_MNIST_PATH``); MNIST only.
        limit: Use only the first ``limit`` training images.
        val_limit: Test images used for validation each epoch (``None``: all).
        seed: Seed of the initial weights, the data order and the model's noise.
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
            precision, call :func:`train` inside :func:`zoo.distribute.strategy_scope`
            and after :func:`zoo.distribute.set_precision`.
        allow_changes: Keys that may differ from the checkpoint resumed:
            ``"epochs"`` (to extend a run) and the recipe's optimizer settings
            (``learning_rate``, ``ae_learning_rate``, ``d_optimizer.beta_1`` ...),
            e.g. to go on from the last good checkpoint of a diverged run.
        verbose: Passed to ``fit`` (``"auto"`` shows the progress bar).
        callbacks: Extra Keras callbacks.
        from_preset: Start from a preset's weights instead of random ones (to
            fine-tune): a preset name, directory or URL (:func:`zoo.pretrained`'s),
            of the recipe and the shapes that the overrides give.
    """

    epochs: int | None = None
    batch_size: int | None = None
    out_dir: str | None = None
    data: str = "mnist"
    image_size: int | None = None
    source: str = "auto"
    path: str | None = None
    limit: int | None = None
    val_limit: int | None = 2000
    seed: int = 0
    checkpoint_every: int = 100
    fresh: bool = False
    tensorboard: bool = False
    deterministic: bool = False
    compile_options: dict | None = None
    allow_changes: tuple = ()
    verbose: str | int = "auto"
    callbacks: tuple = ()
    from_preset: str | None = None

    @classmethod
    def split(cls, settings=None, **kwargs):
        """``(settings with the keywords that are its fields, the other keywords)``."""
        names = {f.name for f in dataclasses.fields(cls)}
        mine = {k: v for k, v in kwargs.items() if k in names}
        if "data" in mine:  # a pathlib.Path too; run.json and messages hold the text
            mine["data"] = os.fspath(mine["data"])
        if "allow_changes" in mine:
            mine["allow_changes"] = tuple(mine["allow_changes"])
        if "callbacks" in mine:
            mine["callbacks"] = tuple(mine["callbacks"])
        settings = dataclasses.replace(settings or cls(), **mine)
        return settings, {k: v for k, v in kwargs.items() if k not in names}


# -- 1. the plan ---------------------------------------------------------------------------
@dataclasses.dataclass
class Plan:
    """What a run trains, on what data, for how long, and where its files go.

    Made by :func:`plan`; ``epochs`` and ``batch_size`` are the settings' with the
    recipe's budget filled in, ``images`` the training images (the offline sample
    already repeated to a full-MNIST epoch), ``steps`` the steps of one epoch;
    ``val_data`` is None for data with no test split.
    """

    recipe: recipes.Recipe
    settings: Settings
    overrides: dict
    epochs: int
    batch_size: int
    out_dir: str
    images: np.ndarray
    val_data: tf.data.Dataset | None
    grid_images: np.ndarray
    source_text: str
    repeats: int
    preset: object = None  # the preset directory of ``from_preset``

    def __getattr__(self, name):
        # The run's other settings (seed, limit, val_limit ...) are the Settings' own.
        if name != "settings" and name in Settings.__dataclass_fields__:
            return getattr(self.settings, name)
        raise AttributeError(name)

    @property
    def steps(self):
        return math.ceil(len(self.images) / self.batch_size)

    @property
    def run(self):
        """What identifies the run: a checkpoint of another run is not resumed."""
        return {
            "recipe": self.recipe.name,
            # Named, so that a resume on other data says which data sets differ.
            "dataset": os.fspath(self.data),
            **({"image_size": self.image_size} if self.image_size is not None else {}),
            "batch_size": self.batch_size,
            "limit": self.limit,
            "seed": self.seed,
            "train_images": len(self.images),
            "data": hashlib.sha256(np.ascontiguousarray(self.images)).hexdigest()[:16],
            "val_limit": self.val_limit,
            "epochs": self.epochs,
            "overrides": self.overrides,
            # A fine-tuned run starts elsewhere: a checkpoint of another start is not resumed.
            **({"from_preset": self.from_preset} if self.from_preset else {}),
        }


def plan(recipe, settings, overrides=None, data_info=False):
    """Checks a run's settings, prepares its directory and loads its data.

    Args:
        recipe: A recipe name.
        settings: The run's :class:`Settings`.
        overrides: The recipe's settings to change (:func:`zoo.recipes.build`'s).
        data_info: What :func:`zoo.training.inputs.check` gave, if it has run already.

    Returns:
        A :class:`Plan`. Raises what :func:`train` raises for bad settings.
    """
    spec = recipes.get(recipe)
    overrides = dict(overrides or {})
    s = settings
    epochs, batch_size = runargs.check(
        spec, s.epochs, s.batch_size, s.seed, s.checkpoint_every, s.val_limit, s.tensorboard,
        overrides,
    )  # fmt: skip
    runargs.check_changes(spec, s.allow_changes)
    from zoo import presets  # here: zoo.presets reads zoo.training's run directories

    # A recipe's name picks the preset of the data trained on (MNIST's for your own images).
    preset = presets.resolve(s.from_preset, presets.dataset_of(s.data)) if s.from_preset else None
    if data_info is False:  # before any file: data the recipe cannot take is one line
        data_info = inputs.check(spec, s)
    # The model draws the data's images; an explicit image_shape override must agree.
    shape = inputs.image_shape(data_info)
    data_shape = shape.get("image_shape", inputs.MNIST_SHAPE)
    if "image_shape" in overrides and tuple(overrides["image_shape"]) != data_shape:
        raise ValueError(
            f"image_shape={tuple(overrides['image_shape'])} disagrees with the data's images "
            f"({data_shape}); leave it out: a run takes the data's shape (fit the data with "
            "image_size= / --image-size)."
        )
    overrides.update(shape)
    out_dir = rundir.prepare(s.out_dir or os.path.join("runs", spec.name), fresh=s.fresh)

    loaded = inputs.load(s, batch_size, data_info)
    return Plan(
        recipe=spec,
        settings=settings,
        overrides=overrides,
        epochs=epochs,
        batch_size=batch_size,
        out_dir=out_dir,
        images=loaded.images,
        val_data=loaded.val_data,
        grid_images=loaded.grid_images,
        source_text=loaded.source_text,
        repeats=loaded.repeats,
        preset=preset,
    )


# -- 2. the build --------------------------------------------------------------------------
def build(run_plan):
    """The plan's model, compiled once, and its checkpoint, restored when there is one.

    Every execution (``steps_per_execution`` steps) must fit whole into an epoch
    and into what is left of a resumed one, so the checkpoints' batch counts are
    read before the model is built (:func:`zoo.recipes.build`'s ``fit_steps``).

    Returns:
        ``(model, checkpoint, resumed)``: ``resumed`` is the restored state or ``None``.
    """
    checkpoint = zoo_callbacks.Checkpoint(
        os.path.join(run_plan.out_dir, CHECKPOINTS),
        every=run_plan.checkpoint_every,
        run=run_plan.run,
        allow_changes=run_plan.allow_changes,
        optimizer_keys=recipes.optimizer_keys(run_plan.recipe),
    )
    model = build_model(
        run_plan.recipe.name,
        seed=run_plan.seed,
        compile_options=run_plan.compile_options,
        fit_steps=math.gcd(run_plan.steps, *checkpoint.resume_batches()),
        **run_plan.overrides,
    )
    resumed = checkpoint.restore(model)
    if run_plan.preset is not None and not resumed:
        from zoo import presets

        presets.load_into(model, run_plan.preset)
        print(f"Starting {run_plan.recipe.name} from the preset {run_plan.preset}.")
    if resumed:
        print(
            f"Resuming {run_plan.recipe.name} from {checkpoint.directory} at step "
            f"{checkpoint.step} (epoch {checkpoint.epoch + 1}, batch {checkpoint.batch} "
            f"of {run_plan.steps})."
        )
    return model, checkpoint, resumed


# -- 3. the fit ----------------------------------------------------------------------------
def fit(run_plan, model, checkpoint):
    """Trains ``model`` to the plan's last epoch, from where ``checkpoint`` left off.

    A run resumed mid-epoch first finishes that epoch (its remaining batches),
    then runs the whole epochs in one ``fit`` with a fixed ``steps_per_epoch``.

    Returns:
        ``(history, grid, seconds)``: the ``keras.callbacks.History`` of every
        epoch (those before a resume included), the :class:`zoo.callbacks.ImageGrid`
        and the training time.
    """
    out_dir = run_plan.out_dir
    # rundir.finish draws the GIF from every epoch's grid on disk.
    grid = zoo_callbacks.ImageGrid(out_dir, images=run_plan.grid_images, gif=False)
    curves = zoo_callbacks.LossCurves(
        os.path.join(out_dir, rundir.LOSSES), history=checkpoint.history
    )
    board = [keras.callbacks.TensorBoard(os.path.join(out_dir, TENSORBOARD))]
    extra = [*(board if run_plan.tensorboard else []), *run_plan.callbacks]
    # The checkpoint (and its NaN guard) goes first: a diverged step raises before
    # any other callback draws or logs it; its epoch-end save goes last.
    all_callbacks = [checkpoint, grid, curves, *extra, checkpoint.save_epochs_last()]

    start, skip = checkpoint.epoch, checkpoint.batch
    segments = []  # (first epoch, end epoch, batches to skip, steps_per_epoch)
    if skip and start < run_plan.epochs:
        segments.append((start, start + 1, skip, None))
        start += 1
    if start < run_plan.epochs:
        segments.append((start, run_plan.epochs, 0, run_plan.steps))
    started = time.perf_counter()
    history = keras.callbacks.History()
    for first, end, skipped, steps_per_epoch in segments:
        batches = batching.batches(
            run_plan.images, run_plan.batch_size, run_plan.seed, range(first, end), skipped
        )
        history = model.fit(
            batches,
            initial_epoch=first,
            epochs=end,
            steps_per_epoch=steps_per_epoch,
            shuffle=False,  # the order is epoch_order's
            validation_data=run_plan.val_data,
            callbacks=all_callbacks,
            verbose=run_plan.verbose,
        )
    seconds = time.perf_counter() - started
    history.history = {k: list(v) for k, v in checkpoint.history.items()}
    history.epoch = list(range(len(next(iter(history.history.values()), []))))
    return history, grid, seconds


# -- 4. the artefacts, and the whole run -----------------------------------------------------
def train(recipe, settings=None, **kwargs):
    """Trains a recipe (on MNIST, or ``data``) and writes its artefacts; resumes a killed run.

    Writes ``model.keras``, ``history.json``, ``losses.png``, one image grid
    per epoch (``samples_epoch_001.png`` or ``reconstructions_epoch_001.png``),
    an animated GIF of them, the last grid again as ``samples.png`` (or
    ``reconstructions.png``) and ``run.json`` (what was run, on what data,
    in how long). While training, ``checkpoints/`` holds the last two
    checkpoints; it is removed once ``model.keras`` is written.

    If ``out_dir/checkpoints`` holds a checkpoint of the same run (recipe, data
    set, batch size, limit, seed, overrides), training goes on from it. A directory
    that already holds a finished run (``model.keras``) is refused unless
    ``fresh`` is given.

    Args:
        recipe: A recipe name (see ``python -m zoo list``).
        settings: The run's :class:`Settings` (epochs, data, output directory,
            checkpoints ...); keywords named like its fields change it.
        **kwargs: :class:`Settings` fields, and the recipe's settings to change
            (:func:`zoo.recipes.build`'s overrides: ``beta=4.0``,
            ``**{"d_optimizer.learning_rate": 1e-4}``).

    Returns:
        ``(model, history)``; ``history.history`` covers all epochs, those
        before a resume included.

    Raises:
        FileExistsError: ``out_dir`` holds a finished run and ``fresh`` is false.
        PermissionError: ``out_dir`` cannot be written.
        ModuleNotFoundError: ``tensorboard`` is asked for but not installed.
        ValueError: bad arguments, an unknown data set or images of another shape
            than the recipe's (before anything is written), an empty training set,
            or a checkpoint of a different run.
        FileNotFoundError: no such data folder or file, or a named set nowhere.
        DivergenceError: a loss became NaN or Inf (the message names the step
            and the term; the last good checkpoint is kept).

    Example:
        >>> model, history = train("a000.gan", epochs=1, limit=512)  # doctest: +SKIP
    """
    settings, overrides = Settings.split(settings, **kwargs)
    data_info = inputs.check(recipes.get(recipe), settings)  # before out_dir is made
    out_dir = settings.out_dir or os.path.join("runs", recipes.get(recipe).name)
    settings = dataclasses.replace(settings, out_dir=rundir.check_writable(out_dir))
    with runlock.hold(settings.out_dir):  # before anything in out_dir is read, cleared or written
        run_plan = plan(recipe, settings, overrides, data_info)
        out_dir = run_plan.out_dir
        if rundir.is_finished(out_dir):  # killed after model.keras, before its clean-up
            return rundir.complete(out_dir, rundir.record(run_plan))
        if settings.deterministic:  # before the build, which drops XLA under op determinism
            tf.config.experimental.enable_op_determinism()
        model, checkpoint, resumed = build(run_plan)
        try:
            history, grid, seconds = fit(run_plan, model, checkpoint)
        except KeyboardInterrupt as e:  # the command line says where, and how to resume
            e.zoo_stopped = (checkpoint.step, checkpoint.epoch, checkpoint.saved_step)
            raise
        record = rundir.record(run_plan, model, checkpoint, resumed, seconds)
        # No fit ran when the run was killed after its last epoch: grid.prefix is unset.
        grid_name = grid.prefix or zoo_callbacks.ImageGrid.default_prefix(model)
        rundir.finish(out_dir, model, history.history, record, grid_name=grid_name)
    return model, history
