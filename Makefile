# Two commands do all set-up: `make train` and `make test`. Each creates .venv when missing.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# The full MNIST, when a Keras-layout mnist.npz sits beside the checkout (CI, dev machines).
MNIST_NPZ ?= $(firstword $(wildcard ../shared/data/mnist.npz))
ifneq ($(MNIST_NPZ),)
export ZOO_MNIST_PATH ?= $(abspath $(MNIST_NPZ))
endif
# Fashion-MNIST likewise (make results, make presets, the tests that train on it).
FASHION_MNIST_NPZ ?= $(firstword $(wildcard ../shared/data/fashion_mnist.npz))
ifneq ($(FASHION_MNIST_NPZ),)
export ZOO_FASHION_MNIST_PATH ?= $(abspath $(FASHION_MNIST_NPZ))
endif
export TF_CPP_MIN_LOG_LEVEL ?= 2
# The default model of `make train`: article 000's dense GAN, recognisable digits in a few minutes.
DEFAULT_RECIPE ?= a000.gan
EPOCHS ?= 30

.PHONY: venv train test test-slow wheel lint format notebooks bench bench-gan gpu-check results presets clean

$(VENV)/.installed: setup.cfg pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# zoo was distributed as `zoo` before `keras-gen-zoo`: an old editable install would linger.
	$(PY) -m pip uninstall -q -y zoo 2>/dev/null || true
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

venv: $(VENV)/.installed

train: venv
	$(PY) -m zoo train $(DEFAULT_RECIPE) --out runs/$(DEFAULT_RECIPE) --fresh $(if $(EPOCHS),--epochs $(EPOCHS))

# One worker per core; a file's tests stay on one worker, so its module fixtures run once.
test: venv
	$(PY) -m pytest -n auto --dist loadfile

test-slow: venv
	$(PY) -m pytest -m slow

# dist/keras_gen_zoo-VERSION-py3-none-any.whl: the package with its recipes and presets, built
# offline with the venv's setuptools (tests/test_wheel.py installs one in a fresh venv). build/ goes
# first: setuptools leaves files there that the checkout no longer has, and would ship them.
wheel: venv
	rm -rf build
	$(PY) -m build --wheel --no-isolation --outdir dist .

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check zoo tests bench

results: venv
	$(PY) -m zoo.results

# The shipped presets (zoo/presets/<data set>/, MNIST and Fashion-MNIST): each recipe's run of
# `make results`, scored in float32 and float16, stored in float16; docs/presets.md holds the
# tables. A preset is remade only when its recipe's config or its run changed.
presets: venv
	$(PY) -m bench.presets --noise

format: venv
	$(PY) -m ruff format zoo tests bench
	$(PY) -m ruff check --fix .

# The article notebooks (notebooks/NNN_*.py): executed in full mode on the full MNIST, their
# outputs written into notebooks/NNN_*.ipynb (about 2 h on 2 CPU cores). ZOO_PRETRAINED=1
# runs them in preset mode instead (the shipped presets, no training; the five in about
# 3 minutes), NOTEBOOK_QUICK=1 in quick mode (512 images, 1 epoch): both write to
# notebooks/_out/<mode>/ and leave the .ipynb files alone.
NOTEBOOK_QUICK ?=
ZOO_PRETRAINED ?=
notebooks: venv
	$(PY) notebooks/run.py $(if $(filter 1,$(NOTEBOOK_QUICK)),--quick) \
		$(if $(filter 1,$(ZOO_PRETRAINED)),--pretrained)

# GAN fit vs the fastest known loop, keras-io's step, the TF tutorial's and PyTorch's
# (bench-gan, ~12 min), then fit vs a hand-written loop, XLA, steps_per_execution, input
# pipeline, peak memory for every recipe (~15 min); docs/benchmarks.md. On 2 idle cores.
# The PyTorch peer runs when the venv has torch (`pip install -e ".[torch]"`), or with
# TORCH_PYTHON=path/to/a/python/with/torch.
TORCH_PYTHON ?=
bench: bench-gan
	TF_CPP_MIN_LOG_LEVEL=3 $(PY) -m bench.bench_fit --runs 3 --target 0.5

bench-gan: venv
	TF_CPP_MIN_LOG_LEVEL=3 $(PY) -m bench.bench_rng
	TF_CPP_MIN_LOG_LEVEL=3 $(PY) -m bench.bench_gan --runs 5 --target 0.5 \
		$(if $(TORCH_PYTHON),--torch-python $(TORCH_PYTHON))

# On a CUDA machine: fit img/s (mixed f16/bf16, XLA off/on), peak GPU memory and one DCGAN
# epoch's losses (bench/gpu_check.py), under 8 min on an H200. Not part of `make test`; no
# venv prerequisite, since the device has no network to install from.
gpu-check:
	TF_CPP_MIN_LOG_LEVEL=3 $(PY) -m bench.gpu_check --json gpu.json

clean:
	rm -rf runs build dist *.egg-info .pytest_cache .ruff_cache
