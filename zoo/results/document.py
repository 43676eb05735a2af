"""The text of ``docs/results.md``: a section per data set, then how to read the tables.

See :mod:`zoo.results`.
"""


def section(title, table, meta):
    """One data set's part of docs/results.md: its classifier, table, comparison and notes.

    Args:
        title: The data set's title ("Fashion-MNIST").
        table: What :func:`markdown` returns.
        meta: ``classifier``, ``floor_full``, ``noun``, ``comparison`` (what
            :func:`comparison` returns) and ``notes`` (hand-written markdown, or "").

    Returns:
        The section's markdown.
    """
    notes = f"\n{meta['notes'].strip()}\n" if meta["notes"].strip() else ""
    return f"""## {title}

Scored in the features of zoo's {title} classifier ({meta["classifier"]}); FD of all
60,000 real training {meta["noun"]} against the test set: {meta["floor_full"]:.3f}.

{table}

### Beside the peers, and where zoo loses

{meta["comparison"]}
{notes}"""


def document(sections, meta):
    """The text of docs/results.md around the data sets' sections.

    Args:
        sections: What :func:`section` returns, one per data set, joined.
        meta: ``date``, ``machine``, ``load``, ``n_samples``, ``kid_subsets``,
            ``ref_epochs``, ``command``, ``runs`` (MNIST's run directories) and
            ``reference`` (the reference VAE's entry).

    Returns:
        The whole markdown document.
    """
    return f"""# Results: does it work?

Measured by `zoo.results` (`make results`) on {meta["date"]}, on {meta["machine"]}
(load average {meta["load"]} at the start: the CPU was shared with other jobs, so the
train seconds are an upper bound, not a benchmark). One table per data set; a row
that says "not finished" is a run `make results` resumes.

{sections}
## How to read it

* **Budgets are the recipes' own** (`budget`: epochs × training images), the ones
  `python -m zoo train` uses, on the data set's full 60,000 training images, the same
  on every data set. The peers (`zoo/results/peers.py`) train for the epochs of their
  zoo counterpart: beside `a001.dcgan`, the TF-tutorial DCGAN as the tutorial runs it
  (batch 256, Adam 1e-4, both players updated at once) and the same networks with the
  DCGAN paper's settings (batch 128, Adam 2e-4 with β1 0.5, D then G on one noise
  draw); beside `a001.vae`, the keras-io VAE (batch 128) with its 2-d latent and with
  a 16-d one, as wide as its encoder's Dense(16). † marks a training resumed across
  sittings: its seconds are those of the last sitting only.
* **FD** is the Fréchet distance (FID's formula, Heusel et al. 2017) and **KID** the
  unbiased polynomial-kernel MMD² (Bińkowski et al. 2018; mean ± std over
  {meta["kid_subsets"]} subsets of 1,000) between {meta["n_samples"]:,} samples and
  the data set's 10,000 test images, both in the 128-d penultimate features of zoo's own
  classifier of that data set (`zoo/classifier/`). They are *not* comparable to FID/KID
  figures in Inception features, nor from one data set to another. The **floor** row
  scores {meta["n_samples"]:,} random real *training* images the same way: what a
  perfect model would get at this sample size (its CS is over all 60,000).
* **CS** is the classifier score, the Inception score's formula
  exp(E KL(p(y|x) ‖ p(y))) (Salimans et al. 2016) with the same classifier: 1 to 10.
* **coverage** is the smallest share of the samples that the classifier puts in one
  class (a perfect model: about 10%) and that class, then how many classes hold over
  2%: the mode-collapse detector.
* **MSE / BCE** are per pixel, on the 10,000 test images (grey values in [0, 1]).
* **ELBO** (nats, β = 1 whatever the model trained with) is on all test images;
  the **IWAE NLL** bound (Burda et al. 2016) uses k importance samples on the first n
  test images. Only the binarised-data Bernoulli model (`{meta["reference"]}`, evaluated on
  test digits binarised once with a fixed seed) gives nats comparable to the
  literature; grey-value Bernoulli "likelihoods" and Gaussian densities
  (σ² = 1/2 on [0, 1] pixels) are for comparing zoo models among themselves.
* **The anchor**: Burda et al. report 86.76 nats on MNIST for this one-stochastic-layer
  VAE (2×200 tanh MLPs, 50-d latent, k = 1 training) after 3,280 passes over the data
  with batch size 20. Its row has {meta["ref_epochs"]} epochs with batch size
  100; the paper's schedule, and how far this CPU got with it, is in
  [reference_vae.md](reference_vae.md) (`bench/reference_vae.py`).

Regenerate with `make results` (or `{meta["command"]}`); each entry's run and scored
row stay in `{meta["runs"]}/<name>/` (MNIST) and `{meta["runs"]}-<data set>/<name>/`,
so a stopped run resumes, and a run directory that already holds the finished run of
a recipe (the same `training.train` call: budget, seed, data) is scored without
training it again (`a001.dcgan`'s MNIST run was the 15-epoch snapshot of the run of
`python -m bench.sweep a001.dcgan --epochs 5 10 15`, the same call); a row whose
budget has changed since it was scored trains again, and `--retrain NAME` trains an
entry afresh. The notes under a table that are not generated from its rows are in
`docs/results-notes/<data set>.md`.
"""
