package pipeline

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// layers ranks the module's packages in the order data flows through them (the developers' guide,
// "Architecture"): a package may import only packages of a lower rank, so that the two
// packages of one rank (store and policy; report and export) never import each other.
//
//	bounce, address, rules, config <- mailbox <- dsn <- classify, attrib <- scan, stats <- store, policy <-
//	pipeline <- report, export, gen <- cmd/rebound
//
// The helpers: internal/bounce is the shared vocabulary and event record, imported by all;
// internal/address normalises addresses (store, policy's callers, export) and rules holds the
// embedded rule, policy and provider files, which internal/config reads (for classify, policy
// and attrib): they import nothing of the module. internal/attrib
// reads campaign attribution from decoded messages, beside classify. internal/scan is the
// decode-and-classify step of Ingest (mailbox -> dsn -> classify for one message), below the
// store. internal/gen writes synthetic mailboxes for benchmarks and `rebound generate`, from
// the classifier's words. internal/stats holds the aggregated rows statistics are computed from,
// which the store fills and report renders. internal/imaptest starts a Dovecot for the IMAP tests,
// internal/pgtest a PostgreSQL for the store's and the CLI's, internal/cputime reads the CPU time
// benchmarks report. internal/pseudo makes the keyed
// pseudonyms and redactions of Pseudonymise and Ingest; it imports nothing of the module.
var layers = map[string]int{
	"internal/bounce":   0,
	"internal/address":  0,
	"rules":             0,
	"internal/config":   0,
	"internal/imaptest": 0,
	"internal/pgtest":   0,
	"internal/cputime":  0,
	"internal/pseudo":   0,
	"internal/mailbox":  1,
	"internal/dsn":      2,
	"internal/classify": 3,
	"internal/attrib":   3,
	"internal/scan":     4,
	"internal/stats":    4,
	"internal/store":    5,
	"internal/policy":   5,
	"internal/pipeline": 6,
	"internal/report":   7,
	"internal/export":   7,
	"internal/gen":      7,
	"cmd/rebound":       8,
}

// exceptions are imports against the flow that are known and not yet removed, with why; the
// test fails when one of them is gone (so that the list shrinks) or a new one appears.
var exceptions = map[string]string{}

// TestLayering reads the module's import graph (go list -deps) and fails on any import of a
// package that comes later in the flow, or of the same rank, and on a package not placed in
// layers.
func TestLayering(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "../../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const module = "github.com/reboundhq/rebound/"
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg, ok := strings.CutPrefix(f[0], module)
		if !ok {
			continue
		}
		rank, ok := layers[pkg]
		if !ok {
			t.Errorf("package %s is not placed in layers: say where it belongs in the flow", pkg)
			continue
		}
		for _, imp := range f[1:] {
			dep, ok := strings.CutPrefix(imp, module)
			if !ok {
				continue
			}
			edge := pkg + " -> " + dep
			if dr, placed := layers[dep]; placed && dr < rank {
				continue
			}
			if _, known := exceptions[edge]; known {
				seen[edge] = true
				continue
			}
			t.Errorf("%s imports %s, which comes at the same point or later in the flow (%s)", pkg, dep, filepath.Base(dep))
		}
	}
	for edge, why := range exceptions {
		if !seen[edge] {
			t.Errorf("exception %q (%s) no longer happens: remove it from exceptions", edge, why)
		}
	}
}
