# Eco'circulaire — the commands a newcomer can guess. Everything installs itself on first use.
SHELL := /bin/bash
PYTHON ?= python3
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
STAMP := $(VENV)/.synced

.PHONY: install run test lint format bench eval demo clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==0.13.9

$(STAMP): $(UV) uv.lock pyproject.toml */pyproject.toml services/*/pyproject.toml
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --python $(PYTHON)
	touch $(STAMP)

install: $(STAMP) ## install the locked dependencies into .venv

run: $(STAMP) ## start the whole platform on embedded defaults (Ctrl-C stops it)
	exec $(VENV)/bin/python -m ecocirc_devstack

test: $(STAMP) ## the whole suite against real PostgreSQL, broker and SMTP
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP) ## ruff and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean: ## remove the venv and tools (var/ keeps your data: remove it by hand)
	rm -rf $(VENV) $(TOOLS)
