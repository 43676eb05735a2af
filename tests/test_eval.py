"""``python -m zoo eval``: runs, ``.keras`` files and exports, their floor, coverage and errors.

The runs are tiny (256 digits, one epoch) and the MNIST file holds the 512 + 256
digits of the fixtures, so the figures are finite but not good. No test
trains the 99.2% classifier: ``classifier.default_extractor`` is replaced by an
untrained :func:`zoo.classifier.build_classifier`, or an injected labeller.
"""

import json
import math
import shutil
import warnings
from pathlib import Path

import keras
import numpy as np
import pytest

from zoo import cli, data, evaluation, export, metrics

RUNS = {"gan": "a000.gan", "ae": "a000.ae", "vae": "a004.beta_vae"}
FAST = ["--samples", "200", "--k", "5", "--iwae-images", "32", "--batch-size", "128"]
TOP_KEYS = {"path", "kind", "model", "settings", "data", "classifier", "capabilities", "seconds"}
TOP_KEYS |= {"not_scored", "notes"}
GEN_KEYS = {"fd", "kid", "kid_std", "classifier_score", "class_shares", "min_class_share"}
GEN_KEYS |= {"classes_above_2pct", "n"}

pytestmark = pytest.mark.usefixtures("untrained_classifier")


@pytest.fixture(scope="module")
def runs(tmp_path_factory, mnist_npz):
    """One tiny trained run per family: ``{"gan": dir, "ae": dir, "vae": dir}``."""
    base = tmp_path_factory.mktemp("runs")
    out = {}
    for key, recipe in RUNS.items():
        out[key] = base / key
        argv = ["train", recipe, "--limit", "256", "--epochs", "1", "--batch-size", "64"]
        argv += ["--val-limit", "64", "--checkpoint-every", "0", "--verbose", "0"]
        argv += ["--source", "npz", "--mnist", mnist_npz, "--out", str(out[key])]
        assert cli.main(argv) == 0
    return out


@pytest.fixture(scope="module")
def exports(runs, tmp_path_factory):
    base = tmp_path_factory.mktemp("exports")
    return {key: export.export_from(runs[key], base / key) for key in runs}


def run_eval(path, mnist_npz, *extra):
    return cli.main(["eval", str(path), "--source", "npz", "--mnist", mnist_npz, *FAST, *extra])


def finite(section):
    return all(math.isfinite(v) for v in section.values() if isinstance(v, int | float))


def test_eval_of_a_gan_run_writes_eval_json_beside_its_floor(runs, mnist_npz, tmp_path, capsys):
    copy = tmp_path / "copy.json"
    assert run_eval(runs["gan"], mnist_npz, "--json", str(copy)) == 0
    out = capsys.readouterr().out
    assert "samples (200)" in out and "200/200" in out  # the progress bars' stages
    assert "FD ↓" in out and "classes above 2%" in out and f"wrote {runs['gan']}" in out
    result = json.loads((runs["gan"] / "eval.json").read_text())
    assert json.loads(copy.read_text()) == result
    assert TOP_KEYS | {"generative"} == set(result)
    assert result["kind"] == "run" and result["capabilities"] == ["sample"]
    gen = result["generative"]
    assert set(gen) == GEN_KEYS | {"floor"} and finite(gen) and gen["n"] == 200
    assert set(gen["floor"]) == GEN_KEYS and finite(gen["floor"])
    assert gen["floor"]["fd"] < gen["fd"]  # 256 digits of one epoch are far from real digits
    assert sum(gen["class_shares"]) == pytest.approx(1.0)
    assert result["not_scored"] == result["notes"] == []
    assert result["data"] == {
        "dataset": "mnist",
        "title": "MNIST",
        "noun": "digits",
        "source": f"npz: {mnist_npz} (from path=)",
        "train_images": 512,
        "test_images": 256,
    }
    assert result["classifier"] == {"untrained": True}


