# Helpdesk — every target does its own (idempotent) setup, so `make test` on a fresh machine just works.
.DEFAULT_GOAL := help
SHELL := /bin/bash

UV_VERSION := 0.13.9
UV := .tools/bin/uv
KUSTOMIZE_VERSION := v5.7.1
KUSTOMIZE := .cache/bin/kustomize
PY := .venv/bin/python
export HELPDESK_ROOT := $(CURDIR)
PYTEST_ARGS ?=
QUICK ?= 0

.PHONY: help setup infra topics run stop test chaos test-unit bench profile lint fmt clean

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*?## "}{printf "  make %-10s %s\n", $$1, $$2}'

$(UV):
	python3 -m venv .tools
	.tools/bin/pip install -q "uv==$(UV_VERSION)"

.venv/.synced: $(UV) pyproject.toml uv.lock $(wildcard libs/*/pyproject.toml services/*/pyproject.toml)
	$(UV) sync --frozen --all-packages --python python3
	@touch $@

$(KUSTOMIZE):
	GOBIN=$(CURDIR)/.cache/bin go install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)

# The operators' schemas (Strimzi, CloudNativePG, KEDA, prometheus-operator) that tests/deploy validates against.
K8S_SCHEMAS := deploy/k8s/schemas
$(K8S_SCHEMAS)/node_modules/.installed: $(K8S_SCHEMAS)/package.json $(K8S_SCHEMAS)/package-lock.json
	npm ci --prefix $(K8S_SCHEMAS) --no-audit --no-fund --loglevel=error
	@touch $@

setup: .venv/.synced $(KUSTOMIZE) $(K8S_SCHEMAS)/node_modules/.installed ## install Python packages (uv, one lock file), the Kafka jars, kustomize, the CRD schemas
	@deploy/local/kafka.sh install

infra: setup ## start PostgreSQL and Kafka (localhost:5432, localhost:9092) and create the topics
	@deploy/local/postgres.sh ensure
	@deploy/local/kafka.sh start
	@.venv/bin/helpdesk topics create >/dev/null

topics: setup ## create the topics (idempotent)
	.venv/bin/helpdesk topics create

run: infra ## the whole system with the sample configuration and demo traffic (DEMO=0 to skip the demo)
	.venv/bin/helpdesk run

stop: ## stop the services, Kafka, and PostgreSQL if `make run` started it
	@if [ -f .local/run/supervisor.pid ]; then kill -TERM $$(cat .local/run/supervisor.pid) 2>/dev/null || true; \
	  for i in $$(seq 1 40); do [ -f .local/run/supervisor.pid ] || break; sleep 0.5; done; fi
	@deploy/local/kafka.sh stop
	@deploy/local/postgres.sh stop

test: setup ## the whole test suite against a real Kafka (started on :19092) and PostgreSQL
	@deploy/local/postgres.sh ensure
	@deploy/local/browser.sh
	$(PY) -m pytest -q -m "not chaos" $(PYTEST_ARGS)

chaos: setup ## the chaos suite: kills, broker and database restarts, rebalances, poison; checks invariants
	@deploy/local/postgres.sh ensure
	$(PY) -m pytest -q -s -m chaos tests/chaos $(PYTEST_ARGS)

test-unit: .venv/.synced ## only the fast unit tests
	$(PY) -m pytest -q -m unit $(PYTEST_ARGS)

bench: infra ## throughput, latency, timers, rebuild, memory vs a bare-Kafka baseline (QUICK=1: reduced)
	QUICK=$(QUICK) $(PY) bench/bench.py

profile: infra ## the throughput scenario under py-spy: where each service spends its CPU (docs/performance.md)
	$(PY) bench/profile.py

lint: .venv/.synced ## ruff and mypy --strict
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy libs/events/src libs/runtime/src libs/cli/src libs/testing/src services/*/src

fmt: .venv/.synced ## format and auto-fix
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

clean: ## remove local state (Kafka data, logs); keeps caches
	rm -rf .local
