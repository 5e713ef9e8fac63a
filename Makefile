# tncam — the one entry point. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.ONESHELL:
.SHELLFLAGS := -eu -o pipefail -c

UV_VERSION := 0.13.9
TOOLS      := .cache/tools
UV         := $(TOOLS)/bin/uv
VENV       := .venv
PY         := $(VENV)/bin/python
STAMPS     := .cache/stamps
PYTEST     := $(PY) -m pytest
SRC_PKGS   := -p tncam_cli -p tncam_contracts -p tncam_mesh -p tncam_testkit -p tncam_ingest \
              -p tncam_recorder -p tncam_registry -p tncam_gateway -p tncam_audit -p tncam_live
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never

help: ## list the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | sort | \
	  awk 'BEGIN {FS = ":.*## "} {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}'

# ---------------------------------------------------------------- set-up
$(UV):
	@echo "==> installing uv $(UV_VERSION) into $(TOOLS)"
	$$(command -v python3.11 || command -v python3) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install -q "uv==$(UV_VERSION)"

$(STAMPS)/system: scripts/install-system.sh
	@mkdir -p $(STAMPS)
	scripts/install-system.sh
	touch $@

$(STAMPS)/venv: $(UV) $(STAMPS)/system uv.lock pyproject.toml $(wildcard libs/*/pyproject.toml services/*/pyproject.toml)
	@echo "==> syncing the virtual environment ($(VENV)) from uv.lock"
	$(UV) sync --all-packages --frozen --python python3.11
	touch $@

# Built once per machine; a failed build is reported and SeaweedFS is used (`make minio` retries).
$(STAMPS)/minio: scripts/build-minio.sh
	@mkdir -p $(STAMPS)
	scripts/build-minio.sh --optional
	touch $@

# Helm, for `helm lint` / `helm template` of the chart in `make test`, built with the chart's
# Kubernetes version as its default (helm's own default, 1.20, is below the chart's kubeVersion):
# `helm template helm/tncam` works without --kube-version.
HELM_VERSION := v3.22.0
HELM_KUBE_MINOR := 30
HELM := .cache/bin/helm
HELM_LDFLAGS := -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 \
                -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$(HELM_KUBE_MINOR)
$(STAMPS)/helm-$(HELM_VERSION)-k8s1.$(HELM_KUBE_MINOR):
	@mkdir -p $(STAMPS) .cache/bin
	@command -v go >/dev/null || { echo "error: Go is needed to build helm (go install)"; exit 1; }
	@echo "==> building helm $(HELM_VERSION) (Kubernetes 1.$(HELM_KUBE_MINOR)) with go install (once per machine)"
	GOBIN=$(abspath .cache/bin) CGO_ENABLED=0 GOFLAGS=-mod=mod go install -ldflags "$(HELM_LDFLAGS)" helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)
	touch $@

# The chart's checks in `make test` (tests/deploy/test_chart.py): kubeconform validates the rendered
# manifests offline against the Kubernetes JSON schemas that the kubernetes-validate wheel ships
# (in the venv; no schema download), kube-score reports no CRITICAL.
KUBECONFORM_VERSION := v0.8.0
KUBE_SCORE_VERSION := v1.20.0
$(STAMPS)/kubetools-$(KUBECONFORM_VERSION)-$(KUBE_SCORE_VERSION):
	@mkdir -p $(STAMPS) .cache/bin
	@command -v go >/dev/null || { echo "error: Go is needed to build kubeconform and kube-score"; exit 1; }
	@echo "==> building kubeconform $(KUBECONFORM_VERSION) and kube-score $(KUBE_SCORE_VERSION) (once per machine)"
	GOBIN=$(abspath .cache/bin) CGO_ENABLED=0 GOFLAGS=-mod=mod go install github.com/yannh/kubeconform/cmd/kubeconform@$(KUBECONFORM_VERSION)
	GOBIN=$(abspath .cache/bin) CGO_ENABLED=0 GOFLAGS=-mod=mod go install github.com/zegl/kube-score/cmd/kube-score@$(KUBE_SCORE_VERSION)
	touch $@

# The Go cross-check of the audit log (services/audit/tests/gocheck): golang.org/x/mod's tlog and
# note, the reference code of transparency logs, built once; used by test_go_crosscheck.py.
AUDITCHECK := services/audit/tests/gocheck
$(STAMPS)/auditcheck: $(AUDITCHECK)/main.go $(AUDITCHECK)/go.mod $(AUDITCHECK)/go.sum
	@mkdir -p $(STAMPS) .cache/bin
	@command -v go >/dev/null || { echo "error: Go is needed to build the audit cross-check"; exit 1; }
	@echo "==> building the audit log's Go cross-check (golang.org/x/mod/sumdb)"
	(cd $(AUDITCHECK) && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -o $(abspath .cache/bin)/tncam-auditcheck .)
	touch $@

