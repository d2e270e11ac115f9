package main

import (
	"bytes"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

// TestStatsDetailLimit checks what stats says and shows when a period has more bounces than it
// reads one by one: the counts stay, the recipients columns and the findings drawn from
// diagnostics go, and a note says so; --detail brings them back.
func TestStatsDetailLimit(t *testing.T) {
	t.Setenv("REBOUND_NOW", "2026-11-30T00:00:00Z")
	t.Setenv("NO_COLOR", "1")
	db := filepath.Join(t.TempDir(), "rebound.db")
	rebound := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(append([]string{"--db", db}, args...), nil, &out, &errb); code != 0 {
			t.Fatalf("rebound %s: exit %d: %s", strings.Join(args, " "), code, errb.String())
		}
		return out.String()
	}
	rebound("scan", "--quiet", filepath.Join("..", "..", "testdata", "demo", "maildir"))
	full := rebound("stats", "--wide") // every column: this is about the detail limit

	old := detailLimit
	defer func() { detailLimit = old }()
	detailLimit = 25 // the demo mailbox has 26 bounces
	cut := rebound("stats", "--wide")
	detailed := rebound("stats", "--detail", "--wide")

	for _, want := range []string{"Bounces: 26: 7 hard", "left out: 26 bounces in the period, more than the 25"} {
		if !strings.Contains(cut, want) {
			t.Errorf("above the limit, no %q in:\n%s", want, cut)
		}
	}
	for _, unwanted := range []string{"│ Recipients", "blocklist", "auth_failure", "typo_domains"} {
		if strings.Contains(cut, unwanted) {
			t.Errorf("above the limit, %q in:\n%s", unwanted, cut)
		}
	}
	for _, want := range []string{"Bounces: 26, 22 recipients: 7 hard", "│ Recipients", "blocklist", "auth_failure", "typo_domains"} {
		if !strings.Contains(full, want) {
			t.Errorf("below the limit, no %q in:\n%s", want, full)
		}
	}
	if detailed != full {
		t.Errorf("--detail above the limit differs from the output below it:\n%s\n%s", detailed, full)
	}
	if strings.Contains(full, "left out") {
		t.Errorf("below the limit, the note is shown:\n%s", full)
	}
}

// TestStatsUpgrade checks that stats on a database written before the stats tables existed
// (schema 2) brings it up to date, counting the events already stored, although it opens
// databases read-only when it can.
func TestStatsUpgrade(t *testing.T) {
	t.Setenv("REBOUND_NOW", "2026-11-30T00:00:00Z")
	t.Setenv("NO_COLOR", "1")
	db := filepath.Join(t.TempDir(), "rebound.db")
	rebound := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(append([]string{"--db", db}, args...), nil, &out, &errb); code != 0 {
			t.Fatalf("rebound %s: exit %d: %s", strings.Join(args, " "), code, errb.String())
		}
		return out.String()
	}
	rebound("scan", "--quiet", filepath.Join("..", "..", "testdata", "demo", "maildir"))
	want := rebound("stats", "--format", "json")
	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"DROP INDEX exports_baseline_idx", "ALTER TABLE exports DROP COLUMN baseline",
		"DROP TABLE exported", "CREATE TABLE exported (address TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, export_id INTEGER NOT NULL)",
		"DROP TABLE event_counts", "DROP TABLE campaign_counts", "DROP TABLE sent",
		"DROP TABLE message_contents", "DROP TABLE legacy_messages", "ALTER TABLE messages DROP COLUMN duplicate_of",
		"ALTER TABLE states DROP COLUMN carry", "DROP TABLE policy_deferred",
		"DELETE FROM schema_migrations WHERE version >= 3"} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	if got := rebound("stats", "--format", "json"); got != want {
		t.Errorf("after the upgrade:\n%s\nbefore:\n%s", got, want)
	}
	if !strings.Contains(want, `"bounces": 26`) {
		t.Errorf("no bounces in:\n%s", want)
	}
}
