# rebound — see README.md.
GO       ?= go
BIN      ?= bin/rebound
PKGS     := ./...
DEMO_DB  := $(CURDIR)/bin/demo.db
DEMO_BOX := testdata/demo/maildir
FUZZTIME ?= 60s

.PHONY: build demo test bench lint fuzz corpus clean

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

test: lint
	$(GO) test -count=1 $(PKGS)

lint:
	@out=$$(gofmt -l cmd internal rules); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

# fuzz: run every fuzz target for FUZZTIME each (the seeds also run in `make test`).
fuzz:
	@for t in $$(grep -rl --include='*_test.go' '^func Fuzz' internal cmd); do \
		d=$$(dirname $$t); \
		for f in $$(grep -o '^func Fuzz[A-Za-z0-9_]*' $$t | cut -d' ' -f2); do \
			echo "== $$d $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) ./$$d || exit 1; \
		done; \
	done

# corpus: score the decoder on ../shared/corpus/sisimai (when it exists).
corpus: build
	$(BIN) parse --format jsonl ../shared/corpus/sisimai/maildir/bsd ../shared/corpus/sisimai/maildir/not > bin/corpus.jsonl
	../shared/bin/score-corpus ../shared/corpus/sisimai/labels.jsonl bin/corpus.jsonl --not-dir ../shared/corpus/sisimai/maildir/not

clean:
	rm -rf bin
