# rebound — see README.md.
GO       ?= go
BIN      ?= bin/rebound
PKGS     := ./...
DEMO_DB  := $(CURDIR)/bin/demo.db
DEMO_BOX := testdata/demo/maildir
FUZZTIME ?= 60s
BENCH    ?= .

.PHONY: build demo test test-sqlite test-pg-store test-pg-cli bench lint fuzz corpus clean

# build stamps the VCS revision: go build records it in the build info when it can
# (-buildvcs=auto), and -X passes it for --version when it cannot (a git worktree, GOFLAGS).
REVISION := $(shell git describe --always --dirty --abbrev=12 --exclude '*' 2>/dev/null)

build:
	$(GO) build -buildvcs=auto -ldflags "-X main.buildRevision=$(REVISION)" -o $(BIN) ./cmd/rebound

# demo: the whole job on the sample bounce maildir shipped in testdata/, into a fresh database.
# The sample bounces are dated November 2026, hence the explicit period for stats.
demo: build
	@rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	@echo '$$ rebound scan $(DEMO_BOX)'
	@$(BIN) --db $(DEMO_DB) scan $(DEMO_BOX)
	@echo
	@echo '$$ rebound stats --from 2026-11-01 --to 2026-11-30'
	@$(BIN) --db $(DEMO_DB) stats --from 2026-11-01 --to 2026-11-30
	@echo
	@echo '$$ rebound export'
	@$(BIN) --db $(DEMO_DB) export

# test runs every test on SQLite and, at the same time (each pass waits on its databases and
# processes much of the time), the store's tests, the CLI's scripts and incremental evaluation's
# on PostgreSQL: a throwaway cluster (internal/pgtest), or $REBOUND_TEST_PG; they skip without
# PostgreSQL. -O prints each pass's output whole when it ends.
test: lint
	@$(MAKE) --no-print-directory -j3 -O test-sqlite test-pg-store test-pg-cli

test-sqlite:
	$(GO) test -count=1 $(PKGS)

test-pg-store:
	REBOUND_TEST_BACKEND=postgres $(GO) test -count=1 ./internal/store ./internal/pipeline

test-pg-cli:
	REBOUND_TEST_BACKEND=postgres $(GO) test -count=1 -run '^(TestScript|TestIncrementalEqualsFull)$$' ./cmd/rebound

# lint: gofmt, go vet (for Windows and 32-bit x86 too, so that the files of other systems and
# int overflows on 32 bits are checked) and
# staticcheck (pinned as a tool in go.mod: `go get -tool` to move it).
lint:
	@out=$$(gofmt -l cmd internal rules); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	GOOS=windows $(GO) vet $(PKGS)
	GOARCH=386 $(GO) vet $(PKGS)
	$(GO) tool staticcheck $(PKGS)

# bench: every benchmark (BENCH=regexp for some); the end-to-end ones take several minutes.
# BenchmarkBackends1M runs a second time on PostgreSQL (internal/pgtest's cluster, skipped without).
bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -timeout 60m $(PKGS)
	REBOUND_TEST_BACKEND=postgres $(GO) test -run '^$$' -bench 'Backends1M' -benchmem -timeout 60m ./internal/store

# fuzz: run every fuzz target for FUZZTIME each (the seeds also run in `make test`).
fuzz:
	@for t in $$(grep -rl --include='*_test.go' '^func Fuzz' internal cmd); do \
		d=$$(dirname $$t); \
		for f in $$(grep -o '^func Fuzz[A-Za-z0-9_]*' $$t | cut -d' ' -f2); do \
			echo "== $$d $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) ./$$d || exit 1; \
		done; \
	done

# corpus: score parse on the shared corpora beside the checkout, one line per source: the Sisimai
# set with its auto-replies and success notices (its labels name them, docs/rules.md), the
# foreign set with the default output.
SHARED := ../shared/corpus
corpus: build
	@$(BIN) parse --format jsonl --include autoreply,delivered $(SHARED)/sisimai/maildir/bsd $(SHARED)/sisimai/maildir/not > bin/corpus.jsonl
	@../shared/bin/score-corpus $(SHARED)/sisimai/labels.jsonl bin/corpus.jsonl --not-dir $(SHARED)/sisimai/maildir/not | sed -n 's/^score: /sisimai        /p'
	@$(BIN) parse --format jsonl $(SHARED)/foreign/messages/* > bin/foreign.jsonl
	@../shared/bin/score-foreign $(SHARED)/foreign/labels.jsonl bin/foreign.jsonl | sed 's/^score: /foreign        /; /^foreign /!s/^/foreign\//'

clean:
	rm -rf bin
