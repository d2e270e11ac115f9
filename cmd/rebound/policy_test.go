package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/export"
	"github.com/reboundhq/rebound/internal/policy"
	"github.com/reboundhq/rebound/rules"
)

// runIn runs a rebound command line and returns its exit status and stderr.
func runIn(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(""), &out, &errOut)
	return code, errOut.String()
}

// TestPolicyExitStatus checks the exit statuses the scripts cannot: usage errors are 2, an
// unknown address is 1.
func TestPolicyExitStatus(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("REBOUND_DB", filepath.Join(dir, "rebound.db"))
	t.Setenv("REBOUND_NOW", "2026-03-05T00:00:00Z")
	bad := filepath.Join(dir, "bad.policy")
	if err := os.WriteFile(bad, []byte("[default]\nsoft_window = 72 hours\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, stderr := runIn(t, "scan", "--quiet", t.TempDir()); code != 0 { // an empty database
		t.Fatalf("scan: %d %s", code, stderr)
	}
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--policy", bad, "export"}, exitUsage, "bad.policy:2: soft_window: bad duration"},
		{[]string{"--policy", filepath.Join(dir, "missing.policy"), "evaluate"}, exitUsage, "missing.policy does not exist"},
		{[]string{"export", "--state", "active"}, exitUsage, `unknown --state "active"`},
		{[]string{"export", "--since", "soon"}, exitUsage, `bad --since "soon"`},
		{[]string{"unsuppress", "ann@example.org"}, exitUsage, "needs --reason"},
		{[]string{"unsuppress", "ann", "--reason", "x"}, exitUsage, "no @"},
		{[]string{"prune", "--older-than", "7d"}, exitUsage, "shorter than the policy's longest window"},
		{[]string{"prune"}, exitUsage, "needs --older-than"},
		{[]string{"show", "ann@example.org"}, exitFailure, "no events for ann@example.org"},
		{[]string{"unsuppress", "ann@example.org", "--reason", "x"}, exitFailure, "no events for ann@example.org"},
		{[]string{"evaluate"}, exitOK, ""},
		{[]string{"prune", "--older-than", "180d", "--dry-run"}, exitOK, ""},
	} {
		code, stderr := runIn(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.msg) {
			t.Errorf("rebound %s: status %d, stderr %q; want %d and %q", strings.Join(c.args, " "), code, stderr, c.code, c.msg)
		}
	}
	t.Setenv("REBOUND_NOW", "tomorrow")
	if code, stderr := runIn(t, "export"); code != exitUsage || !strings.Contains(stderr, "REBOUND_NOW") {
		t.Errorf("bad REBOUND_NOW: status %d, %q", code, stderr)
	}
}

// TestExportFile checks the mode of an exported file and that no temporary file is left.
func TestExportFile(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("REBOUND_DB", filepath.Join(dir, "db", "rebound.db"))
	t.Setenv("REBOUND_NOW", "2026-03-05T00:00:00Z")
	out := filepath.Join(dir, "out", "list.csv")
	if err := os.Mkdir(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	if code, stderr := runIn(t, "scan", "--quiet", t.TempDir()); code != 0 { // an empty database
		t.Fatalf("scan: %d %s", code, stderr)
	}
	for range 2 {
		if code, stderr := runIn(t, "export", "--out", out); code != 0 {
			t.Fatalf("export: %d %s", code, stderr)
		}
	}
	st, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != export.DefaultPerm {
		t.Errorf("mode %v, want %v", st.Mode().Perm(), export.DefaultPerm)
	}
	ents, _ := os.ReadDir(filepath.Dir(out))
	if len(ents) != 1 {
		t.Errorf("files left beside the export: %v", ents)
	}
	b, _ := os.ReadFile(out)
	if string(b) != "email,state,type,reason,status,reply_code,provider,first_bounce,last_bounce,bounces,window_bounces,suppressed_until,rule,last_diagnostic\r\n" {
		t.Errorf("empty export: %q", b)
	}
}

func TestPolicyID(t *testing.T) {
	load := func(user string) string {
		t.Helper()
		p, err := policy.Load(rules.DefaultPolicy, "user.policy", []byte(user))
		if err != nil {
			t.Fatal(err)
		}
		return p.ID()
	}
	a := load("[reason mailboxfull]\nsoft_threshold = 5\n[provider gmail]\npause = 3d\n")
	b := load("# same settings, other order\n[provider gmail]\npause = 3d   # shorter\n\n[reason mailboxfull]\nsoft_threshold = 5\n")
	c := load("[reason mailboxfull]\nsoft_threshold = 4\n[provider gmail]\npause = 3d\n")
	if a != b {
		t.Errorf("order and comments change the id: %s, %s", a, b)
	}
	if a == c || len(a) != 12 {
		t.Errorf("ids %s, %s: want 12 hex digits, different for different settings", a, c)
	}
	def, err := policy.Load(rules.DefaultPolicy, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if def.ID() == a {
		t.Error("the defaults have the id of a changed policy")
	}
}

func TestHorizon(t *testing.T) {
	for _, c := range []struct {
		user string
		want time.Duration
		why  string
	}{
		{"", 30 * 24 * time.Hour, "pause_window 30d"},
		{"[reason mailboxfull]\npause = 40d\n", 43 * 24 * time.Hour, "soft_window + pause 43d"},
		{"[provider gmail]\npause_window = 60d\n", 60 * 24 * time.Hour, "pause_window 60d"},
	} {
		var data []byte
		if c.user != "" {
			data = []byte(c.user)
		}
		p, err := policy.Load(rules.DefaultPolicy, "user.policy", data)
		if err != nil {
			t.Fatal(err)
		}
		if got, why := p.Horizon(); got != c.want || why != c.why {
			t.Errorf("%q: horizon %v (%s), want %v (%s)", c.user, got, why, c.want, c.why)
		}
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"7d":                        now.Add(-7 * 24 * time.Hour),
		"72h":                       now.Add(-72 * time.Hour),
		"2026-03-01":                time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
		"2026-03-01T08:30:00Z":      time.Date(2026, 3, 1, 8, 30, 0, 0, time.UTC),
		"2026-03-01T09:30:00+01:00": time.Date(2026, 3, 1, 8, 30, 0, 0, time.UTC),
	} {
		got, err := parseSince(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseSince(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "7 days", "yesterday", "2026-13-01", "-7d"} {
		if _, err := parseSince(in, now); err == nil {
			t.Errorf("parseSince(%q) accepted", in)
		}
	}
}
