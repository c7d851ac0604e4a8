# Every target creates what it needs: a fresh clone runs `make test` (or `make run`) and nothing else.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
# e.g. BENCH_ARGS=--quick: a few rounds, to check that the benchmark runs
BENCH_ARGS ?=
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help venv venvs lint typecheck test pytest unit integration bench bench-webhook fault-matrix-doc error-table emulator-controls-doc clean

include mk/sam.mk
include mk/deploy.mk
include mk/local.mk
include mk/authorize.mk
include mk/sam-local.mk

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

# The tools' venvs get bytecode on first import, for the modules they use: pip would compile every module
# up front, half of each install's time on a fresh clone. (What is deployed is compiled by packaging/Makefile.)
PIP_NO_COMPILE := --no-compile

# The layers' pins too: the tests run the code with what the layers ship.
LAYER_REQUIREMENTS := layers/tiktok_shop/requirements.txt layers/powertools/requirements.txt

$(STAMP): pyproject.toml $(LAYER_REQUIREMENTS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(PIP_NO_COMPILE) ".[dev]" $(addprefix -r ,$(LAYER_REQUIREMENTS))
	@touch $@

venv: $(STAMP) ## Create .venv and install the pinned dependencies

lint: $(STAMP) ## ruff (lint and format check)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP) ## mypy, strict
	$(BIN)/mypy

# One after the other: pytest's timing-bound tests (deadlines, crash points) want the CPUs to themselves.
# The venvs come first, side by side: their installs mostly wait on downloads and disk.
test: venvs lint typecheck pytest validate static-iac build ## Everything CI checks: lint, types, tests, template, build

venvs: ## Create every venv the tests use (.venv, .venv-sam with checkov, .venv-runtime), in parallel
	@$(MAKE) --no-print-directory -j4 $(STAMP) $(SAM_STAMP) $(IAC_STAMP) $(RUNTIME_STAMP)

# -n auto: one pytest-xdist worker per CPU, each with its own moto server and emulators. The folders whose
# tests share the working copy's state (one local stack per session, its runtime venv and build, make run
# in the repo) run afterwards in one process, in their own order.
PYTEST := $(BIN)/pytest -n auto
SHARED_STATE_TESTS := tests/e2e tests/tooling

pytest: $(STAMP) ## Every test suite under tests/ (pytest, one worker per CPU), without lint, types or the template checks
	$(PYTEST) $(addprefix --ignore=,$(SHARED_STATE_TESTS))
	$(BIN)/pytest $(SHARED_STATE_TESTS)

unit: $(STAMP) ## Unit tests only
	$(PYTEST) tests/unit

integration: $(STAMP) ## Integration tests only
	$(PYTEST) tests/integration

fault-matrix-doc: $(STAMP) ## Regenerate docs/fault-matrix.md from the fault matrix's table
	PYTHONPATH=tests:local:layers/tiktok_shop $(BIN)/python tests/support/fault_matrix.py --write

error-table: $(STAMP) ## Regenerate README.md's error table from approval/errors.py
	PYTHONPATH=functions/approve_cancellation:layers/tiktok_shop $(BIN)/python scripts/error_table.py --write

emulator-controls-doc: $(STAMP) ## Regenerate docs/local-development.md's list of the emulator's controls
	PYTHONPATH=local $(BIN)/python scripts/emulator_controls_doc.py --write

# Measures what `make build` produced, in the runtime venv's Python (python3.13 where one exists).
bench: $(STAMP) $(RUNTIME_STAMP) build ## Cold start (ours and the public layer), warm, replay, X-Ray, SQS batch, each beside its floor; exit 2: a goal missed
	$(BIN)/python benchmarks/performance.py $(BENCH_ARGS)

# The webhook apart from make bench: another function, and a limit of its own (TikTok's 3 s) that its p99
# must meet, which takes a hundred cold starts to estimate.
bench-webhook: $(STAMP) $(RUNTIME_STAMP) build ## TikTokWebhookFunction's answer time (cold, warm: p50, p99) beside TikTok's 3 s, its cold start beside its floor; exit 2: a goal missed
	$(BIN)/python benchmarks/webhook_answer.py $(BENCH_ARGS)

clean: clean-sam clean-local clean-sam-local ## Remove the virtual environments, build output and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
