# The template's own tasks. Each target bootstraps .venv from requirements.txt first.
.DEFAULT_GOAL := help
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
DEMO := build/demo
PYTEST_ARGS ?=

.PHONY: help test lint fmt demo bake clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  \033[36m%-6s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

test: $(VENV)/.installed ## Run the whole template test suite (bakes projects, runs their tests)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed ## ruff on the template's own code
	$(VENV)/bin/ruff check hooks tests bench
	$(VENV)/bin/ruff format --check hooks tests bench

fmt: $(VENV)/.installed ## Format the template's own code
	$(VENV)/bin/ruff check --fix hooks tests bench
	$(VENV)/bin/ruff format hooks tests bench

bake: $(VENV)/.installed ## Bake the default project into build/dev (for working on the template)
	rm -rf build/dev
	$(VENV)/bin/cookiecutter --no-input --output-dir build/dev . project=dev_api
	@echo "baked build/dev/dev_api"

demo: $(VENV)/.installed ## Bake build/demo, migrate, seed and serve it on http://127.0.0.1:8000/docs
	$(PY) -m tests.demo $(DEMO)

clean: ## Remove .venv, build/ and caches
	rm -rf $(VENV) build .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
