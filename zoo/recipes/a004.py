"""Article 004, from GANs to VAEs: an MLP GAN and a beta-VAE.

The article's generator ends in ``Dense(3)`` on a 7x7x256 reshape (7x7x3
images for a 28x28x1 discriminator), its VAE concatenates noise with images
and writes the KL term wrongly, and neither loop trains anything. The recipes
keep the MLP widths (256-512 generator, 512-256 discriminator, 512-unit VAE,
100-d latent) and Adam(1e-4) (beta_1 = 0.5 for the GAN). The article's largest layer,
the Dense(7*7*256) before a per-cell Dense(3), is kept in the VAE's decoder with its
shapes fixed (each cell a 4x4 patch: ``decoder_grid``), where it measured better; the
GAN's generator ends in Dense(784) instead, since the same head (``g_grid``) measured
worse and slower there (see the recipes' choices).
"""

from zoo import networks
from zoo.models import GAN, VAE
from zoo.recipes._core import Recipe, register
from zoo.recipes._nets import MULTI_STEP, SIGMOID_RANGE, XLA_MULTI_STEP, adam, grid_head_mlp
from zoo.recipes.defects.a004 import GAN_DEFECTS, VAE_DEFECTS

ARTICLE = "004"

# -- builders ------------------------------------------------------------------


def build_gan(
    *,
    latent_dim,
    g_hidden,
    d_hidden,
    learning_rate,
    beta_1,
    generator_loss,
    seed,
    g_grid=(),
    gradient_penalty=0.0,
    compile_options=None,
):
    """Article 004's MLP GAN: G 100-256-512-784 (tanh), D 784-512-256-1 (logit).

    Args:
        latent_dim: Size of the noise.
        g_hidden: Widths of the generator's ReLU layers.
        g_grid: ``(rows, cols, channels)`` of the article's ``Dense(7*7*256)`` grid
            layer and per-cell Dense (:func:`zoo.recipes._nets.grid_head_mlp`);
            ``()`` ends the generator in ``Dense(784, tanh)`` instead.
        gradient_penalty: Weight of a gradient penalty on D
            (:func:`zoo.losses.gradient_penalty`); 0: none.
        d_hidden: Widths of the discriminator's ReLU layers.
        learning_rate: Adam step size of both players.
        beta_1: Adam first-moment decay of both players.
        generator_loss: ``"non_saturating"`` or ``"minimax"``.
        seed: Seed of the training noise.
        compile_options: ``keras.Model.compile`` options (``jit_compile``,
            ``steps_per_execution``) that :func:`zoo.recipes.build` resolved.

    Returns:
        A compiled :class:`zoo.GAN` working in [-1, 1].
    """
    if g_grid:
        generator = grid_head_mlp(latent_dim, tuple(g_hidden), tuple(g_grid))
    else:
        generator = networks.mlp(
            latent_dim,
            networks.IMAGE_SHAPE,
            hidden=tuple(g_hidden),
            output_activation="tanh",
            name="generator",
        )
    discriminator = networks.mlp(
        networks.IMAGE_SHAPE, 1, hidden=tuple(d_hidden), name="discriminator"
    )
    model = GAN(generator, discriminator, network_range=(-1.0, 1.0), seed=seed, name="a004_gan")
    model.compile(
        d_optimizer=adam(learning_rate, beta_1),
        g_optimizer=adam(learning_rate, beta_1),
        generator_loss=generator_loss,
        gradient_penalty=gradient_penalty,
        **(compile_options or {}),
    )
    return model


