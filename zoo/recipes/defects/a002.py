"""The defects of article 002's code and text that its recipes correct (:mod:`zoo.recipes.a002`)."""

from zoo.recipes._core import Defect

DEFECTS = (
    Defect(
        "imports",
        "`Flatten()` used in the discriminator but not imported.",
        "The recipe builds its networks with `zoo.networks` and `zoo.recipes._nets`.",
        "NameError.",
    ),
    Defect(
        "shapes",
        "`intermediate_dim`, `output_dim` and `epochs` used but never defined; "
        "`input_dim = 100` defined but never used.",
        "intermediate_dim = 256, output_dim = 784 (28 * 28), noise size 100.",
        "NameError; the recipe states the values it chose (see choices).",
    ),
    Defect(
        "shapes",
        "`encoder = Model(latent_input, x)` where `x` was computed from `decoder_input`.",
        "One generator graph: noise -> Dense(256, ReLU) -> 32-d code -> linear map -> image.",
        "The output does not depend on the input, so Keras raises a disconnected-graph error.",
    ),
    Defect(
        "shapes",
        "`generator = Model(z, decoder_o)` with `z = encoder.output` (not an Input) and "
        "`decoder_o` computed from a new `Input` `decoder_i`.",
        "The generator's input is the noise Input of its own graph.",
        "A functional model needs Input tensors as inputs and an output connected to them.",
    ),
    Defect(
        "training loop",
        "`for epoch in range(epochs): # 训练判别器 # ...  # 训练生成器 # ...`: empty loops, "
        'while the text says the networks were trained "直到它们达到平衡".',
        "`fit` alternates one discriminator and one generator update per batch.",
        "Nothing is ever trained; `G.trainable = False` / `D.trainable = True` on uncompiled "
        "models do nothing either.",
    ),
    Defect(
        "losses",
        '"生成器的损失函数通常为均方误差（MSE）或交叉熵损失".',
        "The generator minimises the adversarial loss -log D(G(z)) (non-saturating).",
        "Noise-driven samples have no paired target for an MSE; the generator learns only "
        "through the discriminator's judgement.",
        "Goodfellow et al., Generative Adversarial Nets, NeurIPS 2014, section 3.",
    ),
    Defect(
        "facts",
        '"生成器通常由一个自动编码器和一个额外的线性层组成".',
        "The docs present the autoencoder-shaped generator as this article's design, not "
        "the usual one.",
        "Standard GAN generators map noise straight to images (MLPs, or DCGAN's transposed "
        "convolutions) with no encoder; where autoencoders do appear in GANs it is e.g. as "
        "the discriminator of EBGAN and BEGAN.",
        "Goodfellow et al., NeurIPS 2014; Radford et al., ICLR 2016; Zhao et al., EBGAN, "
        "ICLR 2017; Berthelot et al., BEGAN, arXiv:1703.10717 (2017).",
    ),
    Defect(
        "facts",
        '"这种结构使得生成器能够学习生成更逼真的样本" (the autoencoder plus linear layer '
        "generator of section 2).",
        "The docs present the bottleneck as a constraint the recipe measures, not an aid: "
        "trained as the article describes it collapses, and a gradient penalty on D "
        "makes it draw every digit (see the choices).",
        "Nothing in the design favours realism: a linear layer on a 32-d code confines every "
        "generated image (before the sigmoid) to a 32-dimensional affine subspace of the "
        "784-pixel space, where article 000's generator, as wide but with no bottleneck, "
        "spans up to 256 dimensions; trained as the article describes, the recipe's "
        "generator drew the digit 1 for 96% of 10,000 samples.",
        "Measured in this zoo: a002.aegan's summary and choices (`python "
        "bench/gan_candidates.py a002.aegan`).",
    ),
    Defect(
        "facts",
        '"GANs 在图像生成、图像补充、图像分类等任务中表现出色，并被广泛应用于计算机视觉和自然语言'
        '处理等领域".',
        "The docs present the GAN as an image model, which is how the recipe uses it (MNIST "
        "digits).",
        "GANs are not widely used in natural language processing: text is a sequence of "
        "discrete tokens, so D's gradient cannot flow back through G's sampling and text GANs "
        "need policy-gradient estimators; compared on quality and diversity together, "
        "maximum-likelihood language models outperform the language GANs proposed.",
        "Yu, Zhang, Wang & Yu, SeqGAN: Sequence Generative Adversarial Nets with Policy "
        "Gradient, AAAI 2017, arXiv:1609.05473; Caccia et al., Language GANs Falling Short, "
        "ICLR 2020, arXiv:1811.02549.",
    ),
    Defect(
        "facts",
        'FAQ: "GANs的目标是生成逼真的样本，而VAEs的目标是学习数据的分布".',
        "The docs say both learn the data distribution: the VAE explicitly (a likelihood "
        "bound), the GAN implicitly (a sampler).",
        "The GAN game's global optimum is p_g = p_data; realistic samples are the "
        "consequence, not a different goal.",
        "Goodfellow et al., NeurIPS 2014, section 4.1, theorem 1.",
    ),
    Defect(
        "facts",
        '"自动编码器可以用于生成这些样本，通过将随机噪声映射到生成器的输出空间" (section 2; '
        'the FAQ repeats "自动编码器可以用于生成逼真的样本").',
        "The docs say that noise becomes samples through the generator trained against D; "
        "the recipe's generator only borrows an autoencoder's bottleneck shape.",
        "An autoencoder is trained to reconstruct its inputs, not to map random noise to "
        "data: its decoder has no prior over codes, so decoding noise gives no realistic "
        "samples (notebook 000 shows this for article 000's autoencoder). Sampling needs a "
        "generative model such as a GAN's generator or a VAE's decoder with its prior.",
        "Goodfellow, Bengio & Courville, Deep Learning (MIT Press 2016), ch. 14 and ch. 20; "
        "Kingma & Welling, Auto-Encoding Variational Bayes, ICLR 2014.",
    ),
)
