"""The defects of article 000's code and text that its recipes correct (:mod:`zoo.recipes.a000`)."""

from zoo.recipes._core import Defect

# -- defects -----------------------------------------------------------------
COMMON = (
    Defect(
        "api",
        "`tf.keras.optimizers.Adam(lr=0.0002, beta_1=0.5)`.",
        "`keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5)`, one instance per network.",
        "`lr` was deprecated in TF 2.x and is rejected by Keras 3; one optimizer "
        "instance cannot hold the state of two networks.",
    ),
    Defect(
        "training loop",
        "`optimizer.zero_gradients()`, `loss.backward()`, `optimizer.step()` after the "
        "Keras calls, on Keras optimizers and numpy floats.",
        "`fit` runs the zoo model's `train_step`: a `tf.GradientTape` per loss and "
        "`optimizer.apply_gradients`.",
        "These are PyTorch methods (and misspelt: PyTorch has `zero_grad`); Keras "
        "optimizers and numpy scalars have none of them, so the loop raises AttributeError.",
    ),
    Defect(
        "training loop",
        "`real_images[_, :batch_size, :]` as the mini-batch.",
        "`fit(x_train, batch_size=128, shuffle=True)` draws whole, shuffled batches.",
        "On (N, 784) images, what the 784-unit Input expects, three indices raise "
        "IndexError; on (N, 28, 28) it takes rows of the single image number `_`. No batch "
        "of images is ever formed.",
    ),
    Defect(
        "training loop",
        "`real_images = ...`, `batch_size = ...`, `epochs = ...`, `z_dim = ...` left as "
        "placeholders.",
        "MNIST training images, batch size 128, noise size 100 (the generator's input), "
        "epochs from the recipe budget.",
        "The script cannot run as published; the values chosen are stated in the recipe.",
    ),
    Defect(
        "api",
        "`discriminator.train_on_batch(...)` and `generator.optimizer` on models that "
        "were never compiled.",
        "Each zoo model is compiled with its optimizers before `fit`.",
        "`train_on_batch` needs a compiled model, and `model.optimizer` is `None` before "
        "`compile`.",
    ),
    Defect(
        "facts",
        '"GANs和AEs都是深度学习中的生成模型", with data generation listed among AE uses.',
        "The docs call the plain autoencoder a representation-learning (compression) "
        "model; sampling needs a VAE (article 001/004) or a latent GAN (article 003).",
        "A deterministic autoencoder defines no distribution to sample new data from; only "
        "probabilistic variants such as the VAE are generative models.",
        "Goodfellow, Bengio & Courville, Deep Learning (MIT Press 2016), ch. 14 "
        "(autoencoders) and ch. 20 (deep generative models).",
    ),
    Defect(
        "facts",
        '"训练过程不稳定：GANs和AEs的训练过程容易出现模型收敛不稳定、震荡现象等问题".',
        "The docs treat unstable, oscillating training as the GAN's problem; the autoencoder "
        "recipe is an ordinary minimisation of its reconstruction error.",
        "Oscillation and non-convergence come from the GAN's two-player game, where each "
        "network's update changes the other's objective; an autoencoder minimises one fixed "
        "loss by gradient descent, like any regression, and has no such dynamics.",
        "Goodfellow et al., Generative Adversarial Networks, Communications of the ACM 63(11), "
        "2020 (GANs are based on game theory, other generative models on optimization).",
    ),
)

