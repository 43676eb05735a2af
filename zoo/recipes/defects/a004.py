"""The defects of article 004's code and text that its recipes correct (:mod:`zoo.recipes.a004`)."""

from zoo.recipes._core import Defect

COMMON = (
    Defect(
        "facts",
        'GANs "由伊朗的科学家亚历山大·科尔兹加（Ian Goodfellow）于2014年提出".',
        "GANs were proposed by Ian Goodfellow and colleagues at the Université de Montréal "
        "in 2014.",
        "Ian Goodfellow is an American researcher; the Chinese name given is not his name.",
        "Goodfellow et al., Generative Adversarial Nets, NeurIPS 2014.",
    ),
    Defect(
        "facts",
        'VAEs "由加州大学伯克利分校的科学家道尔·卢卡斯（Diederik Kingma）和赫尔曼·苏珀'
        '（Kevin Veitcheng Joo）于2013年提出".',
        "VAEs were proposed by Diederik P. Kingma and Max Welling (University of Amsterdam), "
        "arXiv December 2013, ICLR 2014; independently by Rezende, Mohamed & Wierstra (ICML "
        "2014).",
        "Wrong co-author, wrong institution, and the transliterated names are not theirs.",
        "Kingma & Welling, Auto-Encoding Variational Bayes, arXiv:1312.6114; Rezende et al., "
        "Stochastic Backpropagation and Approximate Inference in Deep Generative Models, "
        "ICML 2014.",
    ),
    Defect(
        "api",
        "Models never compiled, then `train_on_batch`; `generator_optimizer.update_state("
        "generator.optimizer.iterations)`.",
        "Each zoo model is compiled with its Adam(1e-4) optimizers and trained by `fit`.",
        "`train_on_batch` needs a compiled model, `model.optimizer` is `None` before "
        "`compile`, and Keras optimizers have no `update_state` (a metrics method).",
    ),
    Defect(
        "facts",
        'GAN disadvantages: "训练过程容易出现模型不稳定的情况，如震荡和模糊"; VAE advantages: '
        '"能够生成高质量的数据".',
        "The docs name oscillation and mode collapse as the GAN's training failures, and "
        "blur as the VAE's known weakness.",
        "Blur is no symptom of GAN instability: an unstable GAN oscillates or collapses onto "
        "a few modes (a004.gan with the article's beta_1 = 0.9 and no penalty drew half its "
        "samples as 8s; see its choices). Blurry samples are what VAEs trained with "
        "element-wise likelihoods are known for, the weakness that VAE/GAN hybrids were "
        "built to fix, so the article swaps the two models' faults.",
        "Goodfellow, NIPS 2016 Tutorial: Generative Adversarial Networks, arXiv:1701.00160, "
        "section 5.1.1 (mode collapse); Larsen, Sønderby, Larochelle & Winther, Autoencoding "
        "beyond pixels using a learned similarity metric, ICML 2016, arXiv:1512.09300.",
    ),
)

