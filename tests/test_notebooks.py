"""The article notebooks: each runs end to end in preset mode, and each .ipynb matches its .py.

Preset mode (``ZOO_PRETRAINED=1``) loads the models of the recipes from the
presets shipped with zoo instead of training them (the few models without a
preset train on 512 images for one epoch), so a notebook takes well under a
minute and its scores are real; any cell error fails the test with the
cell's traceback. The kernels run in a temporary directory, so the notebooks'
own files (grids, GIFs, SavedModels) do not land in the checkout. The full
runs, whose outputs are stored in the .ipynb files, are ``make notebooks``.
"""

import importlib.util
import re
from pathlib import Path

import pytest

pytest.importorskip("jupytext")
pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
CELL_TIMEOUT = 240  # seconds per cell; a preset-mode cell takes a few seconds
#: A row of the scores table that ``nbtools.sample_scores`` displays: label, FD.
SCORE_ROW = re.compile(r"^\| (?P<label>[^|]+?) \| (?P<fd>\d+\.\d+) \|", re.MULTILINE)


def _load_runner():
    spec = importlib.util.spec_from_file_location("notebooks_run", NOTEBOOKS / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


run = _load_runner()
SOURCES = run.notebooks()


def test_there_is_one_notebook_per_article():
    from zoo import recipes

    assert [p.name[:3] for p in SOURCES] == list(recipes.ARTICLES)


def _texts(cells):
    for cell in cells:
        for out in cell.outputs:
            yield out.get("text", "") + out.get("data", {}).get("text/markdown", "")


@pytest.mark.parametrize("path", SOURCES, ids=[p.stem for p in SOURCES])
def test_notebook_runs_in_preset_mode(path, tmp_path):
    nb = run.execute(path, mode="pretrained", timeout=CELL_TIMEOUT, cwd=tmp_path)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.execution_count for c in code)
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors
    texts = "\n".join(_texts(code))
    # The recipes' models were loaded, not trained ...
    assert "loaded from its preset, not trained here" in texts
    # ... and scored by the real classifier: real digits sit near 0 (0.3 on full MNIST, more
    # on the offline sample's 1,000 test digits), and the best model is far from the FD of
    # about 95 that an untrained generator or classifier gives.
    scores = {m["label"]: float(m["fd"]) for m in SCORE_ROW.finditer(texts)}
    assert scores.pop("real training digits") < 3.0
    assert min(scores.values()) < 20.0, scores
    # Every notebook shows figures inline (the per-epoch grids, the results).
    images = [o for c in code for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 5
    # ... and writes its files under _out/NNN/ in the working directory, exports included.
    assert list((tmp_path / "_out" / path.name[:3]).glob("export_*/1/saved_model.pb"))


@pytest.mark.parametrize("path", SOURCES, ids=[p.stem for p in SOURCES])
def test_ipynb_is_in_sync_with_its_source(path):
    """The committed .ipynb holds the .py's cells, from a full run, without errors.

    After editing a .py, rerun it (``python notebooks/run.py NNN``, or ``make notebooks``).
    """
    assert run.check(path) == []


def test_an_unknown_mode_is_one_clear_error():
    with pytest.raises(ValueError, match="unknown notebook mode 'fast'; use one of full, quick"):
        run.execute(SOURCES[0], mode="fast")


def test_prose_edited_after_a_run_is_copied_into_the_ipynb_without_its_outputs_changing(tmp_path):
    import jupytext
    import nbformat

    py, ipynb = tmp_path / "000_x.py", tmp_path / "000_x.ipynb"
    text = SOURCES[0].read_text()
    py.write_text(text)
    nb = jupytext.read(py)  # a stand-in for an executed run: every code cell has an output
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            cell.execution_count = i + 1
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"out {i}\n")]
    nb.metadata[run.META] = {"quick": False}
    jupytext.write(nb, ipynb, fmt="ipynb")
    assert run.check(py) == []

    heading = next(line for line in text.splitlines() if line.startswith("# # "))
    py.write_text(text.replace(heading, heading + " (edited)", 1))
    assert run.check(py) != []
    run.copy_prose(py)
    after = nbformat.read(ipynb, as_version=4)
    assert any("(edited)" in c.source for c in after.cells if c.cell_type == "markdown")
    assert [c.get("outputs") for c in after.cells] == [c.get("outputs") for c in nb.cells]
    assert run.check(py) == []

    py.write_text(text.replace("import os", "import os  # edited", 1))
    with pytest.raises(ValueError, match="code cells differ.*rerun it"):
        run.copy_prose(py)