# The generator and compiler of the gateway's TypeScript client check (pinned in its
# package-lock.json), installed once into a git-ignored node_modules; offline afterwards.
TS_CLIENT := services/gateway/clients/ts
$(STAMPS)/npm: $(TS_CLIENT)/package-lock.json
	@mkdir -p $(STAMPS)
	@command -v npm >/dev/null || { echo "error: Node.js >= 20.19 with npm is needed (the TypeScript client check)"; exit 1; }
	@echo "==> installing the TypeScript client tools (npm ci in $(TS_CLIENT))"
	npm ci --prefix $(TS_CLIENT) --no-audit --no-fund --prefer-offline --loglevel=error
	touch $@

# The operator console (services/console): its tools and libraries from its package-lock.json
# (npm ci, offline once the cache is warm), then the esbuild bundle the gateway serves under
# /console/ (a build output in the gateway package, git-ignored), rebuilt when a source changes.
CONSOLE := services/console
CONSOLE_OUT := services/gateway/src/tncam_gateway/console_dist
$(STAMPS)/console-npm: $(CONSOLE)/package-lock.json
	@mkdir -p $(STAMPS)
	@command -v npm >/dev/null || { echo "error: Node.js >= 20.19 with npm is needed (the console)"; exit 1; }
	@echo "==> installing the console's packages (npm ci in $(CONSOLE))"
	npm ci --prefix $(CONSOLE) --no-audit --no-fund --prefer-offline --loglevel=error
	touch $@

$(CONSOLE_OUT)/app.js: $(STAMPS)/console-npm $(shell find $(CONSOLE)/src $(CONSOLE)/static -type f 2>/dev/null) $(CONSOLE)/build.mjs
	node $(CONSOLE)/build.mjs --out $(CONSOLE_OUT)

console: $(CONSOLE_OUT)/app.js ## build the operator console (served by the gateway under /console/)

minio: ## (re)build the MinIO server from its pinned commit into .cache/bin
	scripts/build-minio.sh

setup: $(STAMPS)/venv $(STAMPS)/minio $(STAMPS)/helm-$(HELM_VERSION)-k8s1.$(HELM_KUBE_MINOR) $(STAMPS)/kubetools-$(KUBECONFORM_VERSION)-$(KUBE_SCORE_VERSION) $(STAMPS)/auditcheck $(STAMPS)/npm console ## create the venv, install system packages, build MinIO, Helm, kubeconform, kube-score, the audit Go cross-check, npm ci the client tools, build the console
	@echo "==> set-up complete"

lock: $(UV) ## re-resolve dependencies into uv.lock
	$(UV) lock

# ---------------------------------------------------------------- contracts
proto: $(STAMPS)/venv ## regenerate Python code from proto/
	$(PY) scripts/gen_proto.py

proto-check: $(STAMPS)/venv $(STAMPS)/console-npm ## fail if generated code (protobuf, OpenAPI, the console's API client) is stale
	$(PY) scripts/gen_proto.py --check
	$(PY) -m tncam_gateway.openapi --check
	$(PY) scripts/check_console_client.py

openapi: $(STAMPS)/venv $(STAMPS)/console-npm ## regenerate the gateway's committed OpenAPI document and the console's client of it
	$(PY) -m tncam_gateway.openapi
	npm run --prefix $(CONSOLE) --silent generate

# ---------------------------------------------------------------- quality
lint: $(STAMPS)/venv $(STAMPS)/console-npm ## ruff, ruff format --check, mypy strict on src, import-linter layers, module/function sizes, tsc on the console
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy $(SRC_PKGS)
	$(VENV)/bin/lint-imports
	$(PY) scripts/check_sizes.py
	$(PY) scripts/gen_values_table.py --check
	npm run --prefix $(CONSOLE) --silent check

fmt: $(STAMPS)/venv ## format and auto-fix
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# ---------------------------------------------------------------- tests
test-unit: setup ## unit tests (no network)
	$(PYTEST) -m "not integration and not e2e and not faults" -q

test-integration: setup ## integration tests against real NATS, PostgreSQL, S3, RTSP
	$(PYTEST) -m integration -q

test-worm: setup ## WORM (object lock) conformance of both S3 backends, MinIO and SeaweedFS
	$(PYTEST) -m worm -q

test-e2e: setup ## the five services as processes against real infrastructure
	$(PYTEST) -m e2e -q

