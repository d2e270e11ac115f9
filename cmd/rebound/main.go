// Command rebound reads bounce mailboxes (maildir, mbox, folders of messages), classifies every
// failed recipient, keeps the results in SQLite, applies a suppression policy and reports.
//
// See README.md and docs/ for usage.
package main

import (
	"io"
	"os"
	"runtime/debug"
)

func main() {
	setMemoryLimit()
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

// run executes one rebound command line and returns its exit status (see exit.go).
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer recoverInternal(stderr, &code)
	g := &globalOptions{stdin: stdin, stdout: stdout, stderr: stderr}
	root := newRootCmd(g)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	return exitStatus(stderr, err)
}
