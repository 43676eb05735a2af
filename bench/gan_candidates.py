"""GAN recipe candidates at the recipe's budget, scored alike: a table per recipe.

Trains a GAN recipe at its budget on full MNIST once per candidate, each a set
of recipe overrides, then scores 10,000
samples of each with ``zoo eval``'s code (:func:`zoo.evaluation.evaluate_model`):
class coverage (the share of each digit class by zoo's classifier; the smallest
share, and how many classes hold over 2%) and FD in that classifier's features.
Prints a table; ``--json`` keeps it.

* ``a002.aegan``: the remedies for its mode collapse that issue 13 names: the
  article's own 32-d noise, balancing the players (D's learning rate, D steps),
  D regularisation (a gradient penalty) and minibatch statistics. ``baseline``
  is the recipe before the remedy (no gradient penalty).
* ``a000.gan``: the article's discriminator BatchNormalization, with D run on
  real and fake apart or, as the article's ``train_on_batch`` does, on both
  concatenated (``joint_batch``); then remedies for the classes it under-draws.
* ``a004.gan``: the article's ``Dense(7*7*256)`` grid generator against a
  ``Dense(784)`` end, each with Adam's beta_1 = 0.5 (DCGAN's) and 0.9 (the
  article's, Keras' default).
* ``a004.beta_vae``: the same grid layer in the decoder, scored also by its
  test ELBO and IWAE bound.
* ``a003.latent_gan``: the recipe, and the article's own players (Adam(1e-3),
  no BN in G) with each change alone; ``a001.dcgan``: the recipe as it is.

Usage (about 2-3 minutes a candidate on 2 idle cores)::

    ZOO_MNIST_PATH=../shared/data/mnist.npz python bench/gan_candidates.py a002.aegan
    python bench/gan_candidates.py a000.gan --only no_d_bn_apart article_bn_joint --json a000.json
"""

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

