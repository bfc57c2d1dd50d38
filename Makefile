# JAG — one static binary plus PostgreSQL. `make help` lists the targets.

GO       ?= go
BIN      ?= bin/jag
PREFIX   ?= /usr/local
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)
FUZZTIME ?= 60s
BENCHCOUNT ?= 5
# staticcheck, pinned (fetched and built by go run on first use)
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

export CGO_ENABLED ?= 0

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

.PHONY: help run build install test lint fuzz bench demo clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-8s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## build the static jag binary into bin/
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/jag

run: build ## run the hub on 127.0.0.1:8080 with the embedded PostgreSQL of ./jag-data (Ctrl-C stops both)
	./$(BIN) serve --log-format console

install: build ## install the binary as $(DESTDIR)$(PREFIX)/bin/jag (PREFIX=/usr/local)
	install -d '$(DESTDIR)$(PREFIX)/bin'
	install -m 0755 $(BIN) '$(DESTDIR)$(PREFIX)/bin/jag'

# -trimpath: compiled packages do not depend on where the clone is, so a
# fresh clone reuses the build cache. -p 4: four test binaries at once on
# two cores, since the end-to-end and SQL tests mostly wait on processes
# and PostgreSQL. The second run is the single-goroutine corpus and
# property tests built out of the -race run (//go:build !race): the STIX
# schema differential test and the watch index's, five to ten times slower
# under the race detector, which can find nothing in them.
test: ## run every test with the race detector (needs PostgreSQL binaries; see README)
	CGO_ENABLED=1 $(GO) test -race -trimpath -count=1 -p 4 -parallel 8 ./...
	$(GO) test -trimpath -count=1 -run '^(TestDifferentialSchemas|TestWatchIndexAgreesWithRule|TestWatchIndexMemory)$$' ./stix ./feeds

lint: ## gofmt must be clean, go vet and staticcheck must pass
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

fuzz: ## run every fuzz target for FUZZTIME each (default 60s)
	@for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

bench: ## run every benchmark BENCHCOUNT times into bench.txt (compare medians: benchstat bench.txt)
	@rm -f bench.txt
	$(GO) test -run '^$$' -bench . -benchmem -count $(BENCHCOUNT) ./stix/... ./auth/... | tee -a bench.txt
	$(GO) test -run '^$$' -bench 'BenchmarkIngest' -benchtime 30x -count $(BENCHCOUNT) -timeout 60m ./cmd/jag | tee -a bench.txt
	$(GO) test -run '^$$' -bench 'BenchmarkLookup' -count $(BENCHCOUNT) -timeout 60m ./cmd/jag | tee -a bench.txt
	$(GO) test -run '^$$' -bench 'BenchmarkFeedFanout' -benchtime 1000x -count $(BENCHCOUNT) -timeout 60m ./cmd/jag | tee -a bench.txt
	$(GO) test -run '^$$' -bench 'BenchmarkExport$$' -benchtime 1x -count 1 -timeout 60m ./cmd/jag | tee -a bench.txt
	$(GO) test -run '^$$' -bench 'BenchmarkTAXII' -benchtime 1x -count $(BENCHCOUNT) -timeout 60m ./cmd/jag | tee -a bench.txt
	$(GO) test -run '^$$' -bench 'BenchmarkFeedWatchlists' -benchtime 3x -count $(BENCHCOUNT) -timeout 60m ./cmd/jag | tee -a bench.txt
	$(GO) test -run '^$$' -bench 'BenchmarkHostile' -benchtime 1x -count $(BENCHCOUNT) -timeout 90m ./cmd/jag | tee -a bench.txt

demo: build ## start the hub if needed, register two participants, sign and submit the Pegasus set, look things up
	./$(BIN) demo

clean: ## remove build output (not the data directory)
	rm -rf bin bench.txt
