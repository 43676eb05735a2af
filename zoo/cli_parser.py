"""The arguments of ``python -m zoo``: one subparser per command, with its help.

:mod:`zoo.cli` holds what each command does; this module only what it takes,
so that a new flag is one ``add_argument`` here and one use there.
"""

import argparse

from zoo.distribute import JIT_CHOICES, PRECISIONS


def add_data_arguments(parser):
    """``--source`` and ``--mnist``, the same for every command that reads MNIST."""
    from zoo.data import SOURCES

    parser.add_argument("--source", default="auto", choices=list(SOURCES))
    parser.add_argument("--mnist", help="path to a Keras-layout mnist.npz (else $ZOO_MNIST_PATH)")


def _preset_data(parser):
    """``--data NAME``: whose shipped preset a recipe's name picks."""
    from zoo.datasets import DATASETS

    parser.add_argument(
        "--data",
        choices=tuple(DATASETS),
        help="the data set whose preset a recipe's name picks (default: mnist)",
    )


def build_parser(commands, description=None):
    """The parser of ``python -m zoo``; ``commands`` maps each subcommand to its function."""
    parser = argparse.ArgumentParser(prog="python -m zoo", description=description)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("list", help="list the recipes, grouped by article")
    p.set_defaults(func=commands["list"])

    p = sub.add_parser("train", help="train a recipe on MNIST or other data (--data)")
    p.add_argument("recipe", help="recipe name, see `python -m zoo list`")
    p.add_argument("--epochs", type=int, help="epochs (default: the recipe's budget)")
    p.add_argument("--batch-size", type=int, help="batch size (default: the recipe's)")
    p.add_argument("--out", help="output directory (default: runs/RECIPE)")
    p.add_argument(
        "--data",
        default="mnist",
        metavar="NAME_OR_PATH",
        help="data set: mnist (default), fashion_mnist, or a folder of PNG/JPEG images or an "
        ".npz of uint8 arrays, with images of the recipe's shape (28x28x1)",
    )
    p.add_argument(
        "--image-size",
        type=int,
        metavar="N",
        help="fit the data's images to NxN (centre-crop, then resize) before training",
    )
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
        "preset (of the --data set, MNIST's for your own images), or a preset name, directory "
        "or URL",
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
    p.set_defaults(func=commands["train"])

    p = sub.add_parser(
        "eval",
        help="score a run, .keras file or export beside the floor of real images",
        description="Scores a model by what it can do: generators (sample) get FD, KID, "
        "classifier score and class coverage; autoencoders (reconstruct) test MSE and BCE; "
        "VAEs also the ELBO and the IWAE bound. Each beside its floor, on the data the model "
        "trained on, in the features of that data set's classifier.",
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
        help="generated samples, and real training images in the floor (default: 10000)",
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
    p.add_argument(
        "--data",
        metavar="NAME_OR_PATH",
        help="data set to score against: mnist, fashion_mnist, or a folder or .npz of images "
        "(default: the run's own, else mnist); a recipe's name picks that data set's preset",
    )
    p.add_argument(
        "--classifier",
        metavar="PATH",
        help="a Keras classifier (.keras) of the data's images whose features score the "
        "samples (default: zoo's classifier of a labelled data set)",
    )
    p.add_argument(
        "--features-layer",
        default="features",
        metavar="NAME",
        help="the --classifier's layer whose outputs are the features (default: features)",
    )
    add_data_arguments(p)
    p.add_argument("--batch-size", type=int, default=500, help="images per forward pass")
    p.add_argument("--seed", type=int, default=0, help="seed of samples and draws")
    p.add_argument("--json", metavar="FILE", help="also write the result to FILE")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=commands["eval"])

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
    _preset_data(p)
    p.set_defaults(func=commands["export"])

    p = sub.add_parser(
        "preset", help="turn a finished run into a preset (config, weights, metadata, card)"
    )
    p.add_argument("run_dir", help="a finished run directory (python -m zoo train ... --out DIR)")
    p.add_argument("out_dir", help="the preset directory to write")
    p.add_argument("--overwrite", action="store_true", help="replace an existing preset")
    p.set_defaults(func=commands["preset"])

    p = sub.add_parser("sample", help="draw a grid of samples from a preset or an export")
    p.add_argument(
        "model",
        help="a preset (a recipe's name, e.g. a001.dcgan, a preset directory or URL) or an "
        "export: OUT_DIR (highest version) or OUT_DIR/<version>",
    )
    p.add_argument("-n", type=int, default=64, help="number of samples")
    p.add_argument("-o", "--output", default="samples.png", help="PNG to write")
    p.add_argument("--seed", type=int, default=0)
    _preset_data(p)
    p.set_defaults(func=commands["sample"])
    return parser
