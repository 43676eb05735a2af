"""The export tests' one expensive step: export every case, then run it in plain TensorFlow.

:func:`export_everything` builds small models of every family and every
recipe, exports them (three also as ``.tflite``), and loads *all* the exports
in one fresh Python process that imports only TensorFlow
(``plain_tf_loader.py``; ``zoo`` is blocked there). That process calls every
signature, both as a signature and as the restored function, at batch sizes 3
and 5 and on an empty batch, draws from seeds on two loads, replays the
warm-up requests and runs the ``.tflite`` files; it writes the outputs to an
``.npz`` that the tests compare with the Keras models' own methods.
``saved_model_cli`` (``show``, ``run``) and, when installed, ``tf2onnx`` run
beside it. One process for everything keeps the tests fast: each costs ~5 s
of TF import. ``conftest.py`` calls it once a session (fixture ``exported``).
"""

import contextlib
import io
import json
import os
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from export_cases import (
    BATCHES,
    CASES,
    DOC_EXPORT_DIR,
    EVAL_JSON,
    LOADED_TWICE,
    ONNX_READY,
    RELOADED,
    RUN_JSON,
    SAMPLE_SEEDS,
    TESTS,
    build,
    docs_snippet,
    expected_signatures,
    fixed_input,
    keras_outputs,
    onnx_command,
)

from zoo import cli, export


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


def export_everything(root):
    """Exports every case under ``root`` and runs the plain-TF processes on them.

    Returns:
        An :class:`Exported`.
    """
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


def case_model(exported, case):
    """The Keras model of ``case``; fails the test when that case did not export."""
    if case in exported.build_errors:
        pytest.fail(f"{case} did not export: {exported.build_errors[case]}")
    return exported.models[case]
