package store

import (
	"context"
	"database/sql"
	"errors"
	"iter"
	"slices"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
)

// This file is the store's side of `rebound export` (docs/export.md): the listed addresses are
// read in address order from one query per listed state, merged, and handed to the caller one
// at a time, so that a list of any length is exported in constant memory; a recorded export
// updates the export history (tables exports, exported and export_changes, migrations 0002 and
// 0007) as the rows go out, in the transaction that delivers them. Each target has a delivery
// baseline of its own (Baseline): what an export compares with and moves.

// Export is a delivered export, as recorded.
type Export struct {
	At      time.Time
	Target  string // file, or "-" for standard output
	Format  string
	OnlyNew bool
	Filters string
	Policy  string
}

// SharedBaseline names the delivery baseline of the exports recorded before baselines were kept
// apart (migration 0007): it is never moved, and a baseline used for the first time that
// continues it starts from it (Baseline).
const SharedBaseline = "(shared)"

// Baseline is the delivery baseline an export compares with and, when recorded, moves: the
// fingerprints of the rows last delivered to one target.
type Baseline struct {
	// Name is the baseline's name: the absolute path of a file, or a sync name. "" is no
	// baseline: every row counts as new, and the export cannot be recorded.
	Name string
	// Sync is true for a name the user gave (export --sync): used for the first time, it starts
	// from the shared baseline, the history of before migration 0007.
	Sync bool
	// Targets are the spellings under which exports recorded before migration 0007 named this
	// baseline's file (the path given and its absolute form): used for the first time, a file
	// baseline starts from the shared baseline when one of them was written then.
	Targets []string
}

// ExportResult says what an export delivered.
type ExportResult struct {
	ID           int64 // of the recorded export; 0 when not recorded
	Rows         int   // rows delivered
	New, Changed int   // delivered rows whose address was not delivered before, or with another fingerprint
	Left         int   // addresses that left the lists since they were delivered (recorded, or Left called)
}

// Listed is an address on a list, as an export reads it: State has what an export needs
// (Address, State, SoftCount, SuppressedUntil, ExpiresAt, Since, FirstBounce, LastBounce,
// Bounces, and the Decision's Type, Reason, Status, ReplyCode, Provider, Rule and Diagnostic)
// and no more.
type Listed struct {
	State *StateRow // its stored state, which is its effective state now
	Last  string    // the fingerprint of the row last delivered for it; "" when none
}

// LeftAddress is an address that left the lists: delivered by an earlier export and now in
// none of the listed states.
type LeftAddress struct {
	Address string
	State   bounce.State // its effective state now; "" when it has none
}

// Lister hands an export's rows to its delivery (Export), in the export's transaction.
type Lister struct {
	ctx      context.Context
	tx       *txn
	now      time.Time
	states   []bounce.State
	baseline string    // the delivery baseline compared with
	rc       *recorder // nil when the export is not recorded
	res      *ExportResult
	leftDone bool
	known    bool // an export was recorded in the baseline before (or, before migration 0007, to its file)
	// dbErr is the first database error met: Export returns it whatever the delivery made of it
	// (export.WriteFile names its file in the errors it returns).
	dbErr error
}

// Rows is the number of rows delivered so far (Deliver).
func (l *Lister) Rows() int { return l.res.Rows }

// Known reports whether an export was delivered to the baseline before: to its file or sync
// name, or, before migration 0007, to its file.
func (l *Lister) Known() bool { return l.known }

// Listed yields every address whose effective state is one of the listed states, in address
// order. The Listed and its StateRow are reused for the next address. For each row it
// delivers, the loop calls Deliver before taking the next.
func (l *Lister) Listed() iter.Seq2[*Listed, error] {
	return func(yield func(*Listed, error) bool) {
		for x, err := range listedRows(l.ctx, l.tx, l.now, l.states, l.baseline) {
			if !yield(x, l.failed(err)) || err != nil {
				return
			}
		}
	}
}

