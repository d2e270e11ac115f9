package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
)

// This file reads the audit trail of an address: its transitions (table transitions) and the
// operator overrides (table overrides), both from migration 0002.

// Transitions returns the stored audit trail of an address, in order.
func (s *Store) Transitions(ctx context.Context, addr string) ([]bounce.Transition, error) {
	rows, err := s.db.QueryContext(ctx, query("policy_transitions_of"), addr)
	if err != nil {
		return nil, classify(s.path, "read transitions", err)
	}
	defer rows.Close()
	var out []bounce.Transition
	for rows.Next() {
		var t bounce.Transition
		var at int64
		var from, to string
		var ids, rule, setting, note sql.NullString
		if err := rows.Scan(&at, &from, &to, &t.SoftCount, &ids, &rule, &setting, &note); err != nil {
			return nil, classify(s.path, "read transitions", err)
		}
		t.At, t.From, t.To = time.Unix(at, 0).UTC(), bounce.State(from), bounce.State(to)
		t.Events = strings.Fields(ids.String)
		t.Rule, t.Setting, t.Note = rule.String, setting.String, note.String
		out = append(out, t)
	}
	return out, classify(s.path, "read transitions", rows.Err())
}

// Overrides returns the overrides of an address, oldest first.
func (s *Store) Overrides(ctx context.Context, addr string) ([]bounce.Override, error) {
	rows, err := s.db.QueryContext(ctx, query("policy_overrides_of"), addr)
	if err != nil {
		return nil, classify(s.path, "read overrides", err)
	}
	defer rows.Close()
	var out []bounce.Override
	for rows.Next() {
		o := bounce.Override{Recipient: addr}
		var at int64
		if err := rows.Scan(&at, &o.By, &o.Why); err != nil {
			return nil, classify(s.path, "read overrides", err)
		}
		o.At = time.Unix(at, 0).UTC()
		out = append(out, o)
	}
	return out, classify(s.path, "read overrides", rows.Err())
}
