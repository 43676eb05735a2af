"""The results table (:mod:`zoo.results`, ``make results``): its rows, its resumption, its peers.

Nothing here trains at a budget: the runs are tiny (256 digits, one epoch) or stand-ins,
and no test trains the 99.2% classifier (``classifier.default_extractor`` is replaced by
an untrained :func:`zoo.classifier.build_classifier`).
"""

import json
import os
import re
import shutil
import warnings
from argparse import Namespace

import keras
import numpy as np
import pytest

from zoo import cli, data, evaluation, results
from zoo.results import peers

pytestmark = pytest.mark.usefixtures("untrained_classifier")


@pytest.fixture(scope="module")
def vae_run(tmp_path_factory, mnist_npz):
    """A tiny finished run of ``a004.beta_vae``, as ``python -m zoo train`` leaves it."""
    out = tmp_path_factory.mktemp("runs") / "vae"
    argv = ["train", "a004.beta_vae", "--limit", "256", "--epochs", "1", "--batch-size", "64"]
    argv += ["--val-limit", "64", "--checkpoint-every", "0", "--verbose", "0"]
    argv += ["--source", "npz", "--mnist", mnist_npz, "--out", str(out)]
    assert cli.main(argv) == 0
    return out


def test_rows_are_scored_through_evaluate_model(vae_run, mnist_npz, untrained_classifier):
    x_train, _ = data.load_mnist_arrays("train", source="npz", path=mnist_npz)
    x_test, _ = data.load_mnist_arrays("test", source="npz", path=mnist_npz)
    args = Namespace(n_samples=100, kid_subsets=5, iwae_k=5, iwae_n=32, quick=True)
    real = evaluation.real_set(
        x_train, x_test, 100, untrained_classifier, kid_subsets=5, full_train=True
    )
    vae, _ = evaluation.load(vae_run)
    row = results.evaluate("a004.beta_vae", vae, real, args, untrained_classifier)
    assert {"fd", "kid", "classifier_score", "mse", "bce", "elbo", "iwae_nll"} <= set(row)
    assert row["n_iwae"] == 8 and row["likelihood"] == "Bernoulli, grey"  # grey: iwae_n // 4
    row.update(name="a004.beta_vae", family="vae", epochs=1, n_train=256, seconds=1.0)
    table = results.markdown([row], real.floor, args)
    assert "a004.beta_vae" in table and real.floor_full_fd is not None


def test_a_cached_row_whose_budget_changed_is_trained_again(tmp_path, monkeypatch):
    args = Namespace(runs=str(tmp_path), retrain=None, no_train=False, n_samples=100,
                     kid_subsets=5, iwae_k=5, iwae_n=32, quick=False)  # fmt: skip
    settings = dict(n_samples=100, kid_subsets=5, iwae_k=5, iwae_n=32, quick=False)
    run_dir = tmp_path / "a001.dcgan"
    run_dir.mkdir()
    (run_dir / "model.keras").write_text("a 5-epoch model")
    (run_dir / "row.json").write_text(json.dumps(dict(epochs=5, settings=settings, fd=9.8)))
    trained = []

    def train(name, x_train, run_dir, epochs, limit=None, data="mnist"):
        trained.append((name, epochs, os.listdir(run_dir) if os.path.isdir(run_dir) else None))
        os.makedirs(run_dir, exist_ok=True)
        return "model", 1.0, False

    monkeypatch.setattr(results, "train", train)
    monkeypatch.setattr(results, "evaluate", lambda *a, **k: {"fd": 5.0})
    monkeypatch.setattr(results, "epochs_of", lambda name, quick: 15)
    x_train = np.zeros((8, 28, 28), "uint8")
    row = results.scored_row("a001.dcgan", args, x_train, None, None)
    # The old run was removed before training at the new budget, and the new row says so.
    assert trained == [("a001.dcgan", 15, None)] and row["epochs"] == 15 and row["fd"] == 5.0
    assert results.scored_row("a001.dcgan", args, x_train, None, None) == row  # now cached
    assert len(trained) == 1


def test_no_train_lists_an_unfinished_entry_as_pending(tmp_path, monkeypatch):
    args = Namespace(runs=str(tmp_path), retrain=None, no_train=True, n_samples=100,
                     kid_subsets=5, iwae_k=5, iwae_n=32, quick=False)  # fmt: skip
    (tmp_path / "peer.tf_tutorial_dcgan" / "backup").mkdir(parents=True)  # a run half done
    old = tmp_path / "a001.dcgan"  # a finished run of the old budget, with its row
    old.mkdir()
    (old / "model.keras").write_text("a 5-epoch model")
    (old / "row.json").write_text(json.dumps(dict(epochs=5, settings={}, fd=9.8)))
    monkeypatch.setattr(results, "train", lambda *a, **k: pytest.fail("trained"))
    monkeypatch.setattr(results, "epochs_of", lambda name, quick: 15)
    row = results.scored_row("peer.tf_tutorial_dcgan", args, np.zeros((8, 28, 28)), None, None)
    assert row["pending"] and row["epochs"] == 15
    # Stale, so pending too; and rendering removes nothing.
    assert results.scored_row("a001.dcgan", args, np.zeros((8, 28, 28)), None, None)["pending"]
    assert (old / "model.keras").exists() and (old / "row.json").exists()
    floor = dict(fd=0.1, kid=0.0, kid_std=0.0, classifier_score=9.7, min_class_share=0.09,
                 classes_above_2pct=10)  # fmt: skip
    assert "| peer.tf_tutorial_dcgan | gan | 15 ep × 8 | not finished" in results.markdown(
        [row], floor, args
    )
    dcgan = dict(name="a001.dcgan", epochs=15, fd=5.1)
    assert "15-epoch run is not finished" in results.comparison([row, dcgan], floor)


