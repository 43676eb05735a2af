"""SavedModel export: every family and recipe loads and runs in plain TensorFlow.

One module-scoped fixture builds small models of every family (and every
recipe, once ``zoo.recipes`` exists), exports them, and loads *all* the
exports in one fresh Python process that imports only TensorFlow (``zoo`` is
blocked there). That process calls every signature, both as a signature and
as the restored function, at batch sizes 3 and 5, and writes the outputs to
an ``.npz`` that the tests compare with the Keras models' own methods. One
process for everything keeps the file fast: each costs ~5 s of TF import.
"""

import json
import os
import re
import subprocess
import sys
import zlib
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import FAMILIES

import zoo
from zoo import export
from zoo import networks as nets

# Untrained models are saved with unbuilt optimizers, which Keras reports on reload.
pytestmark = pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")

ATOL = 1e-5
BATCHES = (3, 5)
IMAGE = [None, 28, 28, 1]
DOCS = Path(__file__).resolve().parents[1] / "docs" / "serving.md"
DOC_EXPORT_DIR = "exports/gan/1"  # The path the docs' snippet loads; replaced here.


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


def _build(case):
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
        default = "reconstruct"
    return {**sigs, "serving_default": sigs[default]}, default


def keras_outputs(model, signature, x):
    """What the Keras model's own methods give for one signature's input."""
    if signature == "generate":
        # A VAE generates by decoding prior samples.
        return {"images": model.decode(x) if isinstance(model, zoo.VAE) else model.generate(x)}
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
    if name == "images_0_1":
        return rng.uniform(0.0, 1.0, full).astype("float32")
    return rng.standard_normal(full).astype("float32")


# -- the plain-TensorFlow process ----------------------------------------------
LOADER = r'''
import contextlib, io, json, sys, traceback


class NoZoo:
    """Refuses to import zoo: an export must not need it."""

    attempts = []

    def find_spec(self, name, path=None, target=None):
        if name == "zoo" or name.startswith("zoo."):
            self.attempts.append(name)
            raise ImportError(f"{name} is blocked: exports must load without zoo")


sys.meta_path.insert(0, NoZoo())

import numpy as np
import tensorflow as tf

keras_before = {m for m in sys.modules if m.split(".")[0] in ("keras", "tf_keras")}
manifest = json.load(open(sys.argv[1]))
inputs = np.load(manifest["inputs"])
outputs, errors, signatures = {}, {}, {}
for case, directory in manifest["exports"].items():
    try:
        loaded = tf.saved_model.load(directory)
        signatures[case] = {
            name: {
                "inputs": {k: [s.shape.as_list(), s.dtype.name]
                           for k, s in fn.structured_input_signature[1].items()},
                "outputs": {k: [s.shape.as_list(), s.dtype.name]
                            for k, s in fn.structured_outputs.items()},
            }
            for name, fn in loaded.signatures.items()
        }
    except Exception:
        errors[case] = traceback.format_exc()
        continue
    for key in inputs.files:
        c, signature, batch = key.split("|")
        if c != case:
            continue
        try:
            fn = loaded.signatures[signature]
            x = tf.constant(inputs[key])
            # Feed only what the signature declares: a mismatched tensor can abort
            # the whole process in a kernel's CHECK instead of raising.
            input_name = manifest["input_names"][key]
            specs = fn.structured_input_signature[1]
            if list(specs) != [input_name] or not specs[input_name].is_compatible_with(x):
                raise TypeError(f"{signature} declares {specs}, expected {input_name} {x.shape}")
            for out, value in fn(**{input_name: x}).items():
                outputs[f"{key}|signature|{out}"] = value.numpy()
            if signature != "serving_default":  # The restored tf.function, called positionally.
                for out, value in getattr(loaded, signature)(x).items():
                    outputs[f"{key}|function|{out}"] = value.numpy()
        except Exception:
            errors[key] = traceback.format_exc()

# The snippet of docs/serving.md, run as written but for the export path.
docs = {}
try:
    stdout = io.StringIO()
    namespace = {}
    with contextlib.redirect_stdout(stdout):
        exec(manifest["docs_snippet"], namespace)
    for name in ("latent", "images", "probability"):
        outputs[f"docs|{name}"] = np.asarray(namespace[name])
    docs["stdout"] = stdout.getvalue()
except Exception:
    errors["docs"] = traceback.format_exc()

keras_after = {m for m in sys.modules if m.split(".")[0] in ("keras", "tf_keras")}
np.savez(manifest["outputs"], **outputs)
json.dump(
    {
        "errors": errors,
        "signatures": signatures,
        "docs": docs,
        "zoo_attempts": NoZoo.attempts,
        "zoo_in_modules": sorted(m for m in sys.modules if m.split(".")[0] == "zoo"),
        "keras_imported_by_loading": sorted(keras_after - keras_before),
    },
    open(manifest["report"], "w"),
)
'''


