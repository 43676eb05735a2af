"""Two workers on this machine train one zoo model with MultiWorkerMirroredStrategy.

The parent process picks two free ports on 127.0.0.1 and starts itself twice
as workers, each with its own ``TF_CONFIG`` (the same cluster, its own task
index). Each worker builds the model under the strategy, trains a few steps on
its shard of MNIST (the global batch is split between the workers) and writes
its final weights; the parent checks that both workers hold the same weights
(gradients are all-reduced every step) and prints a summary. Only loopback
addresses are used.

Example:
    TF_CPP_MIN_LOG_LEVEL=3 python -m bench.multiworker_example --steps 5

One worker's ``TF_CONFIG`` looks like::

    {"cluster": {"worker": ["127.0.0.1:41001", "127.0.0.1:41002"]},
     "task": {"type": "worker", "index": 0}}
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
GLOBAL_BATCH = 64


def free_loopback_ports(n):
    """``n`` ports that are free on 127.0.0.1 now."""
    sockets = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        sockets.append(s)
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def worker(steps, out_path):
    """One worker: the strategy first (it reads TF_CONFIG), then the model and ``fit``."""
    import tensorflow as tf

    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    import keras
    import numpy as np

    import zoo
    from zoo import networks as nets

    x, _ = zoo.load_mnist_arrays("train", limit=GLOBAL_BATCH * steps)
    with strategy.scope():
        keras.utils.set_random_seed(0)
        model = zoo.GAN(
            nets.mlp(16, (28, 28, 1), hidden=(64,), output_activation="sigmoid", name="generator"),
            nets.mlp((28, 28, 1), 1, hidden=(64,), activation="leaky_relu", name="discriminator"),
            seed=1,
        )
        model.compile(
            d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3)
        )
    options = tf.data.Options()
    # Each worker reads every example and keeps its share of each global batch.
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    # Floats in [0, 1], not uint8: before training, Keras all-reduces one batch across the
    # workers to build the model, and collective ops take no uint8.
    dataset = (
        tf.data.Dataset.from_tensor_slices(x.astype("float32") / 255.0)
        .batch(GLOBAL_BATCH)
        .with_options(options)
    )
    history = model.fit(dataset, epochs=1, verbose=0)
    task = json.loads(os.environ["TF_CONFIG"])["task"]["index"]
    np.savez(out_path, *[np.asarray(w) for w in model.get_weights()])
    print(
        json.dumps(
            {
                "task": task,
                "replicas": strategy.num_replicas_in_sync,
                "steps": int(np.asarray(model.g_optimizer.iterations.numpy())),
                "logs": {k: float(v[-1]) for k, v in history.history.items()},
            }
        ),
        flush=True,
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=5, help="training steps (global batches)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per worker")
    parser.add_argument("--json", help="write the summary here too")
    parser.add_argument("--worker", metavar="OUT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.steps, args.worker)

    import numpy as np

    ports = free_loopback_ports(2)
    cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        outs = [os.path.join(tmp, f"worker{i}.npz") for i in range(2)]
        procs = []
        for i, out in enumerate(outs):
            tf_config = {"cluster": cluster, "task": {"type": "worker", "index": i}}
            env = {**os.environ, "TF_CONFIG": json.dumps(tf_config), "CUDA_VISIBLE_DEVICES": ""}
            procs.append(
                subprocess.Popen(
                    [sys.executable, os.path.abspath(__file__), "--steps", str(args.steps)]
                    + ["--worker", out],
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        reports = []
        for proc in procs:
            try:
                stdout, stderr = proc.communicate(timeout=args.timeout)
            except subprocess.TimeoutExpired:
                for p in procs:  # only the workers this script started
                    p.kill()
                raise
            if proc.returncode != 0:
                for p in procs:
                    p.kill()
                raise RuntimeError(f"worker failed:\n{stderr[-3000:]}")
            reports.append(json.loads(stdout.strip().splitlines()[-1]))
        weights = [np.load(out) for out in outs]
        diff = max(float(np.max(np.abs(weights[0][k] - weights[1][k]))) for k in weights[0].files)
    summary = {
        "cluster": cluster,
        "workers": len(reports),
        "replicas": reports[0]["replicas"],
        "steps": [r["steps"] for r in reports],
        "logs": [r["logs"] for r in reports],
        "weight_diff_between_workers": diff,
        "seconds": round(time.monotonic() - started, 1),
    }
    print(json.dumps(summary, indent=1))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
