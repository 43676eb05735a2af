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
# # Article 000: GANs versus autoencoders, rebuilt with zoo
#
# **What the article sets out to show.** The article puts the two model families side by
# side: a GAN, where a generator learns to turn noise into data by fooling a discriminator,
# and an autoencoder, which squeezes each image through a small code and learns to rebuild
# it. It gives the GAN's minimax value function and the autoencoder's squared reconstruction
# error, then a small Keras example of each: one-hidden-layer MLPs (256 units with batch
# normalization) trained with Adam(2e-4, beta_1=0.5). Its point is the contrast between the
# two objectives: one model learns to *produce* new digits, the other learns to *compress and
# restore* given ones. (For orientation, the sections of the original are "2.1生成对抗网络GANs",
# "2.2自动编码器AEs", "3.核心算法原理…" and "4.具体代码实例和详细解释说明".)
#
# Neither code example runs as published. This notebook trains both models as the zoo
# recipes `a000.gan` and `a000.ae` on MNIST and makes the comparison the article talks about:
# GAN samples beside autoencoder reconstructions, and what happens when you ask the
# autoencoder to generate.
#
# **Preset mode.** With `ZOO_PRETRAINED=1` in the environment (the test suite sets it), the
# notebook trains nothing: both models are loaded from the presets shipped with zoo
# (`zoo.pretrained("a000.gan")`, trained by `python -m zoo train` at the same budgets) and
# 2,000 samples per model are scored, so it runs in well under a minute with real figures.
# **Quick mode** (`ZOO_NOTEBOOK_QUICK=1`) trains on 512 images for one epoch so that it runs in
# seconds; the figures are then noise. The outputs stored in the `.ipynb` come from the full
# run (`make notebooks`).

# %%
import os

QUICK = os.environ.get("ZOO_NOTEBOOK_QUICK", "0") == "1"  # train briefly on a few images
PRETRAINED = os.environ.get("ZOO_PRETRAINED", "0") == "1"  # load the presets, train nothing
LIMIT = 512 if QUICK else None        # training images (None: all 60,000)
TEST_LIMIT = 256 if QUICK else None   # test images (None: all 10,000)
GAN_EPOCHS = 1 if QUICK else 30       # the recipe's budget
AE_EPOCHS = 1 if QUICK else 10        # the recipe's budget
N_SHOW = 16 if QUICK else 64          # images in the result grids
N_SCORED = 500 if QUICK else 2_000 if PRETRAINED else 10_000  # samples scored per model
BATCH = 128

# %%
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

import zoo
from zoo import data, evaluation, recipes
from zoo.callbacks import ImageGrid
from zoo.export import export, signature_names
from nbtools import (EpochGrid, lerp, out_dir, pairs, pca_2d, plot_histories, sample_scores,
                     scatter_2d, show_defects, show_grid, show_panels, show_recipes, slerp)

# %matplotlib inline
plt.rcParams["figure.dpi"] = 80
tf.get_logger().setLevel("ERROR")  # no "Assets written to ..." lines from the exports
keras.utils.set_random_seed(0)
OUT = out_dir("000")

print("MNIST from", data.describe_source())
x_train, y_train = data.load_mnist_arrays("train", limit=LIMIT)
x_test, y_test = data.load_mnist_arrays("test", limit=TEST_LIMIT)
print(f"train {x_train.shape} {x_train.dtype}, test {x_test.shape}; quick mode: {QUICK}, "
      f"presets: {PRETRAINED}")

# %% [markdown]
# ## 1. The original code's defects, and what zoo does instead
#
# The table below is rendered from the recipes' own data (`zoo.recipes.get(name).defects`),
# with the same code that writes `docs/articles/`. In short, the article's loops mix Keras
# calls with PyTorch ones (`zero_gradients`, `backward`, `step`), never form a batch
# (`real_images[_, :batch_size, :]` picks rows of one image), train the *discriminator* in
# what is meant to be the generator's step. zoo replaces all of it with models whose `train_step` does one discriminator and one
# generator update per batch under `tf.GradientTape`, each on its own network's variables
# with its own Adam. The discriminator returns a logit and the losses apply the sigmoid
# inside (`softplus`); the article's sigmoid output with Keras' cross-entropy is sound too,
# since Keras reads the logit back from the sigmoid (a choice, not a defect; see the
# recipe's choices). The layer sizes, the generator's batch normalization and the optimizer
# settings are the article's, and the discriminator sees real and generated digits in one
# joint batch, as the article's `train_on_batch(np.concatenate(...))` does. Two departures,
# both measured (the recipe's choices hold the table, `python -m bench.sweep a000.gan --epochs 30`
# reproduces it): the discriminator drops the article's batch normalization and gains a
# gradient penalty. With the article's discriminator the GAN trains but under-draws some
# digits (its rarest class 2.3% of the samples, against about 10% for real digits).

# %%
show_defects("000")

# %% [markdown]
# The two recipes, with their hyperparameters and the readings chosen where the article is
# silent (its batch size, noise size and epochs are left as `...`):

# %%
show_recipes("000")

