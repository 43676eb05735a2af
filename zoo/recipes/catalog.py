"""The recipes' data files: one per article, ``zoo/recipes/articles/aNNN.toml``.

Each file holds the article's titles and opening paragraphs, its recipes (name,
title, typed config, budget, speed settings, short keys, candidates and prose)
and its defects, each listing the recipes that correct it. :func:`load_articles`
reads them once, when :mod:`zoo.recipes` is imported, and registers the recipes
in file order, which is the docs' order.
"""

import tomllib
from pathlib import Path

from zoo.recipes import config as cfg
from zoo.recipes._core import ABOUT, ARTICLES, Defect, Recipe, register

__all__ = ["ARTICLES_DIR", "load_article", "load_articles"]

#: Where the articles' data files are.
ARTICLES_DIR = Path(__file__).with_name("articles")


def _defects(article, entries):
    """The article's defects, and each recipe's in the file's order."""
    by_recipe = {}
    for entry in entries:
        entry = dict(entry)
        users = entry.pop("recipes")
        defect = Defect(**entry)
        for name in users:
            by_recipe.setdefault(name, []).append(defect)
    return by_recipe


def load_article(path):
    """Registers the recipes of one article data file (``aNNN.toml``).

    Args:
        path: The file.

    Raises:
        ValueError: naming the file and what is wrong in it.
    """
    with open(path, "rb") as f:
        data = tomllib.load(f)
    article = data["article"]
    ARTICLES[article] = (data["title"], data["english_title"])
    ABOUT[article] = tuple(data.get("about", ()))
    defects = _defects(article, data.get("defect", ()))
    for entry in data.get("recipe", ()):
        entry = dict(entry)
        name = entry["name"]
        try:
            register(
                Recipe(
                    article=article,
                    config=cfg.from_dict(entry.pop("config"), f"{name}'s config"),
                    defects=tuple(defects.get(name, ())),
                    **entry,
                )
            )
        except (TypeError, ValueError) as e:
            raise ValueError(f"{path}: {e}") from None


def load_articles(directory=ARTICLES_DIR):
    """Registers every article's recipes, in article order (the data files' names)."""
    for path in sorted(Path(directory).glob("a*.toml")):
        load_article(path)
