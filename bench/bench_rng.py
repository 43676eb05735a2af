"""The cost of one noise draw, with and without XLA: why zoo names TF's Philox.

``keras.random.normal`` calls ``tf.random.stateless_normal`` with
``alg="auto_select"``. Off XLA that is Philox on CPU; under XLA on CPU a lone
draw lowers to a generator several times slower, which made one-generator-forward
GAN steps (one draw per step) slower than two-forward ones (two draws).
:func:`zoo.models.base.normal` draws the same numbers off XLA with the algorithm
named. This prints the median time of one draw inside a compiled function.

Example:
    TF_CPP_MIN_LOG_LEVEL=3 python -m bench.bench_rng --shape 128 100
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def draws(shape):
    """name -> a function that makes one draw of ``shape`` and stores it in a variable."""
    import keras
    import tensorflow as tf

    from zoo.models.base import normal

    out = tf.Variable(tf.zeros(shape))
    state = tf.Variable([1, 0], dtype="int64")

    def stateless(alg):
        def draw():
            state.assign_add([0, 1])
            out.assign(tf.random.stateless_normal(shape, tf.cast(state, "int32"), alg=alg))

        return draw

    keras_seeds, zoo_seeds = keras.random.SeedGenerator(0), keras.random.SeedGenerator(0)
    return {
        "keras.random.normal": lambda: out.assign(keras.random.normal(shape, seed=keras_seeds)),
        "zoo.models.base.normal": lambda: out.assign(normal(shape, zoo_seeds)),
        "stateless auto_select": stateless("auto_select"),
        "stateless philox": stateless("philox"),
        "stateless threefry": stateless("threefry"),
    }


def time_draw(fn, jit_compile, calls=300, rounds=5):
    """Median milliseconds per call of ``fn`` compiled as a ``tf.function``."""
    import tensorflow as tf

    compiled = tf.function(fn, jit_compile=jit_compile)
    try:
        for _ in range(10):
            compiled()
    except Exception as e:  # threefry has no CPU kernel off XLA
        return f"fails ({type(e).__name__})"
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            compiled()
        times.append((time.perf_counter() - start) / calls * 1e3)
    return f"{statistics.median(times):.3f}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shape", type=int, nargs="+", default=[128, 100])
    args = parser.parse_args(argv)
    shape = tuple(args.shape)
    print(f"# one N(0, 1) draw of shape {shape}, ms per call (median of 5 x 300 calls)\n")
    print("| draw | no XLA | XLA |\n|---|---|---|")
    for name, fn in draws(shape).items():
        print(f"| {name} | {time_draw(fn, False)} | {time_draw(fn, True)} |", flush=True)


if __name__ == "__main__":
    main()
