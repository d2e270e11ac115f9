package store

import (
	"context"
	"database/sql"
	"iter"
	"strconv"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
)

// This file keeps the evaluated state of every address (table states, migration 0002) and reads
// the mapping of stored recipients to addresses (recipient_addresses).

// StateRow is the stored state of one address.
type StateRow struct {
	Address         string
	State           bounce.State // as evaluated at EvaluatedAt; see Effective
	SoftCount       int
	PauseCount      int
	SuppressedUntil time.Time // paused: the end of the pause
	ExpiresAt       time.Time // paused: the pause end; soft: the end of the soft window; else zero
	Since           time.Time // time of the transition into State
	FirstBounce     time.Time
	LastBounce      time.Time
	Bounces         int
	// Decision is the deciding event (policy.Result's), as stored with the state: its ID, Type,
	// Reason, Status, ReplyCode, Provider, Rule, Diagnostic and BouncedAt; ID is "" when none.
	Decision    bounce.Event
	Setting     string // policy settings of the deciding transition
	Policy      string // id of the policy that evaluated it
	EvaluatedAt time.Time
	// Carry is what the policy needs to evaluate the address's new events without its earlier
	// ones (internal/policy Carry, in the policy's own text); "" when unknown (a state from
	// before migration 0006, or after a prune): the next evaluation reads all the events.
	Carry string
}

// Effective returns the state at now (bounce.Effective).
func (r *StateRow) Effective(now time.Time) bounce.State {
	return bounce.Effective(r.State, r.ExpiresAt, now)
}

// The columns of a state row and of a transition row (policy_upsert_states,
// policy_insert_transitions).
const stateCols, transitionCols = 23, 10

// decidedWriter stores evaluated addresses: each one's state row and its transitions, numbered
// after the d.Kept ones already stored (trim removes the others). On SQLite it writes row by row
// with prepared statements; on PostgreSQL (bulkSave) it collects the rows and flush writes them
// with multi-row statements, as SaveBatch does (save_bulk.go): the trims first, then the states,
// then the transitions, so that each address's writes keep their order.
type decidedWriter struct {
	upState, insTr, delAfter *sql.Stmt // row by row
	bulk                     bool
	trims, states, trs       []any // the flattened rows of the next flush
}

func newDecidedWriter(ctx context.Context, tx *txn) (*decidedWriter, error) {
	w := &decidedWriter{bulk: tx.d.bulkSave}
	if w.bulk {
		return w, nil
	}
	var err error
	for _, p := range []struct {
		stmt **sql.Stmt
		text string
	}{{&w.upState, rowsQuery(tx.d, "policy_upsert_states", 1, stateCols)},
		{&w.insTr, rowsQuery(tx.d, "policy_insert_transitions", 1, transitionCols)},
		{&w.delAfter, query("policy_delete_transitions_after")}} {
		if *p.stmt, err = tx.PrepareContext(ctx, p.text); err != nil {
			w.Close()
			return nil, err
		}
	}
	return w, nil
}

// Close releases the prepared statements.
func (w *decidedWriter) Close() {
	for _, st := range []*sql.Stmt{w.upState, w.insTr, w.delAfter} {
		if st != nil {
			st.Close()
		}
	}
}

// trim removes the transitions of addr after the kept first ones.
func (w *decidedWriter) trim(ctx context.Context, addr string, kept int) error {
	if w.bulk {
		w.trims = append(w.trims, addr, strconv.Itoa(kept))
		return nil
	}
	_, err := w.delAfter.ExecContext(ctx, addr, kept)
	return err
}

// save stores d: its state and its new transitions.
func (w *decidedWriter) save(ctx context.Context, d *Decided) error {
	r, e := &d.State, &d.State.Decision
	state := []any{r.Address, string(r.State), r.SoftCount, r.PauseCount,
		unix(r.SuppressedUntil), unix(r.ExpiresAt), unix(r.Since), unix(r.FirstBounce), unix(r.LastBounce),
		r.Bounces, null(e.ID), null(string(e.Type)), null(string(e.Reason)), null(e.Status),
		null(e.ReplyCode), null(e.Provider), null(e.Rule), null(e.Diagnostic), unix(e.BouncedAt),
		null(r.Setting), r.Policy, r.EvaluatedAt.Unix(), null(r.Carry)}
	if w.bulk {
		w.states = append(w.states, state...)
	} else if _, err := w.upState.ExecContext(ctx, state...); err != nil {
		return err
	}
	for i, t := range d.Transitions {
		tr := []any{r.Address, d.Kept + i + 1, t.At.Unix(), string(t.From), string(t.To),
			t.SoftCount, null(strings.Join(t.Events, " ")), null(t.Rule), null(t.Setting),
			null(t.Note)}
		if w.bulk {
			w.trs = append(w.trs, tr...)
		} else if _, err := w.insTr.ExecContext(ctx, tr...); err != nil {
			return err
		}
	}
	return nil
}

