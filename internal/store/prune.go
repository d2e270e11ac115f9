package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"
)

// This file deletes old events and personal details (rebound prune, docs/privacy.md) and keeps
// the prune log (table prunes, migration 0002).

// PruneSummary says what a prune did (or, dry, would do).
type PruneSummary struct {
	Cutoff          time.Time
	EventsDeleted   int // events that bounced before the cutoff
	EventsKept      int // old events kept as the evidence of a suppression or a review (details removed)
	MessagesCleared int // messages whose subject, sender, Message-ID and error text were removed
	StatesCleared   int // states whose stored diagnostic was removed
	Forgotten       int // recipient spellings without events any more
}

// errDryRun rolls a dry-run prune back.
var errDryRun = errors.New("dry run")

// Prune deletes, in one transaction, the events that bounced before cutoff, except the
// evidence of every suppression and review (the events of an address in state suppressed or
// review since its last override, so that evaluating again gives the same state); removes the
// diagnostic, sender, subject and Message-ID of the old events kept, the subject, sender,
// Message-ID and error text of messages dated before cutoff (the message rows stay, so a
// rescan does not store them again), the diagnostic of states decided before cutoff, and the
// per-address history of exports made before cutoff. States and transitions stay. With dry,
// it reports the counts and changes nothing. Call EvaluatePending first.
func (s *Store) Prune(ctx context.Context, cutoff, now time.Time, dry bool) (PruneSummary, error) {
	sum := PruneSummary{Cutoff: cutoff}
	c := cutoff.Unix()
	err := s.write(ctx, "prune", func(tx *txn) error {
		if err := tx.secureDelete(ctx); err != nil {
			return err
		}
		steps := []struct {
			name string
			n    *int
			args []any
		}{
			{"policy_prune_events", &sum.EventsDeleted, []any{c, int64(math.MinInt64)}},
			{"policy_prune_blank_events", &sum.EventsKept, []any{c}},
			{"policy_prune_messages", &sum.MessagesCleared, []any{c}},
			{"policy_prune_legacy", new(int), []any{c}},
			{"policy_prune_states", &sum.StatesCleared, []any{c}},
			{"policy_delete_orphan_addresses", &sum.Forgotten, nil},
			{"policy_prune_export_changes", new(int), []any{c}},
		}
		for _, st := range steps {
			res, err := tx.ExecContext(ctx, query(st.name), st.args...)
			if err != nil {
				return fmt.Errorf("%s: %w", st.name, err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			*st.n = int(n)
		}
		// SQLite may reuse the ids of deleted events: keep the mark at or below the highest id,
		// so that events stored later are seen as pending, and count the prune, so that no
		// process takes its recent events for the pending ones (recent.go).
		if sum.EventsDeleted > 0 {
			if err := countPrune(ctx, tx); err != nil {
				return err
			}
			// The states' carries hold the deleted events' effects: the next evaluation of each
			// address reads what is left, as rebound evaluate would.
			if _, err := tx.ExecContext(ctx, query("policy_clear_carry")); err != nil {
				return err
			}
		}
		mark, maxID, err := marks(ctx, tx)
		if err != nil {
			return err
		}
		if mark > maxID {
			if err := setMark(ctx, tx, maxID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, query("policy_insert_prune"), now.Unix(), c, sum.EventsDeleted,
			sum.EventsKept, sum.MessagesCleared); err != nil {
			return err
		}
		if dry {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	return sum, err
}
