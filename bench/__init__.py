"""zoo's benchmarks and measurements, run from the checkout's root as ``python -m bench.NAME``.

Each module is one command (``python -m bench.sweep a000.gan --epochs 30``);
:mod:`bench.common` holds what they share. ``make bench``, ``make bench-gan`` and
``make gpu-check`` run the long ones. The results table (``make results``) is no
benchmark: it is :mod:`zoo.results`.
"""
