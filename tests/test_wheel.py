"""The wheel, installed in a fresh venv: ``import zoo`` and the ``zoo`` command work from there.

Slow (``make test-slow``; about 25 s on 2 busy cores, most of it two TensorFlow imports). The
wheel is built offline (``python -m build --wheel --no-isolation``, as ``make wheel`` does)
from a copy of the package's sources, so that neither the checkout's ``build/`` (which keeps
files the checkout no longer has) nor this test's output touches the checkout. The new venv
has no pip and downloads nothing: the running venv's pip installs the wheel into it with
``--no-deps``, and a ``.pth`` file puts the running venv's site-packages (TensorFlow,
Keras, ...) on its path as plain directories: their ``.pth`` files are not run, so the
checkout's editable install of zoo (a finder that one of them installs) stays out, and
``zoo`` can only come from the wheel. Every command runs in a temporary directory, not the
checkout, without ``PYTHONPATH``.
"""

import json
import os
import shutil
import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
DISTRIBUTION = "keras-gen-zoo"  # setup.cfg's name; the package is `zoo`
TOMLS = sorted(p.name for p in (ROOT / "zoo" / "recipes" / "articles").glob("*.toml"))
# The shipped presets: zoo/presets/<dataset>/<name>/, <name> a recipe's (config.json,
# model.weights.h5, metadata.json, README.md) or the evaluation classifier's.
PRESETS = ROOT / "zoo" / "presets"
PRESET_FILES = sorted(
    p.relative_to(PRESETS).as_posix()
    for p in PRESETS.glob("*/*/*")
    if p.is_file() and "__pycache__" not in p.parts
)
A000_GAN = PRESETS / "mnist" / "a000.gan"
# What setup.cfg's metadata reads, besides setup.cfg and pyproject.toml themselves.
TOP_FILES = ("README.md", "LICEN[CS]E*", "COPYING*", "NOTICE*", "AUTHORS*", "MANIFEST.in")


def _recipe_names():
    names = []
    for name in TOMLS:
        with open(ROOT / "zoo" / "recipes" / "articles" / name, "rb") as f:
            names += [recipe["name"] for recipe in tomllib.load(f).get("recipe", [])]
    return names


def _run(argv, cwd, **kw):
    """Runs argv in cwd without the checkout's PYTHONPATH or the user's site-packages."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(PYTHONNOUSERSITE="1", PYTHONDONTWRITEBYTECODE="1", TF_CPP_MIN_LOG_LEVEL="3")
    out = subprocess.run(
        [str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=600, **kw
    )
    assert out.returncode == 0, f"{argv} failed ({out.returncode}):\n{out.stdout}\n{out.stderr}"
    return out


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The wheel built from a copy of the package's sources."""
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    src.mkdir()
    for name in ("setup.cfg", "pyproject.toml"):
        shutil.copy2(ROOT / name, src)
    for pattern in TOP_FILES:
        for path in ROOT.glob(pattern):
            shutil.copy2(path, src)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "zoo", src / "zoo", ignore=ignore)
    offline = "-m build --wheel --no-isolation --outdir".split()  # as `make wheel`
    _run([sys.executable, *offline, base / "dist", src], base)
    (path,) = (base / "dist").glob("*.whl")
    assert path.name.startswith(DISTRIBUTION.replace("-", "_") + "-")
    return path


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory):
    """A fresh venv with the wheel in it: (its python, its site-packages, a working directory)."""
    base = tmp_path_factory.mktemp("venv")
    env = base / "venv"
    venv.EnvBuilder(with_pip=False).create(env)
    python = env / "bin" / "python"
    quiet = "-q --no-deps --no-index --no-cache-dir --disable-pip-version-check".split()
    _run([sys.executable, "-m", "pip", "--python", python, "install", *quiet, wheel], base)
    site_packages = Path(
        _run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], base
        ).stdout.strip()
    )
    # The heavy dependencies, from the running venv's site-packages, as plain path entries.
    deps = [p for p in sys.path if Path(p).name in ("site-packages", "dist-packages")]
    deps = [p for p in dict.fromkeys(deps) if Path(p).is_dir() and Path(p) != site_packages]
    assert deps, sys.path
    (site_packages / "_zoo_test_wheel_deps.pth").write_text("".join(f"{p}\n" for p in deps))
    work = base / "work"
    work.mkdir()
    return python, site_packages, work


