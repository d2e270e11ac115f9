package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAttribExitStatus checks that a bad attribution file is a usage error (exit status 2)
// whose every problem is named, and that nothing runs.
func TestAttribExitStatus(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.conf")
	if err := os.WriteFile(bad, []byte("sources = bogus\nfeedback_id_field = 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stderr := runIn(t, "--attrib", bad, "parse", dir)
	if code != exitUsage || !strings.Contains(stderr, "bad.conf:1: unknown source") || !strings.Contains(stderr, "bad.conf:2: feedback_id_field") {
		t.Errorf("status %d, stderr %q", code, stderr)
	}
}
