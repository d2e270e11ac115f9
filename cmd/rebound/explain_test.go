package main

import (
	"bytes"
	"strings"
	"testing"
)

// Text from a message (recipient, diagnostic) must not reach the terminal raw: no escape
// sequence, no line break, no bidirectional override.
func TestExplainEscapesMessageText(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"explain", "--recipient", "bob\x1b[2J@example.org",
		"--diagnostic", "550 5.1.1 user unknown\x1b[31m\nforged line \u202egnp.exe"}, nil, &out, &errb)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	got := out.String()
	for _, bad := range []string{"\x1b", "\u202e", "\nforged"} {
		if strings.Contains(got, bad) {
			t.Errorf("explain printed %q raw:\n%s", bad, got)
		}
	}
	if !strings.Contains(got, `bob\x1b[2J@example.org`) || !strings.Contains(got, `\u202e`) {
		t.Errorf("explain should show the escaped characters:\n%s", got)
	}
}