test-faults: setup ## the fault suite: SIGKILLs, NATS/PostgreSQL/S3 outages, duplicates; prints the table
	$(PYTEST) -m faults -q

test: setup ## everything CI runs: lint, proto-check, unit, integration, e2e
	@start=$$(date +%s)
	$(MAKE) --no-print-directory lint proto-check
	$(PYTEST) -q -p no:cacheprovider --durations=30
	echo "==> make test: all green in $$(( $$(date +%s) - start )) s"

# ---------------------------------------------------------------- benchmarks (print, never assert)
bench-ingest: setup ## ingest vs one ffmpeg -c copy per stream: CPU, memory, open time at N = 16, 64, 96
	$(PY) -m tncam_ingest.bench --n 16 --n 64 --n 96

bench-recorder: setup ## segments/s, MB/s and close-to-indexed latency for 1/4/16 writers on MinIO and SeaweedFS
	$(PY) -m tncam_recorder.bench

restore-drill: setup ## lose the primary PostgreSQL and bucket, restore from pgBackRest + the S3 replica, check; prints RPO/RTO
	$(PY) -m tncam_testkit.drill

bench-registry: setup ## connection report at 2,760 and 10,000 cameras, filtered list and stream stats at 10,000 (p50/p95)
	$(PY) -m tncam_registry.bench

bench-audit: setup ## sustained appends/s with the chain and sync_interval always; verify 1,000,000 events over 10,000 cameras
	$(PY) -m tncam_audit.bench

bench-scale: setup ## ceilings of one ingest process / one recorder replica (synthetic sources), the capacity model at 1,000 and 10,000 cameras
	mkdir -p var/bench
	$(PY) -m tncam_ingest.bench_scale --json var/bench/ingest-scale.json
	$(PY) -m tncam_recorder.bench --backends minio --writers 16 --paced-fractions 0.5,1 --json var/bench/recorder-scale.json
	$(PY) -m tncam_testkit.capacity --ingest var/bench/ingest-scale.json --recorder var/bench/recorder-scale.json

bench-ingest-rss: setup ## one ingest process's memory under a steady load (64 synthetic cameras, 16 min each): glibc's arenas vs the service's, slopes side by side
	mkdir -p var/bench
	$(PY) -m tncam_ingest.bench_rss --json var/bench/ingest-rss.json

bench-live: setup ## live edge: time to first frame, glass-to-glass, CPU per viewer (passthrough, shared transcode) vs a naive per-viewer aiortc pipeline
	$(PY) -m tncam_live.bench

bench-console: setup ## the console: bundle size (gzip) and time to interactive of the board with 2,760 cameras in Chromium
	$(PY) -m tncam_testkit.console_bench

bench-gateway: setup ## token issuance, Argon2 cost, authenticated requests, the scoped camera list over 10,000 cameras (p50/p99, req/s)
	$(PY) -m tncam_gateway.bench

# The soak (issue 18): the whole mesh with SOAK_CAMERAS cameras for SOAK_MINUTES, sampled every
# minute; not part of `make test`. Samples in var/soak/*.csv, slopes in var/soak/summary.txt.
SOAK_MINUTES ?= 30
SOAK_CAMERAS ?= 64
soak: setup ## the whole mesh with 64 cameras for 30 min: RSS, NATS, PostgreSQL, S3 sampled each minute; slopes; RSS < 1 MB/10 min per service
	$(PY) -m tncam_testkit.soak --minutes $(SOAK_MINUTES) --cameras $(SOAK_CAMERAS)

# ---------------------------------------------------------------- deploy
dashboards: $(STAMPS)/venv ## regenerate deploy/grafana/*.json and the chart's copies of dashboards and rules
	$(PY) scripts/gen_dashboards.py

values-table: $(STAMPS)/venv ## regenerate the values table of helm/tncam/README.md from values.yaml's `# --` comments
	$(PY) scripts/gen_values_table.py

# ---------------------------------------------------------------- running
migrate: setup ## migrate the schemas of registry, recorder, audit, gateway (TNCAM_DATABASE_URL, admin)
	$(PY) -m tncam_mesh.migrate_cli --service registry --service recorder --service audit --service gateway

run: setup ## start the whole platform locally with a simulated camera fleet
	$(PY) -m tncam_testkit.stack

clean: ## remove caches and local state (keeps the venv and the MinIO build)
	rm -rf var .pytest_cache .mypy_cache .ruff_cache $(STAMPS)


.PHONY: soak bench-scale bench-ingest-rss restore-drill console bench-console values-table openapi bench-recorder bench-ingest bench-live bench-audit bench-gateway bench-registry dashboards help setup minio lock proto proto-check lint fmt test test-worm test-faults test-unit test-integration test-e2e migrate run clean
