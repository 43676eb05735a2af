"""The seeds' noise (zoo.models.philox): TensorFlow's Philox in TFLite builtins.

Checked against TensorFlow's own stateless ops (words bit for bit, normals
within float rounding), for its statistics, and through the TFLite converter
and ``tf.lite.Interpreter`` with builtin ops only.
"""

import warnings

import numpy as np
import pytest
import tensorflow as tf

from zoo.models.philox import philox_words, seeded_normal

#: Seeds at every word boundary of int64's two's complement, and some ordinary ones.
EDGES = np.array(
    [0, 1, 5, 7, -1, -3, 2**31 - 1, 2**31, -(2**31), 2**32 - 1, 2**32, 2**40, 2**47, 2**48]
    + [-(2**48) - 1, 2**62 + 12345, 123456789012345, 2**63 - 1, -(2**63)],
    np.int64,
)


def _tf_words(seed, n):
    return tf.random.stateless_uniform(
        [n], seed=tf.constant([seed, 0], tf.int64), minval=None, maxval=None,
        dtype=tf.uint32, alg="philox",
    ).numpy()  # fmt: skip


def test_words_are_tensorflows_philox_bit_for_bit():
    words = philox_words(EDGES, 3).numpy()
    assert words.shape == (len(EDGES), 12) and words.dtype == np.uint32
    # A graph too, as an export runs it (Grappler's rewrites must keep every bit).
    graph = tf.function(
        lambda s: philox_words(s, 3), input_signature=[tf.TensorSpec([None], tf.int64)]
    )
    np.testing.assert_array_equal(graph(EDGES).numpy(), words)
    for row, seed in zip(words, EDGES, strict=True):
        np.testing.assert_array_equal(row, _tf_words(seed, 12), err_msg=str(seed))


@pytest.mark.parametrize("dim", [1, 2, 5, 8, 100])
def test_normals_are_tensorflows_stateless_normal(dim):
    z = seeded_normal(EDGES, dim).numpy()
    assert z.shape == (len(EDGES), dim) and z.dtype == np.float32
    for row, seed in zip(z, EDGES, strict=True):
        want = tf.random.stateless_normal([dim], seed=tf.constant([seed, 0]), alg="philox")
        # Only LOG/SIN/COS rounding differs: the words are the same.
        np.testing.assert_allclose(row, want.numpy(), rtol=0, atol=2e-6, err_msg=str(seed))


def test_a_seed_gives_its_row_whatever_the_batch():
    z = seeded_normal(EDGES, 10).numpy()
    np.testing.assert_array_equal(seeded_normal(EDGES[3:4], 10).numpy()[0], z[3])
    np.testing.assert_array_equal(seeded_normal(EDGES[::-1], 10).numpy()[::-1], z)
    assert seeded_normal(np.zeros(0, np.int64), 10).shape == (0, 10)
    with pytest.raises(ValueError, match=r"seeds of shape \(N,\)"):
        seeded_normal([[1, 2]], 10)


def test_ten_thousand_seeds_give_independent_standard_normals():
    z = seeded_normal(np.arange(-5000, 5000), 64).numpy().astype(np.float64)
    # 5 standard errors (0.01 for a mean, 0.007 for a std over 10,000 rows).
    np.testing.assert_array_less(np.abs(z.mean(axis=0)), 0.05)
    np.testing.assert_array_less(np.abs(z.std(axis=0) - 1.0), 0.04)
    # Normal, not only unit variance: the share within one sigma (SE 0.0006).
    assert abs(np.mean(np.abs(z) < 1.0) - 0.6827) < 0.005
    # Distinct seeds, distinct latents; neither dims nor neighbouring seeds correlate.
    assert len(np.unique(z, axis=0)) == len(z)
    corr = np.corrcoef(z, rowvar=False)
    np.testing.assert_array_less(np.abs(corr - np.eye(64)), 0.05)
    neighbours = np.corrcoef(z[:-1].ravel(), z[1:].ravel())[0, 1]
    assert abs(neighbours) < 0.01


def test_converts_to_builtin_tflite_ops_and_draws_the_same(tmp_path):
    module = tf.Module()
    module.draw = tf.function(
        lambda seeds: {"z": seeded_normal(seeds, 50)},
        input_signature=[tf.TensorSpec([None], tf.int64, name="seeds")],
    )
    tf.saved_model.save(module, str(tmp_path), signatures={"draw": module.draw})
    converter = tf.lite.TFLiteConverter.from_saved_model(str(tmp_path), signature_keys=["draw"])
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "tf.lite.Interpreter is deprecated" (LiteRT)
        interpreter = tf.lite.Interpreter(model_content=converter.convert())
    ops = {op["op_name"] for op in interpreter._get_ops_details()}
    assert not {op for op in ops if op.startswith("Flex") or op == "CUSTOM"}, ops
    assert {"BITWISE_XOR", "RIGHT_SHIFT", "MUL", "FLOOR_MOD", "COS"} <= ops
    runner = interpreter.get_signature_runner("draw")
    for seeds in (EDGES, EDGES[:1], EDGES[:0], np.arange(1000) * 7919 - 2**40):
        got = runner(seeds=seeds)["z"]
        assert got.shape == (len(seeds), 50)
        np.testing.assert_allclose(got, module.draw(seeds)["z"].numpy(), rtol=0, atol=1e-5)
    # A seed's row does not depend on the batch here either.
    whole = runner(seeds=EDGES)["z"]
    np.testing.assert_array_equal(runner(seeds=EDGES[::-1])["z"][::-1], whole)
    np.testing.assert_array_equal(runner(seeds=EDGES[3:4])["z"][0], whole[3])
