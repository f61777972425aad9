# One target per habit; CI runs exactly `make test` (.ci/run).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: setup setup-system demo test lint bench lock clean

setup: setup-system $(STAMP)

# Debian packages (JDK for Spark, PostgreSQL, Chromium…): scripts/system-packages.txt
setup-system:
	@bash scripts/setup-system.sh

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@rm -f $(VENV)/.installed-* && touch $@

demo: setup
	$(VENV)/bin/trialkit demo

test: setup
	$(PY) -m pytest -q --durations=25

lint: setup
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy

bench: setup
	$(PY) bench/run.py

# Re-resolve the pins from pyproject.toml (needs the network; commit the result).
lock:
	rm -rf .lockvenv && $(PYTHON) -m venv .lockvenv
	.lockvenv/bin/pip install --quiet --disable-pip-version-check -e '.[dev,spark]'
	.lockvenv/bin/pip freeze --exclude-editable --exclude trialkit > requirements.lock
	rm -rf .lockvenv

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