def build_beta_vae(
    *,
    latent_dim,
    hidden,
    beta,
    reconstruction,
    reduction,
    learning_rate,
    seed,
    decoder_grid=(),
    compile_options=None,
):
    """Article 004's beta-VAE: encoder 784-512-(100, 100), decoder 100-512-784.

    Args:
        latent_dim: Size of the latent code.
        hidden: Width of the encoder's and the decoder's ReLU layer.
        beta: Weight of the KL term; 1 is the plain VAE (the ELBO), > 1 the beta-VAE.
        reconstruction: ``"bce"`` (Bernoulli likelihood) or ``"mse"``.
        reduction: ``"sum"`` over pixels (a per-image log-likelihood) or ``"mean"``.
        learning_rate: Adam step size (the article's 1e-4).
        seed: Seed of the sampling noise.
        decoder_grid: ``(rows, cols, channels)`` of the article's ``Dense(7*7*256)``
            grid layer and per-cell Dense after the decoder's hidden layer; ``()``
            ends the decoder in ``Dense(784, sigmoid)`` instead.
        compile_options: ``keras.Model.compile`` options (``jit_compile``,
            ``steps_per_execution``) that :func:`zoo.recipes.build` resolved.

    Returns:
        A compiled :class:`zoo.VAE`.
    """
    encoder = networks.gaussian_encoder(latent_dim=latent_dim, hidden=(hidden,))
    if decoder_grid:
        decoder = grid_head_mlp(
            latent_dim, (hidden,), tuple(decoder_grid), output_activation="sigmoid", name="decoder"
        )
    else:
        decoder = networks.mlp(
            latent_dim,
            networks.IMAGE_SHAPE,
            hidden=(hidden,),
            output_activation="sigmoid",
            name="decoder",
        )
    model = VAE(
        encoder,
        decoder,
        beta=beta,
        reconstruction=reconstruction,
        reduction=reduction,
        seed=seed,
        name="a004_beta_vae",
    )
    model.compile(optimizer=adam(learning_rate), **(compile_options or {}))
    return model


# -- recipes ---------------------------------------------------------------------
register(
    Recipe(
        name="a004.gan",
        article=ARTICLE,
        title="MLP GAN",
        family="gan",
        summary=(
            "G: 100-d noise -> Dense(256, ReLU) -> Dense(512, ReLU) -> Dense(784, tanh) -> "
            "28x28x1; D: 784 -> Dense(512, ReLU) -> Dense(256, ReLU) -> one logit. "
            "Adam(1e-4, beta_1=0.5) for each: the article's step size, DCGAN's momentum; a "
            "gradient penalty of weight 1 on D, without which the GAN under-draws some digits "
            "(measured: see the choices)."
        ),
        hyperparameters=dict(
            latent_dim=100,
            g_hidden=(256, 512),
            d_hidden=(512, 256),
            learning_rate=1e-4,
            beta_1=0.5,
            generator_loss="non_saturating",
            seed=0,
            g_grid=(),
            gradient_penalty=1.0,
        ),
        defects=GAN_DEFECTS,
        build_fn=build_gan,
        compile_options=XLA_MULTI_STEP,
        value_range=(
            "Networks in [-1, 1] (the article's tanh output); the model takes uint8 or [0, 1], "
            "converts, and returns [0, 1]."
        ),
        budget=dict(epochs=30, batch_size=128),
        choices=(
            "The article's Dense(7*7*256, ReLU) -> Reshape(7, 7, 256) -> per-cell Dense(3) head "
            "(7x7x3 images) is replaced by the MLP's natural end, Dense(784, tanh) reshaped to "
            "28x28x1, as the text's \"生成28x28的图像\" says. The article's head with its shapes "
            "fixed is one setting away, `g_grid=(7, 7, 256)`: the same Dense(7*7*256) layer "
            "(6.4M of the generator's 6.6M weights), and a per-cell Dense of 16 units whose "
            "outputs become 4x4 patches of the 28x28 image (depth-to-space, "
            "zoo.recipes._nets.grid_head_mlp). Measured at the budget (30 epochs, full MNIST, "
            "seed 0, 10,000 samples; `python bench/gan_candidates.py a004.gan --only "
            "article_grid dense_784`, Adam(1e-4, 0.5), no gradient penalty): the grid head "
            "FD 23.4, smallest class 1.5% of the samples, speckled digits, 1,285 s; Dense(784) "
            "FD 15.3, smallest class 2.5%, 265 s. The grid head is worse and 5x slower on CPU.",
            "Adam(1e-4) as in the article, but beta_1 = 0.5 instead of Keras' default 0.9 "
            "(Radford et al., ICLR 2016, section 4: 0.9 oscillated and was unstable), and a "
            "gradient penalty of weight 1 on D (zoo.losses.gradient_penalty, Gulrajani et al. "
            "2017), which the article does not have. Measured on equal budgets (30 epochs, "
            "full MNIST, 10,000 samples scored by zoo's classifier; `python "
            "bench/gan_candidates.py a004.gan --only dense_784 dense_784_beta_1_0.9 "
            "dense_784_gp_1 dense_784_gp_1_beta_1_0.9`, and `--seed 1`), FD / smallest digit "
            "class: without the penalty, beta_1 0.5 15.3 / 2.5% and 0.9 45.0 / 0.0% (8 classes "
            "above 2%, half the samples 8s); with it, beta_1 0.5 11.5 / 5.9% (seed 1: 11.1 / "
            "5.3%) and 0.9 14.2 / 5.1% (seed 1: 16.6 / 3.9%). `beta_1=0.9, "
            "gradient_penalty=0.0` restores the article's setting.",
            "Batch size 128, the article's.",
            "D returns a logit and the losses are written on it with softplus, where the article "
            "ends D in `Dense(1, activation='sigmoid')`. That is not a fix: the article's code "
            "names no loss for D (its models are never compiled), and Keras 3's "
            "`binary_crossentropy` on that output would recover the pre-sigmoid logit that the "
            "sigmoid activation attaches to its output and compute the exact "
            "`sigmoid_cross_entropy_with_logits` (it clips to [1e-7, 1 - 1e-7] only when another "
            "op stands between the sigmoid and the loss). The zoo's GAN step computes its losses "
            "itself from logits (`zoo.losses`).",
        ),
    )
)

