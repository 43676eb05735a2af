"""The command line: ``python -m zoo {list,train,eval,export,preset,sample}`` (or ``zoo ...``).

Each command is a thin wrapper over the library (``zoo.recipes``,
``zoo.training``, ``zoo.evaluation``, ``zoo.export``), so the CLI, notebooks
and tests share one path. Wherever a model is read, a recipe's name means its
shipped preset (``sample a001.dcgan``, ``eval a000.gan``; with ``--data
fashion_mnist``, its Fashion-MNIST preset). ``eval PATH`` scores
a preset, a run directory, a ``.keras`` file or a SavedModel export beside the
floor (real training digits scored the same way), prints a table and writes
``eval.json``.

Expected failures (unknown recipe, missing or damaged file, bad arguments,
a full disk) print one ``zoo: error: ...`` line and exit with status 2 instead of a
traceback; a training run that diverges (NaN or Inf loss) exits with status 3.
"""

import sys

from zoo.disk import DiskFullError


def cmd_list(args):
    import json

    from zoo import presets, recipes
    from zoo.datasets import DATASETS

    shipped = {d: presets.available(d) for d in DATASETS}  # MNIST's first
    for article, items in recipes.by_article().items():
        zh, en = recipes.ARTICLES[article]
        print(f"article {article}: {en} ({zh})")
        for r in items:
            print(f"  {r.name:<20} {r.family:<24} {r.title}")
            for dataset in (d for d, names in shipped.items() if r.name in names):
                path = presets.SHIPPED / dataset / r.name / presets.METADATA
                headline = _headline(json.loads(path.read_text()))
                print(f"  {'':<20} preset ({dataset}): {headline}")
    print("A recipe with a preset loads trained: zoo.pretrained(NAME) (MNIST's) or "
          'zoo.pretrained(NAME, dataset="fashion_mnist"), or NAME [--data fashion_mnist] in '
          "sample, eval and export.")  # fmt: skip
    return 0


def _headline(metadata):
    """A preset's headline figures: FD and smallest class of a generator, else its errors."""
    scores, run = metadata.get("eval") or {}, metadata.get("run") or {}
    parts = []
    if "fd" in scores:
        parts.append(
            f"FD {scores['fd']:.2f}, smallest class {100 * scores['min_class_share']:.1f}%"
        )
    if "elbo" in scores:
        parts.append(f"ELBO {scores['elbo']:.1f}")
    elif "mse" in scores:
        parts.append(f"test MSE {scores['mse']:.4f}")
    parts.append(f"{run.get('epochs')} epochs")
    return ", ".join(parts)


def _overrides(args):
    """``--set KEY=VALUE ...`` as ``{key: value}`` (checked later, against the recipe's config)."""
    overrides = {}
    for kv in args.set or []:
        key, equals, value = kv.partition("=")
        if not equals or not key.strip():
            raise ValueError(f"--set takes KEY=VALUE (e.g. --set learning_rate=1e-4); got {kv!r}.")
        overrides[key.strip()] = _literal(value.strip())
    if "seed" in overrides:  # it seeds the weights and the data order too, not only the recipe
        raise ValueError("Set the seed with --seed N, not --set seed=....")
    return overrides


def cmd_train(args):
    from zoo import distribute, training

    overrides = _overrides(args)
    out_dir = args.out or f"runs/{args.recipe}"
    settings = training.Settings(
        epochs=args.epochs,
        batch_size=args.batch_size,
        out_dir=out_dir,
        data=args.data,
        image_size=args.image_size,
        source=args.source,
        path=args.mnist,
        limit=args.limit,
        val_limit=args.val_limit,
        seed=args.seed,
        checkpoint_every=args.checkpoint_every,
        fresh=args.fresh,
        tensorboard=args.tensorboard,
        deterministic=args.deterministic,
        compile_options=distribute.compile_options(args.jit_compile, args.steps_per_execution),
        allow_changes=tuple(k.strip() for k in (args.resume_with_changes or "").split(",") if k),
        verbose=args.verbose,
        from_preset=args.recipe if args.from_preset is True else args.from_preset,
    )
    # The policy must be set before the model is built; the strategy's scope must
    # hold the building (variables), the checkpoint restore and fit.
    distribute.set_precision(args.mixed_precision)
    try:
        with distribute.strategy_scope("mirrored" if args.distribute else None) as strategy:
            if args.distribute:
                print(f"Training on {strategy.num_replicas_in_sync} replica(s) (MirroredStrategy).")
            training.train(args.recipe, settings, **overrides)
    except training.DivergenceError as e:
        print(f"zoo: error: {e}", file=sys.stderr)
        return 3
    except KeyboardInterrupt as e:  # Ctrl-C: one line, not Keras' traceback
        print(_interrupted(e, out_dir, args), file=sys.stderr)
        return 130
    except ImportError as e:  # an optional package that a flag needs
        print(f"zoo: error: {e}", file=sys.stderr)
        return 2
    print(f"wrote {out_dir}/model.keras, history.json, losses.png and image grids")
    return 0


