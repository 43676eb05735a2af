"""Article 001, GANs versus VAEs: a convolutional DCGAN and a dense VAE.

The article's DCGAN makes 64x64x3 images for a 28x28x3 discriminator, and
its VAE multiplies the mean by the standard deviation instead of sampling;
neither training loop can run. The recipes keep the layers and settings
(BN momentum 0.8, 5x5 convolutions with 64 and 128 filters, LeakyReLU 0.2,
Dropout 0.3, Adam(2e-4, 0.5), data in [-1, 1] with tanh outputs, a 100-d
latent, reconstruction + 0.001 * KL) with the shapes fixed for 28x28x1 MNIST.
"""

from zoo import networks
from zoo.models import GAN, VAE
from zoo.recipes._core import Defect, Recipe, register
from zoo.recipes._nets import MULTI_STEP, adam

ARTICLE = "001"

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

# -- builders ------------------------------------------------------------------


def build_dcgan(
    *,
    latent_dim,
    g_base_shape,
    g_filters,
    g_kernel_size,
    bn_momentum,
    d_filters,
    d_kernel_size,
    dropout,
    learning_rate,
    beta_1,
    generator_loss,
    seed,
    compile_options=None,
):
    """Article 001's DCGAN with the shapes fixed for 28x28x1.

    Args:
        latent_dim: Size of the noise.
        g_base_shape: Shape of the generator's projected noise.
        g_filters: Filters of the generator's hidden transposed-convolution blocks.
        g_kernel_size: Kernel size of the generator's transposed convolutions.
        bn_momentum: Momentum of the generator's BatchNormalization.
        d_filters: Filters of the discriminator's stride-2 convolutions.
        d_kernel_size: Kernel size of the discriminator's convolutions.
        dropout: Dropout rate of the discriminator.
        learning_rate: Adam step size of both players.
        beta_1: Adam first-moment decay of both players.
        generator_loss: ``"non_saturating"`` or ``"minimax"``.
        seed: Seed of the training noise.
        compile_options: ``keras.Model.compile`` options (``jit_compile``,
            ``steps_per_execution``) that :func:`zoo.recipes.build` resolved.

    Returns:
        A compiled :class:`zoo.GAN` working in [-1, 1].
    """
    generator = networks.dcgan_generator(
        latent_dim,
        base_shape=tuple(g_base_shape),
        filters=tuple(g_filters),
        kernel_size=g_kernel_size,
        bn_momentum=bn_momentum,
        output_activation="tanh",
    )
    discriminator = networks.dcgan_discriminator(
        filters=tuple(d_filters), kernel_size=d_kernel_size, dropout=dropout
    )
    model = GAN(generator, discriminator, network_range=(-1.0, 1.0), seed=seed, name="a001_dcgan")
    model.compile(
        d_optimizer=adam(learning_rate, beta_1),
        g_optimizer=adam(learning_rate, beta_1),
        generator_loss=generator_loss,
        **(compile_options or {}),
    )
    return model


def build_vae(
    *,
    latent_dim,
    encoder_hidden,
    decoder_hidden,
    decoder_base_shape,
    decoder_filters,
    kernel_size,
    beta,
    reconstruction,
    reduction,
    learning_rate,
    beta_1,
    seed,
    compile_options=None,
):
    """Article 001's VAE: dense encoder, dense + transposed-convolution decoder, tanh output.

    Args:
        latent_dim: Size of the latent code.
        encoder_hidden: Widths of the encoder's ReLU layers.
        decoder_hidden: Widths of the decoder's dense ReLU layers.
        decoder_base_shape: Shape the decoder's projection is reshaped to.
        decoder_filters: Filters of the decoder's hidden transposed convolutions.
        kernel_size: Kernel size of the decoder's transposed convolutions.
        beta: Weight of the KL term.
        reconstruction: ``"mse"`` (the article's) or ``"bce"``.
        reduction: ``"mean"`` over pixels (Keras' ``mse``, the article's) or ``"sum"``.
        learning_rate: Adam step size.
        beta_1: Adam first-moment decay.
        seed: Seed of the sampling noise.
        compile_options: ``keras.Model.compile`` options (``jit_compile``,
            ``steps_per_execution``) that :func:`zoo.recipes.build` resolved.

    Returns:
        A compiled :class:`zoo.VAE` working in [-1, 1].
    """
    encoder = networks.gaussian_encoder(latent_dim=latent_dim, hidden=tuple(encoder_hidden))
    decoder = networks.upconv_decoder(
        latent_dim,
        hidden=tuple(decoder_hidden),
        base_shape=tuple(decoder_base_shape),
        filters=tuple(decoder_filters),
        kernel_size=kernel_size,
        output_activation="tanh",
    )
    model = VAE(
        encoder,
        decoder,
        beta=beta,
        reconstruction=reconstruction,
        reduction=reduction,
        network_range=(-1.0, 1.0),
        seed=seed,
        name="a001_vae",
    )
    model.compile(optimizer=adam(learning_rate, beta_1), **(compile_options or {}))
    return model


