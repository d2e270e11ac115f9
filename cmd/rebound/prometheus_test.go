package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestStatsPrometheus runs stats --format prometheus --out on the demo mailbox with sent volumes:
// the file is replaced atomically with its mode kept, holds the metrics docs/metrics.md lists
// (and no other), with the last scan, the states, the findings and the rates, and passes
// `promtool check metrics` when promtool is installed.
func TestStatsPrometheus(t *testing.T) {
	t.Setenv("REBOUND_NOW", "2026-11-30T00:00:00Z")
	dir := t.TempDir()
	db := filepath.Join(dir, "rebound.db")
	rebound := func(wantCode int, args ...string) (string, string) {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(append([]string{"--db", db}, args...), nil, &out, &errb); code != wantCode {
			t.Fatalf("rebound %s: exit %d, want %d: %s", strings.Join(args, " "), code, wantCode, errb.String())
		}
		return out.String(), errb.String()
	}
	rebound(0, "scan", "--quiet", filepath.Join("..", "..", "testdata", "demo", "maildir"))
	rebound(0, "sent", "add", "--campaign", "black-friday", "--provider", "gmail", "--count", "600")
	rebound(0, "sent", "add", "--campaign", "black-friday", "--provider", "microsoft", "--count", "400")
	rebound(0, "sent", "add", "--campaign", "nov-offers", "--count", "400")

	prom := filepath.Join(dir, "textfile", "rebound.prom")
	if err := os.MkdirAll(filepath.Dir(prom), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(prom, []byte("old\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if out, _ := rebound(0, "stats", "--format", "prometheus", "--out", prom); out != "" {
		t.Errorf("--out printed %q", out)
	}
	b, err := os.ReadFile(prom)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(prom); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("the file's mode was not kept: %v %v", fi.Mode(), err)
	}
	got := string(b)
	stdout, _ := rebound(0, "stats", "--format", "prometheus")
	if stdout != got {
		t.Errorf("standard output and --out differ:\n%s\n%s", stdout, got)
	}
	for _, want := range []string{
		`rebound_bounces_total{provider="microsoft",type="block",reason="blocked"} 4`,
		`rebound_bounces_total{provider="yahoo",type="complaint",reason="feedback"} 1`,
		`rebound_addresses{state="suppressed"} 8`,
		`rebound_last_scan_messages_read 28`,
		`rebound_last_scan_messages_new 28`,
		`rebound_findings{severity="critical"} 3`,
		`rebound_findings{severity="warning"} 2`,
		`rebound_provider_rate{provider="microsoft",rate="bounce"} 0.01`,
		`rebound_sent_messages 1400`,
		`rebound_campaign_rate{campaign="black-friday",rate="bounce"} 0.01`,
		`rebound_campaign_rate{campaign="nov-offers",rate="hard_bounce"} 0.0125`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in\n%s", want, got)
		}
	}
	if strings.Contains(got, "autoreply") {
		t.Errorf("auto-replies counted as bounces:\n%s", got)
	}
	// The metrics are those docs/metrics.md lists, no more, no less.
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "metrics.md"))
	if err != nil {
		t.Fatal(err)
	}
	documented := regexp.MustCompile("(?m)^\\| `(rebound_[a-z_]+)`").FindAllStringSubmatch(string(doc), -1)
	var names []string
	for _, m := range documented {
		names = append(names, m[1])
	}
	written := regexp.MustCompile(`(?m)^# TYPE (\S+) `).FindAllStringSubmatch(got, -1)
	for _, m := range written {
		if !slices.Contains(names, m[1]) {
			t.Errorf("%s is written but not in docs/metrics.md", m[1])
		}
	}
	if len(written) != len(names) {
		t.Errorf("%d metrics written, %d documented: %v", len(written), len(names), names)
	}
	if promtool, err := exec.LookPath("promtool"); err == nil {
		cmd := exec.Command(promtool, "check", "metrics")
		cmd.Stdin = strings.NewReader(got)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool check metrics: %v\n%s", err, out)
		}
		// The example alert rules of docs/metrics.md are valid.
		rules := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindSubmatch(doc)
		if rules == nil {
			t.Fatal("no alert rules in docs/metrics.md")
		}
		file := filepath.Join(dir, "rules.yml")
		if err := os.WriteFile(file, rules[1], 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(promtool, "check", "rules", file).CombinedOutput(); err != nil {
			t.Errorf("promtool check rules: %v\n%s", err, out)
		}
	} else {
		t.Log("promtool is not installed (apt-get install prometheus): the exposition format is not checked by it")
	}

	// The next scan's record replaces the first's.
	rebound(0, "scan", "--quiet", filepath.Join("..", "..", "testdata", "demo", "maildir"))
	if out, _ := rebound(0, "stats", "--format", "prometheus"); !strings.Contains(out, "rebound_last_scan_messages_read 28\nrebound_last_scan_messages_new 0\n") &&
		!strings.Contains(out, "rebound_last_scan_messages_new 0") {
		t.Errorf("the second scan was not recorded:\n%s", out)
	}

	// --out writes only the metrics; --format prometheus writes all of them.
	rebound(exitUsage, "stats", "--out", prom)
	rebound(exitUsage, "stats", "--format", "prometheus", "--by", "provider")
}