def test_eval_of_a_gan_export_drives_its_generate_signature(runs, exports, mnist_npz, capsys):
    base = Path(exports["gan"]).parent
    for path in (exports["gan"], base):  # a version folder, or the base (highest version)
        assert run_eval(path, mnist_npz, "--quiet") == 0
    out = capsys.readouterr().out
    assert "samples (" not in out  # --quiet
    assert "saved_model" in out and not (base / "eval.json").exists()  # not a run directory


def test_eval_of_an_autoencoder_and_its_export_agree(runs, exports, mnist_npz, tmp_path):
    results = []
    for path in (runs["ae"], runs["ae"] / "model.keras", exports["ae"]):
        target = tmp_path / "out.json"
        assert run_eval(path, mnist_npz, "--quiet", "--json", str(target)) == 0
        results.append(json.loads(target.read_text()))
    assert [r["kind"] for r in results] == ["run", "keras", "saved_model"]
    for result in results:
        assert result["capabilities"] == ["reconstruct"] and "generative" not in result
        rec = result["reconstruction"]
        assert finite(rec) and rec["n"] == 256 and 0 < rec["mse"] < rec["bce"]
        assert rec["floor"]["baseline"] == "mean train image"
        assert 0.03 < rec["floor"]["mse"] < 0.12  # MNIST's mean-image MSE is about 0.067
    # The export's reconstruct signature is the same network: the same figures.
    for key in ("mse", "bce"):
        assert results[2]["reconstruction"][key] == pytest.approx(
            results[0]["reconstruction"][key], rel=1e-5
        )


def test_eval_of_a_vae_and_its_export_report_elbo_and_iwae(runs, exports, mnist_npz, tmp_path):
    results = []
    for path in (runs["vae"], exports["vae"]):
        target = tmp_path / "out.json"
        assert run_eval(path, mnist_npz, "--quiet", "--json", str(target)) == 0
        results.append(json.loads(target.read_text()))
    for result in results:
        assert result["capabilities"] == ["sample", "reconstruct", "likelihood"]
        lik = result["likelihood"]
        assert {"elbo", "iwae_nll", "k", "n_elbo", "n_iwae", "likelihood"} == set(lik)
        assert finite(lik) and lik["k"] == 5 and (lik["n_elbo"], lik["n_iwae"]) == (256, 32)
        assert lik["elbo"] < 0 < lik["iwae_nll"]
        assert finite(result["generative"]) and finite(result["reconstruction"])
    keras_lik, export_lik = results[0]["likelihood"], results[1]["likelihood"]
    assert keras_lik["likelihood"] == "Bernoulli, grey"
    assert "export" in export_lik["likelihood"] and "clipped" in export_lik["likelihood"]
    # Same encoder, decoder and draws: the export's BCE from decode's means is the same bound.
    for key in ("elbo", "iwae_nll"):
        assert export_lik[key] == pytest.approx(keras_lik[key], rel=1e-4)


# -- coverage: the mode-collapse detector -------------------------------------------------
@pytest.fixture(scope="module")
def labelled():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return data.load_mnist_arrays("test", limit=300)


def labeller(images, labels):
    """An "oracle classifier": one-hot of each known digit's label, pixels as features."""
    lookup = {data.as_unit(x).tobytes(): int(y) for x, y in zip(images, labels, strict=True)}

    def extract(batch):
        batch = data.as_unit(batch, (len(batch), 28, 28))
        ys = [lookup[x.tobytes()] for x in batch]
        return batch.reshape(len(batch), -1)[:, ::8], np.eye(10)[ys]

    return extract


class Digits:
    """A "generator" that returns real digits: one repeated digit, or random ones."""

    def __init__(self, images, collapsed):
        self.images, self.collapsed = images, collapsed

    def sample(self, n, seed=None):
        if self.collapsed:
            return np.repeat(data.as_unit(self.images[:1]), n, axis=0)
        pick = np.random.default_rng(seed).integers(0, len(self.images), n)
        return data.as_unit(self.images[pick])


