"""An eager PyTorch DCGAN training loop: the PyTorch peer of the GAN speed benchmark.

The networks are the MNIST DCGAN of TensorFlow's "Deep Convolutional Generative
Adversarial Network" tutorial, rebuilt in PyTorch from its published description:

* Generator: ``Linear(100 -> 7*7*256, no bias)``, BatchNorm, LeakyReLU, reshape to
  ``256x7x7``; then ``ConvTranspose 5x5`` to 128 (stride 1), 64 (stride 2) and 1
  (stride 2) channels, all ``'same'`` and without bias, BatchNorm + LeakyReLU after
  the first two and ``tanh`` after the last (images in [-1, 1]).
* Discriminator: ``Conv 5x5 stride 2 'same'`` to 64 then 128 channels, each followed
  by LeakyReLU and ``Dropout(0.3)``; flatten; ``Linear(7*7*128 -> 1)``, a logit.

Keras' defaults are kept where PyTorch's differ: LeakyReLU slope 0.3, BatchNorm
``eps=1e-3`` and momentum 0.01 (Keras' 0.99), Glorot-uniform kernels with zero biases,
and Adam ``eps=1e-7``. Keras' ``'same'`` padding of a stride-2 layer puts the odd
pixel on the other side from ``padding=2, output_padding=1``; shapes and cost match.

One step (the order of PyTorch's DCGAN example, one generator forward per step):
draw ``z ~ N(0, 1)`` of shape ``(batch, 100)``; ``fake = G(z)``; update D on the real
batch and on ``fake.detach()``; then update G through the *updated* D on the same
``fake``. The losses are binary cross-entropy on logits (the non-saturating generator
loss), with Adam(2e-4, betas=(0.5, 0.999)) for both players. During the generator's
update D's parameters do not require gradients, as TensorFlow's tape only computes
the gradients it is asked for (the generator's).

MNIST is read as ``uint8`` from the Keras-layout npz at ``$ZOO_MNIST_PATH`` (default
``/work/shared/data/mnist.npz``, key ``x_train``), scaled to [-1, 1] once and kept as
one tensor; batches are sliced from it in order (no DataLoader, no workers).

Install the optional extra (CPU or CUDA wheels, whichever the index serves)::

    pip install -e ".[torch]"

Example::

    python bench/torch_dcgan.py --steps 50 --warmup 5 --batch 128 --runs 3 --threads 2

prints one line, ``BENCH-RESULT {json}``, with ``images_per_s`` (one per run),
``median_images_per_s``, ``torch_version``, ``threads``, ``batch`` and ``steps``.
``--check`` instead trains 20 steps and asserts that the losses stay finite.
"""

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

LATENT_DIM = 100
SLOPE = 0.3  # keras.layers.LeakyReLU's default negative_slope
DEFAULT_MNIST = "/work/shared/data/mnist.npz"


def _bn(cls, n):
    """BatchNorm with Keras' defaults (epsilon 1e-3, moving-average momentum 0.99)."""
    return cls(n, eps=1e-3, momentum=0.01)


class Generator(nn.Module):
    """Noise of shape (N, 100) -> images of shape (N, 1, 28, 28) in [-1, 1]."""

    def __init__(self):
        super().__init__()
        self.project = nn.Sequential(
            nn.Linear(LATENT_DIM, 7 * 7 * 256, bias=False),
            _bn(nn.BatchNorm1d, 7 * 7 * 256),
            nn.LeakyReLU(SLOPE),
        )
        self.upsample = nn.Sequential(
            nn.ConvTranspose2d(256, 128, 5, stride=1, padding=2, bias=False),
            _bn(nn.BatchNorm2d, 128),
            nn.LeakyReLU(SLOPE),
            nn.ConvTranspose2d(128, 64, 5, stride=2, padding=2, output_padding=1, bias=False),
            _bn(nn.BatchNorm2d, 64),
            nn.LeakyReLU(SLOPE),
            nn.ConvTranspose2d(64, 1, 5, stride=2, padding=2, output_padding=1, bias=False),
            nn.Tanh(),
        )

    def forward(self, z):
        return self.upsample(self.project(z).view(-1, 256, 7, 7))


