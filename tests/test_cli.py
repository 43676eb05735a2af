"""The command line, end to end: list, train, export, sample, and its errors."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from zoo import cli, recipes


def test_python_m_zoo_list_groups_recipes_by_article():
    out = subprocess.run(
        [sys.executable, "-m", "zoo", "list"], capture_output=True, text=True, check=True
    ).stdout
    for article in recipes.ARTICLES:
        assert f"article {article}:" in out
    for name in recipes.names():
        assert name in out
    # Recipes are listed under their own article's heading.
    assert out.index("article 003:") < out.index("a003.cae") < out.index("article 004:")


def test_train_writes_model_history_and_grids(tmp_path, capsys):
    out = tmp_path / "run"
    status = cli.main(
        [
            "train",
            "a000.ae",
            "--epochs",
            "2",
            "--limit",
            "256",
            "--batch-size",
            "64",
            "--out",
            str(out),
            "--verbose",
            "0",
        ]
    )
    assert status == 0
    history = json.loads((out / "history.json").read_text())
    assert len(history["loss"]) == 2 and history["loss"][1] < history["loss"][0]
    assert "val_loss" in history
    for name in (
        "model.keras",
        "losses.png",
        "reconstructions_epoch_002.png",
        "reconstructions.png",
        "reconstructions.gif",
        "run.json",
    ):
        assert (out / name).is_file(), name
    model = keras.models.load_model(out / "model.keras")
    assert model.compiled and int(model.optimizer.iterations) == 2 * 4


def test_train_with_override_and_sample_grid(tmp_path):
    out = tmp_path / "vae"
    status = cli.main(
        [
            "train",
            "a004.beta_vae",
            "--epochs",
            "1",
            "--limit",
            "128",
            "--batch-size",
            "64",
            "--out",
            str(out),
            "--verbose",
            "0",
            "--set",
            "beta=4.0",
        ]
    )
    assert status == 0
    assert (out / "samples_epoch_001.png").is_file()
    assert keras.models.load_model(out / "model.keras").beta == 4.0
    assert json.loads((out / "run.json").read_text())["overrides"] == {"beta": 4.0}


def test_unknown_recipe_is_a_one_line_error(capsys):
    assert cli.main(["train", "a000.gann", "--epochs", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("zoo: error:") and "a000.gan" in err and "\n" not in err


def test_unwritable_output_directory_is_refused(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    assert cli.main(["train", "a000.ae", "--epochs", "1", "--out", str(blocker / "run")]) == 2
    assert "Cannot write to the output directory" in capsys.readouterr().err


def test_export_and_sample_from_a_run_directory(tmp_path):
    pytest.importorskip("zoo.export")
    run = tmp_path / "gan"
    assert (
        cli.main(
            [
                "train",
                "a000.gan",
                "--epochs",
                "1",
                "--limit",
                "128",
                "--batch-size",
                "64",
                "--out",
                str(run),
                "--verbose",
                "0",
            ]
        )
        == 0
    )
    assert cli.main(["export", str(run), str(tmp_path / "export")]) == 0
    assert (tmp_path / "export" / "1" / "saved_model.pb").is_file()
    # A second export without --overwrite goes to the next version, as TF Serving expects.
    assert cli.main(["export", str(run), str(tmp_path / "export")]) == 0
    assert sorted(os.listdir(tmp_path / "export")) == ["1", "2"]
    grid = tmp_path / "grid.png"
    assert cli.main(["sample", str(tmp_path / "export" / "1"), "-n", "16", "-o", str(grid)]) == 0
    assert grid.stat().st_size > 0


def test_export_of_a_missing_path_is_a_clear_error(tmp_path, capsys):
    pytest.importorskip("zoo.export")
    assert cli.main(["export", str(tmp_path / "nope"), str(tmp_path / "out")]) == 2
    assert "nope" in capsys.readouterr().err


def test_export_of_a_truncated_keras_file_says_it_is_damaged(tmp_path, capsys):
    path = tmp_path / "model.keras"
    keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]).save(path)
    path.write_bytes(path.read_bytes()[:300])  # a copy cut short, a disk that filled up
    assert cli.main(["export", str(path), str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "File not found" not in err
    assert err.startswith(f"zoo: error: {str(path)!r} is damaged or truncated: ")
    assert "Train the run again (python -m zoo train" in err and "save the model again" in err


def test_set_values_are_parsed_as_literals():
    assert cli._literal("4.0") == 4.0 and cli._literal("True") is True
    assert cli._literal("mse") == "mse" and np.isclose(cli._literal("1e-3"), 1e-3)


@pytest.fixture
def restore_policy():
    previous = keras.mixed_precision.dtype_policy()
    yield
    keras.mixed_precision.set_global_policy(previous)


def test_train_speed_flags_reach_the_model_and_the_run_record(tmp_path, restore_policy):
    out = tmp_path / "run"
    argv = ["train", "a000.ae", "--epochs", "2", "--limit", "256", "--batch-size", "32"]
    argv += ["--val-limit", "64", "--out", str(out), "--verbose", "0", "--set", "hidden=32"]
    argv += ["--jit-compile", "false", "--steps-per-execution", "4", "--mixed-precision"]
    assert cli.main([*argv, "bfloat16"]) == 0
    run = json.loads((out / "run.json").read_text())
    assert run["jit_compile"] is False and run["steps_per_execution"] == 4
    assert run["dtype_policy"] == "mixed_bfloat16" and run["replicas"] == 1
    model = keras.models.load_model(out / "model.keras")
    assert int(model.optimizer.iterations) == 2 * 8
    assert model.steps_per_execution == 4 and model.jit_compile is False  # kept by the save
    assert model.decoder.layers[-1].compute_dtype == "bfloat16"
    history = json.loads((out / "history.json").read_text())
    assert history["loss"][1] < history["loss"][0]  # it learns in bfloat16


def test_train_uses_the_recipe_speed_defaults(tmp_path):
    out = tmp_path / "run"
    argv = ["train", "a000.ae", "--epochs", "2", "--limit", "512", "--batch-size", "64"]
    assert cli.main([*argv, "--val-limit", "64", "--out", str(out), "--verbose", "0"]) == 0
    run = json.loads((out / "run.json").read_text())
    # XLA, and 16 steps per execution lowered to 8, a divisor of the 8 steps of an epoch.
    assert run["jit_compile"] is True and run["steps_per_execution"] == 8
    assert run["dtype_policy"] == "float32"
    history = json.loads((out / "history.json").read_text())
    assert history["loss"][1] < history["loss"][0]


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--steps-per-execution", "0"], "steps_per_execution must be a positive integer"),
        (["--mixed-precision", "int8"], "invalid choice: 'int8'"),
        (["--jit-compile", "yes"], "invalid choice: 'yes'"),
    ],
)
def test_bad_speed_flags_are_one_line_errors(flags, message, capsys, tmp_path):
    argv = ["train", "a000.ae", "--epochs", "1", "--out", str(tmp_path), *flags]
    try:
        status = cli.main(argv)
    except SystemExit as e:  # argparse's own choices check
        status = e.code
    assert status == 2
    assert message in capsys.readouterr().err
