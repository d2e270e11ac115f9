package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/address"
	"github.com/reboundhq/rebound/internal/bounce"
)

// This file keeps the suppression policy's results (docs/policy.md, "Storage"): the state and
// audit trail of every address, operator overrides, the export history and the prune log
// (migration 0002). States are derived data: they are recomputed by policy.Evaluate from the
// stored events and overrides, per address and in one transaction, so the same events give the
// same states however and in whatever order they were scanned.
//
// Recipients are stored in events lower-case; the policy works on addresses normalised by
// internal/address, kept in recipient_addresses (several spellings may share an address; a
// malformed recipient has none and is never evaluated).
//
// Evaluation is incremental: meta key policy_evaluated_through holds the id of the last event
// whose recipient has been evaluated, so EvaluatePending re-evaluates exactly the addresses
// that got events since, also after a scan that was killed before its evaluation ran.

// Evaluator decides the states of addresses for the store's evaluations (EvaluatePending,
// EvaluateAll, Unsuppress), which read the events and overrides and write the states and
// transitions in one transaction. The store does not know the policy: the pipeline supplies
// Decide from internal/policy.
type Evaluator struct {
	// Decide returns the state of each address that has events or overrides, from all of them
	// (Recipient is the normalised address), with its audit trail; Address, Policy and
	// EvaluatedAt of every state are set.
	Decide func(evs []bounce.Event, ovs []bounce.Override) []Decided
	Now    time.Time // the time of the evaluation: it decides the effective states counted
}

// Decided is the evaluated state of one address and its audit trail, as stored.
type Decided struct {
	State       StateRow
	Transitions []bounce.Transition
}

// EvalSummary says what an evaluation did.
type EvalSummary struct {
	Addresses int                  // addresses evaluated
	Malformed int                  // recipients looked at whose address is malformed (not evaluated)
	Removed   int                  // stored states removed: the address has no events or overrides any more
	States    map[bounce.State]int // effective states (see Effective) of the addresses evaluated
	Changes   map[string]int       // effective state changes, "paused->active": count
}

func newSummary() EvalSummary {
	return EvalSummary{States: map[bounce.State]int{}, Changes: map[string]int{}}
}

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
	EventID         string // the deciding event (bounce.EventID); "" when none
	Type            string // of the deciding event
	Reason          string
	Status          string
	ReplyCode       string
	Provider        string
	Rule            string
	Diagnostic      string
	DecidedAt       time.Time // bounce time of the deciding event
	Setting         string    // policy settings of the deciding transition
	Policy          string    // id of the policy that evaluated it
	EvaluatedAt     time.Time
}

// Effective returns the state at now (bounce.Effective).
func (r *StateRow) Effective(now time.Time) bounce.State {
	return bounce.Effective(r.State, r.ExpiresAt, now)
}

