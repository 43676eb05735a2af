"""SavedModel export: wrong inputs, ``sample_grid_from_export``, paths, versions, overwrite.

The exports are the session's (fixture ``exported``, ``conftest.py``); the
wrong inputs go through plain ``tf.saved_model.load`` in this process.
"""

import os
import re
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf
from export_cases import (
    ATOL,
    DOCS,
    small_ae,
)
from export_harness import case_model

from zoo import export

# Untrained models are saved with unbuilt optimizers, which Keras reports on reload.
pytestmark = pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")


# -- wrong inputs, in this process (plain tf.saved_model.load all the same) ------
def op_types(signature):
    """Op types of a loaded signature's graph, its called functions included."""
    graph = signature.graph.as_graph_def()
    return {n.op for n in graph.node} | {n.op for f in graph.library.function for n in f.node_def}


def checked_signature(loaded, name):
    """The signature, once it is known to check shapes in-graph.

    Without that check, a wrong-rank tensor can reach a kernel that aborts the
    whole process (Conv2D on a rank-2 input: "Check failed ... tensor_format.h"),
    which would take pytest down instead of failing one test.
    """
    signature = loaded.signatures[name]
    if "EnsureShape" not in op_types(signature):
        pytest.fail(f"the {name} signature has no in-graph shape check (EnsureShape)")
    return signature


def test_every_signature_checks_its_input_shape(exported):
    for case in ("gan", "latent_gan", "contractive_autoencoder", "vae"):
        case_model(exported, case)
        loaded = tf.saved_model.load(exported.dirs[case])
        for name in loaded.signatures:
            assert "EnsureShape" in op_types(loaded.signatures[name]), (case, name)


@pytest.mark.parametrize("shape", [(3, 7), (8,), (3, 8, 1)])
def test_wrong_latent_shape_names_the_expected_shape(loaded_gan, shape):
    z = tf.zeros(shape)
    # The restored function checks its input_signature before running.
    with pytest.raises(TypeError, match=re.escape("TensorSpec(shape=(None, 8), dtype=tf.float32")):
        loaded_gan.generate(z)
    # A signature (TensorFlow Serving's path) fails on the in-graph shape check.
    generate = checked_signature(loaded_gan, "generate")
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match=r"Shape of tensor latent_normal \[[0-9,]+\] is not compatible with "
        r"expected shape \[\?,8\]",
    ):
        generate(latent_normal=z)


def test_flat_images_are_rejected_by_the_signature(loaded_gan):
    # Without the check, (N, 784) into this convolutional discriminator aborts the process.
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"expected shape \[\?,28,28,1\]"):
        checked_signature(loaded_gan, "discriminate")(images_0_1=tf.zeros([2, 784]))


def test_images_outside_unit_range_are_rejected_with_the_uint8_twin_named(loaded_gan):
    with pytest.raises(tf.errors.InvalidArgumentError) as error:
        loaded_gan.signatures["discriminate"](images_0_1=tf.fill([2, 28, 28, 1], 255.0))
    message = error.value.message
    assert "The discriminate signature takes float32 images in [0, 1]" in message
    assert "discriminate_uint8 signature (input pixels" in message
    # The model's own message offers uint8 input, which this float signature refuses.
    assert "or uint8 in [0, 255]" not in message
    with pytest.raises(tf.errors.InvalidArgumentError, match="NaN"):
        loaded_gan.discriminate(tf.fill([1, 28, 28, 1], float("nan")))


def test_wrong_dtype_is_rejected(loaded_gan):
    with pytest.raises(TypeError, match="float32"):
        loaded_gan.generate(tf.zeros([2, 8], tf.float64))


# -- sample_grid_from_export -----------------------------------------------------
def test_sample_grid_from_export(exported):
    gan, base = exported.models["gan"], os.path.dirname(exported.dirs["gan"])
    images = export.sample_grid_from_export(base, n=6, seed=3)
    assert isinstance(images, np.ndarray) and images.shape == (6, 28, 28, 1)
    latent = np.random.default_rng(3).standard_normal((6, 8), dtype=np.float32)
    np.testing.assert_allclose(images, gan.generate(latent), atol=ATOL)
    again = export.sample_grid_from_export(exported.dirs["gan"], n=6, seed=3)
    np.testing.assert_array_equal(again, images)
    other = export.sample_grid_from_export(base, n=6, seed=4)
    assert not np.allclose(other, images)


def test_sample_grid_from_a_vae_export(exported):
    images = export.sample_grid_from_export(exported.dirs["vae"], n=3)
    assert images.shape == (3, 28, 28, 1)


def test_sample_grid_errors(exported, tmp_path):
    with pytest.raises(ValueError, match="no 'generate' signature"):
        export.sample_grid_from_export(exported.dirs["autoencoder"], n=2)
    with pytest.raises(FileNotFoundError, match=re.escape(str(tmp_path / "nothing"))):
        export.sample_grid_from_export(tmp_path / "nothing")
    with pytest.raises(ValueError, match="positive"):
        export.sample_grid_from_export(exported.dirs["gan"], n=0)


# -- paths, versions, overwrite --------------------------------------------------
@pytest.fixture(scope="module")
def tiny_ae():
    return small_ae()


