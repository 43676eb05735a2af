"""Loads every export with plain TensorFlow, ``zoo`` blocked, and calls everything in it.

``tests/export_harness.py`` runs it once, as ``python plain_tf_loader.py manifest.json``
in a fresh process without ``PYTHONPATH``: one TensorFlow import for every
export, signature, ``.tflite`` file and warm-up record. It writes the outputs to
an ``.npz`` and what it saw (signatures, variables, ``zoo.json``, empty-batch
shapes, errors) to a JSON report, which the tests compare with the Keras models.
"""

import contextlib
import io
import json
import sys
import traceback
import warnings
from pathlib import Path


class NoZoo:
    """Refuses to import zoo: an export must not need it."""

    attempts = []

    def find_spec(self, name, path=None, target=None):
        if name == "zoo" or name.startswith("zoo."):
            self.attempts.append(name)
            raise ImportError(f"{name} is blocked: exports must load without zoo")


sys.meta_path.insert(0, NoZoo())

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

keras_before = {m for m in sys.modules if m.split(".")[0] in ("keras", "tf_keras")}


def only_input(fn):
    """The one ``(name, spec)`` of a signature's inputs."""
    ((name, spec),) = fn.structured_input_signature[1].items()
    return name, spec


def describe(loaded):
    return {
        name: {
            "inputs": {
                k: [s.shape.as_list(), s.dtype.name]
                for k, s in fn.structured_input_signature[1].items()
            },
            "outputs": {
                k: [s.shape.as_list(), s.dtype.name] for k, s in fn.structured_outputs.items()
            },
        }
        for name, fn in loaded.signatures.items()
    }


def call_signature(loaded, signature, input_name, x, key, outputs):
    fn = loaded.signatures[signature]
    # Feed only what the signature declares: a mismatched tensor can abort the
    # whole process in a kernel's CHECK instead of raising.
    name, spec = only_input(fn)
    if name != input_name or not spec.is_compatible_with(tf.constant(x)):
        raise TypeError(f"{signature} declares {name} {spec}, expected {input_name} {x.shape}")
    for out, value in fn(**{name: tf.constant(x)}).items():
        outputs[f"{key}|signature|{out}"] = value.numpy()
    if signature != "serving_default":  # The restored tf.function, called positionally.
        for out, value in getattr(loaded, signature)(tf.constant(x)).items():
            outputs[f"{key}|function|{out}"] = value.numpy()
    if signature.endswith("_uint8"):  # The float twin on pixels / 255.
        float_fn = loaded.signatures[signature.removesuffix("_uint8")]
        float_name, float_spec = only_input(float_fn)
        floats = tf.reshape(tf.cast(x, tf.float32) / 255.0, [-1, *float_spec.shape[1:]])
        for out, value in float_fn(**{float_name: floats}).items():
            outputs[f"{key}|float|{out}"] = value.numpy()


def empty_batches(loaded):
    """``{signature: {output: [shape, dtype]}}`` of every signature called on N=0."""
    shapes = {}
    for signature, fn in loaded.signatures.items():
        name, spec = only_input(fn)
        x = tf.zeros([0, *spec.shape[1:]], spec.dtype)
        shapes[signature] = {
            k: [v.shape.as_list(), v.dtype.name] for k, v in fn(**{name: x}).items()
        }
    return shapes


def variables_of(loaded):
    return {
        "variables": [[v.name, v.shape.as_list(), bool(v.trainable)] for v in loaded.variables],
        "trainable": [v.name for v in loaded.trainable_variables],
    }


def sample_twice(directory, loaded, seeds, case, outputs):
    """``sample`` on the same seeds from two loads, and on one seed alone."""
    again = tf.saved_model.load(directory)
    seeds = tf.constant(seeds, tf.int64)
    outputs[f"{case}|seeds|load1"] = loaded.signatures["sample"](seeds=seeds)["images"].numpy()
    outputs[f"{case}|seeds|load2"] = again.signatures["sample"](seeds=seeds)["images"].numpy()
    outputs[f"{case}|seeds|alone"] = again.sample(seeds[2:3])["images"].numpy()


def replay_warmup(directory, loaded):
    """Runs the warm-up records as TF Serving would; ``None`` without tensorflow-serving-api."""
    try:
        from tensorflow_serving.apis import prediction_log_pb2
    except ImportError:
        return None
    path = Path(directory) / "assets.extra" / "tf_serving_warmup_requests"
    replayed = []
    for record in tf.data.TFRecordDataset(str(path)):
        request = prediction_log_pb2.PredictionLog.FromString(record.numpy()).predict_log.request
        inputs = {k: tf.constant(tf.make_ndarray(v)) for k, v in request.inputs.items()}
        result = loaded.signatures[request.model_spec.signature_name](**inputs)
        replayed.append([request.model_spec.signature_name, sorted(result)])
    return replayed


def fine_tune(loaded, x):
    """One SGD step on ``loaded.trainable_variables``, through the restored ``reconstruct``."""

    def loss():
        return float(tf.reduce_mean((loaded.reconstruct(x)["images"] - x) ** 2))

    before = loss()
    with tf.GradientTape() as tape:
        value = tf.reduce_mean((loaded.reconstruct(x)["images"] - x) ** 2)
    grads = tape.gradient(value, loaded.trainable_variables)
    for variable, grad in zip(loaded.trainable_variables, grads, strict=True):
        if grad is not None:
            variable.assign_sub(1.0 * grad)
    return {
        "variables": len(grads),
        "none": sum(g is None for g in grads),
        "before": before,
        "after": loss(),
    }


