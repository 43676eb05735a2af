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
# # Article 002: autoencoders inside a GAN, rebuilt with zoo
#
# **What the article sets out to show.** The article looks at where autoencoders fit into
# GANs. Its main idea is a generator shaped like an autoencoder: the noise is first compressed
# to a low-dimensional code, and one extra linear layer maps that code out to the image,
# squashed by a sigmoid or tanh; an MLP discriminator judges the result. It sketches the
# generator, the discriminator and the alternating training, then lists open problems
# (training cost, stability, sample quality). (Sections of the original, for orientation:
# "2.核心概念与联系", "3.2 生成器的设计", "4.具体代码实例和详细解释说明".)
#
# The article's code builds disconnected Keras graphs from undefined sizes and leaves both
# training loops empty (`# ...`). The recipe `a002.aegan` is the GAN the text describes: noise
# (100-d here; the article's generator inputs are 32-d, `Input(shape=(z_dim,))`, see the
# recipe's choices) → a hidden layer → a 32-d **code** → one linear map to 784 pixels → sigmoid, against a
# one-hidden-layer MLP discriminator (the exact layers are in the recipe table below). Trained
# as the article describes, this GAN falls into the failure the article lists among GANs'
# challenges, mode collapse: nearly every sample becomes a 1. The recipe adds one thing, a
# gradient penalty on the discriminator (its one departure from the article's training, see
# the recipe's choices). This notebook trains both, the article's training and the recipe's,
# for the recipe's 30 epochs while tracking how varied their samples are, and scores them with
# zoo's classifier; then it opens the recipe's generator up: because its second half is a
# single affine map, every sample is a squashed mix of 32 learned "basis images", and the 32-d
# code space can be mapped and walked.
#
# **Preset mode** (`ZOO_PRETRAINED=1`, used by the tests) loads the recipe's model from the
# preset shipped with zoo (`zoo.pretrained("a002.aegan")`, trained by `python -m zoo train` at
# the same budget) instead of training it, and scores 2,000 samples per model. The article's
# training has no preset: in this mode it trains on 512 images for one epoch, so its figures
# show noise. **Quick mode** (`ZOO_NOTEBOOK_QUICK=1`): 512 images, one epoch, small sample
# counts for both; seconds instead of minutes, and the figures show noise.

# %%
import os

QUICK = os.environ.get("ZOO_NOTEBOOK_QUICK", "0") == "1"  # train briefly on a few images
PRETRAINED = os.environ.get("ZOO_PRETRAINED", "0") == "1"  # preset; the rest trains briefly
LIMIT = 512 if QUICK else None        # training images (None: all 60,000)
EPOCHS = 1 if QUICK else 30           # the recipe's budget
ARTICLE_LIMIT = 512 if PRETRAINED else LIMIT  # the article's training (no preset)
ARTICLE_EPOCHS = 1 if PRETRAINED else EPOCHS
N_SHOW = 16 if QUICK else 64          # images in the result grids
N_CODES = 256 if QUICK else 4000      # generated samples whose codes are mapped
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
from zoo import data, recipes
from zoo.callbacks import ImageGrid
from zoo.export import export, signature_names
from nbtools import (DigitCoverage, EpochGrid, lerp, nearest_labels, out_dir, pair_distance,
                     pca_2d, plot_histories, sample_scores, scatter_2d, show_defects, show_grid,
                     show_recipes, slerp)

# %matplotlib inline
plt.rcParams["figure.dpi"] = 80
tf.get_logger().setLevel("ERROR")  # no "Assets written to ..." lines from the export
keras.utils.set_random_seed(0)
OUT = out_dir("002")

print("MNIST from", data.describe_source())
x_train, y_train = data.load_mnist_arrays("train", limit=LIMIT)
x_test, _ = data.load_mnist_arrays("test", limit=256 if QUICK else None)
print(f"train {x_train.shape}; quick mode: {QUICK}, presets: {PRETRAINED}")

