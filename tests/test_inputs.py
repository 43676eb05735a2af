"""Float-image checks hold under XLA, which drops the step's own assert ops.

``a000.ae`` compiles with ``jit_compile=True`` (its recipe's default), so
``fit``/``evaluate`` check float images outside the compiled step: arrays up
front, datasets, generators and ``PyDataset`` batches as they are read.
"""

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
    with pytest.raises((ValueError, tf.errors.InvalidArgumentError), match=message):
        model.fit(**fit_kwargs, epochs=1, verbose=0)
    assert all(np.isfinite(w).all() for w in model.get_weights())
    if evaluate_x is not None:
        with pytest.raises((ValueError, tf.errors.InvalidArgumentError), match=message):
            model.evaluate(evaluate_x, verbose=0)


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
    # Without XLA the step's check names the shape; XLA drops it, and its reshape fails.
    message = r"Expected \(28, 28, 1\) images .*got shape.*32 27 27"
    if jit:
        message = "requested shape requires a multiple of 784"
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        ae.fit(D(digits[:64, :27, :27]).batch(32), verbose=0)
