"""What ``python -m zoo eval`` prints: progress bars while it scores, then one table.

:func:`progress_bars` draws a Keras progress bar per stage; :func:`format_table`
turns :func:`zoo.evaluation.evaluate`'s result into the model-beside-floor table;
:func:`flat_row` flattens it into one row (:mod:`zoo.results`).
"""

import sys

#: The JSON sections, each present when the model has the capability.
SECTIONS = ("generative", "reconstruction", "likelihood")


def progress_bars(stream=None):
    """A ``progress(label, total)`` factory of Keras progress bars, one per stage.

    Bars redraw in place on a terminal; elsewhere (a pipe, a log) each stage
    prints one line when it ends, as ``fit(verbose=2)`` does.
    """
    import keras

    stream = stream or sys.stdout
    verbose = 1 if stream.isatty() else 2

    def make(label, total):
        print(label, file=stream, flush=True)
        return keras.utils.Progbar(total, verbose=verbose, unit_name="image").add

    return make


def _fmt(value, spec):
    return "–" if value is None else format(value, spec)


def format_table(result):
    """The result of :func:`evaluate` as a compact text table: model, then floor."""
    rows = [("metric", "model", "floor")]
    gen = result.get("generative")
    if gen:
        fl = gen["floor"]
        rows += [
            ("FD ↓", _fmt(gen["fd"], ".3f"), _fmt(fl["fd"], ".3f")),
            (
                "KID ×10³ ↓",
                f"{1e3 * gen['kid']:.3f} ± {1e3 * gen['kid_std']:.3f}",
                f"{1e3 * fl['kid']:.3f} ± {1e3 * fl['kid_std']:.3f}",
            ),
        ]
        if "classifier_score" in gen:
            rows += [
                ("classifier score ↑", f"{gen['classifier_score']:.2f}", _cs(fl)),
                ("smallest class share", f"{gen['min_class_share']:.1%}", _share(fl)),
                ("classes above 2%", str(gen["classes_above_2pct"]), _above(fl)),
            ]
    rec = result.get("reconstruction")
    if rec:
        rows += [
            ("test MSE ↓", f"{rec['mse']:.4f}", f"{rec['floor']['mse']:.4f} (mean image)"),
            ("test BCE ↓", f"{rec['bce']:.4f}", f"{rec['floor']['bce']:.4f} (mean image)"),
        ]
    lik = result.get("likelihood")
    if lik:
        rows += [
            ("ELBO ↑ (nats)", f"{lik['elbo']:.2f}", "–"),
            (f"IWAE NLL ↓ (k={lik['k']}, n={lik['n_iwae']:,})", f"{lik['iwae_nll']:.2f}", "–"),
        ]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    where = f"{result['kind']}: {result['path']}"
    seen = result["data"]
    notes = [f"{result['model']} ({where}), data: {seen['title']}, {seen['source']}"]
    if gen:
        notes.append(f"floor: {gen['floor']['n']:,} real training {seen['noun']} vs the test set")
    notes += [f"note: {line}" for line in result["notes"]]
    notes += [f"not scored: {line}" for line in result["not_scored"]]
    if lik:
        notes.append(f"likelihood: {lik['likelihood']}")
    return "\n".join(notes[:1] + lines + notes[1:])


def _cs(floor):
    return _fmt(floor.get("classifier_score"), ".2f")


def _share(floor):
    return "–" if "min_class_share" not in floor else f"{floor['min_class_share']:.1%}"


def _above(floor):
    return str(floor.get("classes_above_2pct", "–"))


def flat_row(result):
    """The figures of :func:`evaluate_model` as one flat dict (:mod:`zoo.results`' rows)."""
    row = {}
    for section in SECTIONS:
        row.update({k: v for k, v in result.get(section, {}).items() if k != "floor"})
    row.pop("n", None)
    return row
