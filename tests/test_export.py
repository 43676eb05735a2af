"""SavedModel export: every family and recipe loads and runs in plain TensorFlow.

One module-scoped fixture builds small models of every family and every
recipe, exports them (three also as ``.tflite``), and loads *all* the exports in
one fresh Python process that imports only TensorFlow (``plain_tf_loader.py``;
``zoo`` is blocked there). That process calls every signature, both as a
signature and as the restored function, at batch sizes 3 and 5 and on an empty
batch, draws from seeds on two loads, replays the warm-up requests and runs the
``.tflite`` files; it writes the outputs to an ``.npz`` that the tests compare
with the Keras models' own methods. ``saved_model_cli`` (``show``, ``run``) and,
when installed, ``tf2onnx`` run beside it. One process for everything keeps the
file fast: each costs ~5 s of TF import.
"""

import contextlib
import io
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
from export_cases import (
    ATOL,
    BATCHES,
    CASES,
    DOC_EXPORT_DIR,
    DOCS,
    EVAL_JSON,
    INPUT_DTYPES,
    LOADED_TWICE,
    ONNX_READY,
    RELOADED,
    RUN_JSON,
    SAMPLE_SEEDS,
    TESTS,
    build,
    docs_block,
    docs_snippet,
    expected_signatures,
    fixed_input,
    keras_outputs,
    onnx_command,
    small_ae,
    tf_serving_rest,
)

import zoo
from zoo import cli, export
from zoo.export import tflite

# Untrained models are saved with unbuilt optimizers, which Keras reports on reload.
pytestmark = pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")


class Exported:
    """Everything the fixture made: models, export dirs, and the subprocesses' results."""

    def __init__(self, root):
        self.root = root
        self.models, self.dirs, self.build_errors = {}, {}, {}
        self.inputs, self.input_names, self.expected = {}, {}, {}
        self.tflite, self.processes = {}, {}


def _child_env():
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    env.pop("PYTHONPATH", None)
    return env


def _export_case(ex, root, case):
    if case not in RELOADED:
        model = build(case)
        ex.dirs[case] = export.export(model, root / "out" / case)
        return model
    how, family = RELOADED[case]
    model = ex.models[family]
    if how == "keras_file":
        source = root / f"{case}.keras"
        model.save(source)
    else:  # A run directory, as `zoo train --out` writes, with what `zoo eval` adds.
        source = root / case
        source.mkdir()
        model.save(source / "model.keras")
        (source / "run.json").write_text(json.dumps(RUN_JSON))
        (source / "eval.json").write_text(json.dumps(EVAL_JSON))
    ex.dirs[case] = export.export_from(str(source), root / "out" / case)
    if how == "run_dir":  # The CLI's TFLite path, from the same run directory.
        stdout = io.StringIO()
        with contextlib.redirect_stdout(stdout):
            status = cli.main(["export", str(source), str(root / "tflite"), "--format", "tflite"])
        assert status == 0
        ex.tflite_stdout = stdout.getvalue()
        ex.tflite[case] = str(root / "tflite" / "model.tflite")
    return model


def _start(ex, name, args, **run):
    ex.processes[name] = subprocess.Popen(args, **run)


