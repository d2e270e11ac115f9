package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/pgtest"
)

// TestBulkSaveSameRows saves the same batches into two PostgreSQL databases, one with the bulk
// writes of save_bulk.go and one row by row (as SQLite does), and checks that SaveBatch answers
// alike (messages stored, duplicates and their owners) and that every table ends up with the
// same rows, events' ids included, and the same states after an evaluation. The batches repeat
// keys within a batch and across batches, share content keys within a batch and across
// batches, and hold messages without a content key or without events; the keys have a host's
// prefix.
func TestBulkSaveSameRows(t *testing.T) {
	ctx := context.Background()
	bulk, err := Open(pgtest.URL(t), WithHost("mx1"))
	if err != nil {
		t.Fatal(err)
	}
	defer bulk.Close()
	rows, err := Open(pgtest.URL(t), WithHost("mx1"))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	rows.db.d = &dialect{name: "postgres", dollar: true, overrides: postgresDialect.overrides,
		readTx: postgresDialect.readTx, lockWrites: postgresDialect.lockWrites} // bulkSave false
	if !bulk.db.d.bulkSave {
		t.Fatal("the PostgreSQL dialect does not write in bulk")
	}
	rnd := rand.New(rand.NewPCG(17, 2))
	scanned := mustTime("2024-03-05T00:00:00Z")
	for b := range 8 {
		var batch []Message
		for range 50 + rnd.IntN(1200) { // past bulkRows messages and events
			k := rnd.IntN(3000)
			m := benchBatch(k, 1)[0]
			m.ScannedAt = scanned
			switch rnd.IntN(6) {
			case 0:
				m.ContentKey = "" // stored by its key only
			case 1:
				m.ContentKey = fmt.Sprintf("c:shared%d", k%40) // a copy of another message
			case 2:
				m.Events, m.Outcome = nil, "notbounce"
			}
			batch = append(batch, m)
		}
		other := slices.Clone(batch)
		for i := range other {
			other[i].Events = slices.Clone(other[i].Events)
		}
		nb, err := bulk.SaveBatch(ctx, batch, nil)
		if err != nil {
			t.Fatalf("batch %d, bulk: %v", b, err)
		}
		nr, err := rows.SaveBatch(ctx, other, nil)
		if err != nil {
			t.Fatalf("batch %d, row by row: %v", b, err)
		}
		if nb != nr {
			t.Errorf("batch %d: %d messages stored in bulk, %d row by row", b, nb, nr)
		}
		for i := range batch {
			if batch[i].Stored != other[i].Stored || batch[i].DuplicateOf != other[i].DuplicateOf {
				t.Fatalf("batch %d, message %d (%s): stored %v, duplicate of %q in bulk; %v, %q row by row", b, i,
					batch[i].Key, batch[i].Stored, batch[i].DuplicateOf, other[i].Stored, other[i].DuplicateOf)
			}
		}
		if b == 4 {
			for _, s := range []*Store{bulk, rows} {
				if _, err := s.EvaluatePending(ctx, defaultEvaluator(t, "2024-03-05T00:00:00Z")); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for _, s := range []*Store{bulk, rows} {
		if _, err := s.EvaluatePending(ctx, defaultEvaluator(t, "2024-03-06T00:00:00Z")); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, bulk, "messages WHERE outcome = 'duplicate'"); n == 0 {
		t.Error("no duplicate stored: the test batches do not exercise content keys")
	}
	filled := []string{"messages", "events", "message_contents", "event_counts", "campaign_counts",
		"recipient_addresses", "states", "transitions"}
	names, err := bulk.tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range names {
		if table == "schema_migrations" || table == "meta" {
			continue
		}
		got, want := tableRows(t, bulk, table), tableRows(t, rows, table)
		if len(got) == 0 && slices.Contains(filled, table) {
			t.Errorf("table %s: no rows", table)
		}
		if !slices.Equal(got, want) {
			t.Errorf("table %s: %d rows in bulk, %d row by row; first difference:\n%s", table, len(got), len(want), firstDifference(got, want))
		}
	}
}

// tableRows reads every row of a table, each as its values joined with "|", sorted.
func tableRows(t *testing.T, s *Store, table string) []string {
	t.Helper()
	r, err := s.db.Query("SELECT * FROM " + table)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cols, _ := r.Columns()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var out []string
	for r.Next() {
		if err := r.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		f := make([]string, len(vals))
		for i, v := range vals {
			f[i] = fmt.Sprint(v)
		}
		out = append(out, strings.Join(f, "|"))
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func firstDifference(a, b []string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return fmt.Sprintf("  bulk: %.400s\n  rows: %.400s", a[i], b[i])
		}
	}
	return fmt.Sprintf("%d rows against %d", len(a), len(b))
}