def test_the_tutorial_peer_resumes_both_optimizers_from_its_backup(tmp_path, digits):
    class Stopped(Exception):
        pass

    def states(model):
        return [v.numpy() for o in (model.g_optimizer, model.d_optimizer) for v in o.variables]

    class StopAfterOneEpoch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.states = states(self.model)
            raise Stopped

    class Restored(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.states = states(self.model)
            raise Stopped

    def sitting(callback):
        model = peers.TutorialDCGAN(seed=0)
        model.compile(optimizer=keras.optimizers.Adam())  # as peers.train compiles it
        backup = keras.callbacks.BackupAndRestore(str(tmp_path))
        with pytest.raises(Stopped), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model.fit(digits[:256, ..., None], batch_size=128, epochs=2, verbose=0,
                      callbacks=[backup, callback])  # fmt: skip
        return [str(w.message) for w in caught if "Skipping variable loading" in str(w.message)]

    stopped, restored = StopAfterOneEpoch(), Restored()
    assert sitting(stopped) == [] and sitting(restored) == []
    # Adam's step count and both moments of G and of D, exactly as the first sitting left them
    assert len(restored.states) == 36 and restored.states[0] == 2
    assert all(np.array_equal(a, b) for a, b in zip(stopped.states, restored.states, strict=True))


def test_a_peer_run_resumed_from_its_backup_is_marked(tmp_path, monkeypatch):
    def finish(name, x, epochs, run_dir, seed=0):  # as fit with BackupAndRestore ends
        shutil.rmtree(os.path.join(run_dir, "backup"), ignore_errors=True)
        return "model", 60.0

    monkeypatch.setattr(results.peers, "train", finish)
    x = np.zeros((8, 28, 28), "uint8")
    (tmp_path / "stopped" / "backup").mkdir(parents=True)  # an earlier sitting's epochs
    assert results.train("peer.tf_tutorial_dcgan", x, str(tmp_path / "stopped"), 15)[2] is True
    assert results.train("peer.tf_tutorial_dcgan", x, str(tmp_path / "fresh"), 15)[2] is False
    # A later call loads the finished networks: the finishing sitting's seconds are kept
    monkeypatch.setattr(results.peers, "train", lambda *a, **k: ("model", 0.0))
    assert results.train("peer.tf_tutorial_dcgan", x, str(tmp_path / "stopped"), 15) == (
        "model", 60.0, True,
    )  # fmt: skip
    assert results.train("peer.tf_tutorial_dcgan", x, str(tmp_path / "older"), 15)[1] is None
    row = dict(epochs=15, fd=29.8, classifier_score=3.3, min_class_share=0.02, seconds=368.0)
    mine = dict(row, name="a001.dcgan", fd=5.1, seconds=3424.0)
    peer = dict(row, name="peer.tf_tutorial_dcgan", resumed=True)  # 368 s: its last sitting
    floor = dict(fd=0.1, classifier_score=9.7)
    assert "no train seconds to compare" in results.comparison([mine, peer], floor)
    together = results.comparison([mine, dict(peer, resumed=False)], floor)
    assert "train seconds 3424 against 368" in together
    unknown = dict(peer, resumed=False, seconds=None)  # finished before seconds were kept
    assert "no train seconds to compare (not recorded)" in results.comparison(
        [mine, unknown], floor
    )
    assert "| peer.tf_tutorial_dcgan | gan | 15 ep × 8 | – |" in results.markdown(
        [dict(unknown, family="gan", n_train=8, classes_above_2pct=10)],
        dict(floor, kid=0.0, kid_std=0.0, min_class_share=0.09, classes_above_2pct=10),
        Namespace(n_samples=10),
    )  # fmt: skip


def test_the_document_quotes_its_command_and_files_that_exist():
    meta = dict(date="2026-01-01", machine="a machine", load="0.0", n_samples=10_000,
                kid_subsets=100, ref_epochs=10, command="python -m zoo.results",
                runs=results.RUNS, reference=results.REFERENCE)  # fmt: skip
    part = dict(classifier="v1, test accuracy 92.10%", floor_full=0.2, noun="fashion items",
                comparison="* none", notes="Hand-written.")  # fmt: skip
    text = results.document(results.section("Fashion-MNIST", "| the table |", part), meta)
    assert "Measured by `zoo.results` (`make results`)" in text
    assert "(or `python -m zoo.results`)" in text and "`runs/results/<name>/`" in text
    assert "## Fashion-MNIST\n\nScored in the features of zoo's Fashion-MNIST classifier" in text
    assert "60,000 real training fashion items against the test set: 0.200" in text
    assert "| the table |" in text and "Hand-written." in text
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    quoted = re.findall(r"`((?:zoo|bench)/[\w/]+\.py)`", text)
    assert "zoo/results/peers.py" in quoted
    assert [p for p in quoted if not os.path.isfile(os.path.join(root, p))] == []


def test_each_data_set_has_its_runs_and_only_mnist_the_reference_vae():
    assert results.runs_dir("mnist") == results.RUNS  # where the MNIST rows always were
    assert results.runs_dir("fashion_mnist") == results.RUNS + "-fashion_mnist"
    assert results.REFERENCE in results.entry_names(None, "mnist")
    fashion = results.entry_names(None, "fashion_mnist")
    assert results.REFERENCE not in fashion and set(peers.PEERS) <= set(fashion)


def test_the_paper_settings_peer_updates_d_then_g_with_the_papers_adam(digits):
    model = peers.PaperSettingsDCGAN(seed=0)
    model.compile(optimizer=keras.optimizers.Adam())
    for optimizer in (model.g_optimizer, model.d_optimizer):
        assert float(optimizer.learning_rate) == pytest.approx(2e-4) and optimizer.beta_1 == 0.5
    d_before = [v.numpy() for v in model.discriminator.trainable_variables]
    g_before = [v.numpy() for v in model.generator.trainable_variables]
    model.fit(digits[:128, ..., None], batch_size=128, epochs=1, verbose=0)
    changed = [
        any(not np.array_equal(a, v) for a, v in zip(before, net.trainable_variables, strict=True))
        for before, net in ((d_before, model.discriminator), (g_before, model.generator))
    ]
    assert changed == [True, True] and model.g_optimizer.iterations == 1
    wide = peers.PEERS["peer.keras_io_vae_16d"][0](seed=0)
    assert wide.encoder.output[0].shape[-1] == 16 and wide.decoder.input_shape[-1] == 16


def test_the_command_runs_as_a_module():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "zoo.results", "--help"], capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0 and "--data {mnist,fashion_mnist}" in done.stdout