@pytest.fixture(scope="module")
def keras_file(tiny_ae, tmp_path_factory):
    path = tmp_path_factory.mktemp("keras") / "tiny.keras"
    tiny_ae.save(path)
    return path


def test_missing_path_names_the_path_and_what_was_expected(tmp_path):
    missing = tmp_path / "no-such-run"
    with pytest.raises(FileNotFoundError, match=re.escape(str(missing)) + ".*run directory"):
        export.export_from(missing, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_run_dir_without_model_keras(tmp_path):
    (tmp_path / "run").mkdir()
    with pytest.raises(FileNotFoundError, match=r"No model\.keras in .*run"):
        export.export_from(tmp_path / "run", tmp_path / "out")


def test_unknown_file_and_export_dir_are_not_models(exported, tmp_path):
    weights = tmp_path / "weights.h5"
    weights.write_bytes(b"")
    with pytest.raises(FileNotFoundError, match=r"not a \.keras file"):
        export.export_from(weights, tmp_path / "out")
    with pytest.raises(FileNotFoundError, match="is a SavedModel export"):
        export.export_from(os.path.dirname(exported.dirs["gan"]), tmp_path / "out")


def test_non_zoo_model_is_refused_before_writing(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    with pytest.raises(TypeError, match="Cannot export Sequential"):
        export.export(model, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_out_dir_that_is_a_file(tiny_ae, tmp_path):
    target = tmp_path / "out"
    target.write_text("not a directory")
    with pytest.raises(NotADirectoryError, match="is a file"):
        export.export(tiny_ae, target)


def test_versions_increment_after_existing_numeric_dirs(keras_file, tmp_path):
    base = tmp_path / "models" / "ae"
    assert export.export_from(keras_file, base) == str(base / "1")
    assert export.export_from(keras_file, base) == str(base / "2")
    (base / "7").mkdir()
    (base / "notes").mkdir()
    (base / "12").write_text("a file, not a version")
    assert export.export(keras.models.load_model(keras_file), base) == str(base / "8")
    # Only versions, never staging directories, are left behind.
    assert sorted(p.name for p in base.iterdir()) == ["1", "12", "2", "7", "8", "notes"]
    assert (base / "8" / "saved_model.pb").is_file()


def test_existing_version_needs_overwrite(tiny_ae, exported, tmp_path):
    base = tmp_path / "out"
    target = export.export(tiny_ae, base, version=3)
    assert target == str(base / "3")
    sentinel = base / "3" / "sentinel.txt"
    sentinel.write_text("mine")
    with pytest.raises(FileExistsError, match=r"already holds an export; pass --overwrite"):
        export.export(exported.models["gan"], base, version=3)
    assert sentinel.read_text() == "mine"  # Untouched.

    assert export.export(exported.models["gan"], base, version=3, overwrite=True) == target
    assert not sentinel.exists()
    assert sorted(p.name for p in base.iterdir()) == ["3"]
    assert "generate" in tf.saved_model.load(target).signatures  # The GAN replaced the AE.


def test_failed_overwrite_keeps_the_previous_export(tiny_ae, exported, tmp_path, monkeypatch):
    base = tmp_path / "out"
    target = Path(export.export(tiny_ae, base, version=1))
    real_replace = os.replace

    def failing_replace(src, dst):
        if Path(src).name.startswith(".partial-"):  # the new export's swap into place
            raise OSError("disk full")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        export.export(exported.models["gan"], base, version=1, overwrite=True)
    assert sorted(p.name for p in base.iterdir()) == ["1"]
    assert "reconstruct" in tf.saved_model.load(str(target)).signatures  # Still the AE.


def test_empty_version_dir_needs_no_overwrite(tiny_ae, tmp_path):
    (tmp_path / "out" / "1").mkdir(parents=True)
    assert export.export(tiny_ae, tmp_path / "out", version="1") == str(tmp_path / "out" / "1")


@pytest.mark.parametrize("version", [0, -1, "v2", 1.5, True])
def test_bad_versions(tiny_ae, tmp_path, version):
    with pytest.raises(ValueError, match="positive integer"):
        export.export(tiny_ae, tmp_path / "out", version=version)


def test_signature_names(exported):
    assert export.signature_names(exported.models["gan"]) == [
        *("generate", "sample", "discriminate", "discriminate_uint8"),
    ]
    assert export.signature_names(exported.models["vae"]) == [
        *("reconstruct", "reconstruct_uint8", "encode", "encode_uint8"),
        *("decode", "generate", "sample"),
    ]


def test_docs_cover_every_signature_and_input_name():
    text = DOCS.read_text()
    for word in (
        *("generate", "discriminate", "encode", "decode", "reconstruct", "serving_default"),
        *(export.LATENT, export.IMAGES, export.CODES, "probability_real", "z_log_var"),
        *("sample", "seeds", "pixels", "discriminate_uint8", "encode_uint8", "reconstruct_uint8"),
        *("assets.extra/zoo.json", "tf_serving_warmup_requests", "--info", "--format tflite"),
        *("saved_model_cli show --all", "saved_model_cli run", "--input_exprs", "tf2onnx"),
        "python -m zoo export",
        "tensorflow_model_server",
        "pip install -e '.[serving]'",
    ):
        assert word in text, word
