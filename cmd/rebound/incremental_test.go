package main

import (
	"bytes"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/gen"
	"github.com/reboundhq/rebound/internal/pgtest"
	"github.com/reboundhq/rebound/internal/policy"
	"github.com/reboundhq/rebound/internal/store"
)

// TestIncrementalEqualsFull checks that scanning a mailbox of recipients that bounce again and
// again in 1, 3 and 50 runs, each evaluating the new events from the stored states (and several
// times within a run), leaves the states, their carries and the audit trails that `rebound
// evaluate` recomputes from all events, and the same whatever the number of runs. Every run
// evaluates at the time of the last one (REBOUND_NOW), so that the states it leaves are current
// at that time: pauses that ended and soft windows that passed by then are in each run's trails,
// and are replaced when a later run brings bounces from before their end. Also:
// the runs in reverse (every run brings older bounces, which the stored states cannot take:
// each such address is listed by the run's evaluations before its last, which evaluates it from
// all its events), states without a carry halfway (a
// database migrated from before carries, or pruned), which are evaluated from all their events
// once, and runs in pairs, each day's bounces read after the next day's (a late bounce after the
// address's rewind point, replayed from there: policy.Replay). The rewind points kept in the
// carries are left out of the comparison: they depend on the evaluations the events came in. The
// policy has an 8-day horizon, so that addresses have rewind points within the mailbox's 48
// days. The test also checks that the incremental path was taken: transitions appended to a
// trail stored earlier keep their rows, so some trails span several evaluations.
func TestIncrementalEqualsFull(t *testing.T) {
	const n = 1200 // divisible by every number of runs below
	// 25 bounces a day: 48 days, long enough for the pauses, the pause_window and suppressions.
	g, err := gen.Load(gen.Options{Seed: 5, Repeat: true, PerDay: 25}, filepath.Join("..", "..", "testdata", "demo", "maildir"))
	if err != nil {
		t.Fatal(err)
	}
	old := evaluateEvery
	evaluateEvery = 20
	defer func() { evaluateEvery = old }()
	dir := t.TempDir()
	// A policy with an 8-day horizon (pause_window) instead of 30 days, so that addresses have
	// rewind points within the 48 days: the swapped runs' late bounces are replayed from them.
	pol := filepath.Join(dir, "short.policy")
	if err := os.WriteFile(pol, []byte("[default]\npause = 2d\npause_window = 8d\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var want string
	for _, c := range []struct {
		name    string
		runs    int
		reverse bool // newest bounces first
		forget  bool // clear the carries halfway
		swap    bool // runs in pairs, the later bounces of each pair first
	}{{"1 run", 1, false, false, false}, {"3 runs", 3, false, false, false}, {"50 runs", 50, false, false, false},
		{"3 runs reversed", 3, true, false, false}, {"5 runs, carries cleared", 5, false, true, false},
		{"50 runs, pairs swapped", 50, false, false, true}} {
		db := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".db")
		if os.Getenv("REBOUND_TEST_BACKEND") == "postgres" {
			db = pgtest.URL(t)
		}
		per := n / c.runs
		_, newest := g.Message(0)
		t.Setenv(nowEnv, newest.Add(time.Hour).UTC().Format(time.RFC3339))
		for j := range c.runs {
			// Message 0 is the newest bounce: run j (of the runs in time order) takes the j-th
			// oldest slice.
			first := n - (j+1)*per
			if c.reverse {
				first = j * per
			} else if c.swap {
				first = n - (j^1+1)*per // a day's bounces read after the next day's: late, but after the rewind points
			}
			box := filepath.Join(dir, fmt.Sprintf("%s-%d", strings.ReplaceAll(c.name, " ", "-"), j))
			if err := g.WriteMaildir(box, first, per); err != nil {
				t.Fatal(err)
			}
			runOK(t, "--db", db, "--policy", pol, "scan", "--quiet", "--batch", "10", box)
			if c.forget && j == c.runs/2 {
				execSQL(t, db, "UPDATE states SET carry = NULL")
			}
		}
		// A carry cleared stays so until the address's next evaluation.
		got, split := dump(t, db, !c.forget)
		runOK(t, "--db", db, "--policy", pol, "evaluate")
		full, _ := dump(t, db, !c.forget)
		if got != full {
			t.Fatalf("%s: stored states and trails differ from rebound evaluate's:\n%s", c.name, diff(got, full))
		}
		if want == "" {
			want = full
			if s := strings.Count(full, "\nstate|"); s < 100 || !strings.Contains(full, "soft turned hard") ||
				!strings.Contains(full, "pause ended") || !strings.Contains(full, "|paused|") {
				t.Fatalf("test mailbox too simple: %d states, want pauses ended and soft turned hard:\n%.3000s", s, full)
			}
		} else if full, _ := dump(t, db, true); full != want {
			t.Fatalf("%s: states and trails differ from one run's:\n%s", c.name, diff(full, want))
		}
		t.Logf("%s: %d trails appended to across evaluations", c.name, split)
		if c.runs == 50 && !c.reverse && split >= 0 && split < 20 {
			t.Errorf("%s: %d trails appended to, want the incremental path taken", c.name, split)
		}
	}
}

func runOK(t *testing.T, args ...string) {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := run(args, nil, &out, &errOut); code != 0 {
		t.Fatalf("rebound %v: exit %d\n%s", args, code, errOut.Bytes())
	}
}

func execSQL(t *testing.T, db, q string) {
	t.Helper()
	d := openSQL(t, db)
	defer d.Close()
	if _, err := d.Exec(q); err != nil {
		t.Fatal(err)
	}
}

// openSQL opens the database db (a SQLite file or a PostgreSQL URL) behind rebound's back.
func openSQL(t *testing.T, db string) *sql.DB {
	t.Helper()
	driver := "sqlite"
	if store.IsPostgres(db) {
		driver = "pgx" // registered by the store's PostgreSQL backend
	}
	d, err := sql.Open(driver, db)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// dump renders every state (with its carry or not) and transition of the database, and counts the
// addresses whose transitions were not all written by one evaluation (their rows are not
// consecutive in SQLite's rowid order; -1 on PostgreSQL, whose tables have no such order).
func dump(t *testing.T, db string, carry bool) (string, int) {
	t.Helper()
	d := openSQL(t, db)
	defer d.Close()
	var b strings.Builder
	states := "SELECT 'state', * FROM states ORDER BY address"
	if !carry {
		states = "SELECT 'state', address, state, soft_count, pause_count, suppressed_until, expires_at, since, " +
			"first_bounce, last_bounce, bounces, event_id, type, reason, status, reply_code, provider, rule, " +
			"diagnostic, decided_at, setting, policy, evaluated_at FROM states ORDER BY address"
	}
	for _, q := range []string{
		states,
		"SELECT 'transition', address, seq, at, from_state, to_state, soft_count, event_ids, rule, setting, note FROM transitions ORDER BY address, seq",
	} {
		for _, l := range queryLines(t, d, q) {
			b.WriteString("\n" + withoutPoints(t, l))
		}
	}
	if store.IsPostgres(db) {
		return b.String(), -1
	}
	var split int
	err := d.QueryRow(`SELECT count(*) FROM (SELECT address FROM transitions GROUP BY address
		HAVING max(rowid) - min(rowid) + 1 > count(*))`).Scan(&split)
	if err != nil {
		t.Fatal(err)
	}
	return b.String(), split
}

// withoutPoints returns a dumped state row with its carry's rewind points left out: they depend
// on the evaluations the events came in (policy.Carry.Rewind), and any gives the same states.
func withoutPoints(t *testing.T, line string) string {
	t.Helper()
	i := strings.LastIndex(line, `|{"s":`)
	if !strings.HasPrefix(line, "state|") || i < 0 {
		return line
	}
	c, err := policy.ParseCarry(line[i+1:])
	if err != nil {
		t.Fatal(err)
	}
	c.Rewind, c.Next, c.NextIsLast = nil, nil, false
	return line[:i+1] + c.String()
}

// queryLines runs a query and returns its rows, each as its fields joined with "|".
func queryLines(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var out []string
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		fields := make([]string, len(vals))
		for i, v := range vals {
			fields[i] = fmt.Sprint(v)
		}
		out = append(out, strings.Join(fields, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// diff returns the first lines where a and b differ.
func diff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\n got  %.600s\n want %.600s", i, al[i], bl[i])
		}
	}
	return fmt.Sprintf("%d lines against %d", len(al), len(bl))
}
