# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Article 003: contractive autoencoders fused with GANs, rebuilt with zoo
#
# **What the article sets out to show.** The article proposes combining a contractive
# autoencoder (CAE) with a GAN: first compress the data into a low-dimensional code with the
# autoencoder, then let a GAN generate in that code space, so that one system both compresses
# and generates. It reviews autoencoders and GANs, describes the fusion in two steps (train the
# CAE, then generate its low-dimensional features with a GAN), and gives PyTorch code for an
# encoder 784-128-64-32, a matching decoder, a generator MLP 100-128-256-512-1024-784 and a
# discriminator MLP. (Sections of the original, for orientation: "3.1 收缩自编码器",
# "3.3 收缩自编码器与生成对抗网络的融合", "4.具体代码实例和详细解释说明".)
#
# The code trains none of it: the "CAE" has no contractive penalty and learns to reproduce
# random noise with a loss that compares the output with itself (always zero), and the
# generator and discriminator never see real data or each other. zoo gives three recipes:
#
# * `a003.cae`: the article's autoencoder with the real contractive penalty
#   λ·‖∂h/∂x‖²_F (the squared Frobenius norm of the encoder's Jacobian);
# * `a003.ae`: the same networks with λ = 0, the baseline that shows what the penalty does;
# * `a003.latent_gan`: the fusion, a GAN whose generator makes 32-d codes and whose
#   discriminator judges codes, decoded to images by the CAE's decoder.
#
# This notebook trains the CAE and the baseline, compares their Jacobian norms and
# reconstructions, then trains the latent GAN on the trained CAE's codes (the article's two
# steps) and looks at its samples.
#
# **Preset mode** (`ZOO_PRETRAINED=1`, used by the tests) trains nothing: the three models are
# loaded from the presets shipped with zoo (`zoo.pretrained("a003.cae")`, trained by
# `python -m zoo train` at the recipes' budgets), and 2,000 samples are scored, so the notebook
# runs in well under a minute with real figures. The latent GAN is then the recipe's, trained
# together with its own CAE, not on the CAE of section 2 (see section 5). **Quick mode**
# (`ZOO_NOTEBOOK_QUICK=1`): 512 images, one epoch per model; seconds instead of minutes, and
# the figures show noise.

# %%
import os

QUICK = os.environ.get("ZOO_NOTEBOOK_QUICK", "0") == "1"  # train briefly on a few images
PRETRAINED = os.environ.get("ZOO_PRETRAINED", "0") == "1"  # load the presets, train nothing
LIMIT = 512 if QUICK else None        # training images (None: all 60,000)
TEST_LIMIT = 256 if QUICK else None   # test images (None: all 10,000)
AE_EPOCHS = 1 if QUICK else 10        # CAE and baseline: the recipes' budget
GAN_EPOCHS = 1 if QUICK else 10       # latent GAN; the recipe's budget is 10
N_JACOBIAN = 128 if QUICK else 1000   # test images whose Jacobian norms are measured
N_SHOW = 16 if QUICK else 64          # images in the result grids
N_SCORED = 500 if QUICK else 2_000 if PRETRAINED else 10_000  # samples scored per model
BATCH = 64                            # the article's batch size (torch.randn(64, ...))

# %%
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

import zoo
from zoo import data, evaluation, networks, recipes
from zoo.callbacks import ImageGrid
from zoo.export import export, signature_names
from nbtools import (EpochGrid, out_dir, pairs, pca_2d, plot_histories, sample_scores,
                     scatter_2d, show_defects, show_grid, show_panels, show_recipes, slerp)

# %matplotlib inline
plt.rcParams["figure.dpi"] = 80
tf.get_logger().setLevel("ERROR")  # no "Assets written to ..." lines from the export
keras.utils.set_random_seed(0)
OUT = out_dir("003")

print("MNIST from", data.describe_source())
x_train, y_train = data.load_mnist_arrays("train", limit=LIMIT)
x_test, y_test = data.load_mnist_arrays("test", limit=TEST_LIMIT)
print(f"train {x_train.shape}, test {x_test.shape}; quick mode: {QUICK}, presets: {PRETRAINED}")

