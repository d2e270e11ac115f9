// Command rebound reads bounce mailboxes (maildir, mbox, folders of messages), classifies every
// failed recipient, keeps the results in SQLite, applies a suppression policy and reports.
//
// See README.md and docs/ for usage.
package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

func main() {
	setMemoryLimit()
	exitOnSignal(os.Stderr)
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// defaultMemoryLimit is the Go heap's soft limit (runtime/debug.SetMemoryLimit) unless
// GOMEMLIMIT says otherwise. A scan's live heap is 20-60 MB (batches in flight, the events of
// an evaluation); without a limit the garbage collector lets the heap grow to twice the live
// heap, so a long scan's RSS climbed with it. The limit is soft: a run that needs more (one
// 50 MB message) gets it, at the cost of more frequent collections. docs/performance.md,
// "Memory", has the numbers.
const defaultMemoryLimit = 64 << 20

// setMemoryLimit sets the default soft memory limit unless GOMEMLIMIT is set.
func setMemoryLimit() {
	if _, ok := os.LookupEnv("GOMEMLIMIT"); !ok {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}

// parseGCPercent is the garbage collector's target (runtime/debug.SetGCPercent) while parse
// runs, unless GOGC is set. parse keeps almost nothing alive (the messages in flight, one
// output buffer: a few MB), so at the default of 100 the collector ran every few MB of garbage
// and cost 9% of its CPU; 400 makes a quarter of the collections, and the soft memory limit
// still bounds the heap. Not for scan: its live heap (20-50 MB) already meets the memory limit,
// where a higher target only adds scavenging (docs/performance.md, "Memory", has the numbers).
const parseGCPercent = 400

// setGCPercent sets the garbage collector's target to p unless GOGC is set, and returns a
// function that puts back the one before.
func setGCPercent(p int) (restore func()) {
	if _, ok := os.LookupEnv("GOGC"); ok {
		return func() {}
	}
	old := debug.SetGCPercent(p)
	return func() { debug.SetGCPercent(old) }
}

// exitOnSignal makes SIGINT (Ctrl-C) and SIGTERM end the process at once, as they would
// without a handler, but with a line saying so and the shell's status for them (128 + the
// signal's number: 130, 143). Every command may be killed at any moment (docs/robustness.md):
// what a scan committed stays, and the next run goes on from there.
func exitOnSignal(stderr io.Writer) {
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig := <-c
		code, name := exitInterrupted, "SIGINT"
		if sig == syscall.SIGTERM {
			code, name = exitTerminated, "SIGTERM"
		}
		fmt.Fprintf(stderr, "rebound: interrupted (%s); what was already stored is kept\n", name)
		os.Exit(code)
	}()
}

// run executes one rebound command line and returns its exit status (see exit.go).
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer recoverInternal(stderr, &code)
	g := &globalOptions{stdin: stdin, stdout: stdout, stderr: stderr}
	root := newRootCmd(g)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteC()
	return exitStatus(stderr, houseStyle(cmd, err))
}
