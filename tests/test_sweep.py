"""The one sweep (``python -m bench.sweep``) trains what the drivers it replaced trained.

``bench/gan_candidates.py`` (a recipe's named candidates), ``bench/cae_sweep.py``
(a003.cae's lambda) and ``bench/budget_sweep.py`` (snapshots of one run) each made one
:func:`zoo.training.train` call per row, as of commit 6e563c2; their quoted
figures reproduce only if the sweep makes the same calls. Nothing here trains at a
budget: the runs are one epoch on 512 digits, scored by an untrained classifier.
"""

import json

import keras
import numpy as np
import pytest

from bench import sweep
from zoo import recipes, training

WITH_CANDIDATES = [n for n in recipes.names() if recipes.get(n).candidates]

pytestmark = pytest.mark.usefixtures("untrained_classifier")


def calls(*argv):
    """The ``(recipe, keywords)`` of each ``train`` call the sweep makes, ``out_dir`` aside."""
    runs = sweep.plan(sweep.parser().parse_args(list(argv)))
    return [(r.recipe, {**r.train_kwargs("runs"), "out_dir": None}) for r in runs]


def old(recipe, epochs, **overrides):
    # The old drivers' calls also had their own out_dir, and fresh=True (gan_candidates,
    # cae_sweep): in a new directory that trains the same.
    return recipe, dict(epochs=epochs, out_dir=None, source="npz", seed=0, verbose=0, **overrides)


def same_weights(a, b):
    wa, wb = a.get_weights(), b.get_weights()
    return len(wa) == len(wb) and all(x.dtype == y.dtype and np.array_equal(x, y)
                                      for x, y in zip(wa, wb, strict=True))  # fmt: skip


def test_the_quoted_commands_make_the_old_drivers_calls():
    assert calls("a000.gan", "--epochs", "30", "--only", "no_d_bn") == [
        old("a000.gan", 30, gradient_penalty=0.0)  # gan_candidates a000.gan --only no_d_bn
    ]
    grid = calls("a003.cae", "--epochs", "5", "--grid", "contractive_weight=0,1e-5,3e-5,1e-4")
    # cae_sweep --epochs 5: its lambdas were argparse floats, 0 included, the recipe's too
    assert grid == [old("a003.cae", 5, contractive_weight=lam) for lam in (0.0, 1e-5, 3e-5, 1e-4)]
    assert all(type(kwargs["contractive_weight"]) is float for _, kwargs in grid)
    # budget_sweep a001.dcgan --epochs 5 10 15: one run to the largest, snapshots at each
    assert calls("a001.dcgan", "--epochs", "10", "5", "15") == [old("a001.dcgan", 15)]
    assert calls("a000.gan", "--epochs", "3", "--only", "recipe", "--seeds", "0", "1")[1] == (
        "a000.gan", {**old("a000.gan", 3)[1], "seed": 1}
    )  # fmt: skip


@pytest.mark.parametrize("name", [n for n in recipes.names() if recipes.get(n).candidates])
def test_by_default_every_named_candidate_trains_with_the_settings_it_lists(name):
    # gan_candidates trained candidates[name] as overrides; the sweep passes them unchanged.
    listed = {k: dict(v) for k, v in recipes.get(name).candidates.items()}
    runs = sweep.plan(sweep.parser().parse_args([name, "--epochs", "1"]))
    assert {r.candidate: r.overrides for r in runs} == listed


def test_a_budget_stands_alone_and_a_wrong_name_fails_before_training():
    parse = sweep.parser().parse_args
    with pytest.raises(ValueError, match="stands alone"):
        sweep.plan(parse(["a000.gan", "--epochs", "budget", "5"]))
    with pytest.raises(ValueError, match="unknown candidate"):
        sweep.plan(parse(["a000.gan", "--epochs", "5", "--only", "article_dd"]))
    with pytest.raises(TypeError, match="no setting"):
        sweep.plan(parse(["a003.cae", "--epochs", "5", "--grid", "contractive_wieght=0"]))
    assert sweep.plan(parse(["a000.ae", "--epochs", "budget"]))[0].epochs == (10,)


@pytest.fixture(scope="module")
def old_rows(tmp_path_factory, mnist_npz):
    """One row of each old driver, trained by its own call (and path=, for this test's digits)."""
    out, models = tmp_path_factory.mktemp("old"), {}
    rows = {  # bench/gan_candidates.py's row, then bench/cae_sweep.py's
        ("a000.gan", "no_d_bn"): dict(gradient_penalty=0.0),
        ("a003.cae", "contractive_weight=1e-05"): dict(contractive_weight=1e-5),
    }
    for (recipe, candidate), overrides in rows.items():
        models[recipe], _ = training.train(recipe, epochs=1, out_dir=str(out / candidate),
                                           source="npz", path=mnist_npz, seed=0, fresh=True,
                                           verbose=0, **overrides)  # fmt: skip
    return models


def test_a_candidate_row_and_a_lambda_row_train_the_old_drivers_weights(
    tmp_path, mnist_npz, old_rows
):
    runs, data = tmp_path / "runs", ["--mnist", mnist_npz, "--runs", str(tmp_path / "runs")]
    sweep.main(["a000.gan", "--only", "no_d_bn", "--epochs", "1", "--samples", "64", *data])
    sweep.main(["a003.cae", "--grid", "contractive_weight=1e-5", "--epochs", "1", *data])
    gan = keras.models.load_model(runs / "a000.gan" / "no_d_bn" / "seed_0" / "model.keras")
    assert same_weights(old_rows["a000.gan"], gan)
    run = runs / "a003.cae" / "contractive_weight=1e-05" / "seed_0"
    assert same_weights(old_rows["a003.cae"], keras.models.load_model(run / "model.keras"))


def test_a_snapshot_is_the_run_its_budget_gives_and_a_finished_sweep_only_scores(
    tmp_path, mnist_npz, old_rows, monkeypatch, capsys
):
    table = tmp_path / "table.json"
    argv = ["a003.cae", "--grid", "contractive_weight=1e-5", "--epochs", "1", "2"]
    argv += ["--mnist", mnist_npz, "--runs", str(tmp_path / "runs"), "--json", str(table)]
    sweep.main(argv)  # budget_sweep's way: one run to 2 epochs, saved after 1
    run = tmp_path / "runs" / "a003.cae" / "contractive_weight=1e-05" / "seed_0"
    snapshot = keras.models.load_model(run / "snapshots" / "epoch_001.keras")
    assert same_weights(old_rows["a003.cae"], snapshot)  # the 1-epoch run, to the bit
    first = json.loads(table.read_text())
    assert [r["epochs"] for r in first["rows"]] == [1, 2]
    out = capsys.readouterr().out
    assert "| a003.cae | contractive_weight=1e-05 | 0 | 2 |" in out and "‖dh/dx‖_F" in out

    def no_training(*args, **kwargs):
        raise AssertionError("a finished run trained again")

    monkeypatch.setattr(training, "train", no_training)
    sweep.main(argv)  # the finished run and its snapshot, scored from disk
    again = json.loads(table.read_text())
    figures = ("jacobian_norm", "mse")
    assert [[r[k] for k in figures] for r in again["rows"]] == [
        [r[k] for k in figures] for r in first["rows"]
    ]
    with pytest.raises(SystemExit, match="another finished run"):
        sweep.main([*argv[:4], "3", *argv[6:]])  # a 3-epoch budget is another run
