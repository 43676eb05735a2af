"""The export tests' cases (``tests/test_export*.py``): models, their exports, the docs' blocks.

Written independently of :mod:`zoo.export`: the expectations here are what
the families and ``docs/serving.md`` promise, not what the code does.
"""

import importlib.util
import re
import sys
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from helpers import FAMILIES

import zoo
from zoo import networks as nets

ATOL = 1e-5
BATCHES = (3, 5)
IMAGE = [None, 28, 28, 1]
PIXELS = [None, 28, 28]
INPUT_DTYPES = {"seeds": "int64", "pixels": "uint8"}  # The others are float32.
#: Seeds of the determinism test: a repeat, 0, a large one and a negative one; and
#: the exports it loads twice (every generator's sample is compared with Keras anyway).
SAMPLE_SEEDS = [5, 0, 2**40, -3, 5]
LOADED_TWICE = ["gan", "dcgan", "latent_gan_from_keras", "vae"]
TESTS = Path(__file__).resolve().parent
DOCS = TESTS.parent / "docs" / "serving.md"
DOC_EXPORT_DIR = "exports/gan/1"  # The path the docs' snippets load; replaced here.
ONNX_READY = all(importlib.util.find_spec(m) for m in ("tf2onnx", "onnxruntime"))
# What the run directory of the reloaded VAE says about its run.
RUN_JSON = {"recipe": "a001.vae", "steps": 12, "seed": 3, "data": "fixture digits"}
EVAL_JSON = {"reconstruction": {"mse": 0.05, "bce": 80.0, "n": 10000}}


# -- models ----------------------------------------------------------------------
def _compile_gan(model):
    model.compile(d_optimizer=keras.optimizers.Adam(), g_optimizer=keras.optimizers.Adam())
    return model


def small_gan():
    """A DCGAN in [-1, 1]: BatchNorm and Dropout must run in inference mode."""
    return _compile_gan(
        zoo.GAN(
            nets.dcgan_generator(8, base_shape=(7, 7, 4), filters=(4,)),
            nets.dcgan_discriminator(filters=(4, 8)),
            network_range=(-1.0, 1.0),
            seed=1,
        )
    )


def small_ae(cls=zoo.Autoencoder, code=6, **kwargs):
    model = cls(
        nets.mlp((28, 28, 1), code, hidden=(16,), name="encoder"),
        nets.mlp(code, (28, 28, 1), hidden=(16,), output_activation="tanh", name="decoder"),
        network_range=(-1.0, 1.0),
        **kwargs,
    )
    model.compile(optimizer="adam")
    return model


#: The tests' family table, and two models that exercise more of export: a DCGAN
#: (BatchNorm and Dropout must run in inference mode) and an autoencoder in [-1, 1].
BUILDERS = {
    **{name: row.build for name, row in FAMILIES.items()},
    "dcgan": small_gan,
    "autoencoder_tanh": small_ae,
}
# Exported from a saved model rather than the object: (saved as, family).
RELOADED = {
    "latent_gan_from_keras": ("keras_file", "latent_gan"),
    "vae_from_run_dir": ("run_dir", "vae"),
}


def _recipe_names():
    try:
        from zoo import recipes
    except ModuleNotFoundError as e:  # Only a missing module; a broken one must fail.
        if e.name != "zoo.recipes":
            raise
        return []
    return list(recipes.names())


RECIPES = _recipe_names()
CASES = [*BUILDERS, *RELOADED, *(f"recipe:{name}" for name in RECIPES)]


def build(case):
    if case.startswith("recipe:"):
        from zoo import recipes

        return recipes.build(case.removeprefix("recipe:"))
    return BUILDERS[case]()


# -- what each family must export (written independently of zoo.export) ----------
def expected_signatures(model):
    """``{signature: (input name, input shape, {output: shape})}``, and the default."""
    if isinstance(model, zoo.GAN):
        latent = [None, model.latent_dim]
        sigs = {
            "generate": ("latent_normal", latent, {"images": IMAGE}),
            "sample": ("seeds", [None], {"images": IMAGE}),
            "discriminate": ("images_0_1", IMAGE, {"probability_real": [None, 1]}),
        }
        default = "generate"
    else:
        code = [None, model.latent_dim]
        if isinstance(model, zoo.VAE):
            encoded = {"z_mean": code, "z_log_var": code}
        else:
            encoded = {"codes": code}
        sigs = {
            "reconstruct": ("images_0_1", IMAGE, {"images": IMAGE}),
            "encode": ("images_0_1", IMAGE, encoded),
            "decode": ("codes", code, {"images": IMAGE}),
        }
        if isinstance(model, zoo.VAE):
            sigs["generate"] = ("latent_normal", code, {"images": IMAGE})
            sigs["sample"] = ("seeds", [None], {"images": IMAGE})
        default = "reconstruct"
    # Every signature that takes float images has a twin taking raw uint8 pixels.
    for name, (input_name, _, outputs) in list(sigs.items()):
        if input_name == "images_0_1":
            sigs[f"{name}_uint8"] = ("pixels", PIXELS, outputs)
    return {**sigs, "serving_default": sigs[default]}, default