// flush writes what save and trim collected (PostgreSQL); on SQLite they wrote already.
func (w *decidedWriter) flush(ctx context.Context, tx *txn) error {
	if !w.bulk {
		return nil
	}
	for _, b := range []struct {
		name string
		cols int
		rows *[]any
	}{{"bulk_trim_transitions", 2, &w.trims}, {"policy_upsert_states", stateCols, &w.states}, {"policy_insert_transitions", transitionCols, &w.trs}} {
		if err := execRows(ctx, tx, b.name, b.cols, *b.rows); err != nil {
			return err
		}
		*b.rows = (*b.rows)[:0]
	}
	return nil
}

// State returns the stored state of an address; ok is false when there is none.
func (tx *Tx) State(addr string) (StateRow, bool, error) {
	r, ok, err := stateOf(tx.ctx, tx.tx, addr)
	return r, ok, classify(tx.s.path, "read state", err)
}

// State returns the stored state of an address; ok is false when there is none (Tx.State).
func (s *Store) State(ctx context.Context, addr string) (r StateRow, ok bool, err error) {
	err = s.Read(ctx, "read state", func(tx *Tx) error {
		r, ok, err = tx.State(addr)
		return err
	})
	return r, ok, err
}

func stateOf(ctx context.Context, q queryer, addr string) (StateRow, bool, error) {
	rows, err := q.QueryContext(ctx, query("policy_state"), addr)
	if err != nil {
		return StateRow{}, false, err
	}
	defer rows.Close()
	if !rows.Next() {
		return StateRow{}, false, rows.Err()
	}
	r, err := scanState(rows)
	return r, err == nil, err
}

func scanState(rows *sql.Rows) (StateRow, error) {
	var r StateRow
	var st string
	var until, expires, since, first, last, decided sql.NullInt64
	var evID, typ, reason, status, reply, provider, rule, diag, setting, carry sql.NullString
	var evaluated int64
	if err := rows.Scan(&r.Address, &st, &r.SoftCount, &r.PauseCount, &until, &expires, &since, &first,
		&last, &r.Bounces, &evID, &typ, &reason, &status, &reply, &provider, &rule, &diag, &decided,
		&setting, &r.Policy, &evaluated, &carry); err != nil {
		return r, err
	}
	r.State = bounce.State(st)
	r.SuppressedUntil, r.ExpiresAt, r.Since = fromUnix(until), fromUnix(expires), fromUnix(since)
	r.FirstBounce, r.LastBounce = fromUnix(first), fromUnix(last)
	d := &r.Decision
	d.ID, d.Type, d.Reason, d.Status = evID.String, bounce.Type(typ.String), bounce.Reason(reason.String), status.String
	d.ReplyCode, d.Provider, d.Rule, d.Diagnostic = reply.String, provider.String, rule.String, diag.String
	d.BouncedAt = fromUnix(decided)
	r.Setting, r.Carry = setting.String, carry.String
	r.EvaluatedAt = time.Unix(evaluated, 0).UTC()
	return r, nil
}

// Recipient returns the address a stored (lower-case) recipient maps to, or why it is
// malformed; ok is false when the recipient has not been evaluated.
func (s *Store) Recipient(ctx context.Context, raw string) (addr, malformed string, ok bool, err error) {
	var a, e sql.NullString
	err = s.db.QueryRowContext(ctx, query("policy_recipient"), NormalizeRecipient(raw)).Scan(&a, &e)
	if err == sql.ErrNoRows {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, classify(s.path, "read recipient", err)
	}
	return a.String, e.String, true, nil
}

// Malformed counts the stored recipients whose address is malformed (they are not evaluated).
func (s *Store) Malformed(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, query("policy_malformed")).Scan(&n)
	return n, classify(s.path, "count malformed recipients", err)
}

// MalformedRecipient is a stored recipient whose address is malformed: it is never evaluated nor
// exported.
type MalformedRecipient struct {
	Recipient  string // as stored (lower case)
	Error      string // why it is malformed
	Events     int
	LastBounce time.Time
}

// MalformedRecipients yields the recipients whose address is malformed, by recipient.
func (tx *Tx) MalformedRecipients() iter.Seq2[MalformedRecipient, error] {
	return rows(tx, "list malformed recipients", func(rows *sql.Rows) (MalformedRecipient, error) {
		var m MalformedRecipient
		var last sql.NullInt64
		err := rows.Scan(&m.Recipient, &m.Error, &m.Events, &last)
		m.LastBounce = fromUnix(last)
		return m, err
	}, query("policy_malformed_list"))
}

// MalformedRecipients lists the recipients whose address is malformed, by recipient
// (Tx.MalformedRecipients).
func (s *Store) MalformedRecipients(ctx context.Context) ([]MalformedRecipient, error) {
	return readAll(s, ctx, "list malformed recipients", func(tx *Tx) iter.Seq2[MalformedRecipient, error] {
		return tx.MalformedRecipients()
	})
}

// OtherPolicy counts the addresses last evaluated with a policy whose id is not id.
func (s *Store) OtherPolicy(ctx context.Context, id string) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, query("policy_other_policy"), id).Scan(&n)
	return n, classify(s.path, "read states", err)
}