class Discriminator(nn.Module):
    """Images of shape (N, 1, 28, 28) in [-1, 1] -> one logit each, shape (N, 1)."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 64, 5, stride=2, padding=2),
            nn.LeakyReLU(SLOPE),
            nn.Dropout(0.3),
            nn.Conv2d(64, 128, 5, stride=2, padding=2),
            nn.LeakyReLU(SLOPE),
            nn.Dropout(0.3),
            nn.Flatten(),
            nn.Linear(7 * 7 * 128, 1),
        )

    def forward(self, x):
        return self.net(x)


def keras_init(module):
    """Glorot-uniform weights and zero biases, as Keras layers start."""
    for m in module.modules():
        if isinstance(m, nn.Linear | nn.Conv2d | nn.ConvTranspose2d):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return module


def load_mnist(path=None):
    """The 60,000 training digits as one float32 tensor (N, 1, 28, 28) in [-1, 1]."""
    path = path or os.environ.get("ZOO_MNIST_PATH", DEFAULT_MNIST)
    with np.load(path) as data:
        x = data["x_train"]
    x = torch.from_numpy(x).to(torch.float32).unsqueeze(1)
    return (x / 127.5 - 1.0).contiguous()


class Trainer:
    """The networks, their optimizers and the one-generator-forward training step."""

    def __init__(self, data, batch):
        self.data, self.batch = data, batch
        self.g = keras_init(Generator()).train()
        self.d = keras_init(Discriminator()).train()
        adam = dict(lr=2e-4, betas=(0.5, 0.999), eps=1e-7)
        self.opt_g = torch.optim.Adam(self.g.parameters(), **adam)
        self.opt_d = torch.optim.Adam(self.d.parameters(), **adam)
        self.ones = torch.ones(batch, 1)
        self.zeros = torch.zeros(batch, 1)
        self.cursor = 0

    def next_batch(self):
        """The next ``batch`` images in order, wrapping round at the end (no partial batch)."""
        if self.cursor + self.batch > self.data.shape[0]:
            self.cursor = 0
        x = self.data[self.cursor : self.cursor + self.batch]
        self.cursor += self.batch
        return x

    def step(self):
        """One D update then one G update; returns the two losses as tensors."""
        real = self.next_batch()
        z = torch.randn(self.batch, LATENT_DIM)
        fake = self.g(z)

        self.opt_d.zero_grad(set_to_none=True)
        d_loss = F.binary_cross_entropy_with_logits(
            self.d(real), self.ones
        ) + F.binary_cross_entropy_with_logits(self.d(fake.detach()), self.zeros)
        d_loss.backward()
        self.opt_d.step()

        self.d.requires_grad_(False)
        self.opt_g.zero_grad(set_to_none=True)
        g_loss = F.binary_cross_entropy_with_logits(self.d(fake), self.ones)
        g_loss.backward()
        self.opt_g.step()
        self.d.requires_grad_(True)
        return d_loss.detach(), g_loss.detach()


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=50, help="timed steps per run")
    p.add_argument("--warmup", type=int, default=5, help="untimed steps before the runs")
    p.add_argument("--batch", type=int, default=128, help="images per step")
    p.add_argument("--runs", type=int, default=3, help="timed runs of --steps steps")
    p.add_argument("--threads", type=int, default=os.cpu_count(), help="torch.set_num_threads")
    p.add_argument("--seed", type=int, default=0, help="torch.manual_seed")
    p.add_argument("--data", default=None, help="MNIST npz (default $ZOO_MNIST_PATH)")
    p.add_argument("--check", action="store_true", help="train 20 steps, assert finite losses")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if min(args.steps, args.runs, args.batch, args.threads) < 1 or args.warmup < 0:
        raise SystemExit("--steps, --runs, --batch and --threads must be >= 1, --warmup >= 0")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    trainer = Trainer(load_mnist(args.data), args.batch)

    if args.check:
        for i in range(20):
            d_loss, g_loss = trainer.step()
            d, g = float(d_loss), float(g_loss)
            assert np.isfinite(d) and np.isfinite(g), f"step {i}: d_loss={d}, g_loss={g}"
        print(f"check ok: 20 steps, d_loss={d:.4f}, g_loss={g:.4f}", file=sys.stderr)
        return 0

    for _ in range(args.warmup):
        trainer.step()
    rates = []
    for _ in range(args.runs):
        start = time.perf_counter()
        for _ in range(args.steps):
            d_loss, g_loss = trainer.step()
        float(d_loss + g_loss)  # eager CPU ops are synchronous; this only reads the result
        rates.append(args.steps * args.batch / (time.perf_counter() - start))
    result = {
        "images_per_s": rates,
        "median_images_per_s": statistics.median(rates),
        "torch_version": torch.__version__,
        "threads": torch.get_num_threads(),
        "batch": args.batch,
        "steps": args.steps,
    }
    print("BENCH-RESULT " + json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
