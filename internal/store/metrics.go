package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// BounceCount is the number of events of one provider, type and reason.
type BounceCount struct {
	Provider string // "" when unknown
	Type     string
	Reason   string
	Count    int
}

// Totals are the all-time counts that `rebound stats --format prometheus` exposes beside the
// tables of a period.
type Totals struct {
	Bounces     []BounceCount  // every event with a known time, per provider, type and reason
	States      map[string]int // addresses per state at the time asked for
	Undecodable int            // messages recorded as undecodable
	LastScan    ScanRun        // zero when no scan was recorded
}

// Totals reads the all-time counts, with the states as they are at now, in one read
// transaction.
func (s *Store) Totals(ctx context.Context, now time.Time) (Totals, error) {
	t := Totals{States: map[string]int{}}
	err := s.read(ctx, "read totals", func(tx *txn) error {
		rows, err := tx.QueryContext(ctx, query("metrics_bounces"))
		if err != nil {
			return err
		}
		for rows.Next() {
			var b BounceCount
			if err := rows.Scan(&b.Provider, &b.Type, &b.Reason, &b.Count); err != nil {
				rows.Close()
				return err
			}
			t.Bounces = append(t.Bounces, b)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if rows, err = tx.QueryContext(ctx, query("metrics_states"), now.Unix(), now.Unix()); err != nil {
			return err
		}
		for rows.Next() {
			var st string
			var n int
			if err := rows.Scan(&st, &n); err != nil {
				rows.Close()
				return err
			}
			t.States[st] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, query("metrics_undecodable")).Scan(&t.Undecodable); err != nil {
			return err
		}
		t.LastScan, _, err = lastScan(ctx, tx)
		return err
	})
	return t, err
}

// ScanRun is what one scan did, as the last one is recorded in the meta table.
type ScanRun struct {
	Started  time.Time
	Finished time.Time
	Duration time.Duration
	Read     int // messages found in the mailboxes, known ones included
	New      int // messages stored by the run
}

// scanRecord is the stored form of a ScanRun: unix seconds.
type scanRecord struct {
	Started  int64   `json:"started"`
	Finished int64   `json:"finished"`
	Seconds  float64 `json:"seconds"`
	Read     int     `json:"read"`
	New      int     `json:"new"`
}

// metaLastScan is the meta key of the last scan's record (a JSON object).
const metaLastScan = "last_scan"

// RecordScan records r as the last scan (replacing the record of the one before).
func (s *Store) RecordScan(ctx context.Context, r ScanRun) error {
	b, err := json.Marshal(scanRecord{Started: r.Started.Unix(), Finished: r.Finished.Unix(),
		Seconds: r.Duration.Seconds(), Read: r.Read, New: r.New})
	if err != nil {
		return err
	}
	return s.write(ctx, "record the scan", func(tx *txn) error {
		_, err := tx.ExecContext(ctx, query("meta_put"), metaLastScan, string(b))
		return err
	})
}

// LastScan returns the record of the last scan, and false when none was recorded.
func (s *Store) LastScan(ctx context.Context) (r ScanRun, ok bool, err error) {
	err = s.read(ctx, "read the last scan", func(tx *txn) error {
		r, ok, err = lastScan(ctx, tx)
		return err
	})
	return r, ok, err
}

func lastScan(ctx context.Context, tx *txn) (ScanRun, bool, error) {
	var v string
	err := tx.QueryRowContext(ctx, query("meta_get"), metaLastScan).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return ScanRun{}, false, nil
	}
	if err != nil {
		return ScanRun{}, false, err
	}
	var rec scanRecord
	if err := json.Unmarshal([]byte(v), &rec); err != nil {
		return ScanRun{}, false, fmt.Errorf("meta %s: %w", metaLastScan, err)
	}
	return ScanRun{Started: time.Unix(rec.Started, 0).UTC(), Finished: time.Unix(rec.Finished, 0).UTC(),
		Duration: time.Duration(rec.Seconds * float64(time.Second)), Read: rec.Read, New: rec.New}, true, nil
}
