"""The defects of article 001's code and text that its recipes correct (:mod:`zoo.recipes.a001`)."""

from zoo.recipes._core import Defect

COMMON = (
    Defect(
        "api",
        '`Adam(lr=0.0002, beta_1=0.5)`; `save_weights("generator_epoch_{}.h5")`.',
        "`Adam(learning_rate=2e-4, beta_1=0.5)`; whole models saved as `.keras` files.",
        "Keras 3 rejects `lr=` and requires weight files to end in `.weights.h5`.",
    ),
    Defect(
        "training loop",
        "`real_images = real_images[np.random.randint(0, real_images.shape[0], batch_size)]` "
        "(and the same with `x_train` in the VAE loop).",
        "`fit` shuffles and batches the full training set every epoch.",
        "It overwrites the dataset with its first random batch: from the second step on, "
        "training samples from those 128 images only.",
    ),
    Defect(
        "training loop",
        "`optimizer.zero_grad()`, `loss.backward()`, `optimizer.step()`, `loss.mean()`, "
        "`.item()` on Keras objects and numpy values.",
        "`fit` runs the zoo model's `train_step` with `tf.GradientTape` and `apply_gradients`.",
        "These are PyTorch methods; Keras optimizers and numpy arrays do not have them.",
    ),
    Defect(
        "training loop",
        "`cv2.imwrite(save_path, np.hstack([generated_images, x_train[0].reshape(28, 28)]))` "
        "with `img = (img * 0.5 + 1) * 255`.",
        "Images come out of the model in [0, 1]; the benchmark saves grids with matplotlib.",
        "cv2 and `save_path` are undefined, a batch cannot be stacked with one image, and the "
        "inverse of x/127.5 - 1 is (img + 1) * 127.5: the article's formula maps [-1, 1] to "
        "[127.5, 382.5], which overflows uint8.",
    ),
    Defect(
        "facts",
        '"GANs和VAEs都是生成对抗网络的两种不同实现".',
        "The docs describe the VAE as a latent-variable model trained by variational "
        "inference; only the GAN is adversarial.",
        "A VAE has no discriminator and plays no game: it maximises the evidence lower bound "
        "with an encoder and a decoder.",
        "Kingma & Welling, Auto-Encoding Variational Bayes, ICLR 2014; Goodfellow et al., "
        "Generative Adversarial Nets, NeurIPS 2014.",
    ),
    Defect(
        "facts",
        '"VAEs通过最小化重构样本与输入数据之间的差异来学习数据的生成模型".',
        "The VAE recipe minimises reconstruction + beta * KL(q(z|x) || N(0, I)).",
        "The reconstruction term alone is an autoencoder; the KL term is what makes the "
        "latent space match the prior so that decoding N(0, I) noise gives data.",
        "Kingma & Welling, Auto-Encoding Variational Bayes, ICLR 2014, section 2.2.",
    ),
    Defect(
        "training loop",
        "`z_dim` used in both `train` functions and both `__main__` blocks but defined only "
        "inside `build_generator` (GAN) and `build_encoder` / `build_decoder` (VAE).",
        "The latent size is a hyperparameter of the recipe (100).",
        "A local variable of one function is not visible in another: NameError.",
    ),
    Defect(
        "training loop",
        "`for epoch in range(epochs)` drawing one random batch of 128 per iteration, with "
        "`epochs=100000` (GAN) and `epochs=100` (VAE), printed as `Epoch [{}/{}]`.",
        "Budgets count real epochs, full shuffled passes over the 60,000 MNIST training images.",
        'Each "epoch" is a single step: the GAN\'s 100000 are 12.8 million images, about 213 '
        "passes over MNIST, and the VAE's 100 are 12,800 images, about a fifth of one pass "
        "(and, since the loop overwrites the dataset, only the 128 images of its first "
        "random batch after step one).",
    ),
)

DCGAN_DEFECTS = COMMON + (
    Defect(
        "imports",
        "`Conv2DTranspose`, `BatchNormalization`, `Activation`, `Conv2D`, `LeakyReLU`, "
        "`Dropout`, `Adam`, `keras` and `cv2` used but not imported (`Concatenate` imported "
        "but unused).",
        "The recipe builds its networks with `zoo.networks`, which imports what it uses.",
        "NameError before any training.",
    ),
    Defect(
        "shapes",
        "Generator: Dense(4*4*256) -> Reshape(4, 4, 256) -> three Conv2DTranspose(256, "
        "stride 2) blocks -> Conv2DTranspose(3, stride 2): 64x64x3 images.",
        "Dense(7*7*256) -> Reshape(7, 7, 256) -> one Conv2DTranspose(256, 4, stride 2) + BN + "
        "ReLU -> Conv2DTranspose(1, 4, stride 2) -> tanh: 28x28x1.",
        "The discriminator takes 28x28 images and MNIST is 28x28x1; 4 * 2^4 = 64.",
    ),
    Defect(
        "shapes",
        "Three channels in the generator's output and the discriminator's "
        "`Input(shape=(28, 28, 3))`.",
        "One channel everywhere.",
        "MNIST is grayscale; `np.expand_dims(x_train, axis=3)` gives (N, 28, 28, 1).",
    ),
    Defect(
        "shapes",
        "BatchNormalization(momentum=0.8) on the generator's output layer, before tanh.",
        "No BatchNormalization on the output layer; BN momentum 0.8 kept in the hidden block.",
        "BN on the output forces every batch of images to the same statistics; DCGAN "
        "leaves it off the generator's output layer.",
        "Radford, Metz & Chintala, Unsupervised Representation Learning with Deep "
        "Convolutional GANs, ICLR 2016, section 3.",
    ),
    Defect(
        "training loop",
        "Generator step: `discriminator.trainable = False; "
        "discriminator.train_on_batch(noise, np.ones(...))`.",
        "A tape on the generator's variables differentiates -log D(G(z)) through D.",
        "It feeds 100-d noise to a discriminator of images (shape error) and would train D, "
        "not G; no combined model exists, and once a model has trained, toggling `trainable` "
        "no longer changes what `train_on_batch` updates (Keras keeps its built train "
        "function).",
    ),
    Defect(
        "training loop",
        "`generator.compile(..., loss='binary_crossentropy')`, `generator.predict` inside "
        "the loop, and `generator, discriminator = train(...)` although `train` returns the "
        "generator only.",
        "One compiled GAN; fake images are generated inside the training step.",
        "The generator has no targets for a loss of its own, `predict` cuts the gradient, "
        "and unpacking one model into two names raises.",
    ),
)

