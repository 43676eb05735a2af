"""Image shapes are the data's: recipes declare the sizes they draw, models follow (issue 27).

Every recipe's config is MNIST's 28x28x1; an ``image_shape`` override builds the same
recipe for other images, with the settings its size needs (``Recipe.image_sizes``).
The end-to-end test trains article 001's DCGAN at its own 64x64x3 on a folder of
colour shapes through the command line, resumes it, reloads it and exports it.
"""

import json
import warnings

import keras
import matplotlib.image
import numpy as np
import pytest
import tensorflow as tf

import zoo
from zoo import classifier, cli, recipes, training
from zoo.export import load_keras
from zoo.recipes import ANY_SIZE

MNIST = (28, 28, 1)


def _drawn(model):
    """The images a model makes: samples of a generator, else reconstructions."""
    if hasattr(model, "sample"):
        return model.sample(2, seed=0)
    x = np.random.default_rng(0).integers(0, 256, (2, *model.image_shape), dtype=np.uint8)
    return model.reconstruct(x)


def _other_shape(recipe):
    """A shape other than MNIST's that ``recipe`` draws: non-square colour for dense ones."""
    if recipe.image_sizes == ANY_SIZE:
        return (20, 36, 3)
    side = next((s for s in recipe.image_sizes if s != MNIST[0]), None)
    return (side, side, 3) if side else None


@pytest.mark.parametrize("name", recipes.names())
def test_every_recipe_builds_for_the_sizes_it_declares(name):
    recipe = recipes.get(name)
    assert recipe.configure() == recipe.config  # no image_shape: MNIST's config, as it was
    assert recipe.settings.get("image_shape", recipe.settings.get("autoencoder.image_shape"))
    shape = _other_shape(recipe)
    if shape is None:  # a convolutional network of one size: refused in one line
        with pytest.raises(ValueError, match=rf"^{name} draws 28x28 images, not 32x32; fit"):
            recipes.build(name, image_shape=(32, 32, 3))
        return
    model = recipes.build(name, image_shape=shape)
    assert model.image_shape == shape
    assert tuple(_drawn(model).shape) == (2, *shape)


def test_the_dcgan_at_64_is_the_articles_generator():
    model = recipes.build("a001.dcgan", image_shape=(64, 64, 3))
    transposed = [
        layer for layer in model.generator.layers if isinstance(layer, keras.layers.Conv2DTranspose)
    ]
    # 4x4x256 -> 8 -> 16 -> 32 (three Conv2DTranspose(256)) -> 64x64x3, as the article wrote it.
    assert [layer.output.shape[1:] for layer in transposed] == [
        (8, 8, 256),
        (16, 16, 256),
        (32, 32, 256),
        (64, 64, 3),
    ]
    assert model.discriminator.input_shape == (None, 64, 64, 3)
    # The caller's overrides win over the size's own.
    wider = recipes.get("a001.dcgan").configure(image_shape=(64, 64, 1), g_filters=(128, 64, 32))
    assert wider.generator.kwargs["filters"] == (128, 64, 32)
    assert wider.generator.kwargs["base_shape"] == (4, 4, 256)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"image_shape": (64, 64, 2)}, r"image_shape.*\(height, width, 1 or 3\)"),
        ({"image_shape": 64}, r"image_shape.*\(height, width, 1 or 3\).*; got 64\.$"),
        ({"image_shape": ("a", "b", "c")}, r"image_shape.*\(height, width, 1 or 3\)"),
        ({"image_shape": (48, 48, 3)}, r"^a001\.dcgan draws 28x28 or 64x64 images, not 48x48"),
        (
            {"image_shape": (64, 64, 3), "g_filters": (256,)},
            r"^The generator draws 16x16x3 images, not the 64x64x3 of the data",
        ),
    ],
)
def test_a_shape_the_networks_cannot_draw_is_one_line(overrides, message):
    with pytest.raises(ValueError, match=message) as caught:
        recipes.build("a001.dcgan", **overrides)
    assert "\n" not in str(caught.value)