def docs_snippet():
    """The Python block after the ``<!-- tested: ... -->`` marker in docs/serving.md."""
    text = DOCS.read_text()
    match = re.search(r"<!-- tested: [^>]*-->\s*```python\n(.*?)```", text, re.S)
    assert match, f"{DOCS} lost its tested snippet"
    assert DOC_EXPORT_DIR in match.group(1)
    return match.group(1)


class Exported:
    """Everything the fixture made: models, export dirs, and the subprocess' results."""

    def __init__(self, root):
        self.root = root
        self.models, self.dirs, self.build_errors = {}, {}, {}
        self.inputs, self.input_names, self.expected = {}, {}, {}


def _child_env():
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    env.pop("PYTHONPATH", None)
    return env


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    root = tmp_path_factory.mktemp("export")
    ex = Exported(root)
    for case in CASES:
        try:
            if case in RELOADED:
                how, family = RELOADED[case]
                model = ex.models[family]
                if how == "keras_file":
                    source = root / f"{case}.keras"
                else:
                    source = root / case  # A run directory, as `zoo train --out` writes.
                    source.mkdir()
                model.save((source / "model.keras") if how == "run_dir" else source)
                ex.dirs[case] = export.export_from(str(source), root / "out" / case)
            else:
                model = _build(case)
                ex.dirs[case] = export.export(model, root / "out" / case)
            ex.models[case] = model
        except Exception as e:  # Reported by this case's tests; the others still run.
            ex.build_errors[case] = f"{type(e).__name__}: {e}"

    for case, model in ex.models.items():
        sigs, default = expected_signatures(model)
        for signature, (input_name, shape, _) in sigs.items():
            method = default if signature == "serving_default" else signature
            for batch in BATCHES:
                key = f"{case}|{signature}|{batch}"
                # A reloaded model gets its original's inputs, so outputs compare 1:1.
                seed_key = key.replace(case, RELOADED[case][1], 1) if case in RELOADED else key
                x = fixed_input(input_name, shape, batch, seed=zlib.crc32(seed_key.encode()))
                ex.inputs[key] = x
                ex.input_names[key] = input_name
                ex.expected[key] = {
                    k: np.asarray(v) for k, v in keras_outputs(model, method, x).items()
                }

    # The docs' snippet and saved_model_cli need the GAN and the VAE; when those
    # failed to export, their tests report it through _case().
    snippet = docs_snippet().replace(DOC_EXPORT_DIR, ex.dirs.get("gan", DOC_EXPORT_DIR))
    manifest = {
        "exports": ex.dirs,
        "inputs": str(root / "inputs.npz"),
        "input_names": ex.input_names,
        "outputs": str(root / "outputs.npz"),
        "report": str(root / "report.json"),
        "docs_snippet": snippet,
    }
    np.savez(manifest["inputs"], **ex.inputs)
    (root / "manifest.json").write_text(json.dumps(manifest))
    (root / "loader.py").write_text(LOADER)

    # saved_model_cli runs alongside the loader: two TF imports at once, not in turn.
    cli = Path(sys.executable).with_name("saved_model_cli")
    run = dict(
        cwd=root, env=_child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    show_dir = ex.dirs.get("vae", str(root / "no-vae-export"))
    show = subprocess.Popen([str(cli), "show", "--all", "--dir", show_dir], **run)
    loader = subprocess.Popen([sys.executable, "loader.py", "manifest.json"], **run)
    out, err = loader.communicate(timeout=600)
    assert loader.returncode == 0, f"the plain-TF loader failed:\n{err[-4000:]}"
    ex.show_stdout, show_err = show.communicate(timeout=600)
    ex.show_returncode, ex.show_stderr = show.returncode, show_err

    ex.report = json.loads((root / "report.json").read_text())
    with np.load(manifest["outputs"]) as npz:
        ex.outputs = {k: npz[k] for k in npz.files}
    return ex


def _case(exported, case):
    if case in exported.build_errors:
        pytest.fail(f"{case} did not export: {exported.build_errors[case]}")
    return exported.models[case]


# -- every family and recipe, in plain TensorFlow --------------------------------
@pytest.mark.parametrize("case", CASES)
def test_signatures_are_named_with_dynamic_batch(exported, case):
    model = _case(exported, case)
    sigs, _ = expected_signatures(model)
    got = exported.report["signatures"].get(case)
    assert got is not None, exported.report["errors"].get(case)
    assert set(got) == set(sigs)
    for name, (input_name, input_shape, outs) in sigs.items():
        assert got[name]["inputs"] == {input_name: [input_shape, "float32"]}, name
        assert got[name]["outputs"] == {k: [s, "float32"] for k, s in outs.items()}, name


@pytest.mark.parametrize("case", CASES)
def test_plain_tf_outputs_match_keras(exported, case):
    model = _case(exported, case)
    sigs, _ = expected_signatures(model)
    checked = 0
    for signature in sigs:
        for batch in BATCHES:
            key = f"{case}|{signature}|{batch}"
            assert key not in exported.report["errors"], exported.report["errors"][key]
            for out, want in exported.expected[key].items():
                assert want.shape[0] == batch
                ways = (
                    ("signature",) if signature == "serving_default" else ("signature", "function")
                )
                for way in ways:
                    got = exported.outputs[f"{key}|{way}|{out}"]
                    assert got.dtype == np.float32
                    np.testing.assert_allclose(
                        got, want, rtol=0, atol=ATOL, err_msg=f"{key} {out} via {way}"
                    )
                    checked += 1
    # Each signature both ways, serving_default as a signature only; every output.
    assert checked >= (2 * (len(sigs) - 1) + 1) * len(BATCHES)


def test_images_are_in_unit_range(exported):
    images = [v for k, v in exported.outputs.items() if k.endswith("|images")]
    assert len(images) > 20
    assert min(v.min() for v in images) >= 0.0 and max(v.max() for v in images) <= 1.0
    probabilities = [v for k, v in exported.outputs.items() if k.endswith("|probability_real")]
    assert probabilities and all(((v >= 0) & (v <= 1)).all() for v in probabilities)


def test_exports_load_without_zoo_or_new_keras_imports(exported):
    report = exported.report
    # TensorFlow itself imports parts of keras at `import tensorflow`; what matters
    # is that loading and calling the exports imports nothing more, and no zoo.
    assert report["zoo_attempts"] == [] and report["zoo_in_modules"] == []
    assert report["keras_imported_by_loading"] == []
    assert len(report["signatures"]) == len(exported.dirs)


def test_reloaded_exports_equal_the_originals(exported):
    for case, (_, family) in RELOADED.items():
        _case(exported, case)
        assert exported.report["signatures"][case] == exported.report["signatures"][family]
        keys = [k for k in exported.outputs if k.startswith(f"{family}|")]
        assert len(keys) >= 10
        for key in keys:
            twin = key.replace(family, case, 1)
            call = key.rsplit("|", 2)[0]  # case|signature|batch
            np.testing.assert_array_equal(
                exported.inputs[twin.rsplit("|", 2)[0]], exported.inputs[call]
            )
            np.testing.assert_allclose(
                exported.outputs[twin], exported.outputs[key], rtol=0, atol=ATOL
            )


def test_every_recipe_is_exported():
    recipes = pytest.importorskip("zoo.recipes")
    names = list(recipes.names())
    assert names, "zoo.recipes.names() is empty"
    assert [c.removeprefix("recipe:") for c in CASES if c.startswith("recipe:")] == names


def test_saved_model_cli_lists_the_signatures(exported):
    _case(exported, "vae")
    assert exported.show_returncode == 0, exported.show_stderr[-3000:]
    out = exported.show_stdout
    for name in ("reconstruct", "encode", "decode", "generate", "serving_default"):
        assert f"signature_def['{name}']" in out
    assert "inputs['images_0_1'] tensor_info" in out and "shape: (-1, 28, 28, 1)" in out
    latent = exported.models["vae"].latent_dim
    assert "inputs['latent_normal'] tensor_info" in out and f"shape: (-1, {latent})" in out
    assert "outputs['z_log_var'] tensor_info" in out


def test_docs_snippet_runs_in_plain_tf(exported):
    _case(exported, "gan")
    assert "docs" not in exported.report["errors"], exported.report["errors"].get("docs")
    gan, out = exported.models["gan"], exported.outputs
    np.testing.assert_allclose(out["docs|images"], gan.generate(out["docs|latent"]), atol=ATOL)
    np.testing.assert_allclose(
        out["docs|probability"], gan.discriminate(out["docs|images"]), atol=ATOL
    )
    assert exported.report["docs"]["stdout"].splitlines()[0] == "(4, 28, 28, 1)"


# -- wrong inputs, in this process (plain tf.saved_model.load all the same) ------
@pytest.fixture(scope="module")
def loaded_gan(exported):
    _case(exported, "gan")
    return tf.saved_model.load(exported.dirs["gan"])


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
        _case(exported, case)
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


def test_images_outside_unit_range_are_rejected(loaded_gan):
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[0, 1\]"):
        loaded_gan.signatures["discriminate"](images_0_1=tf.fill([2, 28, 28, 1], 255.0))


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
        if Path(src).name.startswith(".staging-"):
            raise OSError("disk full")
        return real_replace(src, dst)

    monkeypatch.setattr(export.os, "replace", failing_replace)
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
    assert export.signature_names(exported.models["gan"]) == ["generate", "discriminate"]
    assert export.signature_names(exported.models["vae"]) == [
        "reconstruct",
        "encode",
        "decode",
        "generate",
    ]


def test_docs_cover_every_signature_and_input_name():
    text = DOCS.read_text()
    for word in (
        *("generate", "discriminate", "encode", "decode", "reconstruct", "serving_default"),
        *(export.LATENT, export.IMAGES, export.CODES, "probability_real", "z_log_var"),
        "saved_model_cli show --all",
        "python -m zoo export",
        "tensorflow_model_server",
    ):
        assert word in text, word
