"""Random malformed input to every entry point gets a clean error, never a crash or a hang.

75 seeded cases (``CASES``) go round the entry points (``fit``, ``evaluate``,
``encode``/``decode``/``reconstruct``, ``generate``/``discriminate``/``sample``,
and the exported SavedModel signatures) and an input: ranks 0-5, random sizes,
dtypes uint8/int32/float16/float32/float64/bool/str/object, NaN, Inf, negative,
huge or empty values. Each must either work (and then return images of the
right shape, in [0, 1] for finite input) or raise one of ``ALLOWED``.
"""

import faulthandler
import os
import time

import numpy as np
import pytest
import tensorflow as tf
from helpers import FAMILIES

#: The only exceptions that bad input may raise: ours (ValueError, TypeError) and
#: TensorFlow's run-time argument checks (range and NaN asserts, EnsureShape).
ALLOWED = (ValueError, TypeError, tf.errors.InvalidArgumentError)
CASES = 75  # three per entry point
SEED = 20240601
CASE_LIMIT_S = 30.0  # tracing a new input signature takes a few seconds on a busy machine
HANG_LIMIT_S = 300  # faulthandler ends the whole run (with tracebacks) rather than hang
LATENT = 4
DTYPES = ("uint8", "int32", "float16", "float32", "float64", "bool", "str", "object")
SHAPES = ((28, 28), (28, 28, 1), (784,), (LATENT,), (LATENT + 1,), (28, 28, 3), (32, 32))
VALID = {"images": ((28, 28), (28, 28, 1), (784,)), "codes": ((LATENT,),)}


def tiny_models():
    """The tests' tiny GAN, VAE and autoencoder (``helpers.FAMILIES``), with a LATENT-d code."""
    return {
        "gan": FAMILIES["gan"].build(latent=LATENT, width=8, network_range=(0.0, 1.0)),
        "vae": FAMILIES["vae"].build(latent=LATENT, width=8),
        "ae": FAMILIES["autoencoder"].build(width=8, code=LATENT),
    }


def malformed(rng, kind):
    """A random array for an input of ``kind`` and a description that reproduces it."""
    roll = rng.random()
    if roll < 0.5:  # the right shape and a numeric dtype: reaches the value checks
        tail = VALID[kind][int(rng.integers(len(VALID[kind])))]
        shape = (int(rng.integers(0, 4)), *tail)
        dtype = ("float32", "float64", "float16", "uint8")[int(rng.integers(4))]
    elif roll < 0.8:  # near-valid: a batch of slightly wrong shape
        shape = (int(rng.integers(0, 4)), *SHAPES[int(rng.integers(len(SHAPES)))])
        dtype = DTYPES[int(rng.integers(len(DTYPES)))]
    else:  # anything: ranks 0-5
        shape = tuple(int(rng.choice([0, 1, 2, 3, 28, 784])) for _ in range(rng.integers(0, 6)))
        if np.prod(shape) > 100_000:  # keep every case small and fast
            shape = shape[:2]
        dtype = DTYPES[int(rng.integers(len(DTYPES)))]
    values_kind = str(rng.choice(["plain", "nan", "inf", "negative", "huge"]))
    values = rng.random(shape)
    if values.size and values_kind in ("nan", "inf"):
        values.flat[int(rng.integers(values.size))] = np.nan if values_kind == "nan" else np.inf
    values = {"negative": -values, "huge": values * 1e30}.get(values_kind, values)
    with np.errstate(all="ignore"):
        x = values.astype(dtype if dtype != "str" else str)
    return x, f"{dtype}{shape} {values_kind}"


def random_count(rng):
    return [3, 0, -2, 2.5, "4", None, np.nan, np.array([2, 3]), "many"][int(rng.integers(9))]