def _shapes_folder(root, n=16, size=64):
    """``n`` colour images: a rectangle or an ellipse of one colour on a background of another."""
    from PIL import Image, ImageDraw

    root.mkdir()
    rng = np.random.default_rng(0)
    for i in range(n):
        image = Image.new("RGB", (size, size), tuple(int(v) for v in rng.integers(0, 256, 3)))
        x, y = (int(v) for v in rng.integers(2, size // 2, 2))
        side = int(rng.integers(size // 4, size // 2))
        draw = ImageDraw.Draw(image)
        shape = draw.ellipse if i % 2 else draw.rectangle
        shape([x, y, x + side, y + side], fill=tuple(int(v) for v in rng.integers(0, 256, 3)))
        image.save(root / f"shape_{i:02d}.png")
    return root


class _StopInSecondEpoch(keras.callbacks.Callback):
    """Ctrl-C in the second epoch, after the first one's checkpoint: a run to resume."""

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == 1:
            raise KeyboardInterrupt


def test_the_articles_64x64_colour_dcgan_trains_resumes_reloads_and_exports(tmp_path, capsys):
    folder = _shapes_folder(tmp_path / "shapes")
    out, export_dir, preset_dir = tmp_path / "run", tmp_path / "export", tmp_path / "preset"
    args = ["--data", str(folder), "--epochs", "2", "--batch-size", "8", "--out", str(out)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(KeyboardInterrupt):  # one epoch (2 steps), then stopped
            training.train(
                "a001.dcgan", data=str(folder), epochs=2, batch_size=8, out_dir=str(out),
                verbose=0, callbacks=[_StopInSecondEpoch()],
            )  # fmt: skip
        assert cli.main(["train", "a001.dcgan", *args, "--verbose", "0"]) == 0
        assert cli.main(["export", str(out), str(export_dir)]) == 0
        assert cli.main(["preset", str(out), str(preset_dir)]) == 0
        capsys.readouterr()
        # Unlabelled images have no zoo classifier: a GAN of them has nothing to score without one
        assert cli.main(["eval", str(out)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert err == [
            "zoo: error: Nothing to score: FD, KID, classifier score and coverage: "
            f"{str(folder)!r} has no labels, so zoo has no classifier of its images; pass one "
            "with --classifier PATH."
        ]
        # With a classifier of these images (any Keras model with a named feature layer)
        # it is scored against them, in that classifier's features.
        net = classifier.build_classifier(2, (64, 64, 3))
        net.save(tmp_path / "shapes_classifier.keras")
        scored = ["eval", str(out), "--classifier", str(tmp_path / "shapes_classifier.keras")]
        assert cli.main([*scored, "--samples", "32", "--quiet"]) == 0
    report = capsys.readouterr().out
    assert f"data: {folder}" in report and "note: " in report  # no test split: says so
    result = json.loads((out / "eval.json").read_text())
    assert result["data"]["dataset"] == str(folder) and result["data"]["test_images"] == 0
    assert result["generative"]["fd"] > 0 and result["classifier"]["features_layer"] == "features"
    assert len(result["generative"]["class_shares"]) == 2

    run = json.loads((out / "run.json").read_text())
    assert run["resumed_from_step"] == 2  # the command line went on from the first epoch
    assert run["overrides"]["image_shape"] == [64, 64, 3]
    model = load_keras(out / "model.keras")  # .keras round trip
    assert model.image_shape == (64, 64, 3)
    assert tuple(model.sample(4, seed=0).shape) == (4, 64, 64, 3)
    grid = matplotlib.image.imread(out / "samples.png")
    assert grid[..., :3].std(axis=-1).mean() > 0.01  # colour, not grey: channels differ

    served = tf.saved_model.load(str(export_dir / "1"))
    generate = served.signatures["generate"]
    assert generate.structured_outputs["images"].shape.as_list() == [None, 64, 64, 3]
    pixels = served.signatures["discriminate_uint8"].structured_input_signature[1]["pixels"]
    assert pixels.shape.as_list() == [None, 64, 64, 3] and pixels.dtype == tf.uint8
    images = generate(latent_normal=tf.zeros([2, 100]))["images"]
    np.testing.assert_allclose(images, model.generate(tf.zeros([2, 100])), atol=1e-5)

    preset = zoo.pretrained(str(preset_dir))  # a preset of other data: no MNIST check figures
    metadata = json.loads((preset_dir / "metadata.json").read_text())
    assert metadata["dataset"] == str(folder) and metadata["check"] is None
    assert tuple(preset.sample(2, seed=0).shape) == (2, 64, 64, 3)


def test_the_64x64_bench_script_trains_on_a_named_folder(tmp_path, capsys):
    from bench import dcgan64

    folder = _shapes_folder(tmp_path / "shapes", n=8, size=80)  # cropped and resized to 64
    out = tmp_path / "run"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = dcgan64.main([str(folder), "--epochs", "1", "--batch-size", "8", "--out", str(out)])
    assert run["overrides"]["image_shape"] == [64, 64, 3] and run["steps"] == 1
    assert run["images_per_second"] > 0 and (out / "samples_epoch_001.png").is_file()
    assert "images/s this sitting; sample grids per epoch in" in capsys.readouterr().err