def _finish(ex, name, timeout=600):
    process = ex.processes[name]
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    root = tmp_path_factory.mktemp("export")
    ex = Exported(root)
    for case in CASES:
        try:
            ex.models[case] = _export_case(ex, root, case)
        except Exception as e:  # Reported by this case's tests; the others still run.
            ex.build_errors[case] = f"{type(e).__name__}: {e}"
    # Through the Python API: a convolutional GAN and a latent GAN (the CLI's
    # VAE is above), so that every generator family's sample is converted.
    for case in ("dcgan", "latent_gan"):
        if case in ex.models:
            ex.tflite[case] = export.export_tflite(ex.models[case], root / f"{case}.tflite")

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

    # The docs' snippet and saved_model_cli need the GAN, the VAE and the DCGAN;
    # when those failed to export, their tests report it through _case().
    snippet = docs_snippet().replace(DOC_EXPORT_DIR, ex.dirs.get("gan", DOC_EXPORT_DIR))
    manifest = {
        "exports": ex.dirs,
        "inputs": str(root / "inputs.npz"),
        "input_names": ex.input_names,
        "outputs": str(root / "outputs.npz"),
        "report": str(root / "report.json"),
        "docs_snippet": snippet,
        "sample_seeds": SAMPLE_SEEDS,
        "loaded_twice": LOADED_TWICE,
        "fine_tune": "autoencoder",
        "tflite": ex.tflite,
    }
    np.savez(manifest["inputs"], **ex.inputs)
    (root / "manifest.json").write_text(json.dumps(manifest))
    np.save(root / "seeds.npy", np.array(SAMPLE_SEEDS, np.int64))

    # The other TF processes run alongside the loader: TF imports at once, not in turn.
    tools = Path(sys.executable).parent
    run = dict(
        cwd=root, env=_child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    missing = str(root / "no-export")
    _start(
        ex,
        "show",
        [tools / "saved_model_cli", "show", "--all", "--dir", ex.dirs.get("vae", missing)],
        **run,
    )
    smc_run = ["run", "--dir", ex.dirs.get("gan", missing), "--tag_set", "serve"]
    smc_run += ["--signature_def", "sample", "--inputs", "seeds=seeds.npy", "--outdir", "smc"]
    _start(ex, "smc_run", [tools / "saved_model_cli", *smc_run], **run)
    if ONNX_READY and "dcgan" in ex.dirs:
        ex.onnx_command, ex.onnx_signature = onnx_command(ex.dirs["dcgan"], root / "model.onnx")
        _start(ex, "onnx", ex.onnx_command, **run)
    _start(
        ex, "loader", [sys.executable, str(TESTS / "plain_tf_loader.py"), "manifest.json"], **run
    )
    code, _, err = _finish(ex, "loader")
    assert code == 0, f"the plain-TF loader failed:\n{err[-4000:]}"
    ex.results = {name: _finish(ex, name) for name in ex.processes if name != "loader"}

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
        dtype = INPUT_DTYPES.get(input_name, "float32")
        assert got[name]["inputs"] == {input_name: [input_shape, dtype]}, name
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
        # The calls on the fixed inputs: case|signature|batch|way|output.
        keys = [k for k in exported.outputs if re.fullmatch(rf"{family}\|[^|]+\|\d+\|\w+\|\w+", k)]
        keys = [k for k in keys if k.split("|")[3] != "tflite"]
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
    code, out, err = exported.results["show"]
    assert code == 0, err[-3000:]
    for name in ("reconstruct", "encode", "decode", "generate", "serving_default"):
        assert f"signature_def['{name}']" in out
    assert "inputs['images_0_1'] tensor_info" in out and "shape: (-1, 28, 28, 1)" in out
    latent = exported.models["vae"].latent_dim
    assert "inputs['latent_normal'] tensor_info" in out and f"shape: (-1, {latent})" in out
    assert "outputs['z_log_var'] tensor_info" in out
    for name in ("sample", "reconstruct_uint8", "encode_uint8"):
        assert f"signature_def['{name}']" in out
    assert "inputs['seeds'] tensor_info:\n        dtype: DT_INT64\n        shape: (-1)" in out
    assert (
        "inputs['pixels'] tensor_info:\n        dtype: DT_UINT8\n        shape: (-1, 28, 28)" in out
    )


def test_docs_snippet_runs_in_plain_tf(exported):
    _case(exported, "gan")
    assert "docs" not in exported.report["errors"], exported.report["errors"].get("docs")
    gan, out = exported.models["gan"], exported.outputs
    np.testing.assert_allclose(out["docs|images"], gan.generate(out["docs|latent"]), atol=ATOL)
    np.testing.assert_allclose(
        out["docs|probability"], gan.discriminate(out["docs|images"]), atol=ATOL
    )
    assert exported.report["docs"]["stdout"].splitlines()[0] == "(4, 28, 28, 1)"
    np.testing.assert_allclose(out["docs|digits"], gan.sample_seeds([0, 1, 2, 3]), atol=ATOL)
    np.testing.assert_allclose(out["docs|p_real"], gan.discriminate(out["docs|pixels"]), atol=ATOL)


# -- serving round two: seeds, uint8 twins, empty batches, variables, metadata --
def _generators(exported):
    return [c for c, m in exported.models.items() if isinstance(m, zoo.GAN | zoo.VAE)]


def test_uint8_twins_equal_their_float_signature_on_pixels_over_255(exported):
    pairs = 0
    for key, got in exported.outputs.items():
        case, signature, _, way, out = (key.split("|") + [""] * 5)[:5]
        if signature.endswith("_uint8") and way == "signature":
            float_key = key.replace("|signature|", "|float|")
            np.testing.assert_allclose(got, exported.outputs[float_key], rtol=0, atol=1e-6)
            pairs += 1
    # discriminate_uint8 for GANs; reconstruct_uint8 and encode_uint8 for the others.
    assert pairs >= len(exported.models) * len(BATCHES)


def test_sample_is_a_function_of_each_seed_across_loads(exported):
    assert set(LOADED_TWICE) <= set(_generators(exported))
    for case in LOADED_TWICE:
        assert f"{case}|seeds" not in exported.report["errors"], exported.report["errors"]
        first, second = (exported.outputs[f"{case}|seeds|{n}"] for n in ("load1", "load2"))
        np.testing.assert_array_equal(first, second)  # A second load draws the same digits.
        np.testing.assert_array_equal(first[0], first[4])  # The same seed twice in one batch.
        # One seed gives its image whatever else is in the batch.
        np.testing.assert_allclose(exported.outputs[f"{case}|seeds|alone"][0], first[2], atol=1e-6)
        assert not np.allclose(first[0], first[1])
        model = exported.models[case]
        np.testing.assert_allclose(first, model.sample_seeds(SAMPLE_SEEDS), rtol=0, atol=ATOL)


def test_sample_seeds_is_the_noise_of_sample(exported):
    gan = exported.models["gan"]
    np.testing.assert_allclose(gan.sample_seeds([7]), gan.sample(1, seed=7), atol=1e-6)
    with pytest.raises(ValueError, match=r"seeds of shape \(N,\)"):
        gan.sample_seeds([[1, 2]])


def test_every_signature_answers_an_empty_batch(exported):
    for case, model in exported.models.items():
        sigs, _ = expected_signatures(model)
        got = exported.report["empty"].get(case)
        assert got is not None, exported.report["errors"].get(f"{case}|empty")
        assert set(got) == set(sigs)
        for name, (_, _, outputs) in sigs.items():
            assert got[name] == {k: [[0, *s[1:]], "float32"] for k, s in outputs.items()}, name


def test_variables_are_listed_for_plain_tf(exported):
    for case, model in exported.models.items():
        seen = exported.report["variables"][case]
        assert sorted(tuple(shape) for _, shape, _ in seen["variables"]) == sorted(
            tuple(w.shape) for w in model.weights
        ), case
        assert len(seen["trainable"]) == len(model.trainable_weights), case
        assert sum(trainable for *_, trainable in seen["variables"]) == len(seen["trainable"])


def test_a_plain_tf_user_can_fine_tune_the_weights(exported):
    tuned = exported.report.get("fine_tune")
    assert tuned, exported.report["errors"].get("fine_tune")
    assert tuned["variables"] == len(exported.models["autoencoder"].trainable_weights)
    assert tuned["none"] == 0 and tuned["after"] < tuned["before"]


def test_optimizer_state_is_left_out(tmp_path):
    model = small_ae()
    model.build_optimizers()  # Adam's moments exist, as after training.
    assert len(model.optimizer.variables) > len(model.weights)
    directory = export.export(model, tmp_path / "out")
    saved = [n for n, _ in tf.train.list_variables(f"{directory}/variables/variables")]
    values = [n for n in saved if n.endswith(".ATTRIBUTES/VARIABLE_VALUE")]
    assert len(values) == len(model.weights), values


def test_zoo_json_describes_the_export(exported):
    for case, model in exported.models.items():
        meta = exported.report["metadata"][case]
        assert meta["format"] == "zoo-export/1"
        assert meta["versions"]["tensorflow"] == tf.__version__
        assert meta["versions"]["keras"] == keras.__version__
        assert meta["versions"]["zoo"] == zoo.__version__
        assert meta["model"]["family"] == model.family
        assert meta["model"]["latent_dim"] == model.latent_dim
        assert meta["model"]["parameters"]["trainable"] == sum(
            int(np.prod(w.shape)) for w in model.trainable_weights
        )
        sigs, default = expected_signatures(model)
        assert meta["default_signature"] == default
        assert set(meta["signatures"]) == set(sigs) - {"serving_default"}
        for name, described in meta["signatures"].items():
            input_name, shape, outputs = sigs[name]
            (got,) = described["inputs"].items()
            assert got[0] == input_name
            assert got[1]["dtype"] == INPUT_DTYPES.get(input_name, "float32")
            assert got[1]["shape"] == shape
            assert {k: v["shape"] for k, v in described["outputs"].items()} == outputs
        ranges = {
            k: v["range"] for d in meta["signatures"].values() for k, v in d["inputs"].items()
        }
        assert ranges.get("images_0_1", [0.0, 1.0]) == [0.0, 1.0]
        assert ranges.get("pixels", [0, 255]) == [0, 255]
        recipe = case.removeprefix("recipe:") if case.startswith("recipe:") else None
        if case == "vae_from_run_dir":
            assert meta["run"] == RUN_JSON and meta["eval"] == EVAL_JSON
            assert meta["model"]["recipe"] == RUN_JSON["recipe"]
        else:
            assert meta["run"] is None and meta["eval"] is None, case
            assert meta["model"]["recipe"] == recipe, case


def test_export_info_prints_zoo_json(exported, capsys, tmp_path):
    base = os.path.dirname(exported.dirs["gan"])
    assert cli.main(["export", "--info", base]) == 0
    assert json.loads(capsys.readouterr().out) == exported.report["metadata"]["gan"]
    assert export.info(exported.dirs["gan"]) == exported.report["metadata"]["gan"]
    assert cli.main(["export", str(tmp_path)]) == 2
    assert "needs MODEL_OR_RUN_DIR and OUT_DIR" in capsys.readouterr().err
    bare = tmp_path / "bare" / "1"
    tf.saved_model.save(tf.Module(), str(bare))
    assert cli.main(["export", "--info", str(bare)]) == 2
    assert "has no assets.extra/zoo.json" in capsys.readouterr().err


def test_warmup_requests_replay_on_every_signature(exported):
    pytest.importorskip("tensorflow_serving.apis")
    for case, model in exported.models.items():
        replayed = exported.report["warmup"].get(case)
        assert replayed, exported.report["errors"].get(f"{case}|warmup") or "not replayed"
        assert [name for name, _ in replayed] == export.signature_names(model)


# -- other formats and tools -----------------------------------------------------
def test_tflite_holds_every_signature_and_matches(exported):
    assert set(exported.tflite) == {"dcgan", "latent_gan", "vae_from_run_dir"}
    assert exported.tflite_stdout.count(tflite.CAVEAT) == 1
    for case in exported.tflite:
        seen = exported.report["tflite"].get(case)
        assert seen, exported.report["errors"].get(f"{case}|tflite")
        names = export.signature_names(exported.models[case])
        assert "sample" in names and seen["signatures"] == sorted(names)
        # Builtin ops only: no Flex (TF Select) or custom op, no delegate needed.
        assert not [op for op in seen["ops"] if op.startswith("Flex") or op == "CUSTOM"], seen
        for name in names:
            assert seen["empty"][name] == {
                k: [0, *s[1:]]
                for k, s in expected_signatures(exported.models[case])[0][name][2].items()
            }
            for out in exported.expected[f"{case}|{name}|3"]:
                np.testing.assert_allclose(
                    exported.outputs[f"{case}|{name}|3|tflite|{out}"],
                    exported.outputs[f"{case}|{name}|3|signature|{out}"],
                    rtol=0,
                    atol=ATOL,
                    err_msg=f"{case} {name} {out}",
                )


def test_tflite_sample_draws_the_saved_models_digits_per_seed(exported):
    for case in exported.tflite:
        first, second = (exported.outputs[f"{case}|seeds|tflite{n}"] for n in (1, 2))
        np.testing.assert_array_equal(first, second)  # Another interpreter, the same digits.
        np.testing.assert_array_equal(first[0], first[4])  # The same seed twice in one batch.
        assert not np.allclose(first[0], first[1])
        model = exported.models[case]
        np.testing.assert_allclose(first, model.sample_seeds(SAMPLE_SEEDS), rtol=0, atol=ATOL)


def test_tflite_refuses_a_version_and_an_existing_file(exported, tmp_path, capsys):
    source = str(exported.root / "latent_gan_from_keras.keras")
    target = tmp_path / "m.tflite"
    target.write_bytes(b"mine")
    assert cli.main(["export", source, str(target), "--format", "tflite"]) == 2
    assert "already exists; pass --overwrite" in capsys.readouterr().err
    assert target.read_bytes() == b"mine"
    assert cli.main(["export", source, str(target), "--format", "tflite", "--version", "2"]) == 2
    assert "no versions" in capsys.readouterr().err
    with pytest.raises(ValueError, match="Unknown export format"):
        export.export_from(source, tmp_path, format="onnx")


def test_tflite_lets_wrong_floats_through(exported):
    # What docs/serving.md states: TFLite drops the checks, so nothing is refused.
    for case in exported.tflite:
        wrong = exported.report["tflite"][case]["wrong"]
        assert wrong["255"]["finite"] and wrong["255"]["rows"][0] == 2, wrong
        assert not wrong["nan"]["finite"], wrong
        assert set(wrong["56x56"].get("rows", ["error"])) == {3}, wrong


def test_saved_model_cli_runs_sample_on_npy_seeds(exported):
    code, out, err = exported.results["smc_run"]
    assert code == 0, err[-3000:]
    images = np.load(exported.root / "smc" / "images.npy")
    model = exported.models["gan"]
    np.testing.assert_allclose(images, model.sample_seeds(SAMPLE_SEEDS), rtol=0, atol=ATOL)


@pytest.mark.skipif(not ONNX_READY, reason="tf2onnx and onnxruntime (the serving extra) missing")
def test_onnx_keeps_shape_checks_but_not_value_checks(exported):
    ort = pytest.importorskip("onnxruntime")
    code, _, err = exported.results["onnx"]
    assert code == 0, err[-3000:]
    assert exported.onnx_signature == "discriminate"
    session = ort.InferenceSession(
        str(exported.root / "model.onnx"), providers=["CPUExecutionProvider"]
    )
    (given,) = session.get_inputs()
    assert given.name == "images_0_1" and given.shape[1:] == [28, 28, 1]

    def run(x):
        return session.run(None, {"images_0_1": np.asarray(x, np.float32)})[0]

    x = exported.inputs["dcgan|discriminate|3"]
    np.testing.assert_allclose(
        run(x), exported.expected["dcgan|discriminate|3"]["probability_real"], atol=ATOL
    )
    assert run(np.zeros((0, 28, 28, 1))).shape == (0, 1)
    for wrong in (np.zeros((3, 56, 56, 1)), np.zeros((3, 784))):
        with pytest.raises(Exception, match="INVALID_ARGUMENT"):
            run(wrong)
    assert np.isfinite(run(np.full((2, 28, 28, 1), 255.0))).all()  # Not refused.
    assert np.isnan(run(np.full((2, 28, 28, 1), np.nan))).all()  # Not refused either.


def test_docs_rest_client_gets_digits_from_seeds(loaded_gan, exported, monkeypatch):
    import urllib.request

    sent = []

    def urlopen(request):
        assert request.full_url == "http://localhost:8501/v1/models/gan:predict"
        assert request.get_header("Content-type") == "application/json"
        body = json.loads(request.data)
        sent.append(body)
        return io.BytesIO(json.dumps(tf_serving_rest(loaded_gan, body)).encode())

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    namespace = {}
    exec(docs_block("rest-client"), namespace)
    assert [b["signature_name"] for b in sent] == ["sample", "discriminate_uint8"]
    gan = exported.models["gan"]
    digits, pixels = namespace["digits"], namespace["pixels"]
    assert digits.shape == (4, 28, 28, 1) and pixels.dtype == np.uint8
    np.testing.assert_allclose(digits, gan.sample_seeds(sent[0]["instances"]), atol=ATOL)
    np.testing.assert_allclose(namespace["probability"], gan.discriminate(pixels), atol=ATOL)


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
        if Path(src).name.startswith(".staging-"):
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
