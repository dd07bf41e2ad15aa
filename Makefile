# The interface to the data platform. `make help` lists every target.
#
# Without Docker: `make run` sets up .venv and runs the pipeline, `make test` runs the checks.
# With Docker:    `make` builds the image and refreshes ./data (extract, load, transform), each
#                 step in a container that writes as the calling user.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules

# ---- settings (override on the command line: `make extract EXTRACT_ARGS='--scale 10'`) ------
PYTHON ?= python3
VENV ?= .venv
DOCKER ?= docker
IMAGE ?= jump-data-platform:latest
DATA ?= data
# Global options of `data-platform` (for example `--random-seed 7`), then each step's own.
DP_OPTS ?=
EXTRACT_ARGS ?=
LOAD_ARGS ?=
TRANSFORM_ARGS ?=
BENCH_ARGS ?=
# pytest's worker processes (pytest-xdist): one per core by default, 0 for pytest's own process.
TEST_WORKERS ?= auto
# dbt's threads in each fast test's transform: two workers on two cores, each dbt on two threads
# (15 s less CPU than dbt's four, docs/benchmarks.md). The slow suites run the default, 4.
TEST_DBT_THREADS ?= 2
SCHEDULE_ARGS ?=
# Extra options of `docker build` (CI uses them to pass its network settings).
BUILD_ARGS ?=

BIN := $(abspath $(VENV))/bin
UV_INSTALL = $(BIN)/uv pip install --quiet --python $(BIN)/python --compile-bytecode -c cli/constraints.txt
STAMP := $(VENV)/.installed
# Docker mounts need an absolute path.
DATA_DIR := $(abspath $(DATA))
LAKEHOUSE := $(DATA_DIR)/lakehouse/lakehouse.duckdb
# A terminal for the container only when make has one, so that CI (no stdin) works too.
TTY := $(shell [ -t 0 ] && [ -t 2 ] && echo --tty)
# The container runs as the caller so that the files it writes in ./data belong to them.
DOCKER_RUN = $(DOCKER) run --rm $(TTY) --user "$$(id -u):$$(id -g)" \
	--volume "$(DATA_DIR):/data" $(IMAGE) $(DP_OPTS)

.PHONY: help all venv venv-spark run test test-fast test-slow test-browser test-all lint lint-python lint-sql lint-docs cli-reference usage-examples bench bench-history bench-month build extract load transform refresh report schedule query clean

help: ## List every target with one line each, by where it runs.
	@grep -E '^([a-z][a-z-]*:.*## |##@ )' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; \
		/^##@ / {printf "\n%s\n", substr($$0, 5); next} {printf "  make %-14s %s\n", $$1, $$2}'

all: build refresh ## (default) Build the image, then extract, load and transform into ./data.

# ---- without Docker --------------------------------------------------------------------------
##@ On this machine (a virtual environment in .venv):

# Reinstall only when the pins change: the stamp is newer than both files otherwise.
# uv installs the same pins as pip, byte-compiled as pip does, in half the time
# (docs/benchmarks.md, fourteenth pass); pip installs uv itself, pinned.
$(STAMP): cli/pyproject.toml cli/constraints.txt
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c cli/constraints.txt uv
	$(UV_INSTALL) -e 'cli[dev]'
	@touch $@

venv: $(STAMP) ## Create .venv with the pinned dependencies (only when the pins changed).

venv-spark: $(STAMP) ## Add the Spark engine to .venv (pyspark, dbt-spark; Java: docs/engines.md).
	$(UV_INSTALL) -e 'cli[dev,spark]'

run: $(STAMP) ## Set up .venv if needed, then run extract, load and transform into ./data.
	$(BIN)/data-platform --data-folder "$(DATA_DIR)" $(DP_OPTS) \
		extract $(EXTRACT_ARGS) load $(LOAD_ARGS) transform $(TRANSFORM_ARGS)

lint: $(STAMP) ## Check the code: ruff (lint and format) and mypy, sqlfluff on the dbt SQL, the docs.
	@$(MAKE) $(SIDE_BY_SIDE) $(LINT_CHECKS)

