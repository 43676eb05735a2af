"""Recipes as typed data: configs, settings by key, JSON round trips, the data files.

Every recipe's model is built from its family's config (``zoo.recipes.config``)
by its family's builder; any setting of the family is a key of ``build`` and
``--set`` on every recipe of it, checked against the setting's type.
"""

import dataclasses
import json
import os
import re

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import pytest  # noqa: E402

from zoo import cli, recipes  # noqa: E402
from zoo.recipes import config as cfg  # noqa: E402

NAMES = recipes.names()
GANS = [n for n in NAMES if recipes.get(n).family == "gan"]


@pytest.mark.parametrize("name", NAMES)
def test_every_config_round_trips_through_json(name):
    config = recipes.get(name).config
    text = json.dumps(config.to_dict())
    assert cfg.from_dict(json.loads(text)) == config
    # Overridden, too: what run.json records rebuilds the same config.
    changed = recipes.get(name).configure(seed=3, learning_rate=1e-3)
    assert cfg.from_dict(json.loads(json.dumps(changed.to_dict()))) == changed


def test_a_new_gan_setting_reaches_every_gan_recipe():
    # The README's WGAN-GP example, as settings: no second compile, the recipe's
    # XLA and steps-per-execution kept.
    for name in GANS:
        model = recipes.build(
            name,
            generator_loss="wasserstein",
            discriminator_loss="wasserstein",
            gradient_penalty=10.0,
            d_steps=2,
            reuse_fakes=False,
            **{"d_optimizer.beta_1": 0.0, "g_optimizer.beta_2": 0.9},
        )
        assert model.discriminator_loss_fn.__name__ == "wasserstein_discriminator_loss", name
        assert (model.gradient_penalty, model.d_steps, model.reuse_fakes) == (10.0, 2, False)
        assert float(model.d_optimizer.beta_1) == 0.0 and float(model.g_optimizer.beta_2) == 0.9
        options = recipes.get(name).compile_options
        assert model.steps_per_execution == options.get("steps_per_execution", 1), name


def test_network_settings_by_dotted_key_and_by_the_recipes_short_keys():
    model = recipes.build(
        "a000.gan", **{"generator.hidden": (64, 32), "discriminator.dropout": 0.5}
    )
    assert [layer.units for layer in model.generator.layers if hasattr(layer, "units")] == [
        64,
        32,
        784,
    ]
    assert any(isinstance(layer, keras.layers.Dropout) for layer in model.discriminator.layers)
    # A short key stands for the settings it lists; one width is a one-layer tuple.
    config = recipes.get("a000.gan").configure(hidden=64)
    assert config.generator.kwargs["hidden"] == config.discriminator.kwargs["hidden"] == (64,)
    # The family's short keys set both players' optimizers.
    config = recipes.get("a004.gan").configure(learning_rate=3e-4)
    assert config.d_optimizer.learning_rate == config.g_optimizer.learning_rate == 3e-4
    # Another network builder, by name.
    model = recipes.build("a004.gan", **{"discriminator.builder": "mlp_discriminator"})
    assert model.discriminator.output_shape == (None, 1)


@pytest.mark.parametrize(
    "key, value, wanted",
    [
        ("d_optimizer.learning_rate", 2.0, "a number in (0, 1) (default 0.0002); got 2.0."),
        ("generator.filters", (0,), "a positive whole number or a tuple of them"),
        ("discriminator_loss", "hinged", "one of cross_entropy, least_squares, hinge"),
        ("reuse_fakes", 1, "True or False (default True); got 1."),
        ("generator.builder", "resnet", "one of mlp, mlp_discriminator, grid_mlp"),
        ("network_range", (0, 2), "(0.0, 1.0) or (-1.0, 1.0) (default (-1.0, 1.0))"),
    ],
)
def test_a_bad_setting_names_its_key_and_type(key, value, wanted):
    with pytest.raises(ValueError) as info:
        recipes.build("a001.dcgan", **{key: value})
    assert f"Hyperparameter {key!r} of a001.dcgan must be {wanted}" in str(info.value)


def test_an_unknown_setting_suggests_the_closest():
    with pytest.raises(
        TypeError, match=r"no setting 'gradient_penalt'\. Did you mean 'gradient_penalty'"
    ):
        recipes.build("a002.aegan", gradient_penalt=1.0)


def test_set_takes_dotted_keys_on_the_command_line(tmp_path):
    args = cli.build_parser().parse_args(
        [
            "train",
            "a000.gan",
            "--set",
            "discriminator_loss=hinge",
            "--set",
            "generator.hidden=(64,)",
        ]
    )
    assert cli._overrides(args) == {"discriminator_loss": "hinge", "generator.hidden": (64,)}


def test_the_latent_gan_seeds_its_autoencoder_with_its_own_seed():
    config = recipes.get("a003.latent_gan").configure(seed=5)
    assert config.seed == config.autoencoder.seed == 5
    model = recipes.build("a003.latent_gan", seed=5)
    assert model.seed == model.autoencoder.seed == 5


