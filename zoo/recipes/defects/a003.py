"""The defects of article 003's code and text that its recipes correct (:mod:`zoo.recipes.a003`)."""

from zoo.recipes._core import Defect

COMMON = (
    Defect(
        "facts",
        "收缩自编码器 described as an autoencoder that learns the data's main features "
        '"通过限制编码器的输出维度", trained on the MSE alone.',
        "Loss = reconstruction + lambda * ||dh/dx||_F^2, the squared Frobenius norm of the "
        "encoder's Jacobian at each training image.",
        "A bottleneck is what every undercomplete autoencoder has; what makes an "
        "autoencoder contractive is the Jacobian penalty, which makes the code locally "
        "insensitive to input perturbations.",
        "Rifai, Vincent, Muller, Glorot & Bengio, Contractive Auto-Encoders: Explicit "
        "Invariance During Feature Extraction, ICML 2011.",
    ),
    Defect(
        "formulas",
        '"自编码器的目标是最小化编码器和解码器之间的差异".',
        "The target is the difference between the input x and its reconstruction "
        "decoder(encoder(x)).",
        "Encoder and decoder map between different spaces; there is no difference between "
        "them to minimise.",
    ),
    Defect(
        "formulas",
        '"自编码器的损失函数通常是均方误差（MSE），即" loss = ||x - x_hat||^2 (sections 2.1 and '
        "3.1), while the code uses `nn.MSELoss()`.",
        "The recipes follow the code: `reduction='mean'`, the per-pixel mean of `nn.MSELoss`, "
        "and lambda is stated relative to it (a003.cae's choices).",
        "||x - x_hat||^2 is the sum of the 784 squared errors, 784 times the mean that MSE "
        "(and `nn.MSELoss`, whose default reduction is 'mean') computes. The factor leaves a "
        "plain autoencoder's minimiser unchanged but fixes what a contractive weight means: "
        "a lambda next to the mean weighs as much as 784 * lambda next to the sum.",
        "PyTorch documentation, torch.nn.MSELoss (reduction='mean' by default).",
    ),
    Defect(
        "facts",
        'Reference [4]: "Radford, A., Metz, L., & Chintala, S. (2020). DALL-E: Creating '
        'Images from Text. OpenAI Blog".',
        "DALL-E: Ramesh et al., Zero-Shot Text-to-Image Generation, ICML 2021 (OpenAI blog, "
        "January 2021). Radford, Metz & Chintala wrote the DCGAN paper (ICLR 2016).",
        "Wrong authors and year.",
        "Ramesh et al., ICML 2021, arXiv:2102.12092; Radford et al., arXiv:1511.06434.",
    ),
    Defect(
        "facts",
        'Reference [2]: Kingma & Welling (2014), Auto-encoding variational bayes, "In '
        'Proceedings of the 28th International Conference on Machine Learning and Systems".',
        "Kingma & Welling, Auto-Encoding Variational Bayes, ICLR 2014 (arXiv:1312.6114).",
        "Wrong venue: it is an ICLR 2014 paper, not in ICML proceedings (the 28th ICML was held "
        "in 2011, two years before the paper).",
        "arXiv:1312.6114.",
    ),
    Defect(
        "api",
        "MNIST loaded with `tensorflow.keras.datasets`, the models written in PyTorch.",
        "Everything in Keras 3 on TensorFlow, like the rest of the zoo.",
        "The numpy arrays were never turned into torch tensors or used at all (and "
        "`x_train / 255.0` is float64, which `nn.Linear`'s float32 weights reject until cast); "
        "one framework keeps the pipeline whole.",
    ),
    Defect(
        "training loop",
        "`x = torch.randn(64, 1, 28, 28)` as the autoencoder's training batch.",
        "`fit` on the MNIST training images, batch size 64.",
        "The loaded MNIST data is never used: the autoencoder learns to reconstruct noise.",
    ),
    Defect(
        "losses",
        "`x = encoder(x); x = decoder(x); loss = criterion(x, x)`.",
        "Reconstruction loss between the input images and decoder(encoder(images)).",
        "The input is overwritten, so the loss compares the output with itself: it is always "
        "0, has zero gradient, and nothing is learned.",
    ),
    Defect(
        "shapes",
        "Decoder ends in `x = x.view(x.size(0), 28, 28)`, while the batch is "
        "`torch.randn(64, 1, 28, 28)`, under `criterion = nn.MSELoss()`.",
        "The decoder returns 28x28x1 images, the shape of the batch it reconstructs.",
        "Once the loss compares the reconstruction with its input, (64, 28, 28) against "
        "(64, 1, 28, 28) broadcasts to (64, 64, 28, 28): every image is compared with every "
        'reconstruction, and `nn.MSELoss` only warns ("Using a target size (torch.Size([64, 1, '
        '28, 28])) that is different to the input size (torch.Size([64, 28, 28]))").',
    ),
    Defect(
        "training loop",
        "`for epoch in range(100)` in all three loops, each iteration one batch of 64 "
        "(`torch.randn(64, 1, 28, 28)` or `torch.randn(64, 100)`).",
        "Budgets count real epochs over the 60,000 MNIST training images (batch size 64).",
        'Each "epoch" is a single step: 100 steps of 64 are 6,400 samples, about a ninth of '
        "one pass over MNIST (and random noise, not MNIST, in the autoencoder's loop).",
    ),
    Defect(
        "facts",
        'Reference [1]: "Goodfellow, I., ... (2014). Generative Adversarial Networks. In '
        'Advances in Neural Information Processing Systems (pp. 2671-2680)".',
        "Goodfellow et al., Generative Adversarial Nets, NeurIPS 2014, pp. 2672-2680.",
        'The paper\'s title is "Generative Adversarial Nets", and it starts on page 2672.',
        "Advances in Neural Information Processing Systems 27 (NIPS 2014), "
        "papers.neurips.cc/paper/5423-generative-adversarial-nets.",
    ),
    Defect(
        "facts",
        'Reference [5]: "Chen, Z., & Koltun, V. (2018). Deep Convolutional GANs for Semantic '
        "Image Synthesis. In Proceedings of the IEEE Conference on Computer Vision and Pattern "
        'Recognition (pp. 5790-5800)".',
        "DCGAN is Radford, Metz & Chintala, Unsupervised Representation Learning with Deep "
        "Convolutional Generative Adversarial Networks, ICLR 2016 (arXiv:1511.06434).",
        "No such paper: Chen & Koltun's work on semantic image synthesis is Qifeng Chen & "
        "Vladlen Koltun, Photographic Image Synthesis with Cascaded Refinement Networks, ICCV "
        "2017, whose abstract says it does not rely on adversarial training at all.",
        "Radford et al., arXiv:1511.06434; Chen & Koltun, ICCV 2017, arXiv:1707.09405.",
    ),
    Defect(
        "facts",
        'Reference [6]: "Donahue, J., Vedantam, A., & Darrell, T. (2018). Large-scale '
        "unsupervised image-to-image translation with cyclic-GANs. In Proceedings of the IEEE "
        'Conference on Computer Vision and Pattern Recognition (pp. 3616-3625)".',
        "Unpaired image-to-image translation with cycle-consistent GANs (CycleGAN) is Zhu, "
        "Park, Isola & Efros, ICCV 2017.",
        "The cited paper does not exist; the cycle-consistency idea it alludes to is "
        "CycleGAN's, by other authors, at another conference, a year earlier.",
        "Zhu, Park, Isola & Efros, Unpaired Image-to-Image Translation using Cycle-Consistent "
        "Adversarial Networks, ICCV 2017, arXiv:1703.10593.",
    ),
    Defect(
        "facts",
        'Reference [3]: "Chung, J., Im, S., & Kim, K. (2015). Understanding autoencoders: '
        "Visualizing and interpreting learned features and mappings. In International "
        'Conference on Learning Representations (pp. 1-9)".',
        "The docs rest the contractive autoencoder on Rifai et al. (ICML 2011), not on [3].",
        "Unverifiable: no paper of this title by these authors could be found, and ICLR "
        'papers appear on arXiv and OpenReview without page numbers, so "pp. 1-9" is no '
        "ICLR citation. The article's text cites none of its six references.",
        "ICLR 2015 papers are cited by arXiv number, e.g. Kingma & Ba, Adam, ICLR 2015, "
        "arXiv:1412.6980.",
    ),
)