# %% [markdown]
# ## 2. The GAN: build and train
#
# `recipes.build` returns a compiled `zoo.GAN`; `fit` takes the raw uint8 images. The callback
# `EpochGrid` (in `nbtools.py` beside this notebook) draws 16 samples from the *same* noise
# every second epoch, so each row shows the same digits taking shape; zoo's own `ImageGrid`
# callback writes the full 8x8 grid of every epoch and an animated GIF to `_out/000/gan/`.
# In preset mode the model comes trained from its preset and the training cell is skipped.

# %%
gan = zoo.pretrained("a000.gan") if PRETRAINED else recipes.build("a000.gan")
gan.generator.summary()
gan.discriminator.summary()

# %%
gan_history = None  # preset mode: trained elsewhere, no curves here
if not PRETRAINED:
    start = time.time()
    gan_history = gan.fit(x_train, batch_size=BATCH, epochs=GAN_EPOCHS, verbose=2,
                          callbacks=[EpochGrid(n=16, every=2), ImageGrid(OUT / "gan")])
    print(f"GAN: {GAN_EPOCHS} epoch(s) on {len(x_train)} images in {time.time() - start:.0f} s")

# %% [markdown]
# ## 3. The autoencoder: build and train
#
# Encoder 784 → 256 (ReLU, BN) → 128-d ReLU code, decoder back to 784 sigmoid pixels, trained
# end to end on the article's squared error (summed over pixels). The test set is passed as
# validation data, so the loss curves below have a test curve too. After each epoch the
# callback shows eight test digits (top) above their reconstructions (bottom).

# %%
ae = zoo.pretrained("a000.ae") if PRETRAINED else recipes.build("a000.ae")
ae_history = None
if not PRETRAINED:
    start = time.time()
    ae_history = ae.fit(x_train, batch_size=BATCH, epochs=AE_EPOCHS, verbose=2,
                        validation_data=x_test,
                        callbacks=[EpochGrid(images=x_test[:16], n=16),
                                   ImageGrid(OUT / "ae", images=x_test[:32], n=32)])
    print(f"AE: {AE_EPOCHS} epoch(s) in {time.time() - start:.0f} s")

# %% [markdown]
# ## 4. Loss curves
#
# Drawn from the `History` objects that `fit` returned. A GAN's two losses do not go to zero
# together: they measure a game. With the non-saturating generator loss, `d_loss` near
# 2·log 2 ≈ 1.39 and `g_loss` near log 2 ≈ 0.69 would mean a discriminator that can no longer
# tell real from fake; in practice both hover around their own level while the samples
# improve. The autoencoder's loss is the per-image sum of squared pixel errors.

# %%
plot_histories({"a000.gan": gan_history, "a000.ae": ae_history})

# %% [markdown]
# ## 5. Results
#
# ### The article's comparison: GAN samples beside autoencoder reconstructions
#
# The GAN draws new digits from noise; the autoencoder can only give back (a slightly
# blurred version of) the digits it is shown. The third panel asks the autoencoder to
# generate anyway: random codes drawn from a Gaussian with the mean and standard deviation of
# its real codes, then decoded. The results are not digits: a plain autoencoder learns no
# distribution to sample from, which is why the article's line about both being generative
# models is listed as a defect above (for sampling, see the VAEs of notebooks 001 and 004, or
# the latent GAN of notebook 003).

# %%
class RandomCodes:
    """The autoencoder "sampling": Gaussian codes with the real codes' mean and std, decoded."""

    def __init__(self, codes):
        self.mean, self.std = codes.mean(0), codes.std(0)

    def sample(self, n, seed=0):
        z = self.mean + self.std * np.random.default_rng(seed).standard_normal((n, len(self.mean)))
        return ae.decode(np.maximum(z, 0.0).astype("float32"))  # the codes are ReLU outputs