# %% [markdown]
# ## 1. The original code's defects, and what zoo does instead
#
# Rendered from the recipe's data. The article's `encoder = Model(latent_input, x)` uses an `x`
# computed from a different `Input`, its `generator` takes a non-`Input` tensor, `intermediate_dim`,
# `output_dim` and `epochs` are never defined, and the two training loops are comments. The
# text also says the generator should be trained on an MSE or cross-entropy of its own, which a
# noise-driven generator has no target for. zoo builds one connected generator graph
# (`zoo.recipes._nets.bottleneck_generator`), gives the discriminator a logit output, and trains
# both with `fit`: one discriminator and one generator update per batch, each with its own
# Adam(2e-4, beta_1=0.5), the article's optimizer setting. The article lists mode collapse
# ("模式崩溃") among the challenges in its section 5; section 4 below shows it happening to the
# article's training, and the gradient penalty preventing it.

# %%
show_defects("002")

# %%
show_recipes("002")

# %% [markdown]
# ## 2. Build and train
#
# The generator's layer named `code` is the 32-d bottleneck; `linear_map` is the article's
# "extra linear layer". Three callbacks: `EpochGrid` (in `nbtools.py` beside this notebook)
# shows 16 samples from the same noise every third epoch; zoo's `ImageGrid` writes the 8x8 grid
# of every epoch and a GIF to `_out/002/aegan/`; and `DigitCoverage` measures after every epoch
# how varied 1,000 samples are. It asks which digit each sample looks like, without a
# classifier: the label of the nearest MNIST training image in pixel space (1-nearest-neighbour);
# and it measures the mean distance between samples.
#
# First the recipe, then the same model trained as the article has it: `gradient_penalty=0.0`
# takes the penalty away and changes nothing else. In preset mode the recipe's model comes
# trained from its preset, and `DigitCoverage` measures it once instead of epoch by epoch.

# %%
reference, reference_labels = x_train[:10_000], y_train[:10_000]
gan = zoo.pretrained("a002.aegan") if PRETRAINED else recipes.build("a002.aegan")
gan.generator.summary()

