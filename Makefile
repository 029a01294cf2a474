# Switchboard — see README.md. `make help` lists the targets.
GO        ?= go
BIN       := bin/switchboard
PKGS      := ./...
FUZZTIME  ?= 30s
BENCHTIME ?= 1s
STATICCHECK_VERSION := v0.8.2

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## build bin/switchboard
	$(GO) build -o $(BIN) ./cmd/switchboard

.PHONY: testdeps
testdeps: internal/testpeers/node_modules/.package-lock.json ## install the real servers tests talk to (npm)

internal/testpeers/node_modules/.package-lock.json: internal/testpeers/package.json internal/testpeers/package-lock.json
	npm ci --prefix internal/testpeers --no-audit --no-fund

.PHONY: test
# The server package's tests take about five minutes on two busy cores
# under the race detector; go test's default ten-minute limit per package
# left too little room on a loaded machine.
test: testdeps ## vet, then every test with the race detector (what CI runs)
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 -timeout 25m $(PKGS)
	$(MAKE) --no-print-directory test-empty-root

.PHONY: test-race
test-race: test ## same as test: the tests always run with -race

.PHONY: lint
lint: ## gofmt, go vet and staticcheck
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) $(PKGS)

BENCHRUNS ?= 3

.PHONY: bench
bench: build ## the call pipeline end to end against the floor (SQLite, and PostgreSQL when SWITCHBOARD_TEST_POSTGRES_URL is set), then the Go benchmarks (the intake, webhooks, a channel's pace for 60 s; compare with benchstat)
	$(GO) run ./internal/callbench/cmd/callbench -bin $(BIN) -runs $(BENCHRUNS)
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -count 6 ./templates ./engine
	$(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) -count 1 ./server

.PHONY: bench-scale
bench-scale: build ## scale-out: 1, 2 and 3 replicas on one PostgreSQL (SWITCHBOARD_TEST_POSTGRES_URL) with a helpdesk answering after 50 ms
	$(GO) run ./internal/callbench/cmd/callbench -bin $(BIN) -replicas 1,2,3 -n 3000 -desk-latency 50ms -job-workers 10 -max-concurrent 100

.PHONY: fuzz
fuzz: ## run each fuzz target for FUZZTIME
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./templates
	$(GO) test -run '^$$' -fuzz '^FuzzNormalizePath$$' -fuzztime $(FUZZTIME) ./templates
	$(GO) test -run '^$$' -fuzz '^FuzzRender$$' -fuzztime $(FUZZTIME) ./engine
	$(GO) test -run '^$$' -fuzz '^FuzzTimeFormat$$' -fuzztime $(FUZZTIME) ./engine
	$(GO) test -run '^$$' -fuzz '^FuzzFastTextMatchesTextTemplate$$' -fuzztime $(FUZZTIME) ./engine
	$(GO) test -run '^$$' -fuzz '^FuzzExtractRowsMatchesGJSON$$' -fuzztime $(FUZZTIME) ./engine
	$(GO) test -run '^$$' -fuzz '^FuzzSensitiveName$$' -fuzztime $(FUZZTIME) ./engine
	$(GO) test -run '^$$' -fuzz '^FuzzWebhookParse$$' -fuzztime $(FUZZTIME) ./messaging
	$(GO) test -run '^$$' -fuzz '^FuzzParseReceipt$$' -fuzztime $(FUZZTIME) ./messaging/smpp
	$(GO) test -run '^$$' -fuzz '^FuzzEncode$$' -fuzztime $(FUZZTIME) ./messaging/smpp

# Release builds. VERSION is the nearest tag (or the commit when there is
# none); the commit, its time and whether the tree was modified come from
# git here and are stamped too, because the toolchain records none of them
# in a git worktree, a tree without .git (the container build) or under
# GOFLAGS=-buildvcs=false, which -buildvcs=auto overrides.
MODULE         := github.com/switchboard/switchboard
VERSION        ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
COMMIT         ?= $(shell git rev-parse HEAD 2>/dev/null)
COMMIT_DATE    ?= $(shell git log -1 --format=%cI 2>/dev/null)
MODIFIED       ?= $(shell test -n "$$(git status --porcelain 2>/dev/null)" && echo true)
DIST_PLATFORMS ?= linux/amd64 linux/arm64
LDFLAGS        := -s -w -X $(MODULE)/internal/cli.version=$(VERSION) -X $(MODULE)/internal/cli.commit=$(COMMIT) -X $(MODULE)/internal/cli.date=$(COMMIT_DATE) -X $(MODULE)/internal/cli.modified=$(MODIFIED)

.PHONY: dist
dist: ## static binaries (linux/amd64, linux/arm64; DIST_PLATFORMS) and SHA256SUMS in dist/
	rm -rf dist && mkdir -p dist
	@for p in $(DIST_PLATFORMS); do \
	  os=$${p%/*}; arch=$${p#*/}; \
	  echo "building dist/switchboard-$$os-$$arch"; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -buildvcs=auto -ldflags '$(LDFLAGS)' \
	    -o dist/switchboard-$$os-$$arch ./cmd/switchboard || exit 1; \
	done
	cd dist && sha256sum switchboard-* > SHA256SUMS
	@cat dist/SHA256SUMS

.PHONY: test-empty-root
test-empty-root: ## the static binary alone in an empty root (unshare): version, serve, health
	$(GO) test -tags emptyroot -count=1 -run '^TestStaticBinaryInEmptyRoot$$' ./cmd/switchboard

ADDR ?= 127.0.0.1:8080
DATA ?= ./data

.PHONY: run
run: build ## run the service on the embedded defaults (SQLite in ./data) with the example templates built in
	./$(BIN) serve --addr $(ADDR) --data $(DATA)

DEMO_ADDR ?= 127.0.0.1:8025

.PHONY: demo
demo: build ## validate the examples, start the demo helpdesk and run the Zendesk example against it with template run
	./$(BIN) template validate examples/*.xml
	$(GO) build -o bin/demo-helpdesk ./examples/demo
	@# The demo logs "listening" once the address is its own; if it ends
	@# first (its port is taken), say why and stop rather than run the
	@# examples against whatever listens there.
	@./bin/demo-helpdesk -addr $(DEMO_ADDR) 2>bin/demo-helpdesk.log & pid=$$!; \
	trap 'kill $$pid 2>/dev/null' EXIT; \
	for i in $$(seq 100); do \
	  grep -q 'demo helpdesk listening' bin/demo-helpdesk.log && break; \
	  if ! kill -0 $$pid 2>/dev/null; then cat bin/demo-helpdesk.log >&2; exit 1; fi; \
	  sleep 0.1; \
	done; \
	grep -q 'demo helpdesk listening' bin/demo-helpdesk.log || { echo "the demo helpdesk did not start; see bin/demo-helpdesk.log" >&2; exit 1; }; \
	set -x; \
	./$(BIN) template run examples/zendesk.xml --scenario SyncContactAuto \
	  --field base_url=http://$(DEMO_ADDR) --field email=demo@example.com --field api_token=demo \
	  --var Phone=+14155550100 && \
	./$(BIN) template run examples/zendesk.xml --scenario CreateNewTicket \
	  --field base_url=http://$(DEMO_ADDR) --field email=demo@example.com --field api_token=demo \
	  --var ContactId=17 --var Communication_Type=Inbound --var Call_Status=Completed \
	  --var "Call_From=Ann Lee <+14155550100>" --var "Call_To=Dana <1001>"
