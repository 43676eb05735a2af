"""Per-seed normal noise from Philox-4x32-10, written in plain TensorFlow integer ops.

:func:`seeded_normal` draws what ``tf.random.stateless_normal([dim],
seed=[s, 0], alg="philox")`` draws for each seed ``s``, but with ops that are
TensorFlow Lite builtins, so that an export's ``sample`` signature converts
to a ``.tflite`` without TF Select (Flex) ops. TensorFlow's stateless random
ops have no builtin TFLite kernel; TFLite's integer builtins (TF 2.21's
converter, checked op by op) are int64 ``ADD``/``MUL``/``FLOOR_MOD``/``CAST``
and uint32 ``BITWISE_XOR``/``RIGHT_SHIFT``, but no int64 ``FLOOR_DIV``,
``RIGHT_SHIFT``, ``BITWISE_XOR`` or any ``BITWISE_AND``. So words are 32-bit
values held in int64, products are taken on 16-bit limbs (every partial
product is below 2**32, so int64 never overflows), and XOR and shifts run on
uint32 casts. The integers are bit-exact with TensorFlow's; the floats differ
only by the rounding of ``LOG``/``SQRT``/``SIN``/``COS`` (about 1e-6).

The algorithm, as TensorFlow implements it:

* Philox-4x32-10: a 128-bit counter and a 64-bit key, ten rounds of two
  32x32 -> 64-bit multiplications, XORs and a Weyl key schedule (J. K. Salmon,
  M. A. Moraes, R. O. Dror and D. E. Shaw, "Parallel random numbers: as easy
  as 1, 2, 3", SC 2011; ``tensorflow/core/lib/random/philox_random.h``).
* The seed pair ``[s, 0]`` is scrambled into the key and counter by one Philox
  block under a fixed key (``_philox_scramble_seed`` in
  ``tensorflow/python/ops/random_ops_util.py``); output block ``g`` is Philox
  of counter ``[g, 0, mix2, mix3]`` under key ``[mix0, mix1]``.
* Each pair of words becomes two normals by Box-Muller on 23-bit uniforms
  (``Uint32ToFloat`` and ``BoxMullerFloat`` in
  ``tensorflow/core/lib/random/random_distributions.h``).
"""

import math

import numpy as np
import tensorflow as tf

_M4x32 = (0xD2511F53, 0xCD9E8D57)  # Round multipliers.
_W32 = (0x9E3779B9, 0xBB67AE85)  # Key schedule increments (golden ratio, sqrt(3) - 1).
_SCRAMBLE_KEY = (0x3EC8F720, 0x02461E29)  # TensorFlow's 0x02461E293EC8F720, as two words.
_ROUNDS = 10
_ALIGN = 64  # Floats per row of the Box-Muller step: a multiple of every SIMD width.


def _u32(x):
    return tf.cast(x, tf.uint32)


def _i64(x):
    return tf.cast(x, tf.int64)


def _lo16(x):
    return tf.math.floormod(x, 2**16)


def _hi16(x):
    """``x >> 16`` for int64 ``x`` in [0, 2**32), through uint32 (no int64 shift in TFLite)."""
    return _i64(tf.bitwise.right_shift(_u32(x), tf.constant(16, tf.uint32)))


def _xor(a, b):
    return tf.bitwise.bitwise_xor(a, b)


def _mulhilo(a, b):
    """The low and high words of ``a * b``, for a constant word ``a`` and words ``b`` (uint32).

    The schoolbook product on 16-bit limbs: ``a * b`` itself can reach 2**64,
    past int64, but no partial product or sum below reaches 2**34.
    """
    a0, a1 = a % 2**16, a >> 16
    b = _i64(b)
    b0, b1 = _lo16(b), _hi16(b)
    p00, p01, p10, p11 = a0 * b0, a0 * b1, a1 * b0, a1 * b1
    middle = _lo16(p01) + _lo16(p10) + _hi16(p00)  # Bits 16.. of the product; < 3 * 2**16.
    lo = _lo16(middle) * 2**16 + _lo16(p00)
    hi = p11 + _hi16(p01) + _hi16(p10) + _hi16(middle)
    return _u32(lo), _u32(hi)


def _philox(counter, key):
    """Philox-4x32-10 of four uint32 counter words under two key words (broadcasting).

    The key words are int64 (their schedule is added there, modulo 2**32);
    the result is four uint32 words.
    """
    c0, c1, c2, c3 = counter
    key = [tf.cast(k, tf.int64) for k in key]
    for r in range(_ROUNDS):
        k0, k1 = (_u32(tf.math.floormod(k + r * w, 2**32)) for k, w in zip(key, _W32, strict=True))
        lo0, hi0 = _mulhilo(_M4x32[0], c0)
        lo1, hi1 = _mulhilo(_M4x32[1], c2)
        c0, c1, c2, c3 = _xor(_xor(hi1, c1), k0), lo1, _xor(_xor(hi0, c3), k1), lo0
    return c0, c1, c2, c3


