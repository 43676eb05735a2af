"""One-line checks that any zoo model can be put through (keras-hub style)."""

import keras
import numpy as np


def weights_of(network):
    return [np.array(v) for v in network.trainable_variables]


def changed(before, after):
    """Whether any of the weight arrays differs."""
    return any(not np.array_equal(a, b) for a, b in zip(before, after, strict=True))


def check_config_roundtrip(model):
    """``from_config(get_config())`` rebuilds a model with the same config."""
    config = model.get_config()
    clone = type(model).from_config(config)
    assert clone.get_config() == config
    return clone


def check_saving(model, path, outputs, train_data=None):
    """A ``.keras`` round trip gives identical outputs, recompiled, and trains on.

    Args:
        model: A compiled, trained model.
        path: Where to write the ``.keras`` file.
        outputs: ``fn(model) -> array`` of deterministic outputs to compare.
        train_data: If given, the reloaded model must train one more epoch on it.
    """
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is type(model)
    np.testing.assert_array_equal(np.asarray(outputs(loaded)), np.asarray(outputs(model)))
    assert loaded.compiled, "the reloaded model must come back compiled"
    if train_data is not None:
        history = loaded.fit(train_data, batch_size=64, epochs=1, verbose=0)
        assert all(np.isfinite(v[-1]) for v in history.history.values())
    return loaded