def test_coverage_flags_a_generator_of_one_digit(labelled):
    x, y = labelled
    extractor = labeller(x, y)
    real = evaluation.real_set(x, x, n=300, extractor=extractor, kid_subsets=5)
    one, spread = (
        evaluation.evaluate_model(Digits(x, c), real, n=400, extractor=extractor, kid_subsets=5)
        for c in (True, False)
    )
    one, spread = one["generative"], spread["generative"]
    assert one["class_shares"][int(y[0])] == 1.0 and one["min_class_share"] == 0.0
    assert one["classes_above_2pct"] == 1 and one["classifier_score"] == pytest.approx(1.0)
    assert spread["classes_above_2pct"] == 10 and spread["min_class_share"] > 0.04
    assert real.floor["classes_above_2pct"] == 10
    assert one["fd"] > 10 * spread["fd"]


def test_class_coverage_counts_arg_max_classes():
    unsure = np.full((3, 10), 0.05)
    unsure[:, 7] = 0.15  # the largest probability, far from certain: still counted as a 7
    cov = evaluation.ClassCoverage().update(unsure).update(np.eye(10)[[1]])
    cov.update_labels([3] * 46)
    assert cov.result()["class_shares"][7] == pytest.approx(0.06)
    assert cov.result()["class_shares"][3] == pytest.approx(0.92)
    assert cov.result()["classes_above_2pct"] == 2  # class 1 holds exactly 2%: not above


# -- errors: one line, with the fix ---------------------------------------------------------
def damaged_keras(tmp_path, runs):
    path = tmp_path / "damaged.keras"
    raw = (runs["gan"] / "model.keras").read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    return path


def damaged_run(tmp_path, runs):
    run = tmp_path / "run"
    run.mkdir()
    shutil.copy(damaged_keras(tmp_path, runs), run / "model.keras")
    return run


def damaged_export(tmp_path, runs):
    (tmp_path / "export" / "1").mkdir(parents=True)
    (tmp_path / "export" / "1" / "saved_model.pb").write_bytes(b"not a protobuf")
    return tmp_path / "export"


def plain_model(tmp_path, runs):
    path = tmp_path / "plain.keras"
    keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]).save(path)
    return path


def text_file(tmp_path, runs):
    (tmp_path / "notes.txt").write_text("hello")
    return tmp_path / "notes.txt"


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda tmp_path, runs: tmp_path / "nope", "does not exist; expected a run directory"),
        (lambda tmp_path, runs: tmp_path, "is not a model zoo can score; expected a run"),
        (text_file, "is not a model zoo can score"),
        (damaged_keras, "is damaged or truncated: not a readable .keras archive"),
        (damaged_run, "is damaged"),
        (damaged_export, "cannot be read, it is damaged"),
        (plain_model, "has neither sample() nor reconstruct()"),
    ],
    ids=["missing", "empty-dir", "text-file", "damaged-keras", "damaged-run", "damaged-export",
         "no-protocol"],
)  # fmt: skip
def test_bad_paths_are_one_line_errors(make, message, runs, mnist_npz, tmp_path, capsys):
    assert run_eval(make(tmp_path, runs), mnist_npz) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("zoo: error: ") and message in err and "\n" not in err, err


def test_a_missing_mnist_source_is_a_one_line_error(runs, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv(data.MNIST_PATH_ENV, raising=False)
    missing = str(tmp_path / "mnist.npz")
    assert cli.main(["eval", str(runs["ae"]), "--mnist", missing, "--quiet"]) == 2
    assert cli.main(["eval", str(runs["ae"]), "--source", "npz", "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("zoo: error: ") for line in err)
    assert "MNIST file not found" in err[0] and missing in err[0]
    assert "needs a file" in err[1] and data.MNIST_PATH_ENV in err[1]


# -- one code path ---------------------------------------------------------------------------
def test_zoo_metrics_names_are_the_evaluation_objects():
    for name in ("summarize", "generative_metrics", "reconstruction_errors", "vae_metrics"):
        assert getattr(metrics, name) is getattr(evaluation, name)