// Pending reports whether events were stored since the last evaluation, without writing.
func (s *Store) Pending(ctx context.Context) (bool, error) {
	mark, maxID, err := marks(ctx, s.db)
	if err != nil {
		return false, classify(s.path, "read evaluation mark", err)
	}
	return maxID > mark, nil
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// marks reads the evaluation mark and the highest event id.
func marks(ctx context.Context, q queryer) (mark, maxID int64, err error) {
	var v string
	switch err := q.QueryRowContext(ctx, query("policy_mark")).Scan(&v); {
	case err == sql.ErrNoRows:
	case err != nil:
		return 0, 0, err
	default:
		if mark, err = strconv.ParseInt(v, 10, 64); err != nil {
			return 0, 0, fmt.Errorf("meta policy_evaluated_through: %w", err)
		}
	}
	if err := q.QueryRowContext(ctx, query("policy_max_event")).Scan(&maxID); err != nil {
		return 0, 0, err
	}
	return mark, maxID, nil
}

func setMark(ctx context.Context, q queryer, id int64) error {
	_, err := q.ExecContext(ctx, query("policy_set_mark"), strconv.FormatInt(id, 10))
	return err
}

// EvaluatePending evaluates the addresses that got events since the last evaluation (by any
// process), in one transaction: their events and overrides are read in full, evaluated, and
// their states and transitions replaced.
//
// The events stored since the last evaluation (at most pendingInMemory of them, as after each
// part of a scan) are taken from memory when this Store stored them all (recent.go), and
// otherwise read once, in id order; only the older events of their addresses are looked up by
// address, and only for addresses with a stored state (eventSource). Reading every event back
// by address cost a scan about 15 µs per message in random page reads (docs/performance.md).
//
// More pending events than that (a database from before states were kept, a scan with a very
// large --batch) are taken by recipient, a page at a time (pages), and their addresses
// evaluated with all their events: memory stays flat. An address with recipients in two pages
// (spellings of one IDNA domain) is evaluated, and counted in the summary, once per page.
func (s *Store) EvaluatePending(ctx context.Context, ev Evaluator) (EvalSummary, error) {
	sum := newSummary()
	err := s.write(ctx, "evaluate", func(tx *sql.Tx) error {
		mark, maxID, err := marks(ctx, tx)
		if err != nil {
			return err
		}
		if maxID <= mark {
			return nil
		}
		if maxID-mark > pendingInMemory {
			err := pages(ctx, tx, "policy_pending_recipients_from", func(raws []string) error {
				addrOf, malformed, _, err := mapRecipients(ctx, tx, raws)
				if err != nil {
					return err
				}
				sum.Malformed += malformed
				return evaluateAddresses(ctx, tx, ev, distinctAddresses(addrOf), nil, allEvents, &sum)
			}, mark)
			if err != nil {
				return err
			}
			return setMark(ctx, tx, maxID)
		}
		pruned, err := eventsPruned(ctx, tx)
		if err != nil {
			return err
		}
		pending := s.recent.pending(mark, maxID, pruned)
		if pending == nil {
			if pending, err = readEvents(ctx, tx, query("policy_pending_events"), mark); err != nil {
				return err
			}
		}
		addrOf, malformed, moved, err := mapRecipients(ctx, tx, distinctRecipients(pending))
		if err != nil {
			return err
		}
		sum.Malformed = malformed
		src := eventSource{upTo: mark, pending: groupPending(pending, addrOf), stateless: !moved}
		if err := evaluateAddresses(ctx, tx, ev, distinctAddresses(addrOf), nil, src, &sum); err != nil {
			return err
		}
		return setMark(ctx, tx, maxID)
	})
	if err == nil {
		s.recent.reset()
	}
	return sum, err
}

// pendingInMemory is the most pending events EvaluatePending holds in memory at once (a few
// hundred bytes each); beyond it, as after a scan with a very large --batch or in a database
// from before states were kept, their recipients are taken a page at a time and the events
// read address by address. A variable so that tests can take either path.
var pendingInMemory int64 = 100_000

// eventSource says where evaluateAddresses finds the events of an address: those with an id up
// to upTo in the database, and the others in pending, by address (nil: all in the database).
//
// With stateless, an address without a state row has nothing in the database: no events up to
// upTo, no overrides and no transitions, and evaluateAddresses does not look them up. That holds
// when upTo is the evaluation mark and no recipient moved to another address: every event up to
// the mark was evaluated, and evaluation (EvaluatePending, EvaluateAll, Unsuppress) leaves a
// state row for every address with events or overrides, removing states and transitions only
// together. On a first scan, almost every address is new, and the three lookups cost about a
// fifth of the evaluation (docs/performance.md).
type eventSource struct {
	upTo      int64
	pending   map[string][]bounce.Event
	stateless bool
}

// allEvents reads every event of an address from the database.
var allEvents = eventSource{upTo: math.MaxInt64}

// distinctRecipients returns the recipients of events (as stored), each once, in order.
func distinctRecipients(evs []bounce.Event) []string {
	seen := make(map[string]bool)
	var out []string
	for _, e := range evs {
		if !seen[e.Recipient] {
			seen[e.Recipient] = true
			out = append(out, e.Recipient)
		}
	}
	return out
}

// groupPending groups events by the normalised address of their recipient, which becomes the
// events' Recipient as policy.Evaluate expects; events of malformed recipients are left out.
func groupPending(evs []bounce.Event, addrOf map[string]string) map[string][]bounce.Event {
	m := make(map[string][]bounce.Event)
	for _, e := range evs {
		if a, ok := addrOf[e.Recipient]; ok {
			e.Recipient = a
			m[a] = append(m[a], e)
		}
	}
	return m
}

// EvaluateAll recomputes the state of every address from all its events and overrides, in one
// transaction (after a policy change: rebound evaluate). States of addresses left without
// events or overrides (after a prune) are removed.
//
// Recipients and addresses are taken a page at a time, in order (pages), so memory does not
// grow with the number of addresses: on a database of 447,312 addresses, holding them all took
// 221 MB (docs/performance.md, "Memory").
func (s *Store) EvaluateAll(ctx context.Context, ev Evaluator) (EvalSummary, error) {
	sum := newSummary()
	err := s.write(ctx, "evaluate", func(tx *sql.Tx) error {
		_, maxID, err := marks(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, query("policy_delete_orphan_addresses")); err != nil {
			return err
		}
		err = pages(ctx, tx, "policy_recipients_from", func(raws []string) error {
			_, malformed, _, err := mapRecipients(ctx, tx, raws)
			sum.Malformed += malformed
			return err
		})
		if err != nil {
			return err
		}
		err = pages(ctx, tx, "policy_addresses_from", func(addrs []string) error {
			// The page's stored states in one range read, cheaper than lookups by address.
			old, err := readSummaries(ctx, tx, query("policy_states_between"), addrs[0], addrs[len(addrs)-1])
			if err != nil {
				return err
			}
			return evaluateAddresses(ctx, tx, ev, addrs, old, allEvents, &sum)
		})
		if err != nil {
			return err
		}
		if err := removeOrphanStates(ctx, tx, ev.Now, &sum); err != nil {
			return err
		}
		return setMark(ctx, tx, maxID)
	})
	if err == nil {
		s.recent.reset()
	}
	return sum, err
}

// keysPerPage is how many keys pages reads at a time.
var keysPerPage = 10_000 // a variable so that tests can take many pages

// pages calls fn with the keys of a sorted list, keysPerPage at a time, in order. The query name
// takes a key, a count and args, and returns, in order, at most that many keys from that key
// on (included); each page starts from the last key of the one before, which is not repeated.
func pages(ctx context.Context, q queryer, name string, fn func([]string) error, args ...any) error {
	n := max(keysPerPage, 2) // a page of one would only repeat its key
	from, first := "", true
	for {
		page, err := strings1(ctx, q, query(name), append([]any{from, n}, args...)...)
		if err != nil {
			return err
		}
		full := len(page) == n
		if !first && len(page) > 0 && page[0] == from {
			page = page[1:]
		}
		if len(page) > 0 {
			if err := fn(page); err != nil {
				return err
			}
			from = page[len(page)-1]
		}
		if !full {
			return nil
		}
		first = false
	}
}

// removeOrphanStates removes the states and transitions of the addresses left without events
// or overrides, counting them in sum.
func removeOrphanStates(ctx context.Context, tx *sql.Tx, now time.Time, sum *EvalSummary) error {
	delState, err := tx.PrepareContext(ctx, listQuery("policy_delete_states", 1))
	if err != nil {
		return err
	}
	defer delState.Close()
	delTrail, err := tx.PrepareContext(ctx, listQuery("policy_delete_transitions", 1))
	if err != nil {
		return err
	}
	defer delTrail.Close()
	return eachSummary(ctx, tx, query("policy_orphan_states"), func(a string, o summary) error {
		if was := bounce.Effective(o.state, o.expires, now); was != bounce.StateActive {
			sum.Changes[string(was)+"->active"]++
		}
		sum.Removed++
		// Deleting the row the query stands on is safe in SQLite (the query goes on with the next).
		if _, err := delState.ExecContext(ctx, a); err != nil {
			return err
		}
		_, err := delTrail.ExecContext(ctx, a)
		return err
	})
}

// mapRecipients records the normalised address of each stored recipient and returns the
// address of each well-formed recipient and the number of malformed recipients. Only new or
// changed mappings are written; moved is true when a recipient stored before now normalises to
// another address or none (after a change to address.Normalize), so that its older events
// belong to an address that may have no state yet.
func mapRecipients(ctx context.Context, tx *sql.Tx, raws []string) (addrOf map[string]string, malformed int, moved bool, err error) {
	type mapping struct{ address, error sql.NullString }
	stored := make(map[string]mapping, len(raws))
	err = chunks(raws, func(part []string) error {
		rows, err := tx.QueryContext(ctx, listQuery("policy_addresses_of", len(part)), anys(part)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r string
			var m mapping
			if err := rows.Scan(&r, &m.address, &m.error); err != nil {
				return err
			}
			stored[r] = m
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, false, err
	}
	up, err := tx.PrepareContext(ctx, query("policy_upsert_address"))
	if err != nil {
		return nil, 0, false, err
	}
	defer up.Close()
	addrOf = make(map[string]string, len(raws))
	for _, raw := range raws {
		var want mapping
		a, nerr := address.Normalize(raw)
		if nerr != nil {
			malformed++
			want.error = sql.NullString{String: nerr.Error(), Valid: true}
		} else {
			want.address = sql.NullString{String: a, Valid: true}
			addrOf[raw] = a
		}
		old, ok := stored[raw]
		if ok && old == want {
			continue
		}
		if ok && old.address != want.address {
			moved = true
		}
		if _, err := up.ExecContext(ctx, raw, want.address, want.error); err != nil {
			return nil, 0, false, err
		}
	}
	return addrOf, malformed, moved, nil
}

// distinctAddresses returns the addresses of a mapRecipients result, each once, sorted.
func distinctAddresses(addrOf map[string]string) []string {
	addrs := make([]string, 0, len(addrOf))
	for _, a := range addrOf {
		addrs = append(addrs, a)
	}
	slices.Sort(addrs)
	return slices.Compact(addrs)
}

// summary is what evaluation needs of a stored state to report changes.
type summary struct {
	state   bounce.State
	expires time.Time
}

func readSummaries(ctx context.Context, q queryer, text string, args ...any) (map[string]summary, error) {
	out := map[string]summary{}
	err := eachSummary(ctx, q, text, func(a string, s summary) error {
		out[a] = s
		return nil
	}, args...)
	return out, err
}

// eachSummary runs a query whose rows are an address, its state (empty for none) and when that
// state expires, and calls fn with each, while the query is open.
func eachSummary(ctx context.Context, q queryer, text string, fn func(string, summary) error, args ...any) error {
	rows, err := q.QueryContext(ctx, text, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a, st string
		var exp sql.NullInt64
		if err := rows.Scan(&a, &st, &exp); err != nil {
			return err
		}
		if err := fn(a, summary{bounce.State(st), fromUnix(exp)}); err != nil {
			return err
		}
	}
	return rows.Err()
}

// evaluateAddresses evaluates addrs (sorted) in chunks and replaces their states and
// transitions. old holds the previous states when the caller read them all; otherwise they
// are read per chunk.
func evaluateAddresses(ctx context.Context, tx *sql.Tx, ev Evaluator, addrs []string, old map[string]summary, src eventSource, sum *EvalSummary) error {
	upState, err := tx.PrepareContext(ctx, query("policy_upsert_state"))
	if err != nil {
		return err
	}
	defer upState.Close()
	insTr, err := tx.PrepareContext(ctx, query("policy_insert_transition"))
	if err != nil {
		return err
	}
	defer insTr.Close()
	return chunks(addrs, func(part []string) error {
		before := old
		if before == nil {
			var err error
			if before, err = readSummaries(ctx, tx, listQuery("policy_states_in", len(part)), anys(part)...); err != nil {
				return err
			}
		}
		stored := part // the addresses that may have events, overrides or transitions stored
		if src.stateless {
			stored = make([]string, 0, len(before))
			for _, a := range part {
				if _, ok := before[a]; ok {
					stored = append(stored, a)
				}
			}
		}
		var evs []bounce.Event
		var ovs []bounce.Override
		if len(stored) > 0 {
			var err error
			if evs, err = policyEvents(ctx, tx, stored, src.upTo); err != nil {
				return err
			}
			if ovs, err = policyOverrides(ctx, tx, stored); err != nil {
				return err
			}
			if err := execList(ctx, tx, "policy_delete_transitions", stored); err != nil {
				return err
			}
		}
		for _, a := range part {
			evs = append(evs, src.pending[a]...)
		}
		decided := ev.Decide(evs, ovs)
		evaluated := make(map[string]bool, len(decided))
		for i := range decided {
			d := &decided[i]
			a := d.State.Address
			evaluated[a] = true
			if err := saveDecided(ctx, upState, insTr, d); err != nil {
				return fmt.Errorf("address %s: %w", a, err)
			}
			now := d.State.Effective(ev.Now)
			sum.Addresses++
			sum.States[now]++
			was := bounce.StateActive
			if b, ok := before[a]; ok {
				was = bounce.Effective(b.state, b.expires, ev.Now)
			}
			if was != now {
				sum.Changes[string(was)+"->"+string(now)]++
			}
		}
		var gone []string
		for _, a := range part {
			if !evaluated[a] {
				gone = append(gone, a) // no events and no overrides any more
			}
		}
		sum.Removed += len(gone)
		return execList(ctx, tx, "policy_delete_states", gone)
	})
}

// saveDecided stores one evaluated address: its state row and its transitions.
func saveDecided(ctx context.Context, upState, insTr *sql.Stmt, d *Decided) error {
	r := &d.State
	if _, err := upState.ExecContext(ctx, r.Address, string(r.State), r.SoftCount, r.PauseCount,
		unix(r.SuppressedUntil), unix(r.ExpiresAt), unix(r.Since), unix(r.FirstBounce), unix(r.LastBounce),
		r.Bounces, null(r.EventID), null(r.Type), null(r.Reason), null(r.Status),
		null(r.ReplyCode), null(r.Provider), null(r.Rule), null(r.Diagnostic), unix(r.DecidedAt),
		null(r.Setting), r.Policy, r.EvaluatedAt.Unix()); err != nil {
		return err
	}
	for i, t := range d.Transitions {
		if _, err := insTr.ExecContext(ctx, r.Address, i+1, t.At.Unix(), string(t.From), string(t.To),
			t.SoftCount, null(strings.Join(t.Events, " ")), null(t.Rule), null(t.Setting),
			null(t.Note)); err != nil {
			return err
		}
	}
	return nil
}

// policyEvents reads the events of the given addresses with an id up to upTo, as the policy
// sees them (Recipient is the normalised address).
func policyEvents(ctx context.Context, q queryer, addrs []string, upTo int64) ([]bounce.Event, error) {
	return readEvents(ctx, q, listQuery("policy_events", len(addrs)), append(anys(addrs), upTo)...)
}

// readEvents runs a query whose rows are events as the policy sees them: recipient, message
// key, index, position, type, reason, provider, status, reply code, rule, diagnostic, feedback
// type and time.
func readEvents(ctx context.Context, q queryer, text string, args ...any) ([]bounce.Event, error) {
	rows, err := q.QueryContext(ctx, text, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []bounce.Event
	for rows.Next() {
		var e bounce.Event
		var key string
		var idx int
		var typ, reason string
		var provider, status, reply, rule, diag, feedback sql.NullString
		var at sql.NullInt64
		if err := rows.Scan(&e.Recipient, &key, &idx, &e.Position, &typ, &reason, &provider, &status,
			&reply, &rule, &diag, &feedback, &at); err != nil {
			return nil, err
		}
		e.ID = bounce.EventID(key, idx)
		e.Type, e.Reason = bounce.Type(typ), bounce.Reason(reason)
		e.Provider, e.Status, e.ReplyCode = provider.String, status.String, reply.String
		e.Rule, e.Diagnostic, e.FeedbackType = rule.String, diag.String, feedback.String
		e.BouncedAt = fromUnix(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

func policyOverrides(ctx context.Context, q queryer, addrs []string) ([]bounce.Override, error) {
	rows, err := q.QueryContext(ctx, listQuery("policy_overrides", len(addrs)), anys(addrs)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []bounce.Override
	for rows.Next() {
		var o bounce.Override
		var at int64
		if err := rows.Scan(&o.Recipient, &at, &o.By, &o.Why); err != nil {
			return nil, err
		}
		o.At = time.Unix(at, 0).UTC()
		out = append(out, o)
	}
	return out, rows.Err()
}

// strings1 runs a query whose rows have one text column.
func strings1(ctx context.Context, q queryer, text string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, text, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// execList runs the list statement NAME over keys, in chunks.
func execList(ctx context.Context, q queryer, name string, keys []string) error {
	return chunks(keys, func(part []string) error {
		_, err := q.ExecContext(ctx, listQuery(name, len(part)), anys(part)...)
		return err
	})
}

// ErrUnknownAddress is returned for an address the database has no events, state or
// overrides for.
var ErrUnknownAddress = errors.New("no events for this address")

// Unsuppress records an operator override for o.Recipient (a normalised address) and
// re-evaluates the address, in one transaction. It returns the effective state before and the
// stored state after. An address without events or a state is ErrUnknownAddress. Call
// EvaluatePending first, so that the address's latest events are mapped.
func (s *Store) Unsuppress(ctx context.Context, ev Evaluator, o bounce.Override) (before bounce.State, after StateRow, err error) {
	err = s.write(ctx, "unsuppress", func(tx *sql.Tx) error {
		old, err := readSummaries(ctx, tx, listQuery("policy_states_in", 1), o.Recipient)
		if err != nil {
			return err
		}
		b, ok := old[o.Recipient]
		if !ok {
			return ErrUnknownAddress
		}
		before = bounce.Effective(b.state, b.expires, ev.Now)
		if _, err := tx.ExecContext(ctx, query("policy_insert_override"), o.Recipient, o.At.Unix(), o.By,
			o.Why, ev.Now.Unix()); err != nil {
			return err
		}
		sum := newSummary()
		if err := evaluateAddresses(ctx, tx, ev, []string{o.Recipient}, nil, allEvents, &sum); err != nil {
			return err
		}
		row, ok, err := stateOf(ctx, tx, o.Recipient)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("address %s: no state after evaluation", o.Recipient)
		}
		after = row
		return nil
	})
	if errors.Is(err, ErrUnknownAddress) {
		return "", StateRow{}, ErrUnknownAddress
	}
	return before, after, err
}

// State returns the stored state of an address; ok is false when there is none.
func (s *Store) State(ctx context.Context, addr string) (StateRow, bool, error) {
	r, ok, err := stateOf(ctx, s.db, addr)
	return r, ok, classify(s.path, "read state", err)
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
	var evID, typ, reason, status, reply, provider, rule, diag, setting sql.NullString
	var evaluated int64
	if err := rows.Scan(&r.Address, &st, &r.SoftCount, &r.PauseCount, &until, &expires, &since, &first,
		&last, &r.Bounces, &evID, &typ, &reason, &status, &reply, &provider, &rule, &diag, &decided,
		&setting, &r.Policy, &evaluated); err != nil {
		return r, err
	}
	r.State = bounce.State(st)
	r.SuppressedUntil, r.ExpiresAt, r.Since = fromUnix(until), fromUnix(expires), fromUnix(since)
	r.FirstBounce, r.LastBounce, r.DecidedAt = fromUnix(first), fromUnix(last), fromUnix(decided)
	r.EventID, r.Type, r.Reason, r.Status = evID.String, typ.String, reason.String, status.String
	r.ReplyCode, r.Provider, r.Rule, r.Diagnostic = reply.String, provider.String, rule.String, diag.String
	r.Setting = setting.String
	r.EvaluatedAt = time.Unix(evaluated, 0).UTC()
	return r, nil
}

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

// EventsOf returns the events of an address (every stored spelling of it), oldest first with
// those of unknown time before the others, with MessageKey, Idx and Position set. Only
// evaluated events are mapped to their address: call EvaluatePending first.
func (s *Store) EventsOf(ctx context.Context, addr string) ([]Event, error) {
	return s.queryEvents(ctx, "policy_events_of", addr)
}

func scanEvent(rows *sql.Rows) (Event, error) {
	var e Event
	var hard int
	var bounced sql.NullInt64
	var action, status, reply, diag, remote, reporting, provider, rule, sender, subject,
		origID, campaign, domain, feedback sql.NullString
	if err := rows.Scan(&e.MessageKey, &e.Idx, &e.Position, &e.Recipient, &action, &status,
		&reply, &diag, &remote, &reporting, &e.Reason, &e.Type, &hard, &provider, &rule,
		&e.Confidence, &bounced, &sender, &subject, &origID, &campaign, &domain,
		&feedback); err != nil {
		return e, err
	}
	e.Action, e.Status, e.ReplyCode, e.Diagnostic = action.String, status.String, reply.String, diag.String
	e.RemoteMTA, e.ReportingMTA, e.Provider, e.Rule = remote.String, reporting.String, provider.String, rule.String
	e.Sender, e.Subject, e.OriginalMessageID = sender.String, subject.String, origID.String
	e.Campaign, e.SendingDomain, e.FeedbackType = campaign.String, domain.String, feedback.String
	e.Hard = hard != 0
	e.BouncedAt = fromUnix(bounced)
	return e, nil
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

// MalformedRecipients lists the recipients whose address is malformed, by recipient.
func (s *Store) MalformedRecipients(ctx context.Context) ([]MalformedRecipient, error) {
	rows, err := s.db.QueryContext(ctx, query("policy_malformed_list"))
	if err != nil {
		return nil, classify(s.path, "list malformed recipients", err)
	}
	defer rows.Close()
	var out []MalformedRecipient
	for rows.Next() {
		var m MalformedRecipient
		var last sql.NullInt64
		if err := rows.Scan(&m.Recipient, &m.Error, &m.Events, &last); err != nil {
			return nil, classify(s.path, "list malformed recipients", err)
		}
		m.LastBounce = fromUnix(last)
		out = append(out, m)
	}
	return out, classify(s.path, "list malformed recipients", rows.Err())
}

// OtherPolicy counts the addresses last evaluated with a policy whose id is not id.
func (s *Store) OtherPolicy(ctx context.Context, id string) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, query("policy_other_policy"), id).Scan(&n)
	return n, classify(s.path, "read states", err)
}

// ExportChange is one entry of an address's export history.
type ExportChange struct {
	ExportID int64
	At       time.Time
	Target   string
	Kind     string // new, changed, left
}

// ExportChanges returns the export history of an address, oldest first.
func (s *Store) ExportChanges(ctx context.Context, addr string) ([]ExportChange, error) {
	rows, err := s.db.QueryContext(ctx, query("policy_export_changes_of"), addr)
	if err != nil {
		return nil, classify(s.path, "read export history", err)
	}
	defer rows.Close()
	var out []ExportChange
	for rows.Next() {
		var c ExportChange
		var at int64
		if err := rows.Scan(&c.ExportID, &at, &c.Target, &c.Kind); err != nil {
			return nil, classify(s.path, "read export history", err)
		}
		c.At = time.Unix(at, 0).UTC()
		out = append(out, c)
	}
	return out, classify(s.path, "read export history", rows.Err())
}

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
	err := s.write(ctx, "prune", func(tx *sql.Tx) error {
		// Deleted rows are overwritten with zeros, not left readable in free pages. SQLite-only,
		// like the PRAGMAs of the connection string; it stays on for this connection.
		if _, err := tx.ExecContext(ctx, "PRAGMA secure_delete = ON"); err != nil {
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