def entry_points(models, exported):
    """Name -> (call, what the input feeds: "images", "codes" or "count")."""
    gan, vae, ae = models["gan"], models["vae"], models["ae"]
    points = {}
    for family, model in models.items():
        points[f"{family}.fit"] = (lambda x, m=model: m.fit(x, batch_size=4, verbose=0), "images")
        points[f"{family}.evaluate"] = (
            lambda x, m=model: m.evaluate(x, batch_size=4, verbose=0),
            "images",
        )
    points.update(
        {
            "gan.generate": (gan.generate, "codes"),
            "gan.discriminate": (gan.discriminate, "images"),
            "gan.sample": (gan.sample, "count"),
            "vae.sample": (vae.sample, "count"),
            "vae.generate": (vae.generate, "codes"),
        }
    )
    for family, model in (("vae", vae), ("ae", ae)):
        points[f"{family}.encode"] = (model.encode, "images")
        points[f"{family}.decode"] = (model.decode, "codes")
        points[f"{family}.reconstruct"] = (model.reconstruct, "images")
    for family, loaded in exported.items():
        for name, fn in loaded.signatures.items():
            (arg,) = fn.structured_input_signature[1]
            kind = "codes" if arg in ("latent_normal", "codes") else "images"
            points[f"{family}.savedmodel.{name}"] = (lambda x, f=fn, a=arg: f(**{a: x}), kind)
    return points


def check_output(out, x, kind):
    """A call that worked must have returned sensible images."""
    if kind == "count" or not isinstance(out, tf.Tensor) or out.shape.rank != 4:
        return
    assert out.dtype == tf.float32 and tuple(out.shape[1:]) == (28, 28, 1)
    if np.issubdtype(np.asarray(x).dtype, np.number) and np.isfinite(np.asarray(x)).all():
        images = np.asarray(out)
        assert images.min() >= 0.0 and images.max() <= 1.0


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    export = pytest.importorskip("zoo.export", reason="zoo.export is not importable yet")
    models = tiny_models()
    out = tmp_path_factory.mktemp("exports")
    return {
        family: tf.saved_model.load(export.export(models[family], str(out / family)))
        for family in ("gan", "vae")  # their signatures cover all five names
    }


def test_exports_have_the_five_signatures(exported):
    names = {n for loaded in exported.values() for n in loaded.signatures}
    assert {"generate", "discriminate", "encode", "decode", "reconstruct"} <= names


def test_malformed_input_everywhere_gets_a_clean_error(exported):
    models = tiny_models()
    points = entry_points(models, exported)
    names = sorted(points)
    rng = np.random.default_rng(SEED)
    faulthandler.dump_traceback_later(HANG_LIMIT_S, exit=True)
    outcomes, slow, started = {}, [], time.perf_counter()
    try:
        for case in range(CASES):
            name = names[case % len(names)]  # round robin: every entry point is hit
            call, kind = points[name]
            if kind == "count":
                x, what = (n := random_count(rng)), repr(n)
            else:
                x, what = malformed(rng, kind)
            t0 = time.perf_counter()
            try:
                check_output(call(x), x, kind)
                outcome = "ok"
            except ALLOWED as e:
                outcome = type(e).__name__
            except Exception as e:  # anything else is the bug this test looks for
                pytest.fail(f"case {case}: {name}({what}) raised {type(e).__name__}: {e}")
            seconds = time.perf_counter() - t0
            if seconds > CASE_LIMIT_S:
                slow.append(f"case {case}: {name}({what}) took {seconds:.1f} s")
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            if os.environ.get("ZOO_FUZZ_VERBOSE"):
                print(f"case {case}: {name}({what}) -> {outcome}")
    finally:
        faulthandler.cancel_dump_traceback_later()
    assert not slow, slow
    # A refused batch must not have reached the weights (the checks gate the update).
    for family, model in models.items():
        assert all(np.isfinite(w).all() for w in model.get_weights()), family
    assert len(points) * 3 >= CASES >= len(points)  # every entry point, a few times
    # The seeded draw reaches both working calls and each kind of refusal.
    assert outcomes.get("ok", 0) > 0 and outcomes.get("ValueError", 0) > 0, outcomes
    assert outcomes.get("InvalidArgumentError", 0) + outcomes.get("TypeError", 0) > 0, outcomes
    print(f"{CASES} cases in {time.perf_counter() - started:.1f} s: {outcomes}")
