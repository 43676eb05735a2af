"""Fast checks of every recipe: build, one training step, outputs, saving, docs.

Parametrized over ``recipes.names()``: a new recipe gets its rows here
without editing this file. The models are built and stepped once per recipe
(``_stepped``) and shared by the tests that only read them.
"""

import hashlib
import json
import math
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from helpers import FAMILIES  # noqa: E402

from zoo import recipes  # noqa: E402
from zoo.recipes import docs  # noqa: E402

NAMES = recipes.names()
FINGERPRINTS = json.loads((Path(__file__).parent / "data" / "recipe_fingerprints.json").read_text())
PUBLISHED = list(FINGERPRINTS)
DOCS_DIR = Path(__file__).resolve().parents[1] / "docs" / "articles"

# The test row of each recipe: its published name (renaming one breaks users' code and the
# docs' links), in docs order, and the fingerprint of its weights after `_stepped`'s step.


def _images(n=64, seed=0):
    # Raw uint8 like keras.datasets.mnist: the models must take them as they are.
    return np.random.default_rng(seed).integers(0, 256, (n, 28, 28), dtype=np.uint8)


_CACHE = {}


def _stepped(name):
    """The recipe's model after one `fit` step on 64 images (batch 32), and its history."""
    if name not in _CACHE:
        keras.utils.set_random_seed(0)
        model = recipes.build(name)
        history = model.fit(_images(), batch_size=32, epochs=1, steps_per_epoch=1, verbose=0)
        _CACHE[name] = (model, history.history)
    return _CACHE[name]


def _outputs(model, recipe):
    """Deterministic outputs for the round trip: generator images or reconstructions."""
    if recipe.sample_kind == "samples" and recipe.family != "vae":
        z = np.random.default_rng(1).normal(size=(8, model.latent_dim)).astype("float32")
        return model.generate(z).numpy()
    return model.reconstruct(_images(8, seed=2)).numpy()


def test_names_are_the_published_ones():
    assert NAMES == PUBLISHED


@pytest.mark.parametrize("name", NAMES)
def test_one_fit_step_tracks_the_family_losses(name):
    _, history = _stepped(name)
    # What each family promises to track: the tests' one family table says it.
    assert set(history) == FAMILIES[recipes.get(name).family].tracked
    for key, values in history.items():
        assert len(values) == 1 and math.isfinite(values[0]), (key, values)


@pytest.mark.parametrize("name", NAMES)
def test_outputs_are_28x28x1_images_in_unit_range(name):
    model, _ = _stepped(name)
    recipe = recipes.get(name)
    outputs = []
    if recipe.sample_kind == "samples":
        outputs.append(model.sample(5, seed=3).numpy())
    if recipe.family in ("autoencoder", "contractive_autoencoder", "vae"):
        outputs.append(model.reconstruct(_images(5)).numpy())
    assert outputs
    for out in outputs:
        assert out.shape == (5, 28, 28, 1)
        assert np.all(np.isfinite(out)) and out.min() >= 0.0 and out.max() <= 1.0


@pytest.mark.parametrize("name", NAMES)
def test_save_and_load_round_trip(name, tmp_path):
    model, _ = _stepped(name)
    recipe = recipes.get(name)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is type(model)
    np.testing.assert_allclose(_outputs(loaded, recipe), _outputs(model, recipe), atol=1e-6)
    # The recipe's speed settings are compile options: built in, and saved with the model.
    spe = recipe.compile_options.get("steps_per_execution", 1)
    jit = recipe.compile_options.get("jit_compile", False)  # Keras' "auto" is False on a CPU
    assert (model.steps_per_execution, model.jit_compile) == (spe, jit)
    assert (loaded.steps_per_execution, loaded.jit_compile) == (spe, jit)
    assert model.recipe == loaded.recipe == name  # no code guesses a recipe from a name


@pytest.mark.parametrize("name", NAMES)
def test_the_config_refactor_trains_bit_identical_weights(name):
    # Weights after `_stepped`'s step (tests/data/recipe_fingerprints.json), first taken
    # before the recipes became typed data: the same networks, build order, optimizers and
    # losses train the same weights. A change made on purpose records the new fingerprint.
    model, _ = _stepped(name)
    digest = hashlib.sha256()
    for weights in model.get_weights():
        digest.update(np.ascontiguousarray(weights).tobytes())
    assert digest.hexdigest()[:16] == FINGERPRINTS[name]


def test_unknown_name_suggests_the_closest_and_lists_all():
    with pytest.raises(KeyError, match=r"Did you mean 'a004\.beta_vae'\?.*a000\.gan, a000\.ae"):
        recipes.get("a004.betavae")
    # No close match: still lists every known name.
    with pytest.raises(ValueError, match="Known recipes: " + ", ".join(NAMES).replace(".", r"\.")):
        recipes.build("nothing-like-it")