def keras_outputs(model, signature, x):
    """What the Keras model's own methods give for one signature's input."""
    # The methods take raw uint8 pixels as they are: what the twins must equal.
    signature = signature.removesuffix("_uint8")
    if signature == "generate":
        # A VAE generates by decoding prior samples.
        return {"images": model.decode(x) if isinstance(model, zoo.VAE) else model.generate(x)}
    if signature == "sample":
        return {"images": model.sample_seeds(x)}
    if signature == "discriminate":
        return {"probability_real": model.discriminate(x)}
    if signature == "encode":
        if isinstance(model, zoo.VAE):
            z_mean, z_log_var = model.encode(x)
            return {"z_mean": z_mean, "z_log_var": z_log_var}
        return {"codes": model.encode(x)}
    if signature == "decode":
        return {"images": model.decode(x)}
    if signature == "reconstruct":
        return {"images": model.reconstruct(x)}
    raise AssertionError(f"no reference for {signature}")


def fixed_input(name, shape, batch, seed):
    rng = np.random.default_rng(seed)
    full = (batch, *shape[1:])
    if name == "seeds":
        return rng.integers(-(2**40), 2**40, batch)  # int64, large and negative ones too
    if name == "pixels":
        return rng.integers(0, 256, full, dtype=np.uint8)
    if name == "images_0_1":
        return rng.uniform(0.0, 1.0, full).astype("float32")
    return rng.standard_normal(full).astype("float32")


# -- the docs' tested blocks -----------------------------------------------------
def docs_block(tag, language="python"):
    """The ``language`` block after the ``<!-- tested: TAG ... -->`` marker in docs/serving.md."""
    text = DOCS.read_text()
    match = re.search(
        rf"<!-- tested: {re.escape(tag)}[^>]*-->\s*```{language}\n(.*?)```", text, re.S
    )
    assert match, f"{DOCS} lost its tested {tag} block"
    return match.group(1)


def docs_snippet():
    """The plain-TF Python block of docs/serving.md."""
    block = docs_block("plain-tf")
    assert DOC_EXPORT_DIR in block
    return block


def onnx_command(saved_model, output):
    """The docs' tf2onnx command, on ``saved_model``, writing ``output``."""
    (line,) = [x for x in docs_block("onnx", "bash").splitlines() if "tf2onnx.convert" in x]
    args = line.split()
    assert args[:3] == ["python", "-m", "tf2onnx.convert"] and DOC_EXPORT_DIR in args, line
    args = [str(saved_model) if a == DOC_EXPORT_DIR else a for a in args]
    args[args.index("--output") + 1] = str(output)
    return [sys.executable, *args[1:]], args[args.index("--signature_def") + 1]


# -- TensorFlow Serving's REST mapping ----------------------------------------
def tf_serving_rest(loaded, body):
    """TensorFlow Serving's REST ``:predict``, answered by a loaded SavedModel.

    The documented mapping: the row format ``{"instances": [...]}`` has one
    entry per example (a bare value for a one-input signature, else a dict)
    and is answered ``{"predictions": [...]}`` (per-example dicts when there
    are several outputs); the columnar format ``{"inputs": ...}`` is answered
    ``{"outputs": ...}`` (a dict when there are several). JSON numbers become
    tensors of the input's declared dtype; ``signature_name`` defaults to
    ``serving_default``.
    """
    fn = loaded.signatures[body.get("signature_name", "serving_default")]
    specs = fn.structured_input_signature[1]
    if "instances" in body:
        rows = body["instances"]
        given = {k: [r[k] for r in rows] for k in specs} if isinstance(rows[0], dict) else None
        given = given or {next(iter(specs)): rows}
    else:
        given = (
            body["inputs"]
            if isinstance(body["inputs"], dict)
            else {next(iter(specs)): body["inputs"]}
        )
    tensors = {
        k: tf.constant(np.asarray(v, specs[k].dtype.as_numpy_dtype)) for k, v in given.items()
    }
    result = {k: v.numpy().tolist() for k, v in fn(**tensors).items()}
    if "instances" not in body:
        return {"outputs": next(iter(result.values())) if len(result) == 1 else result}
    if len(result) == 1:
        return {"predictions": next(iter(result.values()))}
    rows = zip(*result.values(), strict=True)
    return {"predictions": [dict(zip(result, row, strict=True)) for row in rows]}