def test_the_wheel_holds_the_package_and_its_recipes(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
    assert {n.split("/")[0] for n in names} == {"zoo", wheel.name.split("-py3")[0] + ".dist-info"}
    assert "zoo/__init__.py" in names and "zoo/cli.py" in names
    assert TOMLS and {f"zoo/recipes/articles/{t}" for t in TOMLS} <= set(names)


def test_zoo_imports_from_the_installed_wheel(installed):
    python, site_packages, work = installed
    script = """if True:
        import importlib.metadata, importlib.resources, json, sys
        import zoo
        dist = importlib.metadata.distribution(sys.argv[1])
        scripts = importlib.metadata.entry_points(group="console_scripts", name="zoo")
        articles = importlib.resources.files("zoo.recipes") / "articles"
        print(json.dumps({
            "file": zoo.__file__,
            "version": zoo.__version__,
            "dist_version": dist.version,
            "dist_path": str(dist.locate_file("")),
            "scripts": sorted(ep.value for ep in scripts),
            "tomls": sorted(p.name for p in articles.iterdir() if p.name.endswith(".toml")),
            "sys_path": sys.path,
            "finders": [type(f).__module__ for f in sys.meta_path],
        }))
    """
    seen = json.loads(_run([python, "-c", script, DISTRIBUTION], work).stdout.splitlines()[-1])
    assert Path(seen["file"]) == site_packages / "zoo" / "__init__.py"
    assert Path(seen["dist_path"]) == site_packages
    assert seen["dist_version"] == seen["version"]
    assert seen["scripts"] == ["zoo.cli:main"]
    assert seen["tomls"] == TOMLS
    # Nothing of the checkout but the running venv's site-packages: no editable finder, no root
    # (`python -c` puts its working directory first, here the temporary one).
    assert str(ROOT) not in seen["sys_path"]
    assert not [f for f in seen["finders"] if "editable" in f], seen["finders"]
    for name in TOMLS:
        installed_toml = site_packages / "zoo" / "recipes" / "articles" / name
        assert installed_toml.read_bytes() == (ROOT / "zoo/recipes/articles" / name).read_bytes()


def test_the_zoo_command_lists_every_recipe(installed):
    python, _, work = installed
    listing = _run([python.parent / "zoo", "list"], work).stdout
    missing = [name for name in _recipe_names() if f" {name} " not in listing]
    assert not missing, listing


@pytest.mark.skipif(not PRESET_FILES, reason="the checkout has no zoo/presets/*/*/ files")
def test_the_wheel_ships_every_preset_file(wheel, installed):
    _, site_packages, _ = installed
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
    missing = [name for name in PRESET_FILES if f"zoo/presets/{name}" not in names]
    assert not missing, f"setup.cfg's [options.package_data] zoo.presets misses {missing}"
    for name in PRESET_FILES:
        installed_file = site_packages / "zoo" / "presets" / name
        assert installed_file.read_bytes() == (PRESETS / name).read_bytes(), name
    assert list((site_packages / "zoo" / "presets").glob("mnist/*/model.weights.h5"))


# ISSUE 26, NOT YET PASSING: skipped until the a000.gan preset ships in the checkout
# (zoo/presets/mnist/a000.gan/model.weights.h5) and `zoo.pretrained` exists; then it must pass.
@pytest.mark.skipif(
    not (A000_GAN / "model.weights.h5").is_file(),
    reason="issue 26: the a000.gan preset does not ship yet (zoo/presets/mnist/a000.gan/)",
)
def test_an_installed_preset_samples(installed):
    python, site_packages, work = installed
    for name in ("config.json", "model.weights.h5", "metadata.json", "README.md"):
        assert (site_packages / "zoo" / "presets" / "mnist" / "a000.gan" / name).is_file(), name
    script = """if True:
        import numpy as np
        import zoo
        print(tuple(np.asarray(zoo.pretrained("a000.gan").sample(4, seed=0)).shape))
    """
    assert _run([python, "-c", script], work).stdout.splitlines()[-1] == "(4, 28, 28, 1)"