// Deliver counts the row of fingerprint fp delivered for x, new, changed or the same as the
// one delivered last, and a recorded export records it.
func (l *Lister) Deliver(x *Listed, fp string) error {
	l.res.Rows++
	switch x.Last {
	case fp:
	case "":
		l.res.New++
	default:
		l.res.Changed++
	}
	if l.rc == nil {
		return nil
	}
	return l.failed(l.rc.delivered(x, fp))
}

// Left yields every address delivered before that left the lists, in address order (after
// Listed, for a delivery that writes both). A recorded export forgets them as it goes.
func (l *Lister) Left() iter.Seq2[LeftAddress, error] {
	return func(yield func(LeftAddress, error) bool) {
		l.leftDone = true
		for a, err := range leftRows(l.ctx, l.tx, l.now, l.states, l.baseline, l.rc, l.res) {
			if !yield(a, l.failed(err)) || err != nil {
				return
			}
		}
	}
}

// failed keeps the first database error.
func (l *Lister) failed(err error) error {
	if err != nil && l.dbErr == nil {
		l.dbErr = err
	}
	return err
}

// Export runs an export. deliver writes the output; it takes the rows from the Lister: Listed
// yields every address whose effective state at now is one of states, in address order, and
// Deliver records the fingerprint of each row delivered; for export --new, Left yields the
// addresses that left the lists.
//
// With rec, the export is recorded, in one write transaction (so concurrent exports are
// serialised) around deliver: the fingerprints delivered replace the ones delivered before,
// and every address delivered before that is on no list now (whatever the filters) is forgotten
// as "left", so that it counts as new if it comes back (by Left, or after deliver when it did
// not call Left). If deliver fails, nothing is recorded. Without rec, the export reads in one
// read transaction (one snapshot of the states) and writes nothing. Either way the result
// counts the rows delivered, new and changed, and the addresses that left (when Left ran or the
// export was recorded).
//
// deliver's own errors come back unchanged; database errors are *Error.
func (s *Store) Export(ctx context.Context, now time.Time, states []bounce.State, base Baseline, rec *Export,
	deliver func(*Lister) error) (ExportResult, error) {
	var res ExportResult
	if rec != nil && base.Name == "" {
		return res, errors.New("store: a recorded export needs a delivery baseline")
	}
	run := func(tx *txn) error {
		key, known, err := baselineKey(ctx, tx, base, rec != nil)
		if err != nil {
			return err
		}
		var rc *recorder
		if rec != nil {
			if rc, err = newRecorder(ctx, tx, rec, key, &res); err != nil {
				return err
			}
			defer rc.close()
		}
		lr := &Lister{ctx: ctx, tx: tx, now: now, states: states, baseline: key, rc: rc, res: &res, known: known}
		if err := deliver(lr); err != nil {
			if lr.dbErr != nil {
				return lr.dbErr
			}
			return &deliverError{err}
		}
		if lr.dbErr != nil {
			return lr.dbErr // met by the delivery, which went on
		}
		if rc == nil {
			return nil
		}
		if !lr.leftDone {
			for _, err := range lr.Left() {
				if err != nil {
					return err
				}
			}
		}
		return rc.finish()
	}
	var err error
	if rec != nil {
		err = s.write(ctx, "record export", run)
	} else {
		err = s.read(ctx, "read states", run)
	}
	var de *deliverError
	if errors.As(err, &de) {
		return ExportResult{}, de.err
	}
	if err != nil {
		return ExportResult{}, err
	}
	return res, nil
}