def _scaled_down(x, bits):
    """``x / 2**bits`` for an int64 multiple of 2**bits with at most 24 significant bits.

    Exact through float32 (a 24-bit significand): TFLite has no int64 division.
    """
    return _i64(tf.cast(x, tf.float32) * (2.0**-bits))


def _seed_words(seeds):
    """The two's-complement low and high words of int64 ``seeds``, as int64 in [0, 2**32)."""
    low = tf.math.floormod(seeds, 2**32)
    low48 = tf.math.floormod(seeds, 2**48)
    bits_32_47 = _scaled_down(low48 - low, 32)
    bits_48_63 = tf.math.floormod(_scaled_down(seeds - low48, 48), 2**16)  # Sign bit included.
    return low, bits_48_63 * 2**16 + bits_32_47


def philox_words(seeds, blocks):
    """The raw Philox words of each seed: ``4 * blocks`` uint32 per seed.

    Row ``i`` equals ``tf.random.stateless_uniform([4 * blocks], seed=[seeds[i], 0],
    minval=None, maxval=None, dtype=tf.uint32, alg="philox")`` bit for bit.

    Args:
        seeds: int64 seeds of shape ``(N,)``.
        blocks: Number of Philox blocks (four words each) per seed.

    Returns:
        A uint32 tensor of shape ``(N, 4 * blocks)``.
    """
    seeds = tf.cast(seeds, tf.int64)
    low, high = _seed_words(seeds)
    zero = tf.constant(0, tf.uint32)  # A scalar: broadcasting by arithmetic, as below.
    mix = _philox((_u32(low), _u32(high), zero, zero), _SCRAMBLE_KEY)
    # Broadcast (N, 1) seed words against (1, blocks) block counters by
    # arithmetic alone (TFLite's BROADCAST_TO is avoided, see signatures.py).
    block = tf.constant(np.arange(blocks, dtype=np.uint32)[None, :])  # No uint32 Range kernel.
    column = [w[:, None] for w in mix]
    counter = (block, tf.zeros_like(block), column[2], column[3])
    key = (_i64(column[0]), _i64(column[1]))
    # Two rounds mix every word with both operands: all four come out (N, blocks).
    words = _philox(counter, key)
    return tf.reshape(tf.stack(words, axis=-1), [tf.shape(seeds)[0], 4 * blocks])


def _unit_float(words):
    """TensorFlow's ``Uint32ToFloat``: the low 23 bits as a float in [0, 1), exactly."""
    return tf.cast(tf.math.floormod(_i64(words), 2**23), tf.float32) * (2.0**-23)


def seeded_normal(seeds, dim):
    """One standard-normal row of ``dim`` numbers per seed, each a function of its seed only.

    Row ``i`` is ``tf.random.stateless_normal([dim], seed=[seeds[i], 0],
    alg="philox")`` (the same Philox words; floats within about 1e-6), computed
    with TFLite builtin ops only (see the module docstring). The same seed
    gives the same row whatever else is in the batch, in every call and every
    process, in a SavedModel and in a ``.tflite``. This is what the ``sample``
    signature of an export draws, so a client that sends seeds needs to know
    neither the latent size nor its distribution. For seeds in
    [0, 2**31 - 2) the row is also ``zoo.models.base.normal((1, dim), seed)``,
    the noise of ``model.sample(1, seed=seed)``.

    Args:
        seeds: Integer seeds of shape ``(N,)``.
        dim: Numbers per row.

    Returns:
        A float32 tensor of shape ``(N, dim)``.

    Raises:
        ValueError: for seeds that are not a vector.
    """
    seeds = tf.cast(tf.convert_to_tensor(seeds), "int64")
    if seeds.shape.rank != 1:
        raise ValueError(f"Expected seeds of shape (N,); got {tuple(seeds.shape)}.")
    # Whole rows of _ALIGN floats per seed: TensorFlow's vectorised LOG/SIN/COS
    # (Eigen packets) round a batch's scalar tail differently, so a seed's row
    # would depend on its place in the batch unless every row starts and ends
    # on a packet boundary.
    blocks = -(-int(dim) // (2 * _ALIGN)) * (_ALIGN // 2)
    words = tf.reshape(philox_words(seeds, blocks), [tf.shape(seeds)[0], 2 * blocks, 2])
    # Box-Muller on each (radius word, angle word) pair, as BoxMullerFloat:
    # u1 is kept off 0 (log) by TensorFlow's epsilon, 1e-7.
    u1 = tf.maximum(_unit_float(words[..., 0]), 1e-7)
    angle = (2.0 * math.pi) * _unit_float(words[..., 1])
    radius = tf.sqrt(-2.0 * tf.math.log(u1))
    pairs = tf.stack([tf.sin(angle) * radius, tf.cos(angle) * radius], axis=-1)
    return tf.reshape(pairs, [tf.shape(seeds)[0], 4 * blocks])[:, :dim]
