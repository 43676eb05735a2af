"""A second opinion on the MNIST results: the GAN runs scored in another classifier's features.

``docs/results.md`` scores every model in the features of zoo's own classifier. A
ranking that held in those features only would say more about the classifier than
about the models, so this benchmark trains a classifier of another design, keras-io's
"Simple MNIST convnet" (two 3x3 convolutions of 32 and 64 filters, each with 2x2 max
pooling, dropout 0.5, a softmax layer; batch 128, 15 epochs, Adam, a tenth of the
training digits held out, as its page describes), and scores the finished runs of
``make results`` with it, as ``zoo eval --classifier PATH --features-layer flatten``
does: the same samples (10,000, seed 0), the same code, only the features differ.

The classifier is trained once and kept in ``runs/second_opinion/``; no network is
needed (no weights can be downloaded here, so "a classifier zoo did not train" means
one zoo did not design).

Usage:
    .venv/bin/python -m bench.second_opinion                  # the DCGANs of runs/results
    .venv/bin/python -m bench.second_opinion --runs a000.gan a001.dcgan

Reference:
    keras-io, "Simple MNIST convnet" (examples/vision/mnist_convnet.py).
"""

import argparse
import json
import os
import sys
from pathlib import Path

from bench.common import MNIST, machine

OUT = Path("runs") / "second_opinion"
CLASSIFIER = OUT / "keras_io_convnet.keras"
FEATURES = "flatten"
#: keras-io's settings, pinned; and ``make results``' samples (10,000, seed 0).
EPOCHS, BATCH, SEED, N_SAMPLES = 15, 128, 0, 10_000
RUNS = ("a001.dcgan", "peer.dcgan_paper_settings", "peer.tf_tutorial_dcgan")


def keras_io_convnet():
    """keras-io's MNIST convnet; its 1,600 flattened features are what FD compares."""
    import keras

    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),  # pixels in [0, 1], as keras-io scales them
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(64, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(name=FEATURES),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(10, activation="softmax"),
        ],
        name="keras_io_mnist_convnet",
    )


def train_classifier(x, y):
    """Trains the convnet on ``x`` (uint8 digits) and ``y`` unless its file exists."""
    import keras

    if CLASSIFIER.is_file():
        return
    keras.utils.set_random_seed(SEED)
    model = keras_io_convnet()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x[..., None] / 255.0, y, batch_size=BATCH, epochs=EPOCHS, validation_split=0.1,
              verbose=2)  # fmt: skip
    OUT.mkdir(parents=True, exist_ok=True)
    partial = CLASSIFIER.with_name(f".partial-{CLASSIFIER.name}")
    model.save(partial)
    os.replace(partial, CLASSIFIER)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--runs", nargs="+", default=RUNS, help="entries of runs/results to score")
    p.add_argument("--out", default=str(OUT / "second_opinion.json"), help="JSON of the rows")
    args = p.parse_args(argv)
    os.environ.setdefault("ZOO_MNIST_PATH", MNIST)
    import numpy as np

    from zoo import classifier, data, evaluation, results

    x_train, y_train = data.load_mnist_arrays("train", source="npz", path=MNIST)
    x_test, y_test = data.load_mnist_arrays("test", source="npz", path=MNIST)
    train_classifier(x_train, y_train)
    extractor = classifier.FeatureExtractor.from_file(CLASSIFIER, FEATURES)
    accuracy = float(np.mean(extractor(x_test)[1].argmax(1) == y_test))  # softmax out: probs
    print(f"{CLASSIFIER}: test accuracy {100 * accuracy:.2f}%", file=sys.stderr)
    # What `make results` scores with, the classifier aside: 10,000 samples, seed 0.
    real = evaluation.real_set(x_train, x_test, N_SAMPLES, extractor, seed=SEED, kid_subsets=100)
    rows = {}
    for name in args.runs:
        run_dir = os.path.join(results.RUNS, name)
        row = os.path.join(run_dir, "row.json")
        if not os.path.isfile(row):
            print(f"{name}: no scored run in {run_dir}; make results first", file=sys.stderr)
            continue
        model, _, _ = results.train(name, x_train, run_dir, results.epochs_of(name, False))
        theirs = evaluation.flat_row(evaluation.evaluate_model(
            model, real, N_SAMPLES, 100, 1000, extractor, seed=SEED, kid_subsets=100))  # fmt: skip
        ours = json.loads(Path(row).read_text())
        rows[name] = {"zoo": {k: ours[k] for k in ("fd", "classifier_score", "min_class_share")},
                      "keras_io": theirs}  # fmt: skip
        print(f"{name}: {rows[name]}", file=sys.stderr, flush=True)
    print(f"Scored on {machine()}; keras-io convnet test accuracy {100 * accuracy:.2f}%\n")
    print("| model | FD (zoo's classifier) | FD (keras-io convnet) | CS (keras-io) | smallest "
          "class (keras-io) |\n|---|---|---|---|---|")  # fmt: skip
    floor = real.floor  # real training digits scored alike: the best a model can do
    zoo_floor = evaluation.real_set(x_train, x_test, N_SAMPLES, classifier.default_extractor(),
                                    seed=SEED, kid_subsets=100).floor  # fmt: skip
    print(
        f"| floor: real training digits | {zoo_floor['fd']:.2f} | {floor['fd']:.2f} | "
        f"{floor['classifier_score']:.2f} | {100 * floor['min_class_share']:.1f}% |"
    )
    for name, r in rows.items():
        k = r["keras_io"]
        print(f"| {name} | {r['zoo']['fd']:.2f} | {k['fd']:.2f} | {k['classifier_score']:.2f} "
              f"| {100 * k['min_class_share']:.1f}% |")  # fmt: skip
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    record = {"accuracy": accuracy, "floor": floor, "rows": rows}
    Path(args.out).write_text(json.dumps(record, indent=1, default=float) + "\n")


if __name__ == "__main__":
    main()
