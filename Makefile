# Two commands do all set-up: `make train` and `make test`. Each creates .venv when missing.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# The full MNIST, when a Keras-layout mnist.npz sits beside the checkout (CI, dev machines).
MNIST_NPZ ?= $(firstword $(wildcard ../shared/data/mnist.npz))
ifneq ($(MNIST_NPZ),)
export ZOO_MNIST_PATH ?= $(abspath $(MNIST_NPZ))
endif
export TF_CPP_MIN_LOG_LEVEL ?= 2
DEFAULT_RECIPE ?= a004.beta_vae
EPOCHS ?=

.PHONY: venv train test test-slow lint format notebooks bench results clean

$(VENV)/.installed: setup.cfg pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

venv: $(VENV)/.installed

train: venv
	$(PY) -m zoo train $(DEFAULT_RECIPE) --out runs/$(DEFAULT_RECIPE) $(if $(EPOCHS),--epochs $(EPOCHS))

test: venv
	$(PY) -m pytest

test-slow: venv
	$(PY) -m pytest -m slow

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check zoo tests bench

format: venv
	$(PY) -m ruff format zoo tests bench
	$(PY) -m ruff check --fix .

clean:
	rm -rf runs build dist *.egg-info .pytest_cache .ruff_cache