# Not a defect: the article's sigmoid output is sound in Keras 3 (see the text).
LOGIT_CHOICE = (
    "D returns a logit and the losses are written on it with softplus "
    "(-log D = softplus(-l), -log(1 - D) = softplus(l)), where the article ends D in "
    "`Dense(1, activation='sigmoid')`. That is not a fix: the article's code names no loss "
    "for D (its models are never compiled), and had it used Keras' `binary_crossentropy` on "
    "that output, Keras 3 would recover the pre-sigmoid logit that the sigmoid activation "
    "attaches to its output and compute the exact `sigmoid_cross_entropy_with_logits`; only "
    "when another op stands between the sigmoid and the loss does Keras clip the "
    "probability to [1e-7, 1 - 1e-7] instead, where the loss stops at 16.1 and its "
    "gradient is 0. The zoo's GAN step computes its losses itself from logits (`zoo.losses`), "
    "so it relies on neither path; the formula's log(1 - D(G(z))) written by hand on a "
    "float32 sigmoid would be -inf once the logit passes about 17 (the sigmoid rounds to 1)."
)

GAN_DEFECTS = COMMON + (
    Defect(
        "imports",
        "`np.random.normal`, `np.concatenate` and `np.mean` with no `import numpy as np`.",
        "The zoo model draws its noise inside the step, with `keras.random`'s seeds.",
        "NameError on the first call.",
    ),
    Defect(
        "shapes",
        "`discriminator.train_on_batch(np.concatenate([real, fake]), [np.ones(b), np.zeros(b)])`.",
        "D still runs on the concatenated batch (`joint_batch=True`), and its logits are "
        "split back into real and fake, each with its own target, in one loss "
        "`softplus(-D(x)) + softplus(D(G(z)))`.",
        "A list of two label arrays means two model outputs; the discriminator has one "
        "output for 2b inputs, so Keras rejects the targets.",
    ),
    Defect(
        "training loop",
        "Generator step: `discriminator.train_on_batch(generated_images, np.ones(b))`, then "
        "`generator_loss -= np.mean(...)`.",
        "The generator is updated through the discriminator with a gradient tape on G's "
        "variables only.",
        "That call trains the *discriminator* to call fakes real and never touches the "
        "generator, which has no combined G->D model; negating a number updates nothing.",
    ),
    Defect(
        "training loop",
        "`generator.predict(noise)` inside the loop; one generator step per epoch after a "
        "full pass of discriminator steps.",
        "One discriminator and one generator update per batch, in graph mode.",
        "`predict` leaves the graph (no gradient to G) and is slow; one G step per epoch "
        "lets D win long before G learns.",
    ),
    Defect(
        "formulas",
        '"GANs的损失函数" L(G,D) = E[log D(x)] + E[log(1 - D(G(z)))], with no min or max.',
        "min_G max_D of that value; D minimises -log D(x) - log(1 - D(G(z))), G minimises "
        "the non-saturating -log D(G(z)).",
        "It is the value function of a two-player game, not one loss; the non-saturating "
        "generator loss gives strong gradients early in training.",
        "Goodfellow et al., Generative Adversarial Nets, NeurIPS 2014, eq. 1 and section 3.",
    ),
)

AE_DEFECTS = COMMON + (
    Defect(
        "training loop",
        "`encoder.train_on_batch(x, x)`, then `decoder.train_on_batch(encoded_images, x)`.",
        "Encoder and decoder trained jointly on ||x - D(E(x))||^2 through one tape.",
        "The encoder outputs 128 values, not a 784-pixel image, and `train_on_batch` "
        "returns the loss, not codes, so the decoder would train on a scalar.",
    ),
    Defect(
        "training loop",
        "`encoder.train_step(batch)` and `decoder.train_step(encoded_images)` after each "
        "epoch; text: train the encoder, then the decoder, alternately.",
        "One gradient step on the shared reconstruction loss per batch, inside `fit`.",
        "`train_step` is called by `fit`, not by users; the loss depends on both halves, "
        "which are trained together end to end.",
    ),
    Defect(
        "formulas",
        "L(E,D) = E_x[||x - D(E(x))||^2], with E both the expectation and the encoder and D "
        "the decoder (and the discriminator in the GAN section).",
        "The docs write dec(enc(x)); the recipe minimises the per-image sum of squares.",
        "One letter for three objects makes the formula ambiguous.",
    ),
)
