"""A family is declared, not guessed: one written from scratch passes the whole harness.

``PixelAutoencoder`` subclasses :class:`zoo.models.base.ZooModel` directly, with its
own ``train_step``, an optimizer under another name (``net_optimizer``) and its own
endpoints; its config and builder sit beside it, as a family's module would hold
them. Registered in the models' table and the tests' one table (``helpers.FAMILIES``),
it passes the harness, trains through ``zoo.training`` as a recipe, resumes a
killed run with ``--resume-with-changes learning_rate``, exports and is scored by
``zoo eval``, with no other file of zoo touched: checkpoints find its optimizer by
its declared ``optimizer_names``, evaluation reads its declared ``has_likelihood``.
"""

import dataclasses
import json

import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import FAMILIES, Family, run_model_test
from test_resilience import Crash

import zoo.models
from zoo import classifier, cli, networks, recipes, training
from zoo.models.base import CODES, IMAGES, Endpoint, ZooModel, build_once, f32
from zoo.recipes import builders

FAMILY = "pixel_autoencoder"


@keras.saving.register_keras_serializable(package="zoo_tests")
class PixelAutoencoder(ZooModel):
    """An autoencoder on a per-pixel squared error, written on ZooModel alone."""

    family = FAMILY
    loss_names = ("loss",)
    endpoints = (
        Endpoint("rebuild", "reconstruct", IMAGES, ("images",)),
        Endpoint("squeeze", "encode", IMAGES, ("codes",)),
        Endpoint("expand", "decode", CODES, ("images",)),
    )
    optimizer_names = ("net_optimizer",)

    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.decoder = encoder, decoder
        self.built = True

    @property
    def image_shape(self):
        return tuple(self.encoder.input_shape[1:])

    @property
    def latent_dim(self):
        return int(self.decoder.input_shape[-1])

    def compile(self, net_optimizer="adam", **kwargs):
        self._compile_with(kwargs, net_optimizer=net_optimizer)
        self.net_optimizer = keras.optimizers.get(net_optimizer)

    def build_optimizers(self):
        build_once(self.net_optimizer, self.trainable_variables)

    def squared_error(self, x, training):
        x_hat = f32(self.decoder(self.encoder(x, training=training), training=training))
        return tf.reduce_mean(tf.square(x - x_hat), axis=[1, 2, 3])

    def train_step(self, data):
        x = self.prepare(data)
        with tf.GradientTape() as tape:
            per_image = self.squared_error(x, training=True)
            loss = tf.reduce_mean(per_image)
        variables = self.trainable_variables
        grads = tape.gradient(loss, variables)
        self.net_optimizer.apply_gradients(zip(grads, variables, strict=True))
        return self.record({"loss": per_image})

    def test_step(self, data):
        return self.record({"loss": self.squared_error(self.prepare(data), training=False)})

    def encode(self, x):
        return f32(self.encoder(self.prepare(x), training=False))

    def decode(self, z):
        return f32(self.decoder(tf.convert_to_tensor(z, "float32"), training=False))

    def reconstruct(self, x):
        return self.decode(self.encode(x))

    def call(self, x, training=False):
        return self.reconstruct(x)

    def get_config(self):
        return {
            **super().get_config(),
            **self.serialize_networks(encoder=self.encoder, decoder=self.decoder),
        }


@dataclasses.dataclass(frozen=True)
class PixelConfig(recipes.config.Config):
    kind = FAMILY
    ALIASES = {"learning_rate": ("optimizer.learning_rate",)}
    width: int = 32
    code: int = 8
    optimizer: recipes.Adam = recipes.Adam(1e-3)
    seed: int = 0


@builders.register
def _build(config: PixelConfig, compile_options, recipe):
    shape = networks.IMAGE_SHAPE
    model = PixelAutoencoder(
        networks.mlp(shape, config.code, (config.width,), name="encoder"),
        networks.mlp(
            config.code, shape, (config.width,), output_activation="sigmoid", name="decoder"
        ),
        seed=config.seed,
        recipe=recipe,
        name="pixel_ae",
    )
    model.compile(net_optimizer=config.optimizer.build(), **compile_options)
    return model


def _tiny(**kwargs):
    return builders.build(PixelConfig(**kwargs))


@pytest.fixture
def family(monkeypatch):
    monkeypatch.setitem(zoo.models.FAMILIES, FAMILY, PixelAutoencoder)
    monkeypatch.setitem(recipes.config.CONFIGS, FAMILY, PixelConfig)
    row = Family(_tiny, ("loss",), lambda m, x: m.reconstruct(x), frozenset({"loss"}))
    monkeypatch.setitem(FAMILIES, FAMILY, row)
    recipe = recipes.Recipe(
        name="a000.pixel",
        article="000",
        title="A family written on ZooModel (a test)",
        config=PixelConfig(),
        summary="An autoencoder on a per-pixel squared error.",
        defects=recipes.get("a000.ae").defects,
        value_range="[0, 1]",
        budget={"epochs": 2, "batch_size": 16},
    )
    monkeypatch.setitem(recipes.REGISTRY, recipe.name, recipe)
    return row


def test_a_family_written_on_zoomodel_passes_the_harness(family, digits, tmp_path):
    model = family.build()
    assert list(model.named_optimizers()) == ["net_optimizer"]
    run_model_test(model, digits, tmp_path, falling=family.falling, outputs=family.outputs)


def test_it_trains_resumes_with_a_changed_learning_rate_exports_and_is_scored(
    family, digits, test_digits, tmp_path, monkeypatch
):
    npz = tmp_path / "mnist.npz"
    labels = lambda n: np.zeros(n, "uint8")  # noqa: E731
    np.savez(npz, x_train=digits, y_train=labels(len(digits)), x_test=test_digits,
             y_test=labels(len(test_digits)))  # fmt: skip
    out = tmp_path / "run"
    run = dict(out_dir=str(out), source="npz", path=str(npz), limit=160, val_limit=32, verbose=0)
    run |= dict(checkpoint_every=4, compile_options={"steps_per_execution": 1})
    with pytest.raises(KeyboardInterrupt):
        training.train("a000.pixel", callbacks=[Crash(at=14)], **run)
    with pytest.warns(UserWarning, match="with changes"):
        model, history = training.train(
            "a000.pixel", learning_rate=3e-4, allow_changes=["learning_rate"], **run
        )
    # Two epochs of 10 steps, the last 8 (from the checkpoint of step 12) at the new rate.
    assert int(model.net_optimizer.iterations) == 20 and len(history.history["loss"]) == 2
    assert float(model.net_optimizer.learning_rate) == pytest.approx(3e-4)
    assert model.recipe == "a000.pixel"
    assert json.loads((out / "run.json").read_text())["config"]["optimizer"] == {
        "learning_rate": 3e-4,
        "beta_1": 0.9,
        "beta_2": 0.999,
    }

    # Exported and scored by `zoo eval` from its run directory: what applies to it, and no
    # likelihood (it declares none).
    monkeypatch.setattr(
        classifier, "default_extractor", lambda **kw: pytest.fail("no classifier needed")
    )
    assert cli.main(["export", str(out), str(tmp_path / "export")]) == 0
    target = tmp_path / "eval.json"
    argv = ["eval", str(out), "--source", "npz", "--mnist", str(npz), "--quiet"]
    assert cli.main([*argv, "--json", str(target)]) == 0
    result = json.loads(target.read_text())
    assert result["capabilities"] == ["reconstruct"] and "likelihood" not in result
    assert 0 < result["reconstruction"]["mse"] < 0.2