# %% [markdown]
# ## 1. The original code's defects, and what zoo does instead
#
# Rendered from the recipes' data. Besides the zero loss `criterion(x, x)` and the noise
# batches, the article calls an autoencoder "contractive" because its code is small, which is
# true of any undercomplete autoencoder; what makes it contractive is the Jacobian penalty of
# Rifai et al. (2011), which `zoo.ContractiveAutoencoder` computes exactly with
# `GradientTape.batch_jacobian` and differentiates again in each step. The fusion formula
# feeds the encoder's code *into* the generator, which would be another autoencoder; a
# generative fusion draws noise, generates a code and decodes it, with a discriminator that
# compares generated codes with the codes of real images (`zoo.LatentGAN`). Everything runs
# in Keras 3 instead of the article's PyTorch, with its sizes, Adam(1e-3) and batch 64.

# %%
show_defects("003")

# %%
show_recipes("003")

# %% [markdown]
# ## 2. The contractive autoencoder and its λ = 0 baseline: build and train
#
# Same networks, same data, same seed; only λ differs (3e-5 against 0). The callback (in
# `nbtools.py` beside this notebook) shows eight test digits over their reconstructions after
# every epoch; for the CAE the progress line also shows the penalty term `contractive_loss`
# (the mean ‖∂h/∂x‖²_F). In preset mode both come trained from their presets and the training
# cell is skipped.

# %%
cae = zoo.pretrained("a003.cae") if PRETRAINED else recipes.build("a003.cae")
ae = zoo.pretrained("a003.ae") if PRETRAINED else recipes.build("a003.ae")
print(type(cae).__name__, "λ =", cae.contractive_weight, "|", type(ae).__name__)
cae.encoder.summary()

# %%
histories = {"a003.cae": None, "a003.ae": None}  # stay None in preset mode: trained elsewhere
for name, model in (("a003.cae", cae), ("a003.ae", ae)):
    if PRETRAINED:
        break
    start = time.time()
    histories[name] = model.fit(
        x_train, batch_size=BATCH, epochs=AE_EPOCHS, verbose=2, validation_data=x_test,
        callbacks=[EpochGrid(images=x_test[:16], n=16),
                   ImageGrid(OUT / name, images=x_test[:32], n=32)])
    print(f"{name}: {AE_EPOCHS} epoch(s) in {time.time() - start:.0f} s")

# %% [markdown]
# ## 3. Loss curves (CAE and baseline)
#
# `reconstruction_loss` is the per-pixel mean squared error (the article's `nn.MSELoss`);
# the CAE's `loss` adds λ times `contractive_loss`.

# %%
plot_histories(histories)

# %% [markdown]
# ## 4. What the penalty does: Jacobian norms and reconstructions
#
# The Frobenius norm ‖∂h/∂x‖_F of each encoder at test digits measures how much the 32-d code
# moves when the input pixels move. At the recipes' 10 epochs the penalty shrinks it about
# sevenfold at no cost in reconstruction error (the test MSEs printed below are about equal;
# in the 5-epoch sweep of `bench/sweep.py` the CAE's error is slightly higher). The
# reconstructions side by side show the same.

# %%
x_jac = x_test[:N_JACOBIAN]
norms = {name: evaluation.jacobian_norms(model, x_jac) for name, model in
         (("a003.cae", cae), ("a003.ae (λ = 0)", ae))}
mses = {name: evaluation.reconstruction_errors(model, x_test)["mse"]
        for name, model in (("a003.cae", cae), ("a003.ae (λ = 0)", ae))}
for name in norms:
    print(f"{name:16s} mean ||dh/dx||_F = {norms[name].mean():7.2f}   "
          f"test MSE = {mses[name]:.4f}")
plt.figure(figsize=(4.8, 2.6))
for name, values in norms.items():
    plt.hist(values, bins=40, alpha=0.6, label=name)
plt.xlabel("||dh/dx||_F at a test digit", fontsize=8)
plt.legend(fontsize=7)
plt.show()

