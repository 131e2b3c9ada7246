# Eco'circulaire — the commands a newcomer can guess. Everything installs itself on first use.
SHELL := /bin/bash
PYTHON ?= python3
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
STAMP := $(VENV)/.synced

CHROMIUM ?= /usr/bin/chromium

.PHONY: install browser run test faults lint format bench eval demo config-doc clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==0.13.9

$(STAMP): $(UV) uv.lock pyproject.toml */pyproject.toml services/*/pyproject.toml
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --python $(PYTHON)
	touch $(STAMP)

install: $(STAMP) ## install the locked dependencies into .venv

# The browser tests drive Debian's chromium through Playwright (never a browser build downloaded by
# Playwright). Installed with apt-get when missing and run as root (CI); otherwise say how.
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
	    echo "The browser tests need chromium at $(CHROMIUM): sudo apt-get install chromium (skipped until then)."; \
	fi

browser: $(CHROMIUM) ## Debian's chromium for the browser tests (apt-get install chromium, as root)

run: $(STAMP) ## start the whole platform on embedded defaults (Ctrl-C stops it)
	exec $(VENV)/bin/python -m ecocirc_devstack

test: $(STAMP) browser ## the whole suite against real PostgreSQL, broker and SMTP (faults apart: make faults)
	ECOCIRC_CHROMIUM=$(CHROMIUM) $(VENV)/bin/python -m pytest -m "not faults" $(PYTEST_ARGS)

faults: $(STAMP) ## the platform under load, broken on purpose, then counted; bad input; access (~5 min)
	$(VENV)/bin/python -m pytest -m faults tests/faults $(PYTEST_ARGS)

lint: $(STAMP) ## ruff, mypy, and the configuration reference up to date
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/python -m ecocirc_shared.config_reference --check

eval: $(STAMP) ## matcher quality: MAESTRI halves recall@k and MRR; Gers demo, the French tuning sets and the independent set P/R
	$(VENV)/bin/python -m ecocirc_matcher.evaluation maestri
	$(VENV)/bin/python -m ecocirc_matcher.evaluation demo
	$(VENV)/bin/python -m ecocirc_matcher.evaluation demo \
	    --file services/matcher/ecocirc_matcher/evaluation/data/france_tuning/territory.json
	$(VENV)/bin/python -m ecocirc_matcher.evaluation demo \
	    --file services/matcher/ecocirc_matcher/evaluation/data/france_tuning_2/territory.json
	$(VENV)/bin/python -m ecocirc_matcher.evaluation demo \
	    --file services/matcher/ecocirc_matcher/evaluation/data/france_tuning_3/territory.json
	$(VENV)/bin/python -m ecocirc_matcher.evaluation demo \
	    --file services/matcher/ecocirc_matcher/evaluation/data/france_tuning_4/territory.json
	$(VENV)/bin/python -m ecocirc_matcher.evaluation demo \
	    --file services/matcher/ecocirc_matcher/evaluation/data/france_tuning_5/territory.json
	$(VENV)/bin/python -m ecocirc_matcher.evaluation demo \
	    --file services/matcher/ecocirc_matcher/evaluation/data/france_tuning_6/territory.json
	$(VENV)/bin/python -m ecocirc_matcher.evaluation demo \
	    --file services/matcher/ecocirc_matcher/evaluation/data/france_tuning_7/territory.json
	$(VENV)/bin/python -m ecocirc_matcher.evaluation demo \
	    --file services/matcher/ecocirc_matcher/evaluation/data/france_independent/territory.json

bench: $(STAMP) ## speed and cost figures, each next to a baseline run in the same command (~12 min)
	$(VENV)/bin/python -m bench.matcher_bench
	$(VENV)/bin/python -m bench.intake_bench
	$(VENV)/bin/python -m bench.notifier_bench
	$(VENV)/bin/python -m bench.summary

demo: $(STAMP) ## load the Gers demo territory, its advisor and their leads into the platform `make run` started
	$(VENV)/bin/python demo/load.py --api http://127.0.0.1:$${ECOCIRC_API_PORT:-8000} \
	    --token "$${ECOCIRC_ADMIN_TOKEN:-$$(cat var/admin_token)}" --state var/demo-gers.json \
	    --story demo/gers/story.json

config-doc: $(STAMP) ## regenerate docs/configuration.md from the Settings class
	$(VENV)/bin/python -m ecocirc_shared.config_reference

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean: ## remove the venv and tools (var/ keeps your data: remove it by hand)
	rm -rf $(VENV) $(TOOLS)