# %%
coverage = DigitCoverage(reference, reference_labels, n=N_CODES // 4)
history = None  # preset mode: trained elsewhere, no curves here
if PRETRAINED:
    coverage.measure(gan)
else:
    start = time.time()
    history = gan.fit(x_train, batch_size=BATCH, epochs=EPOCHS, verbose=2,
                      callbacks=[EpochGrid(n=16, every=6), ImageGrid(OUT / "aegan"), coverage])
    print(f"a002.aegan: {EPOCHS} epoch(s) on {len(x_train)} images in "
          f"{time.time() - start:.0f} s")

# %%
article = recipes.build("a002.aegan", gradient_penalty=0.0)
article_coverage = DigitCoverage(reference, reference_labels, n=N_CODES // 4)
start = time.time()
article_history = article.fit(x_train[:ARTICLE_LIMIT], batch_size=BATCH, epochs=ARTICLE_EPOCHS,
                              verbose=2, callbacks=[EpochGrid(n=16, every=6), article_coverage])
print(f"without the penalty: {ARTICLE_EPOCHS} epoch(s) in {time.time() - start:.0f} s")

# %% [markdown]
# ## 3. Loss curves
#
# Discriminator and generator losses per epoch, from the `History` objects. A discriminator
# loss that sinks while the generator loss climbs means the discriminator is winning the game.
# The recipe's `d_loss` includes the penalty term.

# %%
plot_histories({"a002.aegan": history, "without the penalty": article_history})

# %% [markdown]
# ## 4. Results
#
# ### Samples after the last epoch, and how varied they are
#
# For each model, left: the share of samples per digit after the last epoch. A generator that
# covers the data gives ten bars near 10% (dashed line); one that has collapsed onto a few
# modes piles its samples on a few digits, often the 1, the easiest digit to draw. Middle: the
# largest share, epoch by epoch. Right: the mean distance between two samples, against the same
# distance between real test digits (dashed). A share climbing towards 100%, or a distance
# falling towards 0, is mode collapse happening.

# %%
real_distance = pair_distance(x_train[-2000:])
for label, model, tracker, epochs_trained in (
        ("a002.aegan", gan, coverage, EPOCHS),
        ("without the penalty", article, article_coverage, ARTICLE_EPOCHS)):
    shares, distances = np.array(tracker.shares), np.array(tracker.distances)
    epochs = np.arange(1, len(shares) + 1)
    show_grid(model.sample(N_SHOW, seed=1), ncols=16, title=f"{label} after {epochs_trained} epoch(s)")
    fig, axes = plt.subplots(1, 3, figsize=(11, 2.7))
    axes[0].bar(range(10), shares[-1], color=plt.cm.tab10(np.arange(10)))
    axes[0].axhline(0.1, color="grey", lw=0.8, ls="--")
    axes[0].set(xticks=range(10), ylim=(0, 1))
    axes[0].set_title(f"{label}: samples per digit (1-NN), last epoch", fontsize=9)
    axes[1].plot(epochs, shares.max(axis=1), marker="o")
    axes[1].set(ylim=(0, 1.02), xlabel="epoch", xticks=epochs[::3])
    axes[1].set_title("largest share of one digit", fontsize=9)
    axes[2].plot(epochs, distances, marker="o", label="samples")
    axes[2].axhline(real_distance, color="grey", lw=0.8, ls="--", label="real digits")
    axes[2].set(ylim=(0, None), xlabel="epoch", xticks=epochs[::3])
    axes[2].set_title("mean distance between two samples", fontsize=9)
    axes[2].legend(fontsize=7)
    fig.tight_layout()
    plt.show()
    print(f"{label}, last epoch: most common digit {shares[-1].argmax()} ({shares[-1].max():.0%} "
          f"of the samples), mean distance {distances[-1]:.1f} (real digits: {real_distance:.1f})")

# %% [markdown]
# ### Scored by zoo's classifier
#
# The same figures as `python -m zoo eval`: FD in the features of zoo's MNIST classifier, its
# classifier score (1 to 10) and class coverage, the smallest share of the samples that the
# classifier puts in one digit class (a perfect model: about 10%; real digits 9.0%). The
# article's training ends with nearly all its samples in one class; with the penalty every
# digit holds several percent of the samples. `python -m bench.sweep a002.aegan --epochs 30` measures
# the other remedies the recipe's choices list (the article's 32-d noise, a slower D, two D
# steps, minibatch statistics): none of them covers every digit at this budget.

# %%
scores = sample_scores({"a002.aegan": gan, "without the penalty": article}, x_train, x_test,
                       n=N_SCORED, quick=QUICK)

# %% [markdown]
# ### Inside the generator: 32 basis images
#
# After the code, the generator computes `sigmoid(code @ W + b)`: a single affine map. So each
# sample is a sigmoid of the bias image `b` plus a weighted sum of the 32 rows of `W`, one
# 28x28 image per code unit. Below: those rows (grey is 0, white positive, black negative,
# each row scaled to its own largest magnitude) and the bias. The code decides how much of
# each to add.

# %%
generator = gan.generator
code_model = keras.Model(generator.input, generator.get_layer("code").output)
W, b = generator.get_layer("linear_map").get_weights()   # (32, 784), (784,)
basis = 0.5 + 0.5 * W / np.abs(W).max(axis=1, keepdims=True)
show_grid(np.concatenate([basis, 0.5 + 0.5 * b[None] / np.abs(b).max()]), ncols=11,
          title="rows of the linear map W (32 code units), then the bias b")


def code_to_image(codes):
    """The generator's second half, in numpy: sigmoid(code @ W + b) as 28x28 images."""
    logits = np.asarray(codes) @ W + b
    return (0.5 + 0.5 * np.tanh(0.5 * logits)).reshape(-1, 28, 28, 1)  # a stable sigmoid


noise = np.random.default_rng(4).standard_normal((N_CODES, gan.latent_dim)).astype("float32")
codes = code_model.predict(noise, batch_size=512, verbose=0)
images = gan.generate(noise).numpy()
looks_like = nearest_labels(images, reference, reference_labels)
print("second half in numpy vs the generator: max difference",
      float(np.abs(code_to_image(codes) - images).max()))
print(f"codes: {codes.shape}, values from {codes.min():.1f} to {codes.max():.1f}")

# %% [markdown]
# ### The code space
#
# The 32-d codes of generated samples, projected on their two principal axes (numpy SVD) and
# coloured by the digit each sample looks like (1-NN label, as above). Samples that look like
# the same digit tend to come from neighbouring codes: the generator arranges its code space by
# digit.

# %%
xy, explained = pca_2d(codes)
scatter_2d(xy, looks_like, "a002.aegan: 32-d codes of generated samples (PCA)",
           explained=explained)

# %% [markdown]
# ### Interpolation: in noise space and in code space
#
# Top rows: the whole generator along spherical paths between noise vectors. Bottom rows:
# straight lines in the 32-d code space between the codes of the same end points, decoded by
# the linear map alone. The end points agree; the paths differ, because the first half of the
# generator bends the noise path on its way to the code.

# %%
steps, ends = 10, ((0, 1), (2, 3), (4, 5))
show_grid(np.concatenate([gan.generate(slerp(noise[a], noise[b], steps)) for a, b in ends]),
          ncols=steps, title="noise space (whole generator)")
show_grid(np.concatenate([code_to_image(lerp(codes[a], codes[b], steps)) for a, b in ends]),
          ncols=steps, title="code space (linear map + sigmoid)")

# %% [markdown]
# ## 5. Export to a SavedModel and load it back
#
# A GAN exports `generate` (noise → images) and `discriminate` (images in [0, 1] → probability
# of "real"). We export the recipe's model, load it with plain TensorFlow and compare both
# signatures with the Keras model.

# %%
export_dir = export(gan, OUT / "export_aegan", version=1, overwrite=True)
print(export_dir, signature_names(gan))
loaded = tf.saved_model.load(export_dir)
z = tf.constant(noise[:8])
served = loaded.signatures["generate"](latent_normal=z)["images"]
print("generate: max |SavedModel - Keras| =",
      float(tf.reduce_max(tf.abs(served - gan.generate(z)))))
real = tf.constant(x_train[:8, ..., None] / 255.0, tf.float32)
p_served = loaded.signatures["discriminate"](images_0_1=real)["probability_real"]
print("discriminate: max |SavedModel - Keras| =",
      float(tf.reduce_max(tf.abs(p_served - gan.discriminate(x_train[:8])))))
print("D's probability of 'real' for 8 training digits:", np.round(p_served.numpy().ravel(), 2))

# %% [markdown]
# ## 6. What to try next
#
# * `DigitCoverage` works with any zoo GAN: track the GANs of notebooks 000 and 004.
# * Fight the collapse without the penalty: `generator_loss="minimax"`, a wider bottleneck
#   (`code_dim=64`), a wider hidden layer (`intermediate_dim=512`), or a discriminator built by
#   hand with `zoo.networks.mlp` and passed to `zoo.GAN` with the recipe's generator; score
#   each with `sample_scores` as above.
# * Save every epoch with `keras.callbacks.ModelCheckpoint("_out/002/aegan_{epoch:02d}.keras")`
#   to compare the epochs yourself.
# * Shrink the bottleneck to 2 (`recipes.build("a002.aegan", code_dim=2)`) to plot the code
#   space directly.
# * The article's other suggestion, an autoencoder as part of the *discriminator*, is what
#   EBGAN and BEGAN do (see the "facts" rows of the defect table).
