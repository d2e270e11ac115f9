package store

import (
	"context"
	"database/sql"
	"iter"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
)

// This file reads the audit trail of an address: its transitions (table transitions) and the
// operator overrides (table overrides), both from migration 0002.

// Transitions yields the stored audit trail of an address, in order.
func (tx *Tx) Transitions(addr string) iter.Seq2[bounce.Transition, error] {
	return rows(tx, "read transitions", scanTransition, query("policy_transitions_of"), addr)
}

func scanTransition(rows *sql.Rows) (bounce.Transition, error) {
	var t bounce.Transition
	var at int64
	var from, to string
	var ids, rule, setting, note sql.NullString
	if err := rows.Scan(&at, &from, &to, &t.SoftCount, &ids, &rule, &setting, &note); err != nil {
		return t, err
	}
	t.At, t.From, t.To = time.Unix(at, 0).UTC(), bounce.State(from), bounce.State(to)
	t.Events = strings.Fields(ids.String)
	t.Rule, t.Setting, t.Note = rule.String, setting.String, note.String
	return t, nil
}

// Overrides yields the overrides of an address, oldest first.
func (tx *Tx) Overrides(addr string) iter.Seq2[bounce.Override, error] {
	return rows(tx, "read overrides", func(rows *sql.Rows) (bounce.Override, error) {
		o := bounce.Override{Recipient: addr}
		var at int64
		err := rows.Scan(&at, &o.By, &o.Why)
		o.At = time.Unix(at, 0).UTC()
		return o, err
	}, query("policy_overrides_of"), addr)
}

// Transitions returns the stored audit trail of an address, in order (Tx.Transitions).
func (s *Store) Transitions(ctx context.Context, addr string) ([]bounce.Transition, error) {
	return readAll(s, ctx, "read transitions", func(tx *Tx) iter.Seq2[bounce.Transition, error] { return tx.Transitions(addr) })
}

// Overrides returns the overrides of an address, oldest first (Tx.Overrides).
func (s *Store) Overrides(ctx context.Context, addr string) ([]bounce.Override, error) {
	return readAll(s, ctx, "read overrides", func(tx *Tx) iter.Seq2[bounce.Override, error] { return tx.Overrides(addr) })
}