CAE_DEFECTS = COMMON

LATENT_GAN_DEFECTS = COMMON + (
    Defect(
        "facts",
        '"收缩自编码器与生成对抗网络的融合是一种新的深度学习技术".',
        "The docs credit the design: a GAN trained on a pretrained autoencoder's codes is the "
        "latent GAN of Achlioptas et al. (ICML 2018).",
        "Not new: the latent GAN was published in 2018, and adversarial autoencoders matched "
        "an autoencoder's codes to a distribution with a GAN in 2015; the article, whose "
        "references reach 2020, cites neither.",
        "Achlioptas, Diamanti, Mitliagkas & Guibas, Learning Representations and Generative "
        "Models for 3D Point Clouds, ICML 2018; Makhzani et al., Adversarial Autoencoders, "
        "arXiv:1511.05644 (2015).",
    ),
    Defect(
        "losses",
        "Generator trained alone on `criterion(x, x)` with `x = generator(z)`.",
        "The generator minimises -log D(G(z)) against a discriminator.",
        "Zero loss, zero gradient, and no adversary: the generator stays at its initialisation.",
    ),
    Defect(
        "training loop",
        "Discriminator trained on generated images only, with `criterion(y, torch.ones_like(y))`.",
        "D sees real codes (label 1) and generated codes (label 0) each step; G is updated "
        "through D.",
        "With no real data and fakes labelled real, D learns nothing useful; G's gradients "
        "are computed but never applied (only D's parameters are in that optimizer).",
    ),
    Defect(
        "shapes",
        "Generator 100 -> 128 -> 256 -> 512 -> 1024 -> 784 images; discriminator on 784 "
        'pixels; text (section 4.4): "这里我们将收缩自编码器的解码器与生成对抗网络的生成器进行'
        '连接，并使用生成对抗网络的判别器对生成的图像进行评估。", which the code never does.',
        "Latent GAN: G 100 -> 128 -> 256 -> 512 -> 1024 -> 32-d code, images = CAE "
        "decoder(G(z)); D 32 -> 512 -> 256 -> 128 -> 1 judges codes, not the images the "
        "sentence names (a departure, argued in the choices).",
        "The code never connects the two: G makes 784 pixels of its own, the CAE's decoder "
        "is never called after it, and the CAE's code space, where section 3.3 puts the GAN "
        '("使用生成对抗网络对低维特征表示进行生成"), is never used.',
    ),
    Defect(
        "shapes",
        "Discriminator `self.layer1 = nn.Linear(784, 512)` applied to its input with no "
        "flatten, while MNIST images and the CAE decoder's output "
        "(`x.view(x.size(0), 28, 28)`) are (B, 28, 28).",
        "The recipe's D judges 32-d codes; zoo's MLPs (`zoo.networks.mlp`) flatten a 28x28x1 "
        "input themselves before the first Dense.",
        "Once D is fed real images, as a GAN needs, or the decoded samples that section 4.4 "
        "names, `nn.Linear` acts on the last axis (28, not 784) and PyTorch raises a "
        "RuntimeError (mat1 and mat2 shapes cannot be multiplied); only the generator's own "
        "flat 784-vectors fit. The encoder flattens with `torch.flatten(x, 1)`; the "
        "discriminator does not.",
    ),
    Defect(
        "training loop",
        'Fusion procedure (section 3.3): "1. 初始化收缩自编码器和生成对抗网络的参数。 2. '
        "训练收缩自编码器，通过优化均方误差（MSE）损失函数，"
        "学习到一个approximate的编码器和解码器。 "
        '3. 使用生成对抗网络的生成器生成逼真的数据。"',
        "Each step trains the CAE, then D on real and generated codes, then G through D.",
        "No step trains the GAN: step 3 uses a generator that was only initialised, so it "
        "cannot produce realistic data.",
    ),
    Defect(
        "formulas",
        "Fusion formula: z = encoder(x), G(z) = generator(z).",
        "z_fake = G(noise) is judged by D against z_real = encoder(x); samples are "
        "decoder(G(noise)).",
        "Feeding the encoder's code to the generator makes another autoencoder, not a "
        "generative model: sampling needs noise in, codes out.",
        "Achlioptas et al., Learning Representations and Generative Models for 3D Point "
        "Clouds, ICML 2018 (latent GANs).",
    ),
    Defect(
        "formulas",
        'GAN "基本结构" (sections 2.2 and 3.2): z = generator(z_latent), x_hat = '
        'discriminator(z), where z "是生成器生成的数据" and x_hat "是判别器对生成数据的预测".',
        "The docs keep x_hat for reconstructions decoder(encoder(x)) and write D(G(z)) for "
        "the discriminator's score of a generated sample (a logit in the recipe).",
        "Section 2.1 has just defined x_hat as the reconstruction of the input and z as its "
        "code; here x_hat is D's output, one probability per sample, and z a generated "
        "sample. With the fusion formula's z = encoder(x), z names three things and x_hat "
        "both a datum and a probability.",
    ),
    Defect(
        "losses",
        "Discriminator ending in `torch.sigmoid` with `nn.BCELoss`.",
        "The discriminator returns a logit; the loss applies the sigmoid stably "
        "(the `BCEWithLogitsLoss` form).",
        "The loss never reaches -inf, since `nn.BCELoss` clamps each log term at -100, but "
        "in float32 the sigmoid rounds to exactly 1 above a logit of about 17 (and to 0 far below "
        "zero): there a fake labelled 0 costs a clamped 100 instead of about its logit, "
        "and its gradient through the saturated sigmoid is exactly 0. PyTorch's docs call "
        "`BCEWithLogitsLoss` more numerically stable than a sigmoid followed by `BCELoss`.",
        "PyTorch documentation, torch.nn.BCELoss and torch.nn.BCEWithLogitsLoss.",
    ),
)
