# voiplab — run `make` or `make help` for the list of targets.
SHELL := /bin/bash
GO ?= go
export CGO_ENABLED := 0
BIN := bin/voiplab
# Real public captures with tshark's reference figures (never copied into this repository).
export VOIPLAB_CORPUS ?= $(abspath ../shared/corpus)
DEMO_DIR ?= $(CURDIR)/out/demo
FUZZTIME ?= 10s

.PHONY: help build test interop bench fuzz golden demo lint check clean assets pcaps

help: ## show this help
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

build: ## build bin/voiplab (pure Go, CGO_ENABLED=0)
	$(GO) build -trimpath -o $(BIN) ./cmd/voiplab

test: ## run the unit, golden, corpus and CLI tests (what CI and the README run)
	$(GO) test -count=1 ./...

interop: build ## run the tests against real peers (tshark, ...): needs ../shared/peers/install.sh
	$(GO) test -count=1 -tags interop ./...

bench: build ## benchmarks side by side with the peers: tshark, Kamailio, dumpcap (as root)
	$(GO) test -run '^$$' -bench . -skip 'RelaySplit|CallsSIPp' -benchmem ./...
	bash bench/analyze.sh
	bash bench/pbx_register.sh
	$(GO) test -run '^$$' -bench RelaySplit -benchtime=1x ./pbx/relay/
	$(GO) test -tags interop -run '^$$' -bench CallsSIPp -benchtime=1x ./pbx/b2bua/
	@if [ "$$(id -u)" -eq 0 ]; then bash bench/capture.sh; else echo "bench/capture.sh needs root (live capture vs dumpcap): skipped"; fi

fuzz: ## run every fuzz target for FUZZTIME (default 10s) each
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 100x $$pkg; \
	  done; done

golden: ## rewrite the golden files (analysis JSON, HTML reports) after a reviewed change
	$(GO) test -count=1 ./analyze/ -run Golden -update
	$(GO) test -count=1 ./report/ -run HTMLGolden -update

assets: ## install the pinned npm packages and copy ECharts into report/assets (committed)
	npm ci
	cp node_modules/echarts/dist/echarts.min.js report/assets/echarts.min.js

demo: build ## the basic-call lab (PBX + phones on loopback), then the diagnosis of calls with planted faults
	@mkdir -p $(DEMO_DIR)
	./$(BIN) lab run basic-call -o $(DEMO_DIR)
	./$(BIN) synth demo -o $(DEMO_DIR)/faults.pcapng
	./$(BIN) analyze $(DEMO_DIR)/faults.pcapng
	./$(BIN) report -o $(DEMO_DIR)/faults.html $(DEMO_DIR)/faults.pcapng
	@echo "Open $(DEMO_DIR)/basic-call.html and $(DEMO_DIR)/faults.html in a browser (offline, English; --lang fr for French)."

pcaps: build ## run every lab and store its capture, golden analysis and README row in pcaps/
	./$(BIN) lab pcaps -o pcaps

lint: ## go vet, gofmt and go mod tidy must leave nothing to say
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting"; exit 1; }
	@$(GO) mod tidy -diff >/dev/null || { echo "go mod tidy would change go.mod/go.sum: run go mod tidy and commit"; exit 1; }

check: lint test ## lint and test

clean: ## remove build output
	rm -rf bin out