codes = ae.encode(x_test).numpy()
random_codes = RandomCodes(codes)
show_panels({
    "GAN: samples from noise": gan.sample(N_SHOW, seed=1),
    "AE: test digits over their reconstructions": pairs(x_test[:N_SHOW // 2],
                                                        ae.reconstruct(x_test[:N_SHOW // 2])),
    "AE: decoded random codes": random_codes.sample(N_SHOW, seed=0),
})

# %%
mse = evaluation.reconstruction_errors(ae, x_test)["mse"]
print(f"AE test reconstruction error: {mse:.4f} per pixel (mean squared, images in [0, 1])")

# %% [markdown]
# ### Scored by zoo's classifier
#
# The figures `python -m zoo eval` reports for a generator: FD in the features of zoo's MNIST
# classifier (lower is better), the classifier score (1 to 10: confident and varied digits
# score high) and class coverage, the smallest share of the samples that the classifier puts
# in one digit class (a perfect model: about 10%). The autoencoder's "samples" are the
# decoded random codes of the third panel. The GAN covers every digit; the decoded codes
# score far from real digits, which is the article's contrast in numbers.


# %%
scores = sample_scores({"a000.gan": gan, "a000.ae: decoded random codes": random_codes},
                       x_train, x_test, n=N_SCORED, quick=QUICK)

# %% [markdown]
# ### What the discriminator thinks
#
# `gan.discriminate` gives the probability that an image is real. If the generator matched
# the data perfectly, both histograms would pile up at 0.5. After the recipe's 30 epochs they
# overlap widely and sit near 0.5: the discriminator, kept smooth by its gradient penalty,
# leans the right way on most images (the means are in the legend) but tells few of them apart
# with confidence.

# %%
p_real = gan.discriminate(x_test[:1000]).numpy().ravel()
p_fake = gan.discriminate(gan.sample(1000, seed=2)).numpy().ravel()
plt.figure(figsize=(4.5, 2.6))
for p, label in ((p_real, "real test digits"), (p_fake, "GAN samples")):
    plt.hist(p, bins=30, range=(0, 1), alpha=0.6, label=f"{label} (mean {p.mean():.2f})")
plt.xlabel("D(x): probability of 'real'", fontsize=8)
plt.legend(fontsize=7)
plt.show()

# %% [markdown]
# ### Interpolation
#
# Top rows: the GAN's generator along a great-circle path between two noise vectors (spherical
# interpolation keeps the path where Gaussian noise lives); a smooth generator morphs one
# digit into another. Bottom rows: the autoencoder's decoder along a straight line between the
# codes of two test digits; the middle images are often blends or smudges rather than digits,
# because nothing asked the code space between training digits to decode to anything.

# %%
steps = 10
z = np.random.default_rng(3).standard_normal((6, gan.latent_dim)).astype("float32")
gan_path = np.concatenate([gan.generate(slerp(z[i], z[i + 1], steps)) for i in (0, 2, 4)])
ends = [(0, 1), (2, 3), (4, 5)]
ae_path = np.concatenate([ae.decode(lerp(codes[a], codes[b], steps)) for a, b in ends])
show_grid(gan_path, ncols=steps, title="GAN: interpolation in noise space", tile=0.6)
show_grid(ae_path, ncols=steps, title="AE: interpolation between the codes of two test digits",
          tile=0.6)

# %% [markdown]
# ### The autoencoder's code space
#
# The 128-d codes of the test digits, projected on their two principal axes (a PCA computed
# with numpy's SVD) and coloured by the digit's label. Two axes keep only a small part of the
# variance of 128-d codes, yet without any labels in training some classes already separate
# (the 1s most clearly). The GAN has no encoder, so it has no such map.

# %%
xy, explained = pca_2d(codes)
scatter_2d(xy, y_test, "a000.ae: codes of the test digits (PCA)", explained=explained)

# %% [markdown]
# ## 6. Export to a SavedModel and load it back
#
# `zoo.export.export` writes a TensorFlow SavedModel (TensorFlow Serving's layout,
# `OUT_DIR/<version>/`) that plain TensorFlow can load without zoo or Keras. A GAN gets the
# signatures `generate` and `discriminate`, an autoencoder `reconstruct`, `encode` and
# `decode` (see `docs/serving.md`). We export both models, load them with
# `tf.saved_model.load`, call a signature and compare with the Keras model.

# %%
gan_dir = export(gan, OUT / "export_gan", version=1, overwrite=True)
ae_dir = export(ae, OUT / "export_ae", version=1, overwrite=True)
print(gan_dir, signature_names(gan))
print(ae_dir, signature_names(ae))

loaded_gan = tf.saved_model.load(gan_dir)
loaded_ae = tf.saved_model.load(ae_dir)
z = tf.random.stateless_normal([8, gan.latent_dim], seed=[0, 1])
served = loaded_gan.signatures["generate"](latent_normal=z)["images"]
print("generate: max |SavedModel - Keras| =",
      float(tf.reduce_max(tf.abs(served - gan.generate(z)))))
images_0_1 = tf.constant(x_test[:8, ..., None] / 255.0, tf.float32)
served = loaded_ae.signatures["reconstruct"](images_0_1=images_0_1)["images"]
print("reconstruct: max |SavedModel - Keras| =",
      float(tf.reduce_max(tf.abs(served - ae.reconstruct(x_test[:8])))))
show_grid(loaded_gan.signatures["generate"](latent_normal=z)["images"], ncols=8,
          title="samples drawn from the SavedModel")

# %% [markdown]
# ## 7. What to try next
#
# * Train from the command line: `python -m zoo train a000.gan --out runs/a000.gan`, then
#   `python -m zoo eval runs/a000.gan` for the table above.
# * `recipes.build("a000.gan", d_batch_norm=True, gradient_penalty=0.0)` restores the
#   article's discriminator; compare its class coverage with `sample_scores`.
# * `recipes.build("a000.gan", generator_loss="minimax")` trains G on the article's literal
#   `log(1 - D(G(z)))`; compare how fast the samples appear with the non-saturating default.
# * `recipes.build("a000.gan", g_batch_norm=False)` removes the generator's batch
#   normalization; `hidden=512` widens both networks.
# * `recipes.build("a000.ae", code_dim=2)` gives a 2-D code that can be plotted without PCA;
#   `reconstruction="bce"` swaps the squared error for a Bernoulli likelihood.
# * For an autoencoder that *can* sample, continue with notebook 001 (a VAE next to a DCGAN).