def run_tflite(path, case, inputs, outputs, seeds):
    """Every signature of a ``.tflite`` file on the SavedModel's inputs, N=0, and wrong inputs.

    Also ``sample`` on the determinism test's ``seeds``, in two interpreters.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "tf.lite.Interpreter is deprecated" (LiteRT)
        interpreter = tf.lite.Interpreter(model_path=path)
        again = tf.lite.Interpreter(model_path=path)
    seen = {"signatures": sorted(interpreter.get_signature_list()), "empty": {}, "wrong": {}}
    seen["ops"] = sorted({op["op_name"] for op in interpreter._get_ops_details()})
    if "sample" in seen["signatures"]:
        seeds = np.array(seeds, np.int64)
        for n, which in enumerate((interpreter, again), 1):
            images = which.get_signature_runner("sample")(seeds=seeds)["images"]
            outputs[f"{case}|seeds|tflite{n}"] = images
    for signature in seen["signatures"]:
        runner = interpreter.get_signature_runner(signature)
        ((name, detail),) = runner.get_input_details().items()
        x = inputs[f"{case}|{signature}|3"]
        for out, value in runner(**{name: x}).items():
            outputs[f"{case}|{signature}|3|tflite|{out}"] = value
        empty = np.zeros((0, *x.shape[1:]), x.dtype)
        seen["empty"][signature] = {k: list(v.shape) for k, v in runner(**{name: empty}).items()}
        if name == "images_0_1" and not seen["wrong"]:
            # What TFLite lets through: the export's assert ops do not survive conversion.
            wrong = {
                "255": np.full((2, 28, 28, 1), 255.0, np.float32),
                "nan": np.full((2, 28, 28, 1), np.nan, np.float32),
                "56x56": np.zeros((3, 56, 56, 1), np.float32),
            }
            for label, bad in wrong.items():
                try:
                    result = list(runner(**{name: bad}).values())
                except Exception as e:
                    seen["wrong"][label] = {"signature": signature, "error": str(e)[:300]}
                    continue
                seen["wrong"][label] = {
                    "signature": signature,
                    "rows": [int(v.shape[0]) for v in result],
                    "finite": bool(all(np.isfinite(v).all() for v in result)),
                }
    return seen


def attempt(errors, key, fn, *args):
    """``fn(*args)``, or ``None`` with the traceback in ``errors[key]``: nothing else stops."""
    try:
        return fn(*args)
    except Exception:
        errors[key] = traceback.format_exc()
        return None


def load_case(case, directory, manifest, inputs, outputs, errors, report):
    loaded = tf.saved_model.load(directory)
    report["signatures"][case] = describe(loaded)
    report["variables"][case] = variables_of(loaded)
    extra = Path(directory) / "assets.extra"
    report["metadata"][case] = json.loads((extra / "zoo.json").read_text())
    for key in inputs.files:
        c, signature, _ = key.split("|")
        if c == case:
            input_name = manifest["input_names"][key]
            attempt(
                errors,
                key,
                call_signature,
                loaded,
                signature,
                input_name,
                inputs[key],
                key,
                outputs,
            )
    report["empty"][case] = attempt(errors, f"{case}|empty", empty_batches, loaded)
    report["warmup"][case] = attempt(errors, f"{case}|warmup", replay_warmup, directory, loaded)
    if case in manifest["loaded_twice"]:
        seeds = manifest["sample_seeds"]
        attempt(errors, f"{case}|seeds", sample_twice, directory, loaded, seeds, case, outputs)
    if case == manifest["fine_tune"]:
        x = tf.constant(inputs[f"{case}|reconstruct|3"])
        report["fine_tune"] = attempt(errors, "fine_tune", fine_tune, loaded, x)


def main(manifest_path):
    manifest = json.load(open(manifest_path))
    inputs = np.load(manifest["inputs"])
    outputs, errors, report = {}, {}, {}
    for section in ("signatures", "empty", "variables", "metadata", "warmup", "tflite"):
        report[section] = {}
    for case, directory in manifest["exports"].items():
        attempt(errors, case, load_case, case, directory, manifest, inputs, outputs, errors, report)

    seeds = manifest["sample_seeds"]
    for case, path in manifest["tflite"].items():
        report["tflite"][case] = attempt(
            errors, f"{case}|tflite", run_tflite, path, case, inputs, outputs, seeds
        )

    # The snippet of docs/serving.md, run as written but for the export path.
    docs = {}
    try:
        stdout = io.StringIO()
        namespace = {}
        with contextlib.redirect_stdout(stdout):
            exec(manifest["docs_snippet"], namespace)
        for name in ("latent", "images", "probability", "digits", "pixels", "p_real"):
            outputs[f"docs|{name}"] = np.asarray(namespace[name])
        docs["stdout"] = stdout.getvalue()
    except Exception:
        errors["docs"] = traceback.format_exc()

    keras_after = {m for m in sys.modules if m.split(".")[0] in ("keras", "tf_keras")}
    np.savez(manifest["outputs"], **outputs)
    report.update(
        errors=errors,
        docs=docs,
        zoo_attempts=NoZoo.attempts,
        zoo_in_modules=sorted(m for m in sys.modules if m.split(".")[0] == "zoo"),
        keras_imported_by_loading=sorted(keras_after - keras_before),
    )
    json.dump(report, open(manifest["report"], "w"))


if __name__ == "__main__":
    main(sys.argv[1])
