package store

import (
	"context"
	"testing"

	"github.com/reboundhq/rebound/internal/bounce"
)

// TestExportBaselines checks that each target has its own delivery baseline, and that the
// shared record of before migration 0007 is continued by the targets that used it then (a file
// written then, a sync name) and by no other.
func TestExportBaselines(t *testing.T) {
	ctx := context.Background()
	s, p, ev := evaluatedStore(t, "2026-03-05T00:00:00Z")
	lists := []bounce.State{bounce.StateSuppressed, bounce.StatePaused, bounce.StateReview}
	// export delivers every listed row (recording it when rec) and returns how many had been
	// delivered before to b.
	export := func(s *Store, b Baseline, record bool) (known, rows int) {
		t.Helper()
		var rec *Export
		if record {
			rec = &Export{At: ev.Now, Target: b.Name, Format: "csv", Policy: "default"}
		}
		_, err := s.Export(ctx, ev.Now, lists, b, rec, func(lr *Lister) error {
			return deliverAll(lr, func(l *Listed) string {
				rows++
				if l.Last != "" {
					known++
				}
				return "f " + l.State.Address
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		return known, rows
	}
	crm := Baseline{Name: "/srv/crm/changes.csv", Targets: []string{"/srv/crm/changes.csv"}}
	look := Baseline{Name: "/tmp/look.csv", Targets: []string{"/tmp/look.csv"}}
	if known, rows := export(s, look, true); known != 0 || rows < 3 {
		t.Fatalf("first look: %d of %d rows known, want 0 of 3 or more", known, rows)
	}
	if known, rows := export(s, crm, false); known != 0 {
		t.Errorf("the CRM after a look elsewhere: %d of %d rows known as delivered, want 0", known, rows)
	}
	export(s, crm, true)
	if known, rows := export(s, crm, false); known != rows {
		t.Errorf("the CRM after its export: %d of %d rows known, want all", known, rows)
	}
	if _, err := s.Export(ctx, ev.Now, lists, Baseline{}, &Export{At: ev.Now, Target: "-"}, nil); err == nil {
		t.Error("an export recorded without a baseline: no error")
	}

	// A database of before 0007, where the CRM's file was the last target: the shared record.
	s.Close()
	downgrade(t, p, 6)
	s, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, rows := export(s, crm, false)
	for _, c := range []struct {
		b    Baseline
		want int
	}{
		{crm, rows}, // written before: goes on where it stopped
		{Baseline{Name: "nightly", Sync: true}, rows},                              // a sync name continues the shared record
		{Baseline{Name: "/srv/other.csv", Targets: []string{"/srv/other.csv"}}, 0}, // never written
	} {
		if known, _ := export(s, c.b, false); known != c.want {
			t.Errorf("after the upgrade, %s: %d rows known as delivered, want %d", c.b.Name, known, c.want)
		}
	}
	// Recorded, a baseline takes a copy; the shared record is never moved.
	export(s, Baseline{Name: "nightly", Sync: true}, true)
	var shared, nightly int
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM exported WHERE baseline = ?", SharedBaseline).Scan(&shared); err != nil {
		t.Fatal(err)
	}
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM exported WHERE baseline = 'nightly'").Scan(&nightly); err != nil {
		t.Fatal(err)
	}
	if shared != rows || nightly != rows {
		t.Errorf("after recording nightly: %d shared and %d nightly rows, want %d each", shared, nightly, rows)
	}
}

// TestListerStops checks that a delivery may stop reading the listed rows early: the listing
// ends there, the rows delivered are counted, and the export succeeds.
func TestListerStops(t *testing.T) {
	ctx := context.Background()
	s, _, ev := evaluatedStore(t, "2026-03-05T00:00:00Z")
	lists := []bounce.State{bounce.StateSuppressed, bounce.StatePaused}
	n := 0
	res, err := s.Export(ctx, ev.Now, lists, Baseline{}, nil, func(lr *Lister) error {
		for l, err := range lr.Listed() {
			if err != nil {
				return err
			}
			n++
			if err := lr.Deliver(l, "f"); err != nil {
				return err
			}
			break
		}
		for _, err := range lr.Left() { // no baseline: none left
			if err != nil {
				return err
			}
			n += 100
		}
		return nil
	})
	if err != nil || n != 1 || res.Rows != 1 || res.New != 1 {
		t.Errorf("export stopped after one row: %+v, %d rows seen, %v", res, n, err)
	}
}
