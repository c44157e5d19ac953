# The two commands in the README: `make run` and `make test`. Both install missing system packages
# first (scripts/deps.sh).
GO ?= go
# Arguments for `make run`, e.g. make run ARGS="--addr :9000 --data /var/lib/hearth".
ARGS ?=

.PHONY: run test build deps deps-test vet bench fuzz

# Builds first, saying so (the first build compiles pion, SQLite and the codecs: a few minutes),
# then runs the binary, which prints the dashboard, the setup link and the demo's links.
run: deps
	@echo "Building Hearth (the first build takes a few minutes; later ones take seconds)..."
	@$(GO) build -o bin/hearth ./cmd/hearth
	@echo "Built. Starting Hearth..."
	@exec bin/hearth $(ARGS)

build: deps
	$(GO) build -o bin/hearth ./cmd/hearth

test: deps-test
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...

deps:
	@scripts/deps.sh run

deps-test:
	@scripts/deps.sh test

# Benchmarks behind docs/PERFORMANCE.md.
bench: deps
	$(GO) test -run '^$$' -bench . -benchmem -timeout 30m ./...

# A short run of every fuzz target (FUZZTIME=5m for longer).
FUZZTIME ?= 30s
fuzz: deps
	@for pkg in $$($(GO) list ./...); do \
		for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 2s $$pkg || exit 1; \
		done; \
	done
