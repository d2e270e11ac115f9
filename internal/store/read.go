package store

import (
	"context"
	"database/sql"
	"time"
)

// Count is the number of events and of distinct recipients for one type and reason.
type Count struct {
	Type       string
	Reason     string
	Events     int
	Recipients int
}

// CountsByTypeReason counts events per type and reason, most frequent first (then by type and
// reason). A zero since counts every event; otherwise only events that bounced at or after
// since, leaving out those of unknown time.
func (s *Store) CountsByTypeReason(ctx context.Context, since time.Time) ([]Count, error) {
	var rows *sql.Rows
	var err error
	if since.IsZero() {
		rows, err = s.db.QueryContext(ctx, query("counts_all"))
	} else {
		rows, err = s.db.QueryContext(ctx, query("counts_since"), since.Unix())
	}
	if err != nil {
		return nil, classify(s.path, "count events", err)
	}
	defer rows.Close()
	var out []Count
	for rows.Next() {
		var c Count
		if err := rows.Scan(&c.Type, &c.Reason, &c.Events, &c.Recipients); err != nil {
			return nil, classify(s.path, "count events", err)
		}
		out = append(out, c)
	}
	return out, classify(s.path, "count events", rows.Err())
}

// Row describes one recipient that hard-bounced or complained.
type Row struct {
	Recipient      string
	Type           string // of the latest hard bounce or complaint
	Reason         string // of the latest
	Status         string // of the latest
	ReplyCode      string // of the latest
	Provider       string // of the latest
	FirstBounce    time.Time
	LastBounce     time.Time
	Count          int    // number of hard bounces and complaints
	LastDiagnostic string // of the latest
}

// HardAndComplaints returns one row per recipient with at least one event of type hard or
// complaint, sorted by recipient. The row is described by the recipient's latest such event;
// events of unknown time count as the oldest. FirstBounce and LastBounce are zero when no such
// event has a known time.
func (s *Store) HardAndComplaints(ctx context.Context) ([]Row, error) {
	rows, err := s.db.QueryContext(ctx, query("hard_and_complaints"))
	if err != nil {
		return nil, classify(s.path, "list hard bounces", err)
	}
	defer rows.Close()
	var out []Row
	for rows.Next() {
		var r Row
		var status, reply, provider, diag sql.NullString
		var first, last sql.NullInt64
		if err := rows.Scan(&r.Recipient, &r.Type, &r.Reason, &status, &reply, &provider, &first,
			&last, &r.Count, &diag); err != nil {
			return nil, classify(s.path, "list hard bounces", err)
		}
		r.Status, r.ReplyCode, r.Provider, r.LastDiagnostic = status.String, reply.String, provider.String, diag.String
		r.FirstBounce, r.LastBounce = fromUnix(first), fromUnix(last)
		out = append(out, r)
	}
	return out, classify(s.path, "list hard bounces", rows.Err())
}

// MessageCounts returns the number of stored messages per outcome (see Outcomes); outcomes
// without messages are absent.
func (s *Store) MessageCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, query("message_counts"))
	if err != nil {
		return nil, classify(s.path, "count messages", err)
	}
	defer rows.Close()
	out := make(map[string]int)
	for rows.Next() {
		var outcome string
		var n int
		if err := rows.Scan(&outcome, &n); err != nil {
			return nil, classify(s.path, "count messages", err)
		}
		out[outcome] = n
	}
	return out, classify(s.path, "count messages", rows.Err())
}

// EventsFor returns the events of one recipient (compared in NormalizeRecipient form), oldest
// first with those of unknown time before the others, with MessageKey, Idx and Position set.
func (s *Store) EventsFor(ctx context.Context, recipient string) ([]Event, error) {
	return s.queryEvents(ctx, "events_for", NormalizeRecipient(recipient))
}

// queryEvents runs a named query whose rows are events (the columns scanEvent reads).
func (s *Store) queryEvents(ctx context.Context, name string, args ...any) ([]Event, error) {
	rows, err := s.db.QueryContext(ctx, query(name), args...)
	if err != nil {
		return nil, classify(s.path, "read events", err)
	}
	defer rows.Close()
	var out []Event
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
