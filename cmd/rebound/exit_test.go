package main

import (
	"bytes"
	"strings"
	"testing"
)

// panicWriter panics on every write, as a bug would in the middle of a command.
type panicWriter struct{}

func (panicWriter) Write([]byte) (int, error) {
	var m map[string]*int
	return *m["x"], nil // a nil pointer dereference
}

// TestInternalError: a panic in a command is one "rebound: internal error" line naming where it
// happened, with a hint, and exit status 1: not a Go stack trace with status 2.
func TestInternalError(t *testing.T) {
	var stderr bytes.Buffer
	code := run([]string{"--version"}, strings.NewReader(""), panicWriter{}, &stderr)
	if code != exitFailure {
		t.Errorf("exit status %d, want %d", code, exitFailure)
	}
	out := stderr.String()
	if !strings.HasPrefix(out, "rebound: internal error: runtime error: invalid memory address or nil pointer dereference (in ") ||
		!strings.Contains(out, "panicWriter.Write, exit_test.go:") ||
		!strings.Contains(out, "\nhint: this is a bug in rebound: please report it") || strings.Contains(out, "goroutine") {
		t.Errorf("stderr:\n%s", out)
	}
}