VAE_DEFECTS = COMMON + (
    Defect(
        "imports",
        "`Lambda`, `K`, `Conv2DTranspose`, `Activation`, `Adam`, `mean_squared_error`, "
        "`keras` and `cv2` used but not imported.",
        "The recipe uses `zoo.networks` and `zoo.losses`.",
        "NameError before any training.",
    ),
    Defect(
        "api",
        "`K.exp` in the sampling Lambda and `K.sum`, `K.square`, `K.exp` in the KL term.",
        "The zoo VAE samples z with `tf.exp`, and `zoo.losses.gaussian_kl` computes the KL "
        "with TensorFlow ops (`tf.exp`, `tf.square`, `tf.reduce_sum`).",
        "These are Keras 2 backend functions. Once `K` is imported the Keras 3 way, `from keras "
        "import backend as K`, each raises AttributeError (\"module 'keras.backend' has no "
        "attribute 'exp'\"): Keras 3 moved tensor ops to `keras.ops`, and only the `tf.keras` "
        "alias (`from tensorflow.keras import backend as K`) keeps a legacy copy.",
    ),
    Defect(
        "formulas",
        "`z = Lambda(lambda x: x[0] * K.exp(x[1] / 2))([z_mean, z_log_var])`.",
        "Reparameterisation z = mu + exp(log_var / 2) * eps, eps ~ N(0, I).",
        "Multiplying the mean by the standard deviation draws no sample: the code is "
        "deterministic and the KL term has nothing to regularise.",
        "Kingma & Welling, Auto-Encoding Variational Bayes, ICLR 2014, section 2.4.",
    ),
    Defect(
        "shapes",
        "The encoder returns only `z`, yet the loss uses `z_mean` and `z_log_var`.",
        "The encoder returns `[z_mean, z_log_var]`; the model samples z itself.",
        "The KL term needs the posterior's parameters; they are undefined in `train`.",
    ),
    Defect(
        "shapes",
        "Decoder: Dense(512) -> `Reshape((7, 7, 1))` -> one Conv2DTranspose(1, 5, stride 2).",
        "Dense(256) -> Dense(512) -> Dense(7*7*32) -> Reshape(7, 7, 32) -> "
        "Conv2DTranspose(32, 5, stride 2, ReLU) -> Conv2DTranspose(1, 5, stride 2) -> tanh.",
        "512 values cannot be reshaped to 7x7x1 = 49, and one stride-2 layer reaches 14x14, "
        "not 28x28.",
    ),
    Defect(
        "shapes",
        "`reconstruction_loss = mean_squared_error(x_train, generated_images)` on "
        "(128, 28, 28, 1) batches, then `loss = reconstruction_loss + 0.001 * kl_divergence` "
        "with `kl_divergence = -0.5 * K.sum(..., axis=-1)`.",
        "The VAE reduces each term to one number per image (squared error averaged over the "
        "784 pixels, KL summed over the 100 latent dimensions) before adding them.",
        "Keras' `mean_squared_error` averages over the last axis only, so on (B, 28, 28, 1) it "
        "returns (B, 28, 28), while the KL is (B,): trailing axes 28 and B do not broadcast, "
        "and with the article's batch of 128 TensorFlow raises \"Incompatible shapes: "
        '[128,28,28] vs. [128]". A reader meets this once the decoder reaches 28x28x1.',
    ),
    Defect(
        "training loop",
        '"Reconstruction" loss between `decoder.predict(noise)` and random real images; '
        "the encoder is never called.",
        "Each image is encoded, a code is sampled, decoded, and compared with the same image.",
        "Comparing prior samples with unrelated images is not a reconstruction, and "
        "`predict` returns numpy arrays, so no gradient reaches either network.",
    ),
    Defect(
        "training loop",
        "`encoder.compile(loss='mse')`, `decoder.compile(loss='mse')`, "
        "`encoder.trainable = False`.",
        "One VAE model, one optimizer, one loss for both halves.",
        "The two halves share one objective; compiling them apart gives each a meaningless "
        "loss, and freezing the encoder contradicts training it.",
    ),
    Defect(
        "formulas",
        'Text: L = E||x - D(E(x))||^2 + beta * E_{z~p(z)}||E(z) - z||^2, "beta用于平衡编码器'
        '和解码器之间的损失".',
        "reconstruction + beta * KL(q(z|x) || N(0, I)), as the article's own code intends "
        "(with beta = 0.001).",
        "The encoder takes images, not latent codes, so E(z) is undefined; the regulariser of a "
        "VAE is the KL divergence, and beta balances reconstruction against it, not the "
        "encoder against the decoder.",
        "Kingma & Welling, ICLR 2014; Higgins et al., beta-VAE, ICLR 2017.",
    ),
)