// baselineKey returns the baseline whose fingerprints an export compares with, and whether an
// export was recorded in it before. A baseline used for the first time that continues the
// shared one of before migration 0007 (a sync name, or a file written then) reads the shared
// one; a recorded export copies it into its own first.
func baselineKey(ctx context.Context, tx *txn, b Baseline, record bool) (key string, known bool, err error) {
	if b.Name == "" {
		return "", false, nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, query("policy_baseline_used"), b.Name).Scan(&n); err != nil || n > 0 {
		return b.Name, n > 0, err
	}
	continues := b.Sync
	for _, t := range b.Targets {
		if continues {
			break
		}
		if err := tx.QueryRowContext(ctx, query("policy_shared_target"), t).Scan(&n); err != nil {
			return "", false, err
		}
		continues = n > 0
	}
	switch {
	case !continues:
		return b.Name, false, nil
	case !record:
		return SharedBaseline, !b.Sync, nil
	}
	_, err = tx.ExecContext(ctx, query("policy_adopt_shared"), b.Name)
	return b.Name, !b.Sync, err
}

// deliverError carries the delivery's own error through the transaction untouched.
type deliverError struct{ err error }

func (e *deliverError) Error() string { return e.err.Error() }

// listCursor is one listed state's rows, in address order, read listPage rows at a time, so that
// no query stays open while fn runs: a PostgreSQL connection runs one query at a time, and the
// recorder writes between rows.
type listCursor struct {
	ctx      context.Context
	tx       *txn
	state    bounce.State
	baseline string      // the delivery baseline of the fingerprints read
	buf      []listedRow // the page read
	pos      int         // the next row of buf
	done     bool        // the last page is read
	l        Listed      // l.State is &row
	row      StateRow
	ok       bool // l holds a row
}

type listedRow struct {
	state StateRow
	last  string
}

// listPage is how many rows a listCursor reads at a time.
var listPage = 2000 // a variable so that tests can take many pages

// next reads the cursor's next row.
func (c *listCursor) next() error {
	c.ok = false
	if c.pos == len(c.buf) {
		if c.done {
			return nil
		}
		after := ""
		if len(c.buf) > 0 {
			after = c.buf[len(c.buf)-1].state.Address
		}
		if err := c.fetch(after); err != nil {
			return err
		}
		if len(c.buf) == 0 {
			return nil
		}
	}
	c.row, c.l.Last = c.buf[c.pos].state, c.buf[c.pos].last
	c.l.State = &c.row
	c.pos++
	c.ok = true
	return nil
}

// fetch reads the page of rows after the address after.
func (c *listCursor) fetch(after string) error {
	rows, err := c.tx.QueryContext(c.ctx, query("policy_list_export"), c.baseline, string(c.state), after, listPage)
	if err != nil {
		return err
	}
	defer rows.Close()
	c.buf, c.pos = c.buf[:0], 0
	for rows.Next() {
		l := listedRow{state: StateRow{State: c.state}}
		r := &l.state
		var until, expires, since, first, last sql.NullInt64
		var typ, reason, status, reply, provider, rule, diag sql.NullString
		if err := rows.Scan(&r.Address, &r.SoftCount, &until, &expires, &since, &first, &last, &r.Bounces,
			&typ, &reason, &status, &reply, &provider, &rule, &diag, &l.last); err != nil {
			return err
		}
		r.SuppressedUntil, r.ExpiresAt, r.Since = fromUnix(until), fromUnix(expires), fromUnix(since)
		r.FirstBounce, r.LastBounce = fromUnix(first), fromUnix(last)
		d := &r.Decision
		d.Type, d.Reason, d.Status = bounce.Type(typ.String), bounce.Reason(reason.String), status.String
		d.ReplyCode, d.Provider, d.Rule, d.Diagnostic = reply.String, provider.String, rule.String, diag.String
		c.buf = append(c.buf, l)
	}
	c.done = len(c.buf) < listPage
	return rows.Err()
}

