package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
)

// EventsFor returns the events of one recipient (compared in NormalizeRecipient form), oldest
// first with those of unknown time before the others, with ID, Key, Idx and Position set.
func (s *Store) EventsFor(ctx context.Context, recipient string) ([]bounce.Event, error) {
	return s.queryEvents(ctx, "events_for", NormalizeRecipient(recipient))
}

// queryEvents runs a named query whose rows are events (the columns scanEvent reads).
func (s *Store) queryEvents(ctx context.Context, name string, args ...any) ([]bounce.Event, error) {
	rows, err := s.db.QueryContext(ctx, query(name), args...)
	if err != nil {
		return nil, classify(s.path, "read events", err)
	}
	defer rows.Close()
	var out []bounce.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, classify(s.path, "read events", err)
		}
		out = append(out, e)
	}
	return out, classify(s.path, "read events", rows.Err())
}

// fromUnix reads a stored time: unix seconds as UTC, NULL as the zero time.
func fromUnix(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.Unix(v.Int64, 0).UTC()
}