def test_overrides_update_hyperparameters():
    assert recipes.build("a004.beta_vae", beta=4.0).beta == 4.0
    assert (
        recipes.build("a004.beta_vae").beta == recipes.get("a004.beta_vae").hyperparameters["beta"]
    )
    assert recipes.build("a003.cae", contractive_weight=0.5).contractive_weight == 0.5
    assert recipes.build("a000.gan", latent_dim=64).latent_dim == 64


def test_compile_options_override_the_recipe_speed_settings():
    model = recipes.build("a000.gan", compile_options={"jit_compile": False})
    assert model.jit_compile is False and model.steps_per_execution == 16
    model = recipes.build("a004.beta_vae", compile_options={"steps_per_execution": 2})
    assert model.jit_compile is False and model.steps_per_execution == 2


def test_compile_options_are_speed_settings_only():
    recipe = recipes.get("a000.ae")
    fields = {f: getattr(recipe, f) for f in recipe.__dataclass_fields__}
    with pytest.raises(ValueError, match=r"compile_options may set .*got \['learning_rate'\]"):
        recipes.Recipe(**{**fields, "compile_options": {"learning_rate": 1e-3}})


def test_unknown_override_is_a_clear_error():
    with pytest.raises(
        TypeError, match=r"no setting 'betta'\. Did you mean 'beta'\?.*decoder\.grid"
    ):
        recipes.build("a004.beta_vae", betta=4.0)


def test_recipes_are_read_only():
    recipe = recipes.get("a000.gan")
    with pytest.raises(TypeError):
        recipe.hyperparameters["latent_dim"] = 3
    with pytest.raises(AttributeError):
        recipe.name = "other"


@pytest.mark.parametrize("name", NAMES)
def test_every_recipe_lists_complete_defects(name):
    recipe = recipes.get(name)
    assert len(recipe.defects) >= 1
    for defect in recipe.defects:
        assert defect.topic in recipes.TOPICS
        for field in ("original", "correction", "reason"):
            assert getattr(defect, field).strip(), (name, defect)
        assert defect.source is None or defect.source.strip()
    # Facts need a source to be checked against.
    assert all(d.source for d in recipe.defects if d.topic == "facts")


def test_a_recipe_without_defects_is_rejected():
    recipe = recipes.get("a000.gan")
    fields = {f: getattr(recipe, f) for f in recipe.__dataclass_fields__}
    with pytest.raises(ValueError, match="Defect"):
        recipes.Recipe(**{**fields, "name": "a000.other", "defects": ()})
    with pytest.raises(ValueError, match="topic"):
        recipes.Defect("style", "a", "b", "c")


def test_by_article_covers_every_recipe_once():
    groups = recipes.by_article()
    assert set(groups) == set(recipes.ARTICLES)
    assert [r.name for rs in groups.values() for r in rs] == NAMES


def test_baseline_has_the_cae_architecture():
    cae, ae = recipes.build("a003.cae"), recipes.build("a003.ae")
    assert [w.shape for w in cae.encoder.weights] == [w.shape for w in ae.encoder.weights]
    assert [w.shape for w in cae.decoder.weights] == [w.shape for w in ae.decoder.weights]
    assert cae.contractive_weight > 0 and not hasattr(ae, "contractive_weight")


def test_rendered_docs_mention_every_recipe_and_defect():
    pages = {a: docs.render_article(a, DOCS_DIR) for a in recipes.ARTICLES}
    everything = "\n".join(pages.values()) + docs.render_index(DOCS_DIR)
    for name in NAMES:
        assert f"`{name}`" in everything
    for article, page in pages.items():
        assert recipes.ARTICLES[article][0] in page
        defects = recipes.article_defects(article)
        assert f"## Defects of the article ({len(defects)}:" in page
        for defect in defects:
            assert docs._cell(defect.original) in page


@pytest.mark.skipif(not DOCS_DIR.exists(), reason="docs/articles not generated")
def test_generated_pages_are_up_to_date():
    # The pages are generated; editing a recipe without regenerating fails here.
    for article in recipes.ARTICLES:
        page = DOCS_DIR / docs.slug(article)
        assert page.read_text(encoding="utf-8") == docs.render_article(article, DOCS_DIR), (
            f"{page} is stale: run `python -m zoo.recipes.docs`."
        )
    readme = DOCS_DIR / "README.md"
    assert readme.read_text(encoding="utf-8") == docs.render_index(DOCS_DIR)
