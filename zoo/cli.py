"""The command line: ``python -m zoo {list,train,eval,export,preset,sample}`` (or ``zoo ...``).

Each command is a thin wrapper over the library (``zoo.recipes``,
``zoo.training``, ``zoo.evaluation``, ``zoo.export``), so the CLI, notebooks
and tests share one path. Wherever a model is read, a recipe's name means its
shipped preset (``sample a001.dcgan``, ``eval a000.gan``). ``eval PATH`` scores
a preset, a run directory, a ``.keras`` file or a SavedModel export beside the
floor (real training digits scored the same way), prints a table and writes
``eval.json``.

Expected failures (unknown recipe, missing or damaged file, bad arguments,
a full disk) print one ``zoo: error: ...`` line and exit with status 2 instead of a
traceback; a training run that diverges (NaN or Inf loss) exits with status 3.
"""

import argparse
import sys

from zoo.disk import DiskFullError
from zoo.distribute import JIT_CHOICES, PRECISIONS


def cmd_list(args):
    import json

    from zoo import presets, recipes

    shipped = presets.available("mnist")
    for article, items in recipes.by_article().items():
        zh, en = recipes.ARTICLES[article]
        print(f"article {article}: {en} ({zh})")
        for r in items:
            print(f"  {r.name:<20} {r.family:<24} {r.title}")
            if r.name in shipped:
                path = presets.SHIPPED / "mnist" / r.name / presets.METADATA
                print(f"  {'':<20} preset (mnist): {_headline(json.loads(path.read_text()))}")
    print("A recipe with a preset loads trained: zoo.pretrained(NAME), or NAME in sample, eval "
          "and export.")  # fmt: skip
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


def _preset_or_path(text):
    """A preset's directory when ``text`` names one (name, directory, URL), else ``text``.

    A bare word that is neither a preset nor a path is an unknown preset name: the
    error suggests the close ones.
    """
    import os

    from zoo import presets

    found = presets.find(text)
    if found is None and os.sep not in text and not os.path.exists(text):
        presets.resolve(text)  # raises, naming the presets there are
    return text if found is None else str(found)


