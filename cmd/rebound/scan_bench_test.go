package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

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

// generate writes a mailbox of benchCount messages made from the demo samples into a
// temporary folder of b, and returns its path. format is "maildir" or "mbox".
func generate(b *testing.B, format string) string {
	b.Helper()
	g, err := gen.Load(gen.Options{Seed: 1}, filepath.Join("..", "..", "testdata", "demo", "maildir"))
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "bounces."+format)
	if err := g.WriteFile(path, format, benchCount()); err != nil {
		b.Fatal(err)
	}
	return path
}

// rebound runs one command line in-process and fails b unless it exits with status 0.
func rebound(b *testing.B, stdout io.Writer, args ...string) {
	b.Helper()
	var stderr bytes.Buffer
	if code := run(args, nil, stdout, &stderr); code != 0 {
		b.Fatalf("rebound %v: exit %d\n%s", args, code, stderr.Bytes())
	}
}

// cpuTime is the user and system time of the process so far: throughput per CPU second is
// steadier than per wall second on a busy machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportRate reports messages per wall second and per CPU second since cpu0.
func reportRate(b *testing.B, msgs int, cpu0 time.Duration) {
	b.ReportMetric(float64(msgs)/b.Elapsed().Seconds(), "msgs/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(msgs)/cpu.Seconds(), "msgs/cpu-s")
	}
}

// benchScan measures `rebound scan` of a generated mailbox into a new database.
func benchScan(b *testing.B, format string) {
	box := generate(b, format)
	dir := b.TempDir()
	n, runs := benchCount(), 0
	cpu0 := cpuTime()
	for b.Loop() {
		db := filepath.Join(dir, "scan"+strconv.Itoa(runs)+".db")
		runs++
		rebound(b, io.Discard, "--db", db, "scan", "--quiet", box)
	}
	reportRate(b, runs*n, cpu0)
}

// BenchmarkScanMaildir is a first scan of a 50,000-message maildir into a new database.
func BenchmarkScanMaildir(b *testing.B) { benchScan(b, "maildir") }

// BenchmarkScanMbox is a first scan of a 50,000-message mbox into a new database.
func BenchmarkScanMbox(b *testing.B) { benchScan(b, "mbox") }

// BenchmarkRescanMaildir is a scan of a maildir whose messages are all in the database: no
// message file is opened.
func BenchmarkRescanMaildir(b *testing.B) {
	box := generate(b, "maildir")
	db := filepath.Join(b.TempDir(), "rescan.db")
	rebound(b, io.Discard, "--db", db, "scan", "--quiet", box)
	n, runs := benchCount(), 0
	cpu0 := cpuTime()
	for b.Loop() {
		runs++
		rebound(b, io.Discard, "--db", db, "scan", "--quiet", box)
	}
	reportRate(b, runs*n, cpu0)
}

// BenchmarkParseJSONL is `rebound parse --format jsonl` of the 50,000-message maildir.
func BenchmarkParseJSONL(b *testing.B) {
	box := generate(b, "maildir")
	n, runs := benchCount(), 0
	cpu0 := cpuTime()
	for b.Loop() {
		runs++
		rebound(b, io.Discard, "parse", "--format", "jsonl", box)
	}
	reportRate(b, runs*n, cpu0)
}