// listedRows yields every address whose effective state at now is one of states, in address
// order: the rows of each state come in address order from the states index, and are merged
// here. A pause that has ended by now is left out. No query is open while the loop runs.
func listedRows(ctx context.Context, tx *txn, now time.Time, states []bounce.State, baseline string) iter.Seq2[*Listed, error] {
	return func(yield func(*Listed, error) bool) {
		cursors := make([]*listCursor, 0, len(states))
		for _, st := range states {
			c := &listCursor{ctx: ctx, tx: tx, state: st, baseline: baseline}
			cursors = append(cursors, c)
			if err := c.next(); err != nil {
				yield(nil, err)
				return
			}
		}
		for {
			var first *listCursor
			for _, c := range cursors {
				if c.ok && (first == nil || c.row.Address < first.row.Address) {
					first = c
				}
			}
			if first == nil {
				return
			}
			if slices.Contains(states, first.row.Effective(now)) && !yield(&first.l, nil) {
				return
			}
			if err := first.next(); err != nil {
				yield(nil, err)
				return
			}
		}
	}
}

// recorder records a delivered export as its rows go out.
type recorder struct {
	ctx        context.Context
	tx         *txn
	res        *ExportResult
	baseline   string
	up, change *sql.Stmt
}

// newRecorder records the export (its row count is set by finish) and prepares the statements
// that record its rows.
func newRecorder(ctx context.Context, tx *txn, x *Export, baseline string, res *ExportResult) (*recorder, error) {
	if err := tx.QueryRowContext(ctx, query("policy_insert_export"), x.At.Unix(), x.Target, x.Format,
		boolInt(x.OnlyNew), null(x.Filters), 0, x.Policy, baseline).Scan(&res.ID); err != nil {
		return nil, err
	}
	r := &recorder{ctx: ctx, tx: tx, res: res, baseline: baseline}
	var err error
	if r.up, err = tx.PrepareContext(ctx, query("policy_upsert_exported")); err != nil {
		return nil, err
	}
	if r.change, err = tx.PrepareContext(ctx, query("policy_insert_export_change")); err != nil {
		r.up.Close()
		return nil, err
	}
	return r, nil
}

func (r *recorder) close() {
	r.up.Close()
	r.change.Close()
}

// delivered records the row delivered for l's address, unless it is the one delivered last.
func (r *recorder) delivered(l *Listed, fp string) error {
	kind := "new"
	switch {
	case l.Last == fp:
		return nil
	case l.Last != "":
		kind = "changed"
	}
	addr := l.State.Address
	if _, err := r.up.ExecContext(r.ctx, r.baseline, addr, fp, r.res.ID); err != nil {
		return err
	}
	_, err := r.change.ExecContext(r.ctx, r.res.ID, addr, kind, fp)
	return err
}

// finish sets the export's row count.
func (r *recorder) finish() error {
	_, err := r.tx.ExecContext(r.ctx, query("policy_set_export_rows"), r.res.Rows, r.res.ID)
	return err
}

// leftRows yields every address delivered before whose effective state at now is none of states,
// in address order, in one baseline. With rc, each is forgotten as "left" (deleted from
// exported, with a left entry in its history) before it is yielded.
func leftRows(ctx context.Context, tx *txn, now time.Time, states []bounce.State, baseline string, rc *recorder,
	res *ExportResult) iter.Seq2[LeftAddress, error] {
	return func(yield func(LeftAddress, error) bool) {
		var del *sql.Stmt
		if rc != nil {
			var err error
			if del, err = tx.PrepareContext(ctx, query("policy_delete_exported")); err != nil {
				yield(LeftAddress{}, err)
				return
			}
			defer del.Close()
		}
		for s, err := range summaries(ctx, tx, query("policy_exported_states"), baseline) {
			if err != nil {
				yield(LeftAddress{}, err)
				return
			}
			st := bounce.Effective(s.state, s.expires, now)
			if slices.Contains(states, st) {
				continue
			}
			if rc != nil {
				if _, err := del.ExecContext(ctx, baseline, s.address); err != nil {
					yield(LeftAddress{}, err)
					return
				}
				if _, err := rc.change.ExecContext(ctx, rc.res.ID, s.address, "left", nil); err != nil {
					yield(LeftAddress{}, err)
					return
				}
			}
			res.Left++
			if !yield(LeftAddress{s.address, st}, nil) {
				return
			}
		}
	}
}