def test_coverage_names_the_rarest_class():
    row = dict(min_class_share=0.016, classes_above_2pct=9, class_shares=[0.2, 0.016, 0.784])
    assert results.coverage(row, ("Coat", "Sandal", "Bag")) == "1.6% (Sandal) / 9"
    assert results.coverage(row) == "1.6% / 9"  # no names: the share alone
    assert results.coverage({}) == "–"


def test_the_second_opinion_scores_runs_in_keras_ios_convnet(
    vae_run, mnist_npz, tmp_path, monkeypatch, capsys
):
    from bench import second_opinion as so

    # As keras-io's page describes it: two convolutions, pooling, dropout 0.5, softmax.
    net = so.keras_io_convnet()
    convs = [layer.filters for layer in net.layers if isinstance(layer, keras.layers.Conv2D)]
    dropout = [layer.rate for layer in net.layers if isinstance(layer, keras.layers.Dropout)]
    assert convs == [32, 64] and dropout == [0.5] and net.layers[-1].units == 10
    assert net.get_layer(so.FEATURES).output.shape[-1] == 1600  # the features FD compares
    assert (so.EPOCHS, so.BATCH, so.SEED, so.N_SAMPLES) == (15, 128, 0, 10_000)  # what docs quote

    runs = tmp_path / "results"
    shutil.copytree(vae_run, runs / "a004.beta_vae")
    row = dict(fd=12.5, classifier_score=4.0, min_class_share=0.05)
    (runs / "a004.beta_vae" / "row.json").write_text(json.dumps(row))
    monkeypatch.setattr(results, "RUNS", str(runs))
    for name, value in dict(OUT=tmp_path, CLASSIFIER=tmp_path / "c.keras", EPOCHS=1,
                            N_SAMPLES=200, MNIST=mnist_npz).items():  # fmt: skip
        monkeypatch.setattr(so, name, value)
    so.main(["--runs", "a004.beta_vae", "peer.tf_tutorial_dcgan", "--out", str(tmp_path / "o")])
    record = json.loads((tmp_path / "o").read_text())
    assert (tmp_path / "c.keras").is_file() and 0 < record["accuracy"] <= 1
    scored = record["rows"]["a004.beta_vae"]
    assert scored["zoo"] == row and scored["keras_io"]["fd"] > 0 and record["floor"]["fd"] >= 0
    assert list(record["rows"]) == ["a004.beta_vae"]  # the missing run is skipped, and said so
    out, err = capsys.readouterr()
    assert "peer.tf_tutorial_dcgan: no scored run" in err and "| a004.beta_vae | 12.50 |" in out
