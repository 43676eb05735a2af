"""How fast a preset draws: ``python -m zoo sample NAME -n 64 -o grid.png``, wall time, cold.

Issue 26's target: under 15 s on 2 cores from a clean clone with no network,
TensorFlow's import included. Each run is a fresh process (as a user's
command is); the table gives the median and the spread of ``--runs`` runs per
preset, run one after another. Time it alone: the CPU is the clock.

Usage:
    .venv/bin/python -m bench.preset_speed --names a001.dcgan a000.gan --runs 3
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

from bench.common import ROOT


def wall(name, out):
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "zoo", "sample", name, "-n", "64", "-o", out],
                   check=True, cwd=ROOT, capture_output=True)  # fmt: skip
    return time.perf_counter() - start


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--names", nargs="+", default=["a001.dcgan"])
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args(argv)
    print(f"load average at the start: {', '.join(f'{v:.1f}' for v in os.getloadavg())}")
    print("| preset | median s | min–max s |\n|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.names:
            times = [wall(name, os.path.join(tmp, "grid.png")) for _ in range(args.runs)]
            print(
                f"| {name} | {statistics.median(times):.1f} | {min(times):.1f}–{max(times):.1f} |"
            )


if __name__ == "__main__":
    main()
