# Two commands do all on a fresh Debian 12 machine: `make run` and `make test` (README.md).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
# The steps of `make test` and `make run` depend on each other in the order written.
.NOTPARALLEL:

VENV := .venv
PYTHON := $(VENV)/bin/python
RUFF := $(VENV)/bin/ruff

# `make test` runs against real PostgreSQL/PostGIS and Redis; both can be overridden.
TEST_DATABASE_URL := $(or $(DATABASE_URL),postgis://postgres@127.0.0.1:5432/grid_platform)
TEST_REDIS_URL := $(or $(REDIS_URL),redis://127.0.0.1:6379/15)
TEST_ENV := DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) DEBUG=true
# CI starts from a fresh clone: apply the migrations to a new test database every time.
PYTEST_ARGS ?= $(if $(filter true 1,$(CI)),--create-db -p no:cacheprovider,)
# The suite runs on PYTEST_WORKERS processes (pytest-xdist, a file to a worker: module
# fixtures such as a browser stay in one process); each worker has its own test database
# and Redis database (tests/environment.py). PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= 2
XDIST := $(if $(filter 0,$(PYTEST_WORKERS)),-p no:xdist,-n $(PYTEST_WORKERS) --dist loadfile)

.PHONY: help run test test-clock reliability build lint format migrate bench bench-county load clean distclean \
	system-packages-run system-packages-test venv-run venv-test services messages check-migrations

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

run: system-packages-run venv-run ## install what is missing, migrate, seed the demo town, serve on :8000
	scripts/run-dev.sh

# The second pass of `make test`: every Python process's wall clock moved to a day outside
# the working calendar's data and inside a holiday period (tests/clock/sitecustomize.py).
TEST_CLOCK_AT ?= 2027-10-04T09:00:00+08:00
CLOCK_ENV := PYTHONPATH=tests/clock TEST_CLOCK_AT=$(TEST_CLOCK_AT)

# The first pass includes the races and crashes of tests/reliability, RELIABILITY_ROUNDS
# rounds each; the second leaves them out with the browser tests.
RELIABILITY_ROUNDS ?= 20
test: system-packages-test venv-test services lint check-migrations messages ## the whole suite on PostGIS + Redis, then again with the clock moved
	rm -rf var/test-results
	$(TEST_ENV) RELIABILITY_ROUNDS=$(RELIABILITY_ROUNDS) $(VENV)/bin/pytest $(XDIST) $(PYTEST_ARGS)
	@echo "test: second pass with the clock at $(TEST_CLOCK_AT) (browser and reliability tests left out)"
	$(TEST_ENV) $(CLOCK_ENV) $(VENV)/bin/pytest $(XDIST) $(PYTEST_ARGS) -m "not browser and not reliability"

# Only the races and crashes of tests/reliability (make test runs them too).
reliability: venv-test services messages ## only the reliability tests (real processes, kill -9, broker outage), 20 rounds each
	$(TEST_ENV) RELIABILITY_ROUNDS=$(RELIABILITY_ROUNDS) $(VENV)/bin/pytest $(PYTEST_ARGS) tests/reliability

test-clock: venv-test services messages ## only the second pass: the suite with the clock at TEST_CLOCK_AT
	$(TEST_ENV) $(CLOCK_ENV) $(VENV)/bin/pytest $(XDIST) $(PYTEST_ARGS) -m "not browser and not reliability"

build: venv-run ## the production image's build steps (scripts/build.sh), DEBUG off
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" scripts/build.sh

lint: venv-test ## ruff, the import contracts (lint-imports) and the types (mypy)
	$(RUFF) check .
	$(RUFF) format --check .
	$(VENV)/bin/lint-imports
	$(TEST_ENV) $(VENV)/bin/mypy

format: venv-test ## ruff format and ruff check --fix
	$(RUFF) format .
	$(RUFF) check --fix .

migrate: venv-run ## apply migrations to the local database (DATABASE_URL, default var/db.sqlite3)
	. scripts/dev-env.sh && DATABASE_URL="$${DATABASE_URL:-}" scripts/ensure-services.sh \
		&& $(PYTHON) manage.py migrate

# The load test (bench/load.py and its bench/locustfile.py) runs alone, by `make load`, and
# the county at a year's scale (bench/county.py, its settings and URLs) by `make bench-county`.
bench: venv-test services ## run the benchmarks in bench/ (kept out of make test)
	@shopt -s nullglob; scripts=(bench/*.py); \
	if (( $${#scripts[@]} == 0 )); then echo "bench: no benchmarks in bench/ yet"; exit 0; fi; \
	for script in "$${scripts[@]}"; do \
		case "$$script" in bench/load.py|bench/locustfile.py|bench/county*.py) continue;; esac; \
		echo "bench: $$script"; $(TEST_ENV) PYTHONPATH=. $(PYTHON) "$$script"; \
	done

# COUNTY_ARGS passes options, e.g. make bench-county COUNTY_ARGS="--reuse" (keep the built database).
COUNTY_ARGS ?=
bench-county: venv-test services ## the county at scale: 1,000,000 cases, the cockpit, queue, Open311 and locate_grid (bench/README.md)
	PYTHONPATH=. $(PYTHON) bench/county.py $(COUNTY_ARGS)

# LOAD_ARGS passes options, e.g. make load LOAD_ARGS="--users 20 --run-time 30s".
LOAD_ARGS ?=
load: venv-test services ## the Locust load test: 200 members and 20 officials for 5 min on gunicorn (bench/README.md)
	$(PYTHON) bench/load.py $(LOAD_ARGS)

clean: ## remove caches, collected static files and compiled catalogues (keeps .venv and the database)
	rm -rf .pytest_cache .ruff_cache .mypy_cache .import_linter_cache var/static var/broker
	find . -path ./$(VENV) -prune -o \( -name __pycache__ -o -name '*.mo' \) -print0 \
		| xargs -0 rm -rf

distclean: clean ## also remove .venv and var/ (the embedded database and its keys)
	rm -rf $(VENV) var

# --- steps ---------------------------------------------------------------------------------
system-packages-run:
	scripts/ensure-system-packages.sh run

system-packages-test:
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) scripts/ensure-system-packages.sh test

venv-run:
	scripts/ensure-venv.sh run

venv-test:
	scripts/ensure-venv.sh test

services:
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) scripts/ensure-services.sh

check-migrations: venv-test
	$(TEST_ENV) $(PYTHON) manage.py makemigrations --check --dry-run

# The zh_Hans catalogue comes later; until a *.po exists there is nothing to compile.
messages: venv-test
	@if find . -path ./$(VENV) -prune -o -path ./var -prune -o -name '*.po' -print | grep -q .; then \
		$(VENV)/bin/django-admin compilemessages --ignore $(VENV) --ignore var --ignore bench; \
	else \
		echo "messages: no translation catalogues (*.po) yet; nothing to compile"; \
	fi
