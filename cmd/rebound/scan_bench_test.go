package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/cputime"
	"github.com/reboundhq/rebound/internal/gen"
)

// benchCount is the size of the generated mailboxes of the end-to-end benchmarks: the
// 50,000-message maildir of the performance issue (docs/performance.md). Override with
// REBOUND_BENCH_COUNT for a quicker or a bigger run.
func benchCount() int {
	if n, err := strconv.Atoi(os.Getenv("REBOUND_BENCH_COUNT")); err == nil && n > 0 {
		return n
	}
	return 50000
}

// The inputs of the end-to-end benchmarks, each a sub-benchmark: generated mailboxes whose
// recipients are nearly all distinct or bounce again and again (gen.Options.Repeat), and the
// real bounces of ../shared/corpus/sisimai copied up to benchCount messages (skipped when
// ../shared is missing).
var benchInputs = []string{"distinct", "repeated", "sisimai"}

// sisimaiBSD is the folder of real bounces copied for the "sisimai" input.
var sisimaiBSD = filepath.Join("..", "..", "..", "shared", "corpus", "sisimai", "maildir", "bsd")

// generate writes a mailbox of benchCount messages of input into a temporary folder of b,
// and returns its path. format is "maildir" or "mbox".
func generate(b *testing.B, input, format string) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "bounces."+format)
	var box interface {
		WriteFile(path, format string, n int) error
	}
	switch input {
	case "sisimai":
		if _, err := os.Stat(sisimaiBSD); err != nil {
			b.Skipf("no real bounces to copy: %v", err)
		}
		c, err := gen.LoadCopies(sisimaiBSD)
		if err != nil {
			b.Fatal(err)
		}
		box = c
	default:
		g, err := gen.Load(gen.Options{Seed: 1, Repeat: input == "repeated"}, filepath.Join("..", "..", "testdata", "demo", "maildir"))
		if err != nil {
			b.Fatal(err)
		}
		box = g
	}
	if err := box.WriteFile(path, format, benchCount()); err != nil {
		b.Fatal(err)
	}
	return path
}

// eachInput runs bench on a format mailbox of every input, as sub-benchmarks.
func eachInput(b *testing.B, format string, bench func(b *testing.B, box string)) {
	for _, input := range benchInputs {
		b.Run(input, func(b *testing.B) { bench(b, generate(b, input, format)) })
	}
}

// rebound runs one command line in-process and fails b unless it exits with status 0.
func rebound(b *testing.B, stdout io.Writer, args ...string) {
	b.Helper()
	var stderr bytes.Buffer
	if code := run(args, nil, stdout, &stderr); code != 0 {
		b.Fatalf("rebound %v: exit %d\n%s", args, code, stderr.Bytes())
	}
}

// reportRate reports messages per wall second and per CPU second since cpu0.
func reportRate(b *testing.B, msgs int, cpu0 time.Duration) {
	b.ReportMetric(float64(msgs)/b.Elapsed().Seconds(), "msgs/s")
	if cpu := cputime.Process() - cpu0; cpu > 0 {
		b.ReportMetric(float64(msgs)/cpu.Seconds(), "msgs/cpu-s")
	}
}

// benchScan measures `rebound scan` of box into a new database.
func benchScan(b *testing.B, box string) {
	dir := b.TempDir()
	n, runs := benchCount(), 0
	cpu0 := cputime.Process()
	for b.Loop() {
		db := filepath.Join(dir, "scan"+strconv.Itoa(runs)+".db")
		runs++
		rebound(b, io.Discard, "--db", db, "scan", "--quiet", box)
	}
	reportRate(b, runs*n, cpu0)
}

// BenchmarkScanMaildir is a first scan of a 50,000-message maildir into a new database.
func BenchmarkScanMaildir(b *testing.B) { eachInput(b, "maildir", benchScan) }

// BenchmarkScanMbox is a first scan of a 50,000-message mbox into a new database.
func BenchmarkScanMbox(b *testing.B) { eachInput(b, "mbox", benchScan) }

// BenchmarkRescanMaildir is a scan of a maildir whose messages are all in the database: no
// message file is opened.
func BenchmarkRescanMaildir(b *testing.B) { eachInput(b, "maildir", benchRescan) }

func benchRescan(b *testing.B, box string) {
	db := filepath.Join(b.TempDir(), "rescan.db")
	rebound(b, io.Discard, "--db", db, "scan", "--quiet", box)
	n, runs := benchCount(), 0
	cpu0 := cputime.Process()
	for b.Loop() {
		runs++
		rebound(b, io.Discard, "--db", db, "scan", "--quiet", box)
	}
	reportRate(b, runs*n, cpu0)
}

// BenchmarkParseJSONL is `rebound parse --format jsonl` of the 50,000-message maildir.
func BenchmarkParseJSONL(b *testing.B) { eachInput(b, "maildir", benchParse) }

func benchParse(b *testing.B, box string) {
	n, runs := benchCount(), 0
	cpu0 := cputime.Process()
	for b.Loop() {
		runs++
		rebound(b, io.Discard, "parse", "--format", "jsonl", box)
	}
	reportRate(b, runs*n, cpu0)
}
