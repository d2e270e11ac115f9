package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/pgtest"
	"github.com/reboundhq/rebound/internal/store"
)

// sameAnswerSources are the mailboxes TestPostgresSameAnswers scans: the demo maildir and, when
// ../shared is beside the checkout, both scored corpora.
func sameAnswerSources(t *testing.T) []string {
	srcs := []string{filepath.Join("..", "..", "testdata", "demo", "maildir")}
	shared := filepath.Join("..", "..", "..", "shared", "corpus")
	for _, p := range []string{"sisimai/maildir", "foreign/messages"} {
		if _, err := os.Stat(filepath.Join(shared, p)); err == nil {
			srcs = append(srcs, filepath.Join(shared, p))
		} else {
			t.Logf("%s not found: compared without it", p)
		}
	}
	return srcs
}

// runOut runs rebound in-process with args and returns its standard output, failing t on a
// non-zero exit status.
func runOut(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := run(args, strings.NewReader(""), &out, &errOut); code != 0 {
		t.Fatalf("rebound %s: exit status %d\n%s", strings.Join(args, " "), code, errOut.String())
	}
	return out.String()
}

// answers runs the reporting commands of item 4 of docs/postgres.md ("Same answers") on db and
// returns their outputs by command line.
func answers(t *testing.T, db string, addrs []string) map[string]string {
	out := map[string]string{}
	cmds := [][]string{
		{"export"},
		{"export", "--format", "jsonl", "--include-paused"},
		{"recommend", "--format", "json"},
		{"show", "--malformed", "--json"},
		{"stats", "--format", "json", "--from", "2000-01-01", "--to", "2030-12-31"},
	}
	for _, by := range []string{"provider", "reason", "type", "day", "week", "campaign", "domain"} {
		cmds = append(cmds, []string{"stats", "--format", "json", "--by", by, "--from", "2000-01-01", "--to", "2030-12-31"})
	}
	for _, a := range addrs {
		cmds = append(cmds, []string{"show", "--json", a})
	}
	for _, c := range cmds {
		out[strings.Join(c, " ")] = runOut(t, append([]string{"--db", db}, c...)...)
	}
	return out
}

// exportedAddresses returns up to n addresses of a jsonl export, spread over it.
func exportedAddresses(t *testing.T, jsonl string, n int) []string {
	var all []string
	sc := bufio.NewScanner(strings.NewReader(jsonl))
	for sc.Scan() {
		var row struct {
			Address string `json:"email"`
		}
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatalf("export --format jsonl: %v", err)
		}
		all = append(all, row.Address)
	}
	if len(all) <= n {
		return all
	}
	var some []string
	for i := range n {
		some = append(some, all[i*len(all)/n])
	}
	return some
}

// TestPostgresSameAnswers scans the demo maildir and the shared corpora into a SQLite file and
// a PostgreSQL database and checks that export, stats --format json (every --by), show --json
// and recommend --format json print the same bytes for both.
func TestPostgresSameAnswers(t *testing.T) {
	pg := pgtest.URL(t)
	lite := filepath.Join(t.TempDir(), "rebound.db")
	t.Setenv("REBOUND_NOW", "2026-12-01T00:00:00Z")
	t.Setenv("NO_COLOR", "1")
	for _, db := range []string{lite, pg} {
		runOut(t, append([]string{"--db", db, "scan", "--quiet", "--host", "mx1"}, sameAnswerSources(t)...)...)
	}
	jsonl := runOut(t, "--db", lite, "export", "--format", "jsonl", "--include-paused")
	addrs := exportedAddresses(t, jsonl, 120)
	if len(addrs) == 0 {
		t.Fatal("the SQLite export lists no address")
	}
	want, got := answers(t, lite, addrs), answers(t, pg, addrs)
	same := 0
	for cmd, w := range want {
		if g := got[cmd]; g != w {
			t.Errorf("rebound %s: PostgreSQL's output differs from SQLite's:\n%s", cmd, firstDiff(w, g))
			continue
		}
		same++
	}
	t.Logf("%d outputs compared (%d addresses shown), %d identical", len(want), len(addrs), same)
}

// firstDiff shows the first line where a and b differ.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range max(len(al), len(bl)) {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n  sqlite:   %q\n  postgres: %q", i+1, x, y)
		}
	}
	return "(same lines)"
}

// TestDBCopyRoundTrip copies a SQLite database of the demo maildir and the shared corpora into
// PostgreSQL and back into a new SQLite file, after an export recorded and an override, and
// checks that all three answer export, stats, show and recommend alike, and keep the export
// history (export --new finds nothing new on the copies).
func TestDBCopyRoundTrip(t *testing.T) {
	pg := pgtest.URL(t)
	dir := t.TempDir()
	lite, back := filepath.Join(dir, "rebound.db"), filepath.Join(dir, "back.db")
	t.Setenv("REBOUND_NOW", "2026-12-01T00:00:00Z")
	t.Setenv("NO_COLOR", "1")
	runOut(t, append([]string{"--db", lite, "scan", "--quiet", "--host", "mx1"}, sameAnswerSources(t)...)...)
	runOut(t, "--db", lite, "export", "--new", "--out", filepath.Join(dir, "crm.csv"))
	jsonl := runOut(t, "--db", lite, "export", "--format", "jsonl", "--include-paused")
	addrs := exportedAddresses(t, jsonl, 40)
	if len(addrs) == 0 {
		t.Fatal("the SQLite export lists no address")
	}
	listed := exportedAddresses(t, runOut(t, "--db", lite, "export", "--format", "jsonl"), 1)
	runOut(t, "--db", lite, "unsuppress", listed[0], "--reason", "asked by the customer")
	execSQL(t, lite, "ANALYZE") // SQLite's own table sqlite_stat1 is not copied
	out := runOut(t, "db", "copy", "--from", lite, "--to", pg)
	if !strings.Contains(out, "events ") || !strings.Contains(out, "overrides 1") {
		t.Errorf("db copy to PostgreSQL printed %q", out)
	}
	runOut(t, "db", "copy", "--from", pg, "--to", back)
	want := answers(t, lite, addrs)
	for _, db := range []string{pg, back} {
		got := answers(t, db, addrs)
		for cmd, w := range want {
			if got[cmd] != w {
				t.Errorf("%s: rebound %s differs from the original's:\n%s", store.Redact(db), cmd, firstDiff(w, got[cmd]))
			}
		}
		// The export history came along (the delivery baseline of crm.csv): the one address
		// unsuppressed since is all that changed.
		var summary bytes.Buffer
		run([]string{"--db", db, "export", "--new", "--out", filepath.Join(dir, "crm.csv")}, strings.NewReader(""), io.Discard, &summary)
		if !strings.Contains(summary.String(), "0 added, 0 changed, 1 removed") {
			t.Errorf("%s: export --new: %s", store.Redact(db), summary.String())
		}
	}
	// A copy goes only into an empty database.
	var stderr bytes.Buffer
	if code := run([]string{"db", "copy", "--from", lite, "--to", pg}, strings.NewReader(""), io.Discard, &stderr); code != exitDatabase ||
		!strings.Contains(stderr.String(), "is not empty") {
		t.Errorf("copy into a database with rows: exit %d, %s", code, stderr.String())
	}
}