# %%
shown = x_test[:N_SHOW // 4]
show_panels({
    "CAE: test digits / reconstructions": pairs(shown, cae.reconstruct(shown)),
    "λ = 0: test digits / reconstructions": pairs(shown, ae.reconstruct(shown)),
})

# %% [markdown]
# ### The two code spaces
#
# The 32-d codes of the test digits, projected on their two principal axes (numpy SVD) and
# coloured by label.

# %%
fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
cae_codes = cae.encode(x_test).numpy()
for ax, (name, codes) in zip(axes, (("a003.cae", cae_codes),
                                    ("a003.ae (λ = 0)", ae.encode(x_test).numpy())),
                             strict=True):
    xy, explained = pca_2d(codes)
    scatter_2d(xy, y_test, f"{name}: codes of the test digits (PCA)", ax=ax, explained=explained)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 5. The fusion: a GAN in the CAE's code space
#
# The article's two steps: the CAE is trained (above); now a GAN learns to produce codes that
# the discriminator cannot tell from the codes of real images. The networks are the recipe's
# (`recipes.get("a003.latent_gan").hyperparameters`): the article's generator MLP
# 100 → 128 → 256 → 512 → 1024, ending in a 32-d ReLU code (the CAE's codes are ReLU
# outputs), with batch normalization after each hidden layer and Adam(2e-4, beta_1=0.5) for
# both players (the recipe's two departures: with the article's Adam(1e-3) and no batch
# normalization the generator collapses, see the recipe's choices), and its discriminator MLP
# 512 → 256 → 128 → 1 on codes. `train_autoencoder=False`
# keeps the trained CAE fixed. (`recipes.build("a003.latent_gan")` is the one-`fit` variant
# that trains the CAE, D and G together from scratch.) The callback decodes 16 generated codes
# from fixed noise every second epoch. Preset mode loads that one-`fit` recipe's preset
# instead: its generator makes codes for its own CAE, `latent_gan.autoencoder`, which the cells
# below use (in full mode it is the CAE of section 2).

# %%
if PRETRAINED:
    latent_gan, gan_history = zoo.pretrained("a003.latent_gan"), None
else:
    hp = recipes.get("a003.latent_gan").hyperparameters
    generator = networks.mlp(hp["latent_dim"], cae.latent_dim, hidden=hp["g_hidden"],
                             batch_norm=hp["g_batch_norm"],
                             output_activation=hp["g_output_activation"], name="generator")
    discriminator = networks.mlp(cae.latent_dim, 1, hidden=hp["d_hidden"], name="discriminator")
    latent_gan = zoo.LatentGAN(generator, discriminator, cae, train_autoencoder=False,
                               seed=hp["seed"], name="a003_latent_gan")
    latent_gan.compile(
        d_optimizer=keras.optimizers.Adam(hp["learning_rate"], beta_1=hp["beta_1"]),
        g_optimizer=keras.optimizers.Adam(hp["learning_rate"], beta_1=hp["beta_1"]),
        generator_loss=hp["generator_loss"])

    start = time.time()
    gan_history = latent_gan.fit(x_train, batch_size=BATCH, epochs=GAN_EPOCHS, verbose=2,
                                 callbacks=[EpochGrid(n=16, every=2),
                                            ImageGrid(OUT / "latent_gan")])
    print(f"latent GAN: {GAN_EPOCHS} epoch(s) in {time.time() - start:.0f} s")
decoder_ae = latent_gan.autoencoder  # the CAE whose codes the GAN makes

# %%
plot_histories({"latent GAN on the CAE's codes": gan_history})

# %% [markdown]
# ### Latent-GAN samples
#
# Left: decoded generated codes. Right: the same decoder on the codes of real test digits
# (the CAE's reconstructions), the best the samples can look with this decoder.

# %%
show_panels({
    "latent GAN: samples": latent_gan.sample(N_SHOW, seed=1),
    "CAE: reconstructions of test digits": decoder_ae.reconstruct(x_test[:N_SHOW]),
})

# %% [markdown]
# ### Scored by zoo's classifier
#
# What `python -m zoo eval` reports for a generator: FD in the features of zoo's MNIST
# classifier, the classifier score (1 to 10) and class coverage, the smallest share of the
# samples that the classifier puts in one digit class (a perfect model: about 10%). Beside the
# latent GAN: the CAE's reconstructions of real training digits, the best this decoder can do.


# %%
class Reconstructions:
    """Real training digits through the CAE, as "samples": the decoder's ceiling."""

    def sample(self, n, seed=0):
        idx = np.random.default_rng(seed).choice(len(x_train), n, replace=False)
        return decoder_ae.reconstruct(x_train[np.sort(idx)])


scores = sample_scores({"latent GAN": latent_gan, "CAE reconstructions": Reconstructions()},
                       x_train, x_test, n=N_SCORED, quick=QUICK)

# %% [markdown]
# ### Do the generated codes cover the real ones?
#
# Real codes (the CAE's codes of test digits, grey) and generated codes (red), projected on
# the principal axes of the real codes. A generator that collapsed onto a few modes would
# cover only patches of the grey cloud; red points far outside it are codes the decoder never
# saw in training, and they decode to smudges.

# %%
n_codes = min(2000, len(x_test))
fake_codes = latent_gan.generator.predict(
    np.random.default_rng(5).standard_normal((n_codes, latent_gan.latent_dim)).astype("float32"),
    verbose=0)
real = decoder_ae.encode(x_test[:n_codes]).numpy()
mean = real.mean(0)
_, _, vt = np.linalg.svd(real - mean, full_matrices=False)
plt.figure(figsize=(4.2, 3.6))
for codes, colour, label in ((real, "grey", "codes of test digits"),
                             (fake_codes, "tab:red", "generated codes")):
    xy = (codes - mean) @ vt[:2].T
    plt.scatter(xy[:, 0], xy[:, 1], s=3, alpha=0.4, c=colour, label=label)
plt.legend(fontsize=7, markerscale=4)
plt.title("32-d codes on the real codes' two principal axes", fontsize=9)
plt.show()

# %% [markdown]
# ### Interpolation
#
# The latent GAN along spherical paths between noise vectors, decoded by the CAE.

# %%
steps = 10
z = np.random.default_rng(3).standard_normal((6, latent_gan.latent_dim)).astype("float32")
show_grid(np.concatenate([latent_gan.generate(slerp(z[i], z[i + 1], steps)) for i in (0, 2, 4)]),
          ncols=steps, title="latent GAN: interpolation in noise space")

# %% [markdown]
# ## 6. Export to a SavedModel and load it back
#
# A latent GAN exports like any GAN: `generate` runs the generator and then the CAE's decoder,
# so it returns images; `discriminate` encodes images first. The CAE alone would export
# `reconstruct`, `encode` and `decode`.

# %%
export_dir = export(latent_gan, OUT / "export_latent_gan", version=1, overwrite=True)
print(export_dir, signature_names(latent_gan))
loaded = tf.saved_model.load(export_dir)
z = tf.random.stateless_normal([8, latent_gan.latent_dim], seed=[0, 1])
served = loaded.signatures["generate"](latent_normal=z)["images"]
print("generate: max |SavedModel - Keras| =",
      float(tf.reduce_max(tf.abs(served - latent_gan.generate(z)))))
show_grid(served, ncols=8, title="latent-GAN samples drawn from the SavedModel")

# %% [markdown]
# ## 7. What to try next
#
# * Vary λ: `recipes.build("a003.cae", contractive_weight=1e-4)` contracts harder;
#   `python -m bench.sweep a003.cae --epochs 5 --grid contractive_weight=0,1e-5,3e-5,1e-4
#   --test-images 1000` trains a few values and prints the Jacobian norm against the test
#   MSE, the trade-off behind the recipe's λ.
# * Train the one-`fit` fusion, `recipes.build("a003.latent_gan")`, where the CAE, D and G
#   learn together, and compare its samples with the two-stage model above.
# * Put the latent GAN on the λ = 0 baseline's codes instead
#   (`zoo.LatentGAN(..., ae, train_autoencoder=False)`) and see whether a contractive code
#   space is easier to generate in.
# * `code_dim=8` makes the code space small enough that even a small GAN covers it.
