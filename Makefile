# Two commands for a new user (README Quickstart):
#   make run   sets everything up and opens the app on the built-in sandbox
#   make test  sets everything up and runs the whole test suite (lint, types, tests)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint typecheck pytest sysdeps screenshots clean

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
	  echo "Python 3.11 or newer is needed; '$(PYTHON)' is $$($(PYTHON) --version 2>&1)."; \
	  echo "Point PYTHON at a newer one, e.g. make PYTHON=python3.12 test"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

sysdeps:
	@PYTHON=$(PYTHON) sh scripts/system-deps.sh

run: sysdeps $(BIN)/.installed
	$(BIN)/cpq-desktop --sandbox

test: sysdeps $(BIN)/.installed lint typecheck pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check cpq_desktop tests
	$(BIN)/ruff format --check cpq_desktop tests

typecheck: $(BIN)/.installed
	$(BIN)/mypy cpq_desktop

pytest: $(BIN)/.installed
	sh scripts/run-tests.sh $(BIN)/python

screenshots: $(BIN)/.installed
	QT_QPA_PLATFORM=offscreen $(BIN)/python tests/screenshots.py screenshots

clean:
	rm -rf $(VENV) screenshots
