"""Input checks: float images under XLA, and what ``fit`` refuses before its first step.

``a000.ae`` compiles with ``jit_compile=True`` (its recipe's default), so
``fit``/``evaluate`` check float images outside the compiled step: arrays up
front, datasets, generators and ``PyDataset`` batches as they are read. Each
refusal is zoo's own ``ValueError``, not TensorFlow's "Graph execution error".
"""

import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from zoo import training

D = tf.data.Dataset.from_tensor_slices


class Batches(keras.utils.PyDataset):
    def __init__(self, x, batch_size=32):
        super().__init__()
        self.x, self.batch_size = x, batch_size

    def __len__(self):
        return len(self.x) // self.batch_size

    def __getitem__(self, i):
        return self.x[i * self.batch_size : (i + 1) * self.batch_size]


def _generator(x, batch_size=32):
    for start in range(0, len(x), batch_size):
        yield (x[start : start + batch_size],)  # Keras wants tuples from generators


# What fit takes, built from float images x; (fit kwargs, evaluate's x or None).
KINDS = {
    "array": lambda x: ({"x": x, "batch_size": 32}, x),
    "tf.data": lambda x: ({"x": D(x).batch(32)}, D(x).batch(32)),
    "tf.data (x, y)": lambda x: ({"x": D((x, x)).batch(32)}, D((x, x)).batch(32)),
    "generator": lambda x: ({"x": _generator(x), "steps_per_epoch": len(x) // 32}, None),
    "PyDataset": lambda x: ({"x": Batches(x)}, Batches(x)),
    "validation_data": lambda x: ({"x": x[:32] * 0, "validation_data": (x, x)}, None),
}


@pytest.fixture
def model():
    ae = training.build_model("a000.ae", hidden=32, code_dim=8)
    assert ae.jit_compile is True and ae.steps_per_execution == 16
    return ae


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "bad, message", [(np.nan, "NaN or Inf"), (3.0, r"Divide raw pixels by 255")], ids=["nan", "3.0"]
)
def test_bad_floats_are_refused_under_xla_and_change_no_weight(model, digits, kind, bad, message):
    x = digits[:128].astype("float32") / 255.0
    x[70, 4, 5] = bad  # in the third batch: the first two may train, the bad one must not
    fit_kwargs, evaluate_x = KINDS[kind](x)
    with pytest.raises(ValueError, match=message) as refused:
        model.fit(**fit_kwargs, epochs=1, verbose=0)
    assert "\n" not in str(refused.value) and "Graph execution" not in str(refused.value)
    assert all(np.isfinite(w).all() for w in model.get_weights())
    if evaluate_x is not None:
        with pytest.raises(ValueError, match=message):
            model.evaluate(evaluate_x, verbose=0)


def test_a_tf_data_pipeline_of_0_255_floats_under_xla_gets_zoos_message(model, digits):
    floats = D(digits[:64]).map(lambda x: tf.cast(x, "float32")).batch(32)
    with pytest.raises(ValueError) as refused:
        model.fit(floats, epochs=1, verbose=0)
    assert str(refused.value) == (
        "zoo models take float images in [0, 1] (or uint8 in [0, 255]); got values in "
        "[0, 255]. Divide raw pixels by 255, or pass them as uint8."
    )


@pytest.mark.parametrize("kind", KINDS)
def test_good_floats_train_under_xla(model, digits, kind):
    x = digits[:128].astype("float32") / 255.0
    before = model.evaluate(x, verbose=0, return_dict=True)["loss"]
    fit_kwargs, _ = KINDS[kind](x)
    history = model.fit(**fit_kwargs, epochs=1, verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    if kind == "validation_data":  # trains on one blank batch, validates on x
        assert int(model.optimizer.iterations) == 1
    else:  # four steps on x lower its reconstruction loss
        assert int(model.optimizer.iterations) == 4
        assert model.evaluate(x, verbose=0, return_dict=True)["loss"] < before


def test_train_on_batch_checks_under_xla(model, digits):
    x = digits[:32].astype("float32")  # 0-255 floats
    with pytest.raises(ValueError, match="Divide raw pixels by 255"):
        model.train_on_batch(x)
    with pytest.raises(ValueError, match="Divide raw pixels by 255"):
        model.test_on_batch(x)
    assert int(model.optimizer.iterations) == 0


@pytest.mark.parametrize("jit", [False, True])
def test_inputs_of_several_ranks_in_turn(digits, jit):
    # After inputs of several ranks fit() retraces with an unknown rank; the step
    # must still take 28x28, 28x28x1 and 784-pixel images.
    ae = training.build_model(
        "a000.ae", hidden=32, code_dim=8, compile_options={"jit_compile": jit}
    )
    floats = digits[:64].astype("float32") / 255.0
    for x in (digits[:64], floats, floats[..., None], floats.reshape(64, 784)):
        for data in (x, D(x).batch(32)):
            history = ae.fit(data, batch_size=None if isinstance(data, tf.data.Dataset) else 32)
            assert np.isfinite(history.history["loss"][-1])
    # A known wrong shape is refused before the first step.
    with pytest.raises(ValueError, match=r"fit's x: expected .*got shape \(None, 27, 27\)"):
        ae.fit(D(digits[:64, :27, :27]).batch(32), verbose=0)
    # Of unknown shape, without XLA the step's check names it; XLA drops it, and its reshape fails.
    unknown = tf.data.Dataset.from_generator(
        lambda: iter([digits[:32, :27, :27]]), output_signature=tf.TensorSpec(None, tf.uint8)
    )
    message = r"Expected \(28, 28, 1\) images .*got shape.*32 27 27"
    if jit:
        message = "requested shape requires a multiple of 784"
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        ae.fit(unknown, verbose=0)


# -- refused before the first step -------------------------------------------------------
@pytest.mark.parametrize(
    "validation",
    [
        lambda v: v,
        lambda v: (v, np.zeros(len(v))),
        lambda v: D(v).batch(8),
        lambda v: D((v, np.zeros(len(v)))).batch(8),
    ],
    ids=["array", "(x, y)", "tf.data", "tf.data (x, y)"],
)
def test_wrongly_shaped_validation_data_is_refused_before_the_first_step(model, digits, validation):
    wrong = validation(digits[:16, :27, :27])
    with pytest.raises(ValueError) as refused:
        model.fit(digits[:512], batch_size=32, epochs=1, validation_data=wrong, verbose=0)
    # What is wrong, what was expected, the fix; and no epoch of training first.
    assert re.fullmatch(
        r"fit's validation_data: expected a batch of images shaped \(N, 28, 28, 1\), .*; got "
        r"shape \((16|None), 27, 27\)\. .*check that the images are 28x28 grayscale\.",
        str(refused.value),
    ), refused.value
    assert int(model.optimizer.iterations) == 0


def test_validation_data_of_a_wrong_dtype_is_refused_before_the_first_step(model, digits):
    with pytest.raises(TypeError, match=r"fit's validation_data: images must be uint8 .*int32"):
        model.fit(digits[:512], batch_size=32, validation_data=digits[:16].astype("int32"))
    assert int(model.optimizer.iterations) == 0


def test_a_dataset_filtered_to_empty_is_refused(model, digits):
    empty = D(digits[:64]).filter(lambda x: tf.reduce_max(x) > 255).batch(32)
    assert int(empty.cardinality()) == tf.data.UNKNOWN_CARDINALITY  # not known up front
    with pytest.raises(ValueError, match=r"fit got no batches in epoch 1: the training data is"):
        model.fit(empty, epochs=3, verbose=0)
    with pytest.raises(ValueError, match=r"fit got no batches: the validation_data is empty"):
        model.fit(digits[:32], batch_size=32, validation_data=empty, verbose=0)
    with pytest.raises(ValueError, match=r"evaluate got no batches: the data is empty \(a tf"):
        model.evaluate(empty, verbose=0)
