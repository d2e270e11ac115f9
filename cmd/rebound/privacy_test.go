package main

import (
	"bytes"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/pseudo"
)

// TestPseudonymisePrivacy scans a corpus (the shared Sisimai set when present, else the demo
// mailbox), pseudonymises every event (prune --pseudonymise-older-than, at a time long after
// them), and reads the bytes of the database file and its WAL: no address that is not kept in
// clear (suppressed, under review, paused, exported) is left in them, while every kept one is
// still there. The stats tables and the suppression list are the same as before, and show finds
// a pseudonymised history by address and by pseudonym.
func TestPseudonymisePrivacy(t *testing.T) {
	if testing.Short() {
		t.Skip("scans a corpus")
	}
	corpus := filepath.Join("..", "..", "..", "shared", "corpus", "sisimai", "maildir", "bsd")
	if _, err := os.Stat(corpus); err != nil {
		corpus = filepath.Join("..", "..", "testdata", "demo", "maildir")
	}
	t.Logf("corpus %s", corpus)
	t.Setenv("REBOUND_NOW", "2040-01-01T00:00:00Z")
	t.Setenv("NO_COLOR", "1")
	db := filepath.Join(t.TempDir(), "rebound.db")
	rebound := func(args ...string) (string, string) {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(append([]string{"--db", db}, args...), nil, &out, &errb); code != 0 && code != exitPartialRead {
			t.Fatalf("rebound %s: exit %d: %s", strings.Join(args, " "), code, errb.String())
		}
		return out.String(), errb.String()
	}
	rebound("scan", "--quiet", corpus)
	period := []string{"--from", "1990-01-01", "--to", "2039-12-31", "--detail"}
	statsJSON, _ := rebound(append([]string{"stats", "--format", "json"}, period...)...)
	statsCSV, _ := rebound(append([]string{"stats", "--format", "csv"}, period...)...)
	list, _ := rebound("export", "--quiet", "--include-paused")

	active, kept := recipientsByKeep(t, db)
	if len(active) < 10 || len(kept) == 0 {
		t.Fatalf("%d recipients to pseudonymise and %d kept in clear: the corpus does not test this", len(active), len(kept))
	}
	if n := foundIn(t, db, active); n == 0 {
		t.Fatal("no recipient found in the database's bytes before: the check below cannot fail")
	}

	_, stderr := rebound("prune", "--pseudonymise-older-than", "400d")
	if !strings.Contains(stderr, "pseudonymised ") {
		t.Errorf("prune said %q", stderr)
	}
	if n := foundIn(t, db, active); n != 0 {
		t.Errorf("%d of %d recipients not kept in clear are still in the database's bytes", n, len(active))
	}
	if n := foundIn(t, db, kept); n != len(kept) {
		t.Errorf("%d of %d addresses kept in clear (suppressed, review) are in the file", n, len(kept))
	}
	t.Logf("%d recipients pseudonymised, none left in the file or its WAL; %d kept in clear", len(active), len(kept))

	if got, _ := rebound(append([]string{"stats", "--format", "json"}, period...)...); got != statsJSON {
		t.Errorf("stats --format json changed:\n%s\n%s", statsJSON, got)
	}
	if got, _ := rebound(append([]string{"stats", "--format", "csv"}, period...)...); got != statsCSV {
		t.Errorf("stats --format csv changed")
	}
	if got, _ := rebound("export", "--quiet", "--include-paused"); got != list {
		t.Errorf("the suppression list changed:\n%s\n%s", list, got)
	}

	// show finds a pseudonymised history by its address and by its pseudonym.
	var addr string
	for a := range active {
		if strings.Contains(a, "@") && (addr == "" || a < addr) {
			addr = a
		}
	}
	out, stderr := rebound("show", addr)
	if !strings.Contains(stderr, addr+" is pseudonymised: its history is stored as "+pseudo.Prefix) || !strings.Contains(out, pseudo.Prefix) {
		t.Errorf("show %s: %s%s", addr, stderr, out)
	}
	p := strings.Fields(out)[1]
	if !pseudo.Is(p) {
		t.Fatalf("show %s printed %q", addr, out)
	}
	if again, _ := rebound("show", p); again != out {
		t.Errorf("show %s differs from show %s:\n%s\n%s", p, addr, again, out)
	}
}

// recipientsByKeep reads the recipients stored (every spelling, and the normalised address)
// and sorts them: those kept in clear (suppressed or under review at the test's time, after
// every pause has ended) and the others.
func recipientsByKeep(t *testing.T, db string) (active, kept map[string]bool) {
	t.Helper()
	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	rows, err := raw.Query(`SELECT r.recipient, COALESCE(r.address, ''), COALESCE(s.state, '')
		FROM recipient_addresses r LEFT JOIN states s ON s.address = r.address`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	active, kept = map[string]bool{}, map[string]bool{}
	for rows.Next() {
		var r, a, st string
		if err := rows.Scan(&r, &a, &st); err != nil {
			t.Fatal(err)
		}
		m := active
		if st == "suppressed" || st == "review" {
			m = kept
		}
		for _, s := range []string{r, a} {
			if len(s) >= 6 { // a shorter malformed recipient ("<>") is found in any file
				m[s] = true
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for s := range kept {
		delete(active, s) // a spelling shared by both is kept
	}
	return active, kept
}

// foundIn returns how many of addrs are in the bytes of the database file and its WAL
// (compared in lower case: stored recipients are), as addresses of their own: nyaan@example.org
// is not found in neko-nyaan@example.org.
func foundIn(t *testing.T, db string, addrs map[string]bool) int {
	t.Helper()
	var data []byte
	for _, f := range []string{db, db + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		data = append(data, bytes.ToLower(b)...)
	}
	n := 0
	for a := range addrs {
		if containsWord(data, []byte(strings.ToLower(a))) {
			n++
		}
	}
	return n
}

// containsWord reports whether data holds word not preceded by a byte of a local part.
func containsWord(data, word []byte) bool {
	for i := 0; ; {
		j := bytes.Index(data[i:], word)
		if j < 0 {
			return false
		}
		if at := i + j; at == 0 || !strings.ContainsRune("abcdefghijklmnopqrstuvwxyz0123456789._%+-", rune(data[at-1])) {
			return true
		}
		i += j + 1
	}
}