# The checks are independent: `lint` and `test` run them side by side, each one's output
# printed whole when it ends (--output-sync).
LINT_CHECKS := lint-python lint-sql lint-docs
SIDE_BY_SIDE = --no-print-directory -f $(firstword $(MAKEFILE_LIST)) -j --output-sync=target
lint-python: $(STAMP) ## Check the Python code only: ruff (lint and format) and strict mypy.
	cd cli && $(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy
lint-sql: $(STAMP) ## Check the dbt SQL only: sqlfluff with the dbt templater.
	@# The dbt templater compiles the project; an in-memory database stands in for the lakehouse.
	cd dbt && DATA_PLATFORM_LAKEHOUSE=:memory: $(BIN)/sqlfluff lint --disable-progress-bar --processes 0 .
lint-docs: $(STAMP) ## Check the CLI reference only (docs/usage.md's examples: a fast test).
	$(BIN)/python -m jump.data_platform.cli.reference --check docs/cli.md

cli-reference: $(STAMP) ## Write docs/cli.md from the commands' --help (lint checks it).
	$(BIN)/python -m jump.data_platform.cli.reference docs/cli.md

usage-examples: $(STAMP) ## Write docs/usage.md's examples from real runs (a fast test checks them).
	cd cli && $(BIN)/python -m jump.data_platform.cli.usage_examples ../docs/usage.md

test: $(STAMP) ## Run the checks and every fast test side by side (pytest -m "not slow and not browser"; under 3 minutes).
	@$(MAKE) $(SIDE_BY_SIDE) $(LINT_CHECKS) test-fast

test-fast: $(STAMP) ## Run every fast test only, without the checks.
	cd cli && DATA_PLATFORM_DBT_THREADS=$(TEST_DBT_THREADS) \
		$(BIN)/pytest -m "not slow and not browser" -n $(TEST_WORKERS)

test-slow: $(STAMP) ## Run the slow end-to-end suites (kills, long histories, real processes).
	cd cli && $(BIN)/pytest -m slow -n $(TEST_WORKERS)

test-browser: $(STAMP) ## Run the report in a real browser (Debian's chromium; skipped without it).
	cd cli && $(BIN)/pytest -m browser -n $(TEST_WORKERS)

test-all: test test-slow test-browser ## Run the checks and every test (what CI runs).

bench: $(STAMP) ## Measure each step at growing scales, then issue 24's goals (BENCH_ARGS=--max-scale 10).
	cd cli && $(BIN)/python -m benchmarks.bench $(BENCH_ARGS)
	cd cli && $(BIN)/python -m benchmarks.storage_bench $(BENCH_ARGS)

bench-history: $(STAMP) ## Measure an hourly refresh against a full rebuild, and a year of backfill.
	cd cli && $(BIN)/python -m benchmarks.history_bench $(HISTORY_BENCH_ARGS)

bench-month: $(STAMP) ## Measure a month of scheduled refreshes at scale 100 (20 to 60 min).
	cd cli && $(BIN)/python -m benchmarks.month_bench $(MONTH_BENCH_ARGS)

# ---- with Docker -----------------------------------------------------------------------------
##@ In containers (the Docker image; `make` alone = build + refresh):

build: ## Build the Docker image (the CLI, the dbt project and a DuckDB shell).
	$(DOCKER) build $(BUILD_ARGS) --file docker/Dockerfile --tag $(IMAGE) .

# Created here, not by Docker: a folder Docker creates for a mount belongs to root.
$(DATA_DIR):
	mkdir -p "$@"

extract: | $(DATA_DIR) ## Generate the App and CRM sources into ./data/sources (in a container).
	$(DOCKER_RUN) extract $(EXTRACT_ARGS)

load: | $(DATA_DIR) ## Load the sources into the lakehouse ./data/lakehouse (in a container).
	$(DOCKER_RUN) load $(LOAD_ARGS)

transform: | $(DATA_DIR) ## Build and test the dbt layers in the lakehouse (in a container).
	$(DOCKER_RUN) transform $(TRANSFORM_ARGS)

refresh: | $(DATA_DIR) ## Extract, load and transform, in that order (one container).
	$(DOCKER_RUN) extract $(EXTRACT_ARGS) load $(LOAD_ARGS) transform $(TRANSFORM_ARGS)

# In the foreground: Ctrl-C (or `docker stop`, SIGTERM) stops it between two steps. As a
# service that restarts with the machine: `docker compose up -d scheduler` (compose.yaml).
schedule: | $(DATA_DIR) ## Refresh the App hourly and the CRM daily, in a container (SCHEDULE_ARGS=--once).
	$(DOCKER_RUN) schedule $(SCHEDULE_ARGS)

report: | $(DATA_DIR) ## Write the dashboard ./data/reports/index.html from the marts (in a container).
	$(DOCKER_RUN) report

query: ## Open an interactive DuckDB shell on the lakehouse (read-only, safe mode, in a container).
	@[ -f "$(LAKEHOUSE)" ] || { echo "Error: no lakehouse at $(LAKEHOUSE): run 'make' first" >&2; exit 1; }
	$(DOCKER) run --rm --interactive --tty --user "$$(id -u):$$(id -g)" \
		--volume "$(DATA_DIR):/data" $(IMAGE) $(DP_OPTS) query

clean: ## Remove ./data (the sources, the lakehouse, the logs and the docs).
	rm -rf "$(DATA_DIR)"
