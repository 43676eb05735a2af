"""The defects of each article's code and text, as data: one module per article.

Kept apart from the recipes (``zoo/recipes/a000.py`` ...), which hold the models' builders
and hyperparameters, so that each file stays readable.
"""