def test_the_contractive_weight_decides_the_autoencoder_family():
    assert recipes.get("a003.ae").family == "autoencoder"
    assert recipes.get("a003.ae").configure(contractive_weight=1e-4).family == (
        "contractive_autoencoder"
    )
    assert recipes.build("a000.ae", contractive_weight=1e-4).family == "contractive_autoencoder"


def test_configs_are_frozen_and_reject_unknown_settings():
    config = recipes.get("a004.beta_vae").config
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.beta = 2.0
    with pytest.raises(TypeError):
        config.decoder.kwargs["grid"] = ()
    with pytest.raises(ValueError, match=r"unknown setting\(s\) 'bta' of VAEConfig"):
        cfg.from_dict({**config.to_dict(), "bta": 2.0})
    with pytest.raises(ValueError, match="unknown family 'flow'"):
        cfg.from_dict({"family": "flow"})
    with pytest.raises(ValueError, match="Unknown network builder 'resnet'; choose one of mlp"):
        cfg.Net("resnet")


def test_a_bad_data_file_names_itself(tmp_path):
    text = recipes.config.__file__.rsplit("/", 1)[0] + "/articles/a004.toml"
    bad = open(text, encoding="utf-8").read().replace("beta = 1.0", "beta = 1.0\nbetta = 2.0")
    path = tmp_path / "a004.toml"
    path.write_text(bad, encoding="utf-8")
    registry = dict(recipes.REGISTRY)
    recipes.REGISTRY.clear()
    try:
        with pytest.raises(
            ValueError, match=r"a004\.toml: a004.beta_vae's config: unknown setting"
        ):
            recipes.load_articles(tmp_path)
    finally:
        recipes.REGISTRY.clear()
        recipes.REGISTRY.update(registry)


def test_optimizer_keys_are_what_a_resume_may_change():
    keys = recipes.optimizer_keys(recipes.get("a003.latent_gan"))
    assert keys[:3] == ["learning_rate", "beta_1", "beta_2"]
    assert "ae_learning_rate" in keys and "autoencoder.optimizer.learning_rate" in keys
    assert "gradient_penalty" not in keys and "d_learning_rate" in keys


# -- evidence that cannot go stale -------------------------------------------------------------
WITH_CANDIDATES = [n for n in NAMES if recipes.get(n).candidates]
#: A measurement command quoted in a recipe's prose, and what follows its module's name.
QUOTED = re.compile(r"`python -m bench\.(\w+) ?([^`]*)`")


@pytest.mark.parametrize("name", WITH_CANDIDATES)
def test_each_candidate_differs_from_its_recipe_by_every_setting_it_lists(name):
    # A candidate is the recipe with the settings it lists; if a recipe's default moves onto
    # a listed value, the candidate no longer measures what its name and the quoted figures
    # say, and this fails until the evidence is revisited.
    recipe = recipes.get(name)
    assert "recipe" in recipe.candidates and not recipe.candidates["recipe"]
    for label, overrides in recipe.candidates.items():
        listed = {path for key in overrides for path in recipe.expand(key)}
        assert set(recipe.changed(**overrides)) == listed, (label, dict(overrides))


def test_every_quoted_measurement_pins_its_budget_and_names_real_candidates():
    # A figure in a recipe's prose names the command that reproduces it: the one sweep
    # (bench/sweep.py), read by its own command line, with the budget pinned in epochs (never
    # a default or `--epochs budget`, which move with the recipe) and the one the text
    # states, and candidates and grid points that exist and type-check (sweep.plan builds
    # every run it would train).
    from bench import sweep

    quoted = 0
    for recipe in recipes.REGISTRY.values():
        for text in (recipe.summary, *recipe.choices):
            for module, command in QUOTED.findall(text):
                assert module == "sweep", f"{recipe.name} quotes bench.{module}, not bench.sweep"
                args = sweep.parser().parse_args(command.split())
                assert all(isinstance(e, int) for e in args.epochs), (recipe.name, command)
                assert f"{min(args.epochs)} epochs" in text, (recipe.name, command)
                assert sweep.plan(args), (recipe.name, command)
                quoted += 1
    assert quoted >= 10


def test_a_recorded_config_is_the_recipes_own_when_it_builds_the_same_model():
    recipe = recipes.get("a001.dcgan")
    recorded = recipe.config.to_dict()
    assert recipe.is_config_of(recorded)
    # Written before image_shape existed: its default builds the model as it was.
    del recorded["image_shape"]
    assert recipe.is_config_of(recorded)
    assert not recipe.is_config_of({**recorded, "image_shape": [64, 64, 3]})
    assert not recipe.is_config_of({**recorded, "gradient_penalty": 1.0})
    assert not recipe.is_config_of({**recorded, "no_such_setting": 1})