GAN_DEFECTS = COMMON + (
    Defect(
        "shapes",
        "Generator: ... Dense(7*7*256) -> Reshape((7, 7, 256)) -> `Dense(3, activation="
        '\'tanh\')`: 7x7x3 "images"; text: "生成28x28的图像".',
        "100 -> Dense(256) -> Dense(512) -> Dense(784, tanh) -> Reshape(28, 28, 1).",
        "The discriminator takes 28x28x1 images; a Dense on a 7x7 map keeps the 7x7 size, "
        "and MNIST has one channel.",
    ),
    Defect(
        "training loop",
        "`discriminator.train_on_batch(generated_images, np.ones(...))`, then "
        "`generated_images.reshape((128, 28, 28, 1))` and `train_on_batch(..., "
        'np.zeros(...))` as the "generator step".',
        "D sees real MNIST (1) and G's samples (0); G is updated through D by a gradient tape "
        "on its own variables.",
        "No real image is ever used, the same fakes are labelled real then fake, the reshape "
        "of 7*7*3 = 147 values to 784 fails, and the generator is never updated.",
    ),
    Defect(
        "training loop",
        "`discriminator.trainable = True/False` toggles and `generator.predict` inside the loop.",
        "One GAN `train_step`, each update differentiating only its own network's variables.",
        "Toggling `trainable` on a model that has already trained does not change what "
        "`train_on_batch` updates, and `predict` cuts the gradient to the generator.",
    ),
    Defect(
        "training loop",
        "`for epoch in range(1000)`, each iteration one batch of 128 noise vectors "
        "(`noise_generator(128)`).",
        "Budgets count real epochs over the 60,000 MNIST training images (batch size 128).",
        'Each "epoch" is a single step: 1000 steps of 128 are 128,000 samples, about two '
        "passes' worth of MNIST, although the loop never loads a real image.",
    ),
    Defect(
        "formulas",
        "L_GAN = L_G - L_D.",
        "A game, min_G max_D V(D, G): D and G each minimise their own loss.",
        "A single loss L_G - L_D has no player who minimises it; each network has its own "
        "objective and its own optimizer.",
        "Goodfellow et al., NeurIPS 2014, eq. 1.",
    ),
    Defect(
        "formulas",
        "L_G = -E_{x~p_data}[log D(x)].",
        "L_G = -E_{z~p(z)}[log D(G(z))] (non-saturating).",
        "The article's L_G does not depend on G at all: it is an expectation over real data.",
        "Goodfellow et al., NeurIPS 2014, section 3.",
    ),
    Defect(
        "formulas",
        "L_D = E[log D(x)] + E[log(1 - D(G(z)))] called the discriminator's loss.",
        "L_D = -E[log D(x)] - E[log(1 - D(G(z)))], minimised by D.",
        "That expression is the value D maximises; as a loss to minimise, its sign is wrong.",
        "Goodfellow et al., NeurIPS 2014, eq. 1.",
    ),
    Defect(
        "facts",
        'GAN advantages: "能够学习到数据的潜在结构，从而实现数据生成和编码的平衡".',
        "The docs note that a standard GAN has no encoder.",
        "A GAN maps noise to data only; encoding data needs extensions such as BiGAN/ALI.",
        "Donahue, Krähenbühl & Darrell, Adversarial Feature Learning, ICLR 2017; Dumoulin "
        "et al., Adversarially Learned Inference, ICLR 2017.",
    ),
    Defect(
        "facts",
        'GAN advantages: "能够生成复杂的数据结构，如图像和文本".',
        "The docs count images, not text, among the GAN's strengths; the recipe generates "
        "MNIST digits.",
        "Text is where GANs are weakest: its tokens are discrete, so D's gradient cannot flow "
        "back through G's sampling and text GANs need policy-gradient estimators, and "
        "compared on quality and diversity together, maximum-likelihood language models "
        "outperform them.",
        "Yu, Zhang, Wang & Yu, SeqGAN, AAAI 2017, arXiv:1609.05473; Caccia et al., Language "
        "GANs Falling Short, ICLR 2020, arXiv:1811.02549.",
    ),
)

