"""Training a recipe end to end: data, model, callbacks, ``fit``, artefacts.

This is the one path that the command line, the notebooks and the tests
share; it adds files around ``model.fit`` and nothing inside it.
"""

import json
import os
import shutil
import time

import keras

from zoo import callbacks as zoo_callbacks
from zoo import data, recipes


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
    **overrides,
):
    """Trains a recipe on MNIST and writes its artefacts to ``out_dir``.

    Writes ``model.keras``, ``history.json``, ``losses.png``, one image grid
    per epoch (``samples_epoch_001.png`` or ``reconstructions_epoch_001.png``),
    an animated GIF of them, the last grid again as ``samples.png`` (or
    ``reconstructions.png``) and ``run.json`` (what was run, on what data,
    in how long).

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
        seed: Seed of the data order and of the model's noise.
        verbose: Passed to ``fit`` (``"auto"`` shows the progress bar).
        callbacks: Extra Keras callbacks.
        **overrides: Recipe hyperparameter overrides.

    Returns:
        ``(model, history)``.

    Example:
        >>> model, history = train("a000.gan", epochs=1, limit=512)  # doctest: +SKIP
    """
    spec = recipes.get(recipe)
    budget = dict(spec.budget)
    epochs = int(epochs or budget.get("epochs", 5))
    batch_size = int(batch_size or budget.get("batch_size", 128))
    out_dir = check_writable(out_dir or os.path.join("runs", spec.name))

    train_ds = data.load_mnist(
        "train", source=source, path=path, batch_size=batch_size, limit=limit, seed=seed
    )
    val_ds = data.load_mnist(
        "test", source=source, path=path, batch_size=batch_size, limit=val_limit
    )
    test_images, _ = data.load_mnist_arrays("test", source=source, path=path, limit=32)

    model = recipes.build(spec.name, seed=seed, **overrides)
    grid = zoo_callbacks.ImageGrid(out_dir, images=test_images)
    curves = zoo_callbacks.LossCurves(os.path.join(out_dir, "losses.png"))
    start = time.perf_counter()
    history = model.fit(
        train_ds,
        epochs=epochs,
        validation_data=val_ds,
        callbacks=[grid, curves, *callbacks],
        verbose=verbose,
    )
    seconds = time.perf_counter() - start

    model.save(os.path.join(out_dir, "model.keras"))
    logs = {k: [float(v) for v in vs] for k, vs in history.history.items()}
    with open(os.path.join(out_dir, "history.json"), "w") as f:
        json.dump(logs, f, indent=1)
    if grid.frames:
        shutil.copyfile(grid.frames[-1], os.path.join(out_dir, f"{grid.prefix}.png"))
    with open(os.path.join(out_dir, "run.json"), "w") as f:
        json.dump(
            {
                "recipe": spec.name,
                "epochs": epochs,
                "batch_size": batch_size,
                "limit": limit,
                "data": data.describe_source(source, path),
                "seconds": round(seconds, 1),
                "keras": keras.__version__,
                "overrides": overrides,
            },
            f,
            indent=1,
        )
    return model, history
