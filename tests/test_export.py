"""SavedModel export: every family and recipe loads and runs in plain TensorFlow.

The fixture ``exported`` (``conftest.py``, once a session) exports every case
and runs the exports in a process that imports only TensorFlow
(:mod:`export_harness`); these tests compare what that process got with the
Keras models' own methods, and check the other formats and tools. The wrong
inputs, the paths and the versions are in ``test_export_inputs.py``.
"""

import io
import json
import os
import re

import keras
import numpy as np
import pytest
import tensorflow as tf
from export_cases import (
    ATOL,
    BATCHES,
    CASES,
    EVAL_JSON,
    INPUT_DTYPES,
    LOADED_TWICE,
    ONNX_READY,
    RELOADED,
    RUN_JSON,
    SAMPLE_SEEDS,
    docs_block,
    expected_signatures,
    small_ae,
    tf_serving_rest,
)
from export_harness import case_model

import zoo
from zoo import cli, export
from zoo.export import tflite

# Untrained models are saved with unbuilt optimizers, which Keras reports on reload.
pytestmark = pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")


# -- every family and recipe, in plain TensorFlow --------------------------------
@pytest.mark.parametrize("case", CASES)
def test_signatures_are_named_with_dynamic_batch(exported, case):
    model = case_model(exported, case)
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
    model = case_model(exported, case)
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
        case_model(exported, case)
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
    case_model(exported, "vae")
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
    case_model(exported, "gan")
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