#: recipe -> candidate name -> recipe overrides.
CANDIDATES = {}
CANDIDATES["a002.aegan"] = {
    "baseline": {"gradient_penalty": 0.0},
    "noise_32": {"latent_dim": 32},
    "d_lr_1e-4": {"d_learning_rate": 1e-4},
    "d_steps_2": {"d_steps": 2},
    "gradient_penalty_1": {"gradient_penalty": 1.0},
    "gradient_penalty_10": {"gradient_penalty": 10.0},
    "minibatch_std": {"d_minibatch_std": True},
    "minibatch_std_noise_32": {"d_minibatch_std": True, "latent_dim": 32},
    "gradient_penalty_1_minibatch_std": {"gradient_penalty": 1.0, "d_minibatch_std": True},
    # The generator's BatchNormalization (article 000's layout, not this article's)
    "gradient_penalty_1_no_g_bn": {"gradient_penalty": 1.0, "g_batch_norm": False},
}
CANDIDATES["a000.gan"] = {
    "no_d_bn_apart": {"d_batch_norm": False, "joint_batch": False},  # the recipe before
    "article_bn_apart": {"d_batch_norm": True, "joint_batch": False},
    "article_bn_joint": {"d_batch_norm": True, "joint_batch": True},  # the recipe
    "joint_no_bn": {"d_batch_norm": False, "joint_batch": True},
    "article_bn_joint_gp_1": {"gradient_penalty": 1.0},
    "article_bn_joint_d_lr_1e-4": {"d_learning_rate": 1e-4},
    "no_d_bn_apart_gp_1": {"d_batch_norm": False, "joint_batch": False, "gradient_penalty": 1.0},
    "joint_no_bn_gp_1": {"d_batch_norm": False, "joint_batch": True, "gradient_penalty": 1.0},
}
ARTICLE_GRID = {"g_grid": (7, 7, 256)}
CANDIDATES["a004.gan"] = {
    "dense_784": {},  # the recipe before: Dense(784, tanh) instead of the article's grid layer
    "article_grid": ARTICLE_GRID,
    "article_grid_beta_1_0.9": {**ARTICLE_GRID, "beta_1": 0.9},  # Adam's default, the article's
    "dense_784_beta_1_0.9": {"beta_1": 0.9},
    "dense_784_gp_1": {"gradient_penalty": 1.0},
    "dense_784_gp_1_beta_1_0.9": {"gradient_penalty": 1.0, "beta_1": 0.9},
}
# A VAE: its decoder with the article's Dense(7*7*256) grid layer, or ending in Dense(784)
CANDIDATES["a004.beta_vae"] = {"dense_784": {}, "article_grid": {"decoder_grid": (7, 7, 256)}}
# The recipes measured as they are (coverage at the budget): ``--epochs`` sets another.
CANDIDATES["a003.latent_gan"] = {
    "recipe": {},
    # The article's players: Adam(1e-3) (beta_1 0.9), no BN in G; then each change alone
    "article_adam_no_g_bn": {"learning_rate": 1e-3, "beta_1": 0.9, "g_batch_norm": False},
    "dcgan_adam_no_g_bn": {"g_batch_norm": False},
    "article_adam_g_bn": {"learning_rate": 1e-3, "beta_1": 0.9},
    "gradient_penalty_1": {"gradient_penalty": 1.0},
    "gradient_penalty_10": {"gradient_penalty": 10.0},
}
CANDIDATES["a001.dcgan"] = {"recipe": {}}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("recipe", choices=list(CANDIDATES))
    parser.add_argument("--only", nargs="*", help="candidates to run (default: all)")
    parser.add_argument("--epochs", type=int, default=None, help="default: the recipe's budget")
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="runs/bench-candidates")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    candidates = CANDIDATES[args.recipe]
    unknown = sorted(set(args.only or ()) - set(candidates))
    if unknown:
        parser.error(
            f"unknown candidate(s) {unknown} of {args.recipe}; choose from {list(candidates)}"
        )

    from zoo import data, evaluation, training

    x_train, _ = data.load_mnist_arrays("train", source="npz")
    x_test, _ = data.load_mnist_arrays("test", source="npz")
    real = evaluation.real_set(x_train, x_test, n=args.samples, seed=args.seed)
    rows = {}
    for name in args.only or candidates:
        started = time.perf_counter()
        model, _ = training.train(
            args.recipe,
            epochs=args.epochs,
            out_dir=os.path.join(args.out, args.recipe, name),
            source="npz",
            seed=args.seed,
            fresh=True,
            verbose=0,
            **candidates[name],
        )
        seconds = time.perf_counter() - started
        scores = evaluation.evaluate_model(model, real, n=args.samples, seed=args.seed)
        gen = scores["generative"]
        rows[name] = {
            "overrides": candidates[name],
            "train_seconds": round(seconds, 1),
            "fd": gen["fd"],
            "min_class_share": gen["min_class_share"],
            "classes_above_2pct": gen["classes_above_2pct"],
            "class_shares": gen["class_shares"],
            "classifier_score": gen["classifier_score"],
            # VAEs: the test ELBO (nats) and IWAE bound beside the sample scores
            **{k: scores["likelihood"][k] for k in ("elbo", "iwae_nll") if "likelihood" in scores},
        }
        print(f"{name}: {json.dumps(rows[name])}", flush=True)
    floor = real.floor
    budget = args.epochs or "budget"
    print(f"\n{args.recipe}, {budget} epochs, seed {args.seed}, {args.samples} samples")
    print(f"{'candidate':<24} {'FD':>8} {'min share':>10} {'classes >2%':>12} {'train s':>8}")
    print(f"{'real train digits':<24} {floor['fd']:>8.2f} {floor['min_class_share']:>10.3f} "
          f"{floor['classes_above_2pct']:>12d} {'':>8}")  # fmt: skip
    for name, r in rows.items():
        elbo = f"   ELBO {r['elbo']:.2f}, IWAE NLL {r['iwae_nll']:.2f}" if "elbo" in r else ""
        print(f"{name:<24} {r['fd']:>8.2f} {r['min_class_share']:>10.3f} "
              f"{r['classes_above_2pct']:>12d} {r['train_seconds']:>8.0f}{elbo}")  # fmt: skip
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                {"recipe": args.recipe, "floor": floor, "candidates": rows, "seed": args.seed},
                f,
                indent=1,
            )


if __name__ == "__main__":
    main()
