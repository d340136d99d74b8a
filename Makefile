# dynastack's entry points: `make serve` runs it, `make test` checks everything (CI runs it).
#
# Idempotent: the virtualenv is (re)installed only when it is missing or the lock file or
# pyproject.toml is newer than its stamp; Java and the DynamoDB Local jar are checked on every
# run (a few hundred ms) and installed only when missing. Recipes run under `bash -euo
# pipefail`, and the checks in `test` stop at the first failure.
#
# Dependencies: pyproject.toml states ranges (what users of the library get); the project's
# own runs install the exact versions of requirements/lock.txt with --no-deps, then the project
# itself, and `pip check` proves the set consistent. `make lock` re-resolves the lock from the
# ranges and the dependency groups (PEP 735, which need pip >= 25.1: it is upgraded in a
# throw-away venv for that). Why a pip-made lock and not uv or pip-tools: pip is the one
# resolver every machine here has, and it resolves from the local wheel folders as well as
# the index, so a lock can be made and installed without anything else to fetch first.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
MAKEFLAGS += --no-builtin-rules
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.dynastack-setup.stamp
LOCK := requirements/lock.txt
#: what the lock covers: the extras and dependency groups the project's own runs use
LOCK_SET := -e '.[prometheus,fastapi,lambda]' --group dev --group bench

.PHONY: help setup serve test bench lock clean

help:
	@echo "make setup   virtualenv in $(VENV), Java 17+, the DynamoDB Local jar"
	@echo "make serve   DynamoDB Local on disk, the example tables and demo data (Ctrl-C stops)"
	@echo "make test    ruff, ruff format --check, mypy, lint-imports, pytest"
	@echo "make bench   the benchmarks (python -m bench)"
	@echo "make lock    re-resolve $(LOCK) from pyproject.toml's ranges and groups"
	@echo "make clean   stop DynamoDB Local, remove caches and .dynastack/"

$(STAMP): pyproject.toml $(LOCK)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check --quiet --no-deps -r $(LOCK)
	$(BIN)/python -m pip install --disable-pip-version-check --quiet --no-deps -e .
	$(BIN)/python -m pip check
	@touch $@

lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --disable-pip-version-check --quiet 'pip>=25.1'
	.lock-venv/bin/python -m pip install --disable-pip-version-check --quiet $(LOCK_SET)
	@mkdir -p $(dir $(LOCK))
	{ echo "# pip freeze of: pip install $(LOCK_SET)   (make lock; installed by make setup)"; \
	  .lock-venv/bin/python -m pip freeze --exclude-editable; } > $(LOCK)
	rm -rf .lock-venv

setup: $(STAMP)
	@scripts/ensure-java.sh
	@$(BIN)/dynastack local install

serve: setup
	scripts/serve.sh

test: setup
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src tests bench examples
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest

bench: setup
	$(BIN)/python -m bench

clean:
	@if [ -x $(BIN)/dynastack ]; then $(BIN)/dynastack local stop; fi
	rm -rf .dynastack .lock-venv .mypy_cache .ruff_cache .pytest_cache .hypothesis build dist
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
