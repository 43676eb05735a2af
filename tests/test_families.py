"""The family protocol: every family through one harness, a new family in 3 places, compile once.

A family is its class, one row of ``zoo.models.FAMILIES`` and one row of the
tests' table (``helpers.FAMILIES``); recipes, ``fit``'s callbacks, export and
the CLI read the protocol, so :func:`test_a_new_family_takes_three_places`
adds a denoising autoencoder without touching any of them.
"""

import dataclasses
import json

import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import FAMILIES, Family, run_model_test, tiny_ae

import zoo
import zoo.models
from zoo import losses, recipes, training
from zoo.models.base import f32
from zoo.recipes import builders


@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_passes_the_harness(family, digits, tmp_path):
    row = FAMILIES[family]
    model = row.build()
    assert model.family == family and zoo.models.FAMILIES[family] is type(model)
    run_model_test(model, digits, tmp_path, falling=row.falling, outputs=row.outputs)


def test_the_tests_table_and_the_models_table_hold_the_same_families():
    assert set(FAMILIES) == set(zoo.models.FAMILIES)
    assert set(recipes.FAMILIES) == set(zoo.models.FAMILIES)


# -- a new family in three places ------------------------------------------------------------
@keras.saving.register_keras_serializable(package="zoo_tests")
class DenoisingAutoencoder(zoo.Autoencoder):
    """Place 1, the family's module: reconstructs clean images from noisy ones.

    Reference: Vincent et al., "Extracting and Composing Robust Features with
    Denoising Autoencoders", ICML 2008.
    """

    family = "denoising_autoencoder"

    def __init__(self, encoder, decoder, noise_std=0.3, **kwargs):
        super().__init__(encoder, decoder, **kwargs)
        self.noise_std = float(noise_std)

    def compute_losses(self, x, training=False):
        x_net = self.to_network(x)
        noisy = x_net
        if training:
            eps = zoo.models.base.normal(tf.shape(x_net), self.seed_generator)
            noisy = tf.clip_by_value(x_net + self.noise_std * eps, 0.0, 1.0)
        x_hat = self.decoder(self.encoder(noisy, training=training), training=training)
        rec = losses.reconstruction_loss(x_net, f32(x_hat), self.reconstruction, self.reduction)
        return {"loss": rec, "reconstruction_loss": rec}

    def get_config(self):
        return {**super().get_config(), "noise_std": self.noise_std}


@dataclasses.dataclass(frozen=True)
class DenoisingConfig(recipes.config.Config):
    """Place 1 too: the family's typed config and its builder."""

    kind = DenoisingAutoencoder.family
    width: int = 32
    code: int = 8
    optimizer: recipes.Adam = recipes.Adam(1e-3)
    seed: int = 0


@builders.register
def _build_dae(config: DenoisingConfig, compile_options, recipe):
    model = tiny_ae(DenoisingAutoencoder, config.seed, config.width, config.code, recipe=recipe)
    model.compile(optimizer=config.optimizer.build(), **compile_options)
    return model


def test_a_new_family_takes_three_places(digits, tmp_path, monkeypatch):
    # Place 2, one row of the models' table.
    monkeypatch.setitem(zoo.models.FAMILIES, DenoisingAutoencoder.family, DenoisingAutoencoder)
    # Place 3, one row of the tests' table, put through the harness (export included).
    row = Family(
        lambda: tiny_ae(DenoisingAutoencoder, seed=1),
        ("loss",),
        lambda m, x: m.reconstruct(x),
        frozenset({"loss", "reconstruction_loss"}),
    )
    run_model_test(row.build(), digits, tmp_path / "harness", falling=row.falling)

    # With nothing else edited, a recipe of the family builds, trains and writes its run.
    recipe = recipes.Recipe(
        name="a000.dae",
        article="000",
        title="Denoising autoencoder (a test family)",
        summary="A denoising autoencoder.",
        config=DenoisingConfig(),
        defects=recipes.get("a000.ae").defects,
        value_range="[0, 1]",
        budget={"epochs": 1, "batch_size": 64},
    )
    monkeypatch.setitem(recipes.REGISTRY, recipe.name, recipe)
    assert recipe.sample_kind == "reconstructions"
    out = tmp_path / "run"
    model, _ = training.train("a000.dae", out_dir=str(out), limit=256, val_limit=64, verbose=0)
    assert isinstance(model, DenoisingAutoencoder)
    assert (out / "reconstructions.png").is_file() and (out / "model.keras").is_file()
    run = json.loads((out / "run.json").read_text())
    assert run["recipe"] == "a000.dae" and model.recipe == "a000.dae"
    assert run["config"] == {"family": "denoising_autoencoder", "width": 32, "code": 8,
                             "optimizer": {"learning_rate": 1e-3, "beta_1": 0.9, "beta_2": 0.999},
                             "seed": 0}  # fmt: skip
    # Its settings are keys of build and --set, checked against their types.
    assert recipes.build("a000.dae", width=16).encoder.layers[2].units == 16
    with pytest.raises(ValueError, match="'width' of a000.dae must be a positive whole number"):
        recipes.build("a000.dae", width=0)
    from zoo import export

    assert export.signature_names(model) == [
        *("reconstruct", "reconstruct_uint8", "encode", "encode_uint8", "decode"),
    ]


def test_a_recipe_of_an_unknown_family_is_refused():
    fields = {f: getattr(recipes.get("a000.ae"), f) for f in recipes.Recipe.__dataclass_fields__}
    config = dataclasses.replace(DenoisingConfig())
    object.__setattr__(config, "kind", "denoising")  # a config of a family with no model class
    with pytest.raises(ValueError, match="Unknown family 'denoising'"):
        recipes.Recipe(**{**fields, "name": "a000.x", "config": config})


# -- compile once ------------------------------------------------------------------------------
@pytest.fixture
def compiles(monkeypatch):
    """Counts ``keras.Model.compile`` calls per model object."""
    counts = {}
    original = keras.Model.compile

    def spy(self, *args, **kwargs):
        counts[id(self)] = counts.get(id(self), 0) + 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "compile", spy)
    return counts


@pytest.mark.parametrize("name", recipes.names())
def test_recipes_build_compiles_once_with_the_final_options(name, compiles):
    model = recipes.build(name, compile_options={"steps_per_execution": 4}, fit_steps=6)
    assert compiles[id(model)] == 1
    assert model.steps_per_execution == 3  # the largest divisor of 6 up to 4
    inner = getattr(model, "autoencoder", None)
    assert inner is None or compiles[id(inner)] == 1


def test_a_training_run_compiles_its_model_once(compiles, tmp_path):
    model, _ = training.train(
        "a000.gan", out_dir=str(tmp_path), limit=320, batch_size=32,
        epochs=1, val_limit=64, verbose=0, hidden=16,
    )  # fmt: skip
    assert compiles[id(model)] == 1 and model.steps_per_execution == 10


def test_fit_steps_must_be_a_positive_integer():
    with pytest.raises(ValueError, match="fit_steps must be a positive integer"):
        recipes.build("a000.ae", fit_steps=0)


def test_a_vae_keeps_binarized_data_in_its_config(tmp_path):
    from zoo import reference

    vae = reference.reference_vae(latent_dim=2, hidden=(8,))
    assert vae.get_config()["binarized_data"] is True
    vae.save(tmp_path / "v.keras")
    assert keras.models.load_model(tmp_path / "v.keras").binarized_data is True
    assert np.isfinite(np.asarray(vae.sample(2, seed=0))).all()
