# NIT-SYS developer commands. A newcomer needs two: `make run` and `make test`.
# Every step uses .venv/bin/... directly, so no virtualenv activation is needed.
# Set-up steps are incremental: stamp files make a repeated `make run` start in seconds.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app nitsys
PYTEST := $(BIN)/pytest
# xdist: one worker per CPU; each worker gets its own scratch database (tests/conftest.py).
PYTEST_WORKERS ?= auto
PYTEST_ARGS ?=
TEST_PG_URL ?= postgresql://postgres@127.0.0.1:5432/test

VENV_STAMP := $(VENV)/.requirements-installed
NODE_STAMP := node_modules/.package-lock-installed
VENDOR := static/vendor/htmx.min.js static/vendor/pico.min.css
VENDOR += static/vendor/swagger-ui/swagger-ui-bundle.js static/vendor/swagger-ui/swagger-ui.css
# English for the public pages: .po files are committed, .mo files are built here (never committed).
CATALOGS := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))

.DEFAULT_GOAL := help
.PHONY: help setup assets catalogs run test test-pg test-browser lint format bench loadtest clean

help:
	@echo "make run           install, migrate, seed demo data (SQLite), serve http://127.0.0.1:5000"
	@echo "make test          lint + the whole test suite on SQLite (browser tests included)"
	@echo "make test-pg       the whole test suite on PostgreSQL ($(TEST_PG_URL))"
	@echo "make test-browser  only the Playwright browser tests"
	@echo "make setup         .venv and static/vendor/ (only what changed)"
	@echo "make assets        htmx and Pico from npm into static/vendor/"
	@echo "make format        ruff: fix imports and formatting"
	@echo "make bench         performance figures on the demo meet"
	@echo "make loadtest      Locust load test on PostgreSQL (LOADTEST_ARGS=\"--profile stress\")"
	@echo "make clean         remove the virtualenv, node_modules, built assets and caches"

setup: $(VENV_STAMP) assets catalogs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV_STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

# htmx and Pico come from the npm registry (exact versions in package-lock.json), never a CDN.
assets: $(VENDOR)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

static/vendor/htmx.min.js: $(NODE_STAMP)
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js $@

static/vendor/pico.min.css: $(NODE_STAMP)
	mkdir -p static/vendor
	cp node_modules/@picocss/pico/css/pico.min.css $@

# The API reference page (/api/v1/docs) runs Swagger UI from our own files.
static/vendor/swagger-ui/%: $(NODE_STAMP)
	mkdir -p static/vendor/swagger-ui
	cp node_modules/swagger-ui-dist/$* $@
catalogs: $(CATALOGS)

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(VENV_STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

.env:
	cp .env.example .env

run: setup .env
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	$(FLASK) run --host 127.0.0.1 --port 5000

lint: $(VENV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Browser tests skip (with the reason) when /usr/bin/chromium is not installed.
test: setup lint
	$(PYTEST) -n $(PYTEST_WORKERS) $(PYTEST_ARGS) tests

test-pg: setup
	TEST_DATABASE_URL=$(TEST_PG_URL) $(PYTEST) -n $(PYTEST_WORKERS) $(PYTEST_ARGS) tests

test-browser: setup
	$(PYTEST) $(PYTEST_ARGS) tests/browser

bench: setup
	$(BIN)/python -m bench.run

# Locust against a local stack on PostgreSQL ($(TEST_PG_URL)); reports in bench/out/.
# LOADTEST_ARGS="--profile stress --instances 2" for the ceiling; see bench/loadtest.py.
loadtest: setup
	DATABASE_URL=$${DATABASE_URL:-$(TEST_PG_URL)} $(BIN)/python bench/loadtest.py $(LOADTEST_ARGS)

clean:
	rm -rf $(VENV) node_modules static/vendor .pytest_cache .ruff_cache test-results bench/out
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
