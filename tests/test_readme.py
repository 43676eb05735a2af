"""The README's Python blocks run as written (on a few hundred digits, one epoch)."""

import pathlib
import re

import numpy as np
import pytest

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_has_python_blocks():
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_python_block_runs(index, digits, monkeypatch, tmp_path):
    from zoo import data

    monkeypatch.chdir(tmp_path)
    # Same calls, less work: a few hundred digits, one epoch.
    monkeypatch.setattr(data, "load_mnist_arrays", lambda *a, **k: (digits, np.zeros(len(digits))))
    real_load = data.load_mnist
    monkeypatch.setattr(data, "load_mnist", lambda *a, **k: real_load(*a, **{**k, "limit": 256}))
    code = re.sub(r"epochs=\d+", "epochs=1", BLOCKS[index])
    if "saved_model.load" in code:
        # The serving block reads an export of the article-004 VAE (latent size 100).
        from zoo import export, recipes

        export.export(recipes.build("a004.beta_vae"), "exports/vae")
    exec(compile(code, f"README block {index}", "exec"), {})
