# dynastack's entry points: `make serve` runs it, `make test` checks everything (CI runs it).
#
# Idempotent: the virtualenv is (re)installed only when it is missing or pyproject.toml is newer
# than its stamp; Java and the DynamoDB Local jar are checked on every run (a few hundred ms)
# and installed only when missing. Recipes run under `bash -euo pipefail`, and the checks in
# `test` stop at the first failure.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
MAKEFLAGS += --no-builtin-rules
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.dynastack-setup.stamp

.PHONY: help setup serve test bench clean

help:
	@echo "make setup   virtualenv in $(VENV), Java 17+, the DynamoDB Local jar"
	@echo "make serve   DynamoDB Local on disk, the example tables and demo data (Ctrl-C stops)"
	@echo "make test    ruff, ruff format --check, mypy, lint-imports, pytest"
	@echo "make bench   the benchmarks (python -m bench)"
	@echo "make clean   stop DynamoDB Local, remove caches and .dynastack/"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check --quiet -e '.[dev]'
	@touch $@

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
	rm -rf .dynastack .mypy_cache .ruff_cache .pytest_cache .hypothesis build dist
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
