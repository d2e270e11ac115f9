// Command rebound reads bounce mailboxes (maildir, mbox, folders of messages), classifies every
// failed recipient, keeps the results in SQLite, applies a suppression policy and reports.
//
// See README.md and docs/ for usage.
package main

import (
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes one rebound command line and returns its exit status (see exit.go).
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	g := &globalOptions{stdin: stdin, stdout: stdout, stderr: stderr}
	root := newRootCmd(g)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	return exitStatus(stderr, err)
}