def cmd_eval(args):
    from zoo import evaluation

    progress = None if args.quiet else evaluation.progress_bars()
    result = evaluation.evaluate(
        _preset_or_path(args.path),
        samples=args.samples,
        k=args.k,
        iwae_images=args.iwae_images,
        source=args.source,
        mnist=args.mnist,
        batch_size=args.batch_size,
        seed=args.seed,
        json_path=args.json,
        progress=progress,
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
        _preset_or_path(args.model),
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
    path = _preset_or_path(args.model)
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


def add_data_arguments(parser):
    """``--source`` and ``--mnist``, the same for every command that reads MNIST."""
    from zoo.data import SOURCES

    parser.add_argument("--source", default="auto", choices=list(SOURCES))
    parser.add_argument("--mnist", help="path to a Keras-layout mnist.npz (else $ZOO_MNIST_PATH)")


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m zoo", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("list", help="list the recipes, grouped by article")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("train", help="train a recipe on MNIST")
    p.add_argument("recipe", help="recipe name, see `python -m zoo list`")
    p.add_argument("--epochs", type=int, help="epochs (default: the recipe's budget)")
    p.add_argument("--batch-size", type=int, help="batch size (default: the recipe's)")
    p.add_argument("--out", help="output directory (default: runs/RECIPE)")
    add_data_arguments(p)
    p.add_argument("--limit", type=int, help="train on the first N images only")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="change a setting of the recipe's config, e.g. --set beta=4.0, --set "
        "discriminator_loss=hinge, --set generator.hidden=(512,), --set "
        "d_optimizer.learning_rate=1e-4 (every key: the recipe's page in docs/articles)",
    )
    p.add_argument(
        "--from-preset",
        nargs="?",
        const=True,
        metavar="PRESET",
        help="start from a preset's weights and train on (fine-tune): the recipe's own "
        "preset, or a preset name, directory or URL",
    )
    p.add_argument("--verbose", default="auto", type=lambda v: v if v == "auto" else int(v))
    p.add_argument(
        "--val-limit", type=int, default=2000, help="test images used for validation each epoch"
    )
    p.add_argument(
        "--checkpoint-every",
        type=int,
        default=100,
        metavar="N",
        help="save a resumable checkpoint every N steps and after each epoch "
        "(0: after each epoch only; default: 100). Starting the same command again "
        "resumes from the last one",
    )
    p.add_argument(
        "--fresh",
        action="store_true",
        help="ignore (and delete) checkpoints and a finished model in --out; train from scratch",
    )
    p.add_argument(
        "--resume-with-changes",
        metavar="KEY,...",
        help="resume the checkpoint in --out although these settings differ: epochs (to "
        "extend a run) and the recipe's optimizer settings (learning_rate, "
        "ae_learning_rate, beta_1 ...), e.g. after a divergence",
    )
    p.add_argument(
        "--tensorboard", action="store_true", help="write TensorBoard logs to OUT/tensorboard"
    )
    p.add_argument(
        "--deterministic",
        action="store_true",
        help="enable TensorFlow op determinism, so that a seed repeats a run exactly",
    )
    speed = p.add_argument_group(
        "devices and speed", "defaults: the recipe's compile options (docs/benchmarks.md)"
    )
    speed.add_argument(
        "--distribute",
        action="store_true",
        help="train on all GPUs of this machine (or its CPU) with tf.distribute.MirroredStrategy",
    )
    speed.add_argument(
        "--mixed-precision",
        choices=[name for name in PRECISIONS if name != "float32"],
        help="Keras policy mixed_float16 (with loss scaling) or mixed_bfloat16",
    )
    speed.add_argument(
        "--jit-compile",
        choices=list(JIT_CHOICES),
        help="compile the training step with XLA: true, false, or auto (XLA on GPUs only)",
    )
    speed.add_argument(
        "--steps-per-execution",
        type=int,
        metavar="N",
        help="run N training steps per call into TensorFlow (fewer Python round trips)",
    )
    p.set_defaults(func=cmd_train)

    p = sub.add_parser(
        "eval",
        help="score a run, .keras file or export beside the floor of real digits",
        description="Scores a model by what it can do: generators (sample) get FD, KID, "
        "classifier score and class coverage; autoencoders (reconstruct) test MSE and BCE; "
        "VAEs also the ELBO and the IWAE bound. Each beside its floor.",
    )
    p.add_argument(
        "path",
        help="a preset (a recipe's name, e.g. a001.dcgan, or a preset directory), a run "
        "directory (holding model.keras), a .keras file, or a SavedModel export "
        "(OUT/<n>/ or its base OUT/)",
    )
    p.add_argument(
        "--samples",
        type=int,
        default=10_000,
        help="generated samples, and real training digits in the floor (default: 10000)",
    )
    p.add_argument(
        "--k",
        type=int,
        default=100,
        help="importance samples of the IWAE bound (default: 100; the IWAE paper uses 5000)",
    )
    p.add_argument(
        "--iwae-images",
        type=int,
        default=1000,
        metavar="N",
        help="test images of the IWAE bound, the first N (default: 1000)",
    )
    add_data_arguments(p)
    p.add_argument("--batch-size", type=int, default=500, help="images per forward pass")
    p.add_argument("--seed", type=int, default=0, help="seed of samples and draws")
    p.add_argument("--json", metavar="FILE", help="also write the result to FILE")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser(
        "export",
        help="export a model as a TensorFlow SavedModel (or TFLite); --info DIR describes one",
    )
    p.add_argument(
        "model",
        help="a preset (a recipe's name or a preset directory), a .keras file or a run "
        "directory holding model.keras; with --info, an export",
    )
    p.add_argument(
        "out_dir",
        nargs="?",
        help="export base directory; the model goes to OUT_DIR/<version> "
        "(--format tflite: a .tflite file, or a directory for OUT_DIR/model.tflite)",
    )
    p.add_argument("--version", type=int, help="version number (default: next after existing)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --version")
    p.add_argument(
        "--format",
        choices=["saved_model", "tflite"],
        default="saved_model",
        help="saved_model (default) or tflite: one .tflite file with every signature",
    )
    p.add_argument(
        "--info",
        action="store_true",
        help="print the metadata (assets.extra/zoo.json) of the export MODEL and exit",
    )
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "preset", help="turn a finished run into a preset (config, weights, metadata, card)"
    )
    p.add_argument("run_dir", help="a finished run directory (python -m zoo train ... --out DIR)")
    p.add_argument("out_dir", help="the preset directory to write")
    p.add_argument("--overwrite", action="store_true", help="replace an existing preset")
    p.set_defaults(func=cmd_preset)

    p = sub.add_parser("sample", help="draw a grid of samples from a preset or an export")
    p.add_argument(
        "model",
        help="a preset (a recipe's name, e.g. a001.dcgan, a preset directory or URL) or an "
        "export: OUT_DIR (highest version) or OUT_DIR/<version>",
    )
    p.add_argument("-n", type=int, default=64, help="number of samples")
    p.add_argument("-o", "--output", default="samples.png", help="PNG to write")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_sample)
    return parser


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
