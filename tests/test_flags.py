"""Bad flags of `python -m zoo train`: one `zoo: error:` line naming the key and its values."""

import os

import pytest

from zoo import cli, recipes

SOURCE = "npz" if os.environ.get("ZOO_MNIST_PATH") else "sample"


@pytest.mark.parametrize(
    "recipe, args, message",
    [
        (
            "a000.gan",
            ["--set", "hidden=1.5"],
            "Hyperparameter 'hidden' of a000.gan must be a positive whole number or a tuple "
            "of them, e.g. (256, 512) (default (256,)); got 1.5.",
        ),
        ("a000.gan", ["--set", "latent_dim=-3"], "'latent_dim' of a000.gan must be a positive"),
        ("a000.gan", ["--set", "learning_rate"], "--set takes KEY=VALUE"),
        (
            "a000.gan",
            ["--set", "learning_rate=nan"],
            "'learning_rate' of a000.gan must be a number in (0, 1) (default 0.0002); got nan.",
        ),
        ("a000.ae", ["--set", "batch_norm=maybe"], "'batch_norm' of a000.ae must be True or False"),
        ("a000.gan", ["--set", "beta_1=5"], "'beta_1' of a000.gan must be a number in [0, 1)"),
        ("a001.dcgan", ["--set", "dropout=1.5"], "'dropout' of a001.dcgan must be a probability"),
        ("a003.cae", ["--set", "reduction=max"], "'reduction' of a003.cae must be one of sum"),
        ("a003.cae", ["--set", "ae_learning_rate=2"], "'ae_learning_rate' of a003.cae must be"),
        ("a000.gan", ["--val-limit", "0"], "--val-limit (val_limit) must be a positive integer"),
    ],
    ids=lambda v: v if isinstance(v, str) else " ".join(v),
)
def test_a_bad_flag_is_one_line_naming_it(recipe, args, message, tmp_path, capsys):
    argv = ["train", recipe, "--out", str(tmp_path), "--limit", "8", "--source", SOURCE]
    assert cli.main(argv + args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("zoo: error: ")
    assert message in err


@pytest.mark.parametrize(
    "text, value",
    [("1e-4", 1e-4), ("true", True), ("False", False), ("(64, 128)", (64, 128)), ("mse", "mse")],
)
def test_set_values_parse_as_python_literals(text, value):
    assert cli._literal(text) == value


def test_the_library_checks_overrides_too():
    with pytest.raises(ValueError, match="'hidden' of a000.gan must be a positive whole number"):
        recipes.build("a000.gan", hidden=0)
    # Floats take whole numbers; the defaults themselves pass.
    recipes.check_overrides(recipes.get("a004.beta_vae"), {"beta": 4})
    for recipe in recipes.REGISTRY.values():
        recipes.check_overrides(recipe, dict(recipe.hyperparameters))