VAE_DEFECTS = COMMON + (
    Defect(
        "shapes",
        "`x = Input(...)`, then `x = Flatten()(x)` and `Model(x, z)`.",
        "The encoder keeps its Input tensor and returns `[z_mean, z_log_var]`.",
        "Overwriting `x` makes the model's input a non-Input tensor; Keras raises.",
    ),
    Defect(
        "api",
        "`z = tf.keras.layers.Lambda(lambda x: x * tf.exp(z_log_var))(z_mean)` in "
        "`encoder_model`, the function closing over the symbolic `z_log_var`.",
        "The zoo VAE takes both outputs of its encoder as inputs of its sampling step.",
        "Keras 3 cannot pass a symbolic KerasTensor to a TensorFlow op: building the layer "
        'fails ("We could not automatically infer the shape of the Lambda\'s output"; with '
        '`output_shape` given, "A KerasTensor cannot be used as input to a TensorFlow '
        'function"). A value a layer uses must reach it as an input.',
    ),
    Defect(
        "formulas",
        "`z = Lambda(lambda x: x * tf.exp(z_log_var))(z_mean)`.",
        "z = mu + exp(log_var / 2) * eps, eps ~ N(0, I).",
        "No noise is drawn and exp(log_var) is the variance, not the standard deviation: "
        "this is not the reparameterisation trick.",
        "Kingma & Welling, ICLR 2014, section 2.4.",
    ),
    Defect(
        "shapes",
        "The encoder returns `z`, the loop unpacks `z_mean, z_log_var = encoder.predict(...)`.",
        "The model uses both posterior parameters, for sampling and for the KL term.",
        "One output cannot be unpacked into two (it would split the batch axis instead).",
    ),
    Defect(
        "shapes",
        "Decoder: Dense(512) -> Dense(7*7*256) -> Reshape -> `Dense(3, activation='tanh')`.",
        "100 -> Dense(512, ReLU) -> Dense(7*7*256, ReLU) -> Reshape(7, 7, 256) -> per-cell "
        "Dense(16, sigmoid) -> each cell a 4x4 patch of the 28x28x1 image.",
        "7x7x3 outputs cannot be compared with 28x28x1 images, and tanh in [-1, 1] does not "
        "match data scaled to [0, 1] by `/ 255.0`.",
    ),
    Defect(
        "shapes",
        "`np.concatenate((x_train, np.random.normal(0, 1, (N, 100))), axis=1)` and "
        "`tf.concat((z, x_train), axis=1)`.",
        "Images go into the encoder, sampled codes into the decoder; nothing is concatenated.",
        "A (N, 28, 28, 1) array cannot be concatenated with (N, 100) noise, and the VAE's "
        "noise enters through the reparameterisation, not the input.",
    ),
    Defect(
        "training loop",
        "MNIST reloaded inside every epoch, the whole training set used as one batch, and "
        "`encoder.predict` / `decoder.predict` inside the `GradientTape`.",
        "Data loaded once; `fit` with mini-batches of 128; the forward pass inside the tape.",
        "`(x_train, _) = mnist.load_data()` binds `x_train` to the (images, labels) pair, "
        "so `.reshape` fails; `predict` returns numpy arrays, so the tape would record "
        "nothing and every gradient would be None.",
    ),
    Defect(
        "training loop",
        "One gradient list zipped with `encoder.trainable_variables` for one optimizer and "
        "with `decoder.trainable_variables` for another.",
        "One optimizer over all the VAE's variables.",
        "The gradients are for encoder + decoder variables in order; zipping them with the "
        "decoder's list pairs encoder gradients with decoder variables.",
    ),
    Defect(
        "losses",
        "KL as `0.5 * mean(z_log_var) - 0.5 * mean(1 - tf.log(tf.square(tf.eye(100))) + "
        "z_mean ** 2 + tf.exp(z_log_var))`.",
        "KL = -1/2 * sum_j (1 + log_var_j - mu_j^2 - exp(log_var_j)) per image.",
        "log of the identity matrix's zeros is -inf, `tf.log` does not exist in TF 2, and the "
        "terms and signs are not the Gaussian KL.",
        "Kingma & Welling, ICLR 2014, appendix B.",
    ),
    Defect(
        "formulas",
        "L_reg = beta * E_{q(z|x)}[log q(z|x)].",
        "L_reg = beta * KL(q(z|x) || p(z)) = beta * E_q[log q(z|x) - log p(z)].",
        "E_q[log q] is the negative entropy alone; without the prior term nothing pulls the "
        "codes towards N(0, I), and the term rewards ever wider posteriors.",
        "Higgins et al., beta-VAE, ICLR 2017.",
    ),
)
