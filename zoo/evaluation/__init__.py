"""Evaluation, in one place: sample quality, reconstruction, likelihood, sanity checks.

* :mod:`zoo.evaluation.features`: the Fréchet distance (FD, FID's formula),
  the kernel distance (KID), the classifier score (the Inception score's
  formula) and class coverage (the share of samples in each digit class: the
  mode-collapse detector), all in the features of zoo's own MNIST classifier
  (:mod:`zoo.classifier`), streaming over batches.
* :mod:`zoo.evaluation.likelihood`: reconstruction MSE and BCE, and a VAE's
  ELBO and importance-weighted (IWAE) bound, with the terms of :mod:`zoo.losses`.
* :mod:`zoo.evaluation.checks`: cheap sanity figures (saturated pixels,
  pairwise distances, Jacobian norms, the model's own negative ELBO).
* :mod:`zoo.evaluation.loading`: a run directory, ``.keras`` file or
  SavedModel export as one model protocol (exports through their signatures).
* :mod:`zoo.evaluation.run`: one model beside its floor (real training digits
  scored the same way), what ``python -m zoo eval PATH`` and
  :mod:`zoo.results` (``make results``) run.

:mod:`zoo.metrics` re-exports the metric functions under their old names.

Example:
    >>> from zoo import evaluation
    >>> result = evaluation.evaluate("runs/a000.gan")     # doctest: +SKIP
    >>> print(evaluation.format_table(result))          # doctest: +SKIP
"""

from zoo.evaluation.checks import (
    jacobian_norm,
    jacobian_norms,
    mean_pairwise_distance,
    negative_elbo,
    saturated_fraction,
)
from zoo.evaluation.features import (
    COVERAGE_THRESHOLD,
    ClassCoverage,
    ClassScore,
    FeatureStats,
    FeatureSummary,
    Reservoir,
    class_coverage,
    classifier_score,
    compare,
    frechet_distance,
    frechet_distance_from_moments,
    generative_metrics,
    iterate_batches,
    kernel_distance,
    kid_from_features,
    sample_batches,
    summarize,
)
from zoo.evaluation.likelihood import (
    MeanImage,
    binarized_data,
    elbo_per_example,
    iwae_per_example,
    likelihood_label,
    mean_image_errors,
    reconstruction_errors,
    vae_metrics,
)
from zoo.evaluation.loading import ExportedModel, capabilities, load
from zoo.evaluation.report import SECTIONS, flat_row, format_table, progress_bars
from zoo.evaluation.run import EVAL_FILE, RealSet, evaluate, evaluate_model, real_set

__all__ = [
    "COVERAGE_THRESHOLD",
    "EVAL_FILE",
    "SECTIONS",
    "ClassCoverage",
    "ClassScore",
    "ExportedModel",
    "FeatureStats",
    "FeatureSummary",
    "MeanImage",
    "RealSet",
    "Reservoir",
    "binarized_data",
    "capabilities",
    "class_coverage",
    "classifier_score",
    "compare",
    "elbo_per_example",
    "evaluate",
    "evaluate_model",
    "flat_row",
    "format_table",
    "frechet_distance",
    "frechet_distance_from_moments",
    "generative_metrics",
    "iterate_batches",
    "iwae_per_example",
    "jacobian_norm",
    "jacobian_norms",
    "kernel_distance",
    "kid_from_features",
    "likelihood_label",
    "load",
    "mean_image_errors",
    "mean_pairwise_distance",
    "negative_elbo",
    "progress_bars",
    "real_set",
    "reconstruction_errors",
    "sample_batches",
    "saturated_fraction",
    "summarize",
    "vae_metrics",
]
