# The front door. Each target is a thin call into deploy/local/ or an npm script;
# `make help` lists them.
SHELL := /usr/bin/env bash
.DEFAULT_GOAL := help

.PHONY: help up down status test fuzz lint typecheck build bench logs observe observe-down clean

help: ## list the targets
	@awk 'BEGIN { FS = ":.*## " } /^[a-z][a-z-]*:.*## / { printf "  make %-10s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

up: ## run everything: PostgreSQL, Kafka, migrations, build, the three services
	@deploy/local/up.sh

down: ## stop the services, then PostgreSQL and Kafka (data is kept in .run/)
	@deploy/local/down.sh

status: ## state of each service and of PostgreSQL and Kafka
	@deploy/local/up.sh status

test: ## the whole test run: install, lint, build, infrastructure, unit + integration + e2e, fuzz
	@deploy/local/test.sh

fuzz: node_modules/.package-lock.json ## fuzz both HTTP APIs against their OpenAPI documents (schemathesis, bounded)
	npm run --silent build
	deploy/local/fuzz.sh

.PHONY: compose-test test-containers
compose-test: node_modules/.package-lock.json ## docker-compose.yml in a Docker engine of its own (local base images, no registry), e2e through its ports, then down
	@deploy/compose/compose-test.sh

test-containers: node_modules/.package-lock.json ## the integration suite on testcontainers (locally built images, no Ryuk) in that engine
	@deploy/compose/test-containers.sh

.PHONY: images
images: ## build the service images and the migration image (deploy/docker/Dockerfile) as IMAGE_REGISTRY/cpt-<name>:IMAGE_TAG (localhost, the short sha); IMAGE_PUSH=1 pushes
	@deploy/compose/images.sh

.PHONY: scale-test
scale-test: node_modules/.package-lock.json ## scale-out test, long form: 2 of each service on a 3-node Kafka cluster of its own, through broker and service crashes and a rolling restart
	npm run --silent build
	deploy/local/postgres.sh start
	npx tsx --conditions=source test/scale/scale.ts

lint: node_modules/.package-lock.json ## lint and format check (biome), dependency check (knip, dependency-cruiser), Kubernetes manifests (deploy/k8s/check.sh)
	npm run --silent lint
	deploy/k8s/check.sh

typecheck: node_modules/.package-lock.json ## build every package, type-check the tests (tsc -b tsconfig.json tsconfig.tests.json) and the benchmarks (tsc -p bench), bundle the dashboard
	npm run --silent typecheck

build: node_modules/.package-lock.json ## compile every package's src/ to <pkg>/dist, without tests (tsc -b), and bundle the dashboard
	npm run --silent build

bench: node_modules/.package-lock.json ## run the benchmarks (npm run bench; the dashboard stage's Chromium is installed when missing)
	CHROMIUM_PATH="$$(deploy/local/chromium.sh)" npm run bench

logs: ## follow the services' logs, through pino-pretty (make logs RAW=1: the JSON lines; Ctrl-C stops)
	@deploy/local/logs.sh

observe: ## Prometheus on 127.0.0.1:9090 scraping the services' /metrics, with the alert rules (installs it when missing)
	@deploy/local/observe.sh

observe-down: ## stop the Prometheus of make observe (its data stays in .run/prometheus)
	@deploy/local/observe.sh stop

clean: ## remove build outputs (dist/, .tsbuild/, *.tsbuildinfo); keeps node_modules and .run/ data
	rm -rf apps/*/dist apps/*/.tsbuild libs/*/dist services/*/dist test/dist bench/dist node_modules/.cache/tsc

# npm ci when node_modules is missing or older than package-lock.json.
node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund
