package store

import (
	"context"
	"testing"
	"time"
)

// TestLastScanAndMeta checks the last scan's record (replaced by the next one, kept across
// reopening) and EnsureMeta (the first value set wins).
func TestLastScanAndMeta(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t)
	if _, ok, err := s.LastScan(ctx); err != nil || ok {
		t.Fatalf("a new database has a last scan: %v %v", ok, err)
	}
	start := time.Date(2026, 11, 30, 2, 15, 0, 0, time.UTC)
	for i, n := range []int{28, 30} {
		r := ScanRun{Started: start.Add(time.Duration(i) * time.Hour), Finished: start.Add(time.Duration(i)*time.Hour + 1500*time.Millisecond),
			Duration: 1500 * time.Millisecond, Read: n, New: n - 28}
		if err := s.RecordScan(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, ok, err := s.LastScan(ctx)
	if err != nil || !ok || r.Read != 30 || r.New != 2 || r.Duration != 1500*time.Millisecond ||
		!r.Started.Equal(start.Add(time.Hour)) || r.Finished.Unix() != start.Add(time.Hour+1500*time.Millisecond).Unix() {
		t.Errorf("last scan %+v %v %v", r, ok, err)
	}
	tot, err := s.Totals(ctx, start)
	if err != nil || tot.LastScan.Read != 30 || len(tot.Bounces) != 0 || tot.Undecodable != 0 {
		t.Errorf("totals %+v %v", tot, err)
	}

	if v, err := s.EnsureMeta(ctx, "k", "first"); err != nil || v != "first" {
		t.Fatalf("EnsureMeta: %q %v", v, err)
	}
	if v, err := s.EnsureMeta(ctx, "k", "second"); err != nil || v != "first" {
		t.Errorf("EnsureMeta replaced the value: %q %v", v, err)
	}
	if v, ok, err := s.Meta(ctx, "k"); err != nil || !ok || v != "first" {
		t.Errorf("Meta: %q %v %v", v, ok, err)
	}
	if _, ok, err := s.Meta(ctx, "none"); err != nil || ok {
		t.Errorf("Meta of a missing key: %v %v", ok, err)
	}
}