# -- recipes ---------------------------------------------------------------------
register(
    Recipe(
        name="a001.dcgan",
        article=ARTICLE,
        title="DCGAN",
        family="gan",
        summary=(
            "The article's convolutional GAN on 28x28x1: G projects 100-d noise to 7x7x256, "
            "upsamples with Conv2DTranspose(256, 4, stride 2) + BN(momentum 0.8) + ReLU and "
            "Conv2DTranspose(1, 4, stride 2) + tanh; D has 5x5 stride-2 convolutions with 64 and "
            "128 filters, LeakyReLU(0.2) and Dropout(0.3), and one logit. Adam(2e-4, 0.5) each."
        ),
        hyperparameters=dict(
            latent_dim=100,
            g_base_shape=(7, 7, 256),
            g_filters=(256,),
            g_kernel_size=4,
            bn_momentum=0.8,
            d_filters=(64, 128),
            d_kernel_size=5,
            dropout=0.3,
            learning_rate=2e-4,
            beta_1=0.5,
            generator_loss="non_saturating",
            seed=0,
        ),
        defects=DCGAN_DEFECTS,
        build_fn=build_dcgan,
        value_range=(
            "Networks in [-1, 1] (tanh output, the article's x / 127.5 - 1); the model takes uint8 "
            "or [0, 1], converts, and returns [0, 1]."
        ),
        budget=dict(epochs=1, batch_size=128),
        choices=(
            "Base 7x7 (not 4x4) and one hidden upsampling block, so that two stride-2 layers "
            "reach 28x28; kernel 4 and 256 filters kept.",
            'The article\'s 100000 "epochs" are single-batch iterations; the recipe counts real '
            "epochs over MNIST.",
            "D returns a logit and the losses are written on it with softplus, where the article "
            "compiles a `Dense(1, activation='sigmoid')` discriminator with "
            "`loss='binary_crossentropy'`. That pairing is sound in Keras 3, so this is not a fix: "
            "`binary_crossentropy` recovers the pre-sigmoid logit that the sigmoid activation "
            "attaches to its output and computes the exact `sigmoid_cross_entropy_with_logits` "
            "(checked: a logit of -200 against label 1 costs 200, not -log(1e-7) = 16.1); only "
            "when another op stands between the sigmoid and the loss does Keras clip the "
            "probability to [1e-7, 1 - 1e-7], where the loss stops at 16.1 and its gradient is 0. "
            "The zoo's GAN step computes its losses itself from logits (`zoo.losses`), so it "
            "relies on neither path.",
        ),
    )
)

register(
    Recipe(
        name="a001.vae",
        article=ARTICLE,
        title="Dense VAE",
        family="vae",
        summary=(
            "The article's VAE: encoder 784 -> Dense(512) -> Dense(256) -> 100-d mean and "
            "log-variance; decoder 100 -> Dense(256) -> Dense(512) -> 7x7x32 -> two stride-2 5x5 "
            "transposed convolutions -> 28x28x1 tanh. Loss: per-pixel mean squared error (Keras "
            "`mse`) + 0.001 * KL, Adam(2e-4, 0.5)."
        ),
        hyperparameters=dict(
            latent_dim=100,
            encoder_hidden=(512, 256),
            decoder_hidden=(256, 512),
            decoder_base_shape=(7, 7, 32),
            decoder_filters=(32,),
            kernel_size=5,
            beta=0.001,
            reconstruction="mse",
            reduction="mean",
            learning_rate=2e-4,
            beta_1=0.5,
            seed=0,
        ),
        defects=VAE_DEFECTS,
        build_fn=build_vae,
        compile_options=MULTI_STEP,
        value_range=(
            "Networks in [-1, 1] (tanh output); the model takes uint8 or [0, 1] and returns [0, 1]."
        ),
        budget=dict(epochs=10, batch_size=128),
        choices=(
            "The code's loss (mse + 0.001 * KL) is kept over the text's formula; with the "
            "per-pixel mean it equals, up to a constant factor, a Gaussian-likelihood ELBO with "
            "variance 784 * 0.001 / 2 = 0.39 per pixel in [-1, 1] units.",
            "The decoder's 7x7 reshape gets 32 channels and a hidden Conv2DTranspose(32) so that "
            "it reaches 28x28; the article's 5x5 kernel is kept.",
        ),
    )
)