def _preset_or_path(text, data=None):
    """A preset's directory when ``text`` names one (name, directory, URL), else ``text``.

    A recipe's name picks the preset of the data set ``--data`` names (MNIST's
    without one). A bare word that is neither a preset nor a path is an unknown
    preset name: the error suggests the close ones.
    """
    import os

    from zoo import presets

    dataset = presets.dataset_of(data)
    found = presets.find(text, dataset)
    if found is None and os.sep not in text and not os.path.exists(text):
        presets.resolve(text, dataset)  # raises, naming the presets there are
    return text if found is None else str(found)


def cmd_eval(args):
    from zoo import evaluation

    progress = None if args.quiet else evaluation.progress_bars()
    result = evaluation.evaluate(
        _preset_or_path(args.path, args.data),
        samples=args.samples,
        k=args.k,
        iwae_images=args.iwae_images,
        source=args.source,
        mnist=args.mnist,
        batch_size=args.batch_size,
        seed=args.seed,
        json_path=args.json,
        progress=progress,
        dataset=args.data,
        classifier_path=args.classifier,
        features_layer=args.features_layer,
    )
    print(evaluation.format_table(result))
    for target in result["written"]:
        print(f"wrote {target}")
    return 0


def cmd_export(args):
    import json

    from zoo import export

    if args.info:
        if args.out_dir is not None:
            raise ValueError("--info takes one path, the export: python -m zoo export --info DIR.")
        print(json.dumps(export.info(args.model), indent=2))
        return 0
    if args.out_dir is None:
        raise ValueError("export needs MODEL_OR_RUN_DIR and OUT_DIR (or --info EXPORT_DIR).")
    target = export.export_from(
        _preset_or_path(args.model, args.data),
        args.out_dir,
        version=args.version,
        overwrite=args.overwrite,
        format=args.format,
    )
    if args.format == "tflite":
        from zoo.export import tflite

        print(f"exported TFLite model to {target}")
        print(tflite.CAVEAT)
    else:
        print(f"exported SavedModel to {target}")
    return 0


def cmd_preset(args):
    from zoo import presets

    out = presets.make(args.run_dir, args.out_dir, overwrite=args.overwrite)
    print(f"wrote the preset {out}: {', '.join(sorted(p.name for p in out.iterdir()))}")
    return 0


def cmd_sample(args):
    from zoo import checks, plotting, presets

    checks.positive_int("-n", args.n)
    path = _preset_or_path(args.model, args.data)
    if presets.is_preset(path):
        model = presets.load(path)
        if not callable(getattr(model, "sample", None)):
            raise ValueError(f"{model.recipe} is an autoencoder: it reconstructs, it does not "
                             "sample; pick a GAN or a VAE (python -m zoo list).")  # fmt: skip
        images = model.sample(args.n, seed=args.seed)
    else:
        from zoo import export

        images = export.sample_grid_from_export(path, n=args.n, seed=args.seed)
    plotting.save_grid(images, args.output)
    print(f"wrote {args.n} samples to {args.output}")
    return 0


def _interrupted(error, out_dir, args):
    """The line printed on Ctrl-C: where training stopped, what is saved, how to resume."""
    import shlex

    command = shlex.join(["python", "-m", "zoo", *args.argv])
    step, epoch, saved = getattr(error, "zoo_stopped", (None, None, None))
    where = "before training started" if step is None else f"at step {step} (epoch {epoch + 1})"
    if saved is None:
        return f"zoo: interrupted {where}; no checkpoint was saved yet. Start again with: {command}"
    return (
        f"zoo: interrupted {where}; the checkpoint of step {saved} is saved in "
        f"{out_dir}/checkpoints. Resume with: {command}"
    )


def _literal(text):
    """Parses ``--set key=value`` values: numbers, booleans and tuples, else the string.

    ``nan``/``inf`` become floats (which the recipe's checks then refuse) and
    ``true``/``false`` booleans, so that they are not taken for strings.
    """
    import ast

    lowered = text.lower()
    if lowered in ("nan", "inf", "+inf", "-inf", "infinity", "-infinity"):
        return float(lowered)
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


#: The subcommands, by name: what the parser (:mod:`zoo.cli_parser`) dispatches to.
COMMANDS = {
    "list": cmd_list,
    "train": cmd_train,
    "eval": cmd_eval,
    "export": cmd_export,
    "preset": cmd_preset,
    "sample": cmd_sample,
}


def build_parser():
    """The ``python -m zoo`` argument parser, each subcommand bound to its function."""
    from zoo import cli_parser

    return cli_parser.build_parser(COMMANDS, __doc__.split("\n")[0])


def main(argv=None):
    import warnings

    argv = sys.argv[1:] if argv is None else list(argv)
    # One line per warning, like the errors, not the source line of the call.
    warnings.formatwarning = lambda message, *_args, **_kw: f"zoo: warning: {message}\n"
    args = build_parser().parse_args(argv)
    args.argv = argv  # the command again, for the resume advice
    try:
        return args.func(args)
    except (
        ValueError,
        KeyError,
        TypeError,
        FileNotFoundError,
        FileExistsError,
        PermissionError,
        NotADirectoryError,
        DiskFullError,
    ) as e:
        message = e.args[0] if isinstance(e, KeyError) and e.args else e
        print(f"zoo: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