register(
    Recipe(
        name="a004.beta_vae",
        article=ARTICLE,
        title="beta-VAE",
        family="vae",
        summary=(
            "Encoder 784 -> Dense(512, ReLU) -> 100-d mean and log-variance; decoder 100 -> "
            "Dense(512, ReLU) -> the article's Dense(7*7*256, ReLU) -> Reshape(7, 7, 256) -> a "
            "per-cell Dense(16, sigmoid) whose outputs are 4x4 patches of the 28x28x1 image "
            "(the article's per-cell Dense(3), shapes fixed). Loss: Bernoulli reconstruction "
            "NLL (summed over pixels) + beta * KL, Adam(1e-4). beta = 1 by default (the ELBO); "
            "pass e.g. beta=4.0 for a beta-VAE with a more strongly regularised latent space."
        ),
        hyperparameters=dict(
            latent_dim=100,
            hidden=512,
            beta=1.0,
            reconstruction="bce",
            reduction="sum",
            learning_rate=1e-4,
            seed=0,
            decoder_grid=(7, 7, 256),
        ),
        defects=VAE_DEFECTS,
        build_fn=build_beta_vae,
        compile_options=MULTI_STEP,
        value_range=SIGMOID_RANGE,
        budget=dict(epochs=20, batch_size=128),
        choices=(
            "beta is an argument with default 1.0: the article names beta but gives no value, "
            "and with beta = 1 the loss is exactly the negative ELBO, so beta > 1 reads as the "
            "beta-VAE's trade-off of reconstruction for a more factorised latent.",
            "Bernoulli likelihood summed over pixels instead of the article's per-pixel MSE, "
            "whose scale against the KL is arbitrary: a mean over 784 pixels would weight the "
            "KL about 784 times more than the ELBO does and collapse the posterior.",
            "Data in [0, 1] as the article's `/ 255.0`, so the output is sigmoid, not tanh.",
            "Batch size 128, the article's GAN batch (its VAE used the whole set as one batch).",
            "The decoder keeps the article's Dense(7*7*256) grid layer, with a per-cell "
            "Dense(16) made into 4x4 patches (zoo.recipes._nets.grid_head_mlp) where the "
            "article's Dense(3) left 7x7x3 images. Measured at the budget (20 epochs, full "
            "MNIST, seed 0; `python bench/gan_candidates.py a004.beta_vae`): test ELBO -105.7 "
            "nats, IWAE bound 99.1, sample FD 15.9, smallest digit class 7.0%, against -114.5, "
            "108.7, 24.5 and 5.1% for a decoder ending in Dense(784, sigmoid) "
            "(`decoder_grid=()`), which trains about 10x faster on CPU (144 s against 1,406 s "
            "on the shared 2-core machine).",
        ),
    )
)
