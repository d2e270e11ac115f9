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

// A path explain cannot read makes its exit status 4 (exitPartialRead), as for scan and parse:
// a script must be able to tell that a bounce it asked about was not explained.
func TestExplainMissingExitStatus(t *testing.T) {
	missing := t.TempDir() + "/missing.eml"
	code, stderr := runIn(t, "explain", missing)
	if code != exitPartialRead || !strings.Contains(stderr, "some paths could not be read") {
		t.Errorf("explain %s: status %d, stderr %q; want %d", missing, code, stderr, exitPartialRead)
	}
}
