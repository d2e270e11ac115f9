package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"maps"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/reboundhq/rebound/internal/address"
	"github.com/reboundhq/rebound/internal/bounce"
)

// This file is the store's side of the suppression policy's evaluation (docs/policy.md,
// "Storage"): states are derived data, recomputed by an Evaluator (internal/policy, supplied by
// internal/pipeline) from the stored events and overrides, per address and in one transaction,
// so the same events give the same states however and in whatever order they were scanned.
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
	// Continue, when set, evaluates the new events of an address (Recipient is the address)
	// from its stored state, without the earlier events: the state's Carry and the fields time
	// does not change. ok is false when it cannot (no carry, another policy, an event older than
	// the last one the state took): the address is then evaluated from all its events by Decide.
	Continue func(prev *StateRow, evs []bounce.Event) (d Decided, ok bool)
	// Rewind, when set, evaluates the new events of an address that Continue refused (some come
	// before the last event its state took: bounces read late) from an earlier point that the
	// state's carry keeps, with the events and overrides after it, which it reads from h; the
	// transitions after Decided.Kept are replaced. ok is false when it cannot (no such point
	// before every new event): the address is then evaluated from all its events.
	Rewind func(prev *StateRow, evs []bounce.Event, h History) (d Decided, ok bool, err error)
	Now    time.Time // the time of the evaluation: it decides the effective states counted
	// Defer is for the evaluations a scan makes while it runs (all but its last): an address
	// with a stored state that Continue cannot take is listed in policy_deferred (migration
	// 0009) and its state left as it is, instead of being evaluated from all its events at once;
	// the next EvaluatePending without Defer evaluates every listed address so. A mailbox read out
	// of time order otherwise had the whole history of each such address read back at every
	// evaluation of the scan: quadratic in its length (docs/performance.md).
	Defer bool
}

// History reads, for Evaluator.Rewind, what the store keeps of one address.
type History interface {
	// Since returns the address's stored events with a bounce time from `from` on (and
	// those of unknown bounce time), and all its overrides.
	Since(from time.Time) ([]bounce.Event, []bounce.Override, error)
	// Diagnostic returns the diagnostic of one of its stored events; found is false when
	// there is no such event.
	Diagnostic(eventID string) (diag string, found bool, err error)
}

// history is the History of address a in tx, of the events with an id up to upTo.
type history struct {
	ctx  context.Context
	tx   *txn
	a    string
	upTo int64
}

func (h history) Since(from time.Time) ([]bounce.Event, []bounce.Override, error) {
	evs, err := readEvents(h.ctx, h.tx, query("policy_events_since"), true, h.a, from.Unix(), h.upTo, h.a, h.upTo)
	if err != nil {
		return nil, nil, err
	}
	ovs, err := policyOverrides(h.ctx, h.tx, []string{h.a})
	return evs, ovs, err
}

func (h history) Diagnostic(eventID string) (string, bool, error) {
	key, idx, ok := bounce.ParseEventID(eventID)
	if !ok {
		return "", false, nil
	}
	var d sql.NullString
	err := h.tx.QueryRowContext(h.ctx, query("policy_event_diagnostic"), key, idx).Scan(&d)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return d.String, err == nil, err
}

// Decided is the evaluated state of one address and its audit trail, as stored.
type Decided struct {
	State       StateRow
	Transitions []bounce.Transition // numbered from Kept+1
	Kept        int                 // stored transitions kept before them (Continue); the later ones are replaced
}

// EvalSummary says what an evaluation did.
type EvalSummary struct {
	Addresses int                  // addresses evaluated
	Malformed int                  // recipients looked at whose address is malformed (not evaluated)
	Removed   int                  // stored states removed: the address has no events or overrides any more
	Continued int                  // addresses evaluated from their stored state and new events alone (Evaluator.Continue)
	Rewound   int                  // addresses evaluated from a rewind point and the events after it (Evaluator.Rewind)
	Deferred  int                  // addresses left for an evaluation from all their events (Evaluator.Defer)
	States    map[bounce.State]int // effective states (see Effective) of the addresses evaluated
	Changes   map[string]int       // effective state changes, "paused->active": count
}

func newSummary() EvalSummary {
	return EvalSummary{States: map[bounce.State]int{}, Changes: map[string]int{}}
}

// Pending reports whether events were stored since the last evaluation, or addresses left for
// a later one (Evaluator.Defer), without writing.
func (s *Store) Pending(ctx context.Context) (bool, error) {
	mark, maxID, err := marks(ctx, s.db)
	if err != nil {
		return false, classify(s.path, "read evaluation mark", err)
	}
	if maxID > mark {
		return true, nil
	}
	deferred, err := anyDeferred(ctx, s.db)
	if err != nil {
		return false, classify(s.path, "read evaluation mark", err)
	}
	return deferred, nil
}

// anyDeferred reports whether policy_deferred lists an address.
func anyDeferred(ctx context.Context, q queryer) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, query("policy_any_deferred")).Scan(&n)
	return n > 0, err
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
// process), in one transaction. An address with a stored state is evaluated from that state
// and its new events (Evaluator.Continue; its transitions appended), unless a new event is
// older than the last one the state took, or the state has no carry or was evaluated with
// another policy: then, like an address in the cases below, its events and overrides are read
// in full, evaluated, and its state and transitions replaced.
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
//
// Addresses listed in policy_deferred (by an evaluation with ev.Defer) are left out; without
// ev.Defer they are then evaluated from all their events, and the list emptied.
func (s *Store) EvaluatePending(ctx context.Context, ev Evaluator) (EvalSummary, error) {
	sum := newSummary()
	err := s.write(ctx, "evaluate", func(tx *txn) error {
		mark, maxID, err := marks(ctx, tx)
		if err != nil {
			return err
		}
		listed, err := anyDeferred(ctx, tx)
		if err != nil {
			return err
		}
		if maxID > mark {
			d := &deferral{listed: listed, add: ev.Defer}
			if err := s.evaluateNew(ctx, tx, ev, mark, maxID, d, &sum); err != nil {
				return err
			}
			// The pending events are evaluated (or left): free them before the listed addresses'
			// events are read. Should the transaction fail, the next evaluation reads them back.
			s.recent.reset()
			listed = d.listed
			if err := setMark(ctx, tx, maxID); err != nil {
				return err
			}
		}
		if !listed || ev.Defer {
			return nil
		}
		return evaluateDeferred(ctx, tx, ev, &sum)
	})
	if err == nil {
		s.recent.reset()
	}
	return sum, err
}

// evaluateNew evaluates the addresses of the events with an id after mark, up to maxID, except
// those that d lists.
func (s *Store) evaluateNew(ctx context.Context, tx *txn, ev Evaluator, mark, maxID int64, d *deferral, sum *EvalSummary) error {
	if maxID-mark > pendingInMemory {
		for raws, err := range pages(ctx, tx, "policy_pending_recipients_from", mark) {
			if err != nil {
				return err
			}
			addrOf, malformed, _, err := s.mapRecipients(ctx, tx, raws)
			if err != nil {
				return err
			}
			sum.Malformed += malformed
			src := allEvents
			src.deferred = d
			if err := evaluateAddresses(ctx, tx, ev, distinctAddresses(addrOf), nil, src, sum); err != nil {
				return err
			}
		}
		return nil
	}
	pruned, err := eventsPruned(ctx, tx)
	if err != nil {
		return err
	}
	pending := s.recent.pending(mark, maxID, pruned)
	if pending == nil {
		evs, err := readEvents(ctx, tx, query("policy_pending_events"), false, mark)
		if err != nil {
			return err
		}
		pending = pointers(evs)
	}
	addrOf, malformed, moved, err := s.mapRecipients(ctx, tx, distinctRecipients(pending))
	if err != nil {
		return err
	}
	sum.Malformed += malformed
	src := eventSource{upTo: mark, pending: groupPending(pending, addrOf), stateless: !moved,
		incremental: !moved && ev.Continue != nil, deferred: d}
	return evaluateAddresses(ctx, tx, ev, distinctAddresses(addrOf), nil, src, sum)
}

// evaluateDeferred evaluates the addresses listed in policy_deferred from all their events, a
// page at a time, and empties the list.
func evaluateDeferred(ctx context.Context, tx *txn, ev Evaluator, sum *EvalSummary) error {
	for addrs, err := range pages(ctx, tx, "policy_deferred_from") {
		if err != nil {
			return err
		}
		// Their states' bounces count none of the events that listed them: the states as read
		// here add those, so that evaluateAddresses decides them maxEventsAtOnce at a time.
		old := make(map[string]summary, len(addrs))
		err := chunks(addrs, func(part []string) error {
			m, err := readSummaries(ctx, tx, listQuery("policy_deferred_states_in", len(part)), anys(part)...)
			maps.Copy(old, m)
			return err
		})
		if err != nil {
			return err
		}
		if err := evaluateAddresses(ctx, tx, ev, addrs, old, allEvents, sum); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, query("policy_clear_deferred"))
	return err
}

// deferral is how an EvaluatePending treats policy_deferred: the addresses it lists are left
// out, their states missing the events that listed them until an evaluation from all their
// events (evaluateDeferred).
type deferral struct {
	listed bool // the list may have addresses: look each chunk's addresses up in it
	add    bool // Evaluator.Defer: list the addresses with a state that Continue refuses instead of deciding them
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
//
// With incremental, an address with a stored state whose pending events all come after the last
// one it took is evaluated from that state and its pending events alone (Evaluator.Continue):
// no older event is read and its audit trail is appended to. That holds under the same
// condition as stateless: every event up to the mark was evaluated into the stored states.
//
// With deferred, the addresses policy_deferred lists are left out, and with deferred.add those
// that Continue refuses are listed instead of decided (Evaluator.Defer).
type eventSource struct {
	upTo        int64
	pending     map[string][]bounce.Event
	stateless   bool
	incremental bool
	deferred    *deferral
}

// allEvents reads every event of an address from the database.
var allEvents = eventSource{upTo: math.MaxInt64}

// pointers returns pointers to each of evs.
func pointers(evs []bounce.Event) []*bounce.Event {
	out := make([]*bounce.Event, len(evs))
	for i := range evs {
		out[i] = &evs[i]
	}
	return out
}

// distinctRecipients returns the recipients of events (as stored), each once, in order.
func distinctRecipients(evs []*bounce.Event) []string {
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
// events' Address, as policy.Evaluate expects; events of malformed recipients are left out.
// The groups are parts of one slice, counted first: appended address by address, the events
// (a few hundred bytes each) were copied again at every growth, and on a first scan of few
// addresses with many events each that cost more than the rest of grouping.
func groupPending(evs []*bounce.Event, addrOf map[string]string) map[string][]bounce.Event {
	counts := make(map[string]int)
	total := 0
	for i := range evs {
		if a, ok := addrOf[evs[i].Recipient]; ok {
			counts[a]++
			total++
		}
	}
	all := make([]bounce.Event, total)
	m := make(map[string][]bounce.Event, len(counts))
	off := 0
	for a, n := range counts {
		m[a] = all[off : off : off+n]
		off += n
	}
	for i := range evs {
		if a, ok := addrOf[evs[i].Recipient]; ok {
			g := append(m[a], *evs[i]) // within the part's capacity: no growth
			g[len(g)-1].Address = a
			m[a] = g
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
	err := s.write(ctx, "evaluate", func(tx *txn) error {
		_, maxID, err := marks(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, query("policy_delete_orphan_addresses")); err != nil {
			return err
		}
		for raws, err := range pages(ctx, tx, "policy_recipients_from") {
			if err != nil {
				return err
			}
			_, malformed, _, err := s.mapRecipients(ctx, tx, raws)
			sum.Malformed += malformed
			if err != nil {
				return err
			}
		}
		for addrs, err := range pages(ctx, tx, "policy_addresses_from") {
			if err != nil {
				return err
			}
			// The page's stored states in one range read, cheaper than lookups by address.
			old, err := readSummaries(ctx, tx, query("policy_states_between"), addrs[0], addrs[len(addrs)-1])
			if err != nil {
				return err
			}
			if err := evaluateAddresses(ctx, tx, ev, addrs, old, allEvents, &sum); err != nil {
				return err
			}
		}
		if err := removeOrphanStates(ctx, tx, ev.Now, &sum); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, query("policy_clear_deferred")); err != nil {
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

// pages yields the keys of a sorted list, keysPerPage at a time, in order. The query name
// takes a key, a count and args, and returns, in order, at most that many keys from that key
// on (included); each page starts from the last key of the one before, which is not repeated.
// No query is open while the loop runs.
func pages(ctx context.Context, q queryer, name string, args ...any) iter.Seq2[[]string, error] {
	return func(yield func([]string, error) bool) {
		n := max(keysPerPage, 2) // a page of one would only repeat its key
		from, first := "", true
		for {
			page, err := strings1(ctx, q, query(name), append([]any{from, n}, args...)...)
			if err != nil {
				yield(nil, err)
				return
			}
			full := len(page) == n
			if !first && len(page) > 0 && page[0] == from {
				page = page[1:]
			}
			if len(page) > 0 {
				if !yield(page, nil) {
					return
				}
				from = page[len(page)-1]
			}
			if !full {
				return
			}
			first = false
		}
	}
}

// removeOrphanStates removes the states and transitions of the addresses left without events
// or overrides, counting them in sum.
func removeOrphanStates(ctx context.Context, tx *txn, now time.Time, sum *EvalSummary) error {
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
	for o, err := range summaries(ctx, tx, query("policy_orphan_states")) {
		if err != nil {
			return err
		}
		if was := bounce.Effective(o.state, o.expires, now); was != bounce.StateActive {
			sum.Changes[string(was)+"->active"]++
		}
		sum.Removed++
		if _, err := delState.ExecContext(ctx, o.address); err != nil {
			return err
		}
		if _, err := delTrail.ExecContext(ctx, o.address); err != nil {
			return err
		}
	}
	return nil
}

// mapRecipients records the normalised address of each stored recipient and returns the
// address of each well-formed recipient and the number of malformed recipients. Only new or
// changed mappings are written; moved is true when a recipient stored before now normalises to
// another address or none (after a change to address.Normalize), so that its older events
// belong to an address that may have no state yet. The addresses that the scan's workers
// computed (recent) are taken as they are; the others are normalised here.
func (s *Store) mapRecipients(ctx context.Context, tx *txn, raws []string) (addrOf map[string]string, malformed int, moved bool, err error) {
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
	var up *sql.Stmt
	var bulk []any // PostgreSQL: the rows of one multi-row upsert (save_bulk.go)
	if !tx.d.bulkSave {
		if up, err = tx.PrepareContext(ctx, query("policy_upsert_address")); err != nil {
			return nil, 0, false, err
		}
		defer up.Close()
	}
	addrOf = make(map[string]string, len(raws))
	for _, raw := range raws {
		var want mapping
		m, ok := s.recent.address(raw)
		if !ok {
			a, nerr := address.Normalize(raw)
			m.address = a
			if nerr != nil {
				m.error = nerr.Error()
			}
		}
		if m.error != "" {
			malformed++
			want.error = sql.NullString{String: m.error, Valid: true}
		} else {
			want.address = sql.NullString{String: m.address, Valid: true}
			addrOf[raw] = m.address
		}
		old, ok := stored[raw]
		if ok && old == want {
			continue
		}
		if ok && old.address != want.address {
			moved = true
		}
		if up == nil {
			bulk = append(bulk, raw, want.address, want.error)
		} else if _, err := up.ExecContext(ctx, raw, want.address, want.error); err != nil {
			return nil, 0, false, err
		}
	}
	if err := execRows(ctx, tx, "bulk_upsert_addresses", 3, bulk); err != nil {
		return nil, 0, false, err
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
	bounces int // the state's Bounces: about how many events an evaluation of the address reads
}

// addressSummary is an address and the summary of its stored state.
type addressSummary struct {
	address string
	summary
}

func readSummaries(ctx context.Context, q queryer, text string, args ...any) (map[string]summary, error) {
	out := map[string]summary{}
	for s, err := range summaries(ctx, q, text, args...) {
		if err != nil {
			return out, err
		}
		out[s.address] = s.summary
	}
	return out, nil
}

// summaries runs a query whose rows are an address, its state (empty for none), when that
// state expires and its bounces, and yields each after the query is read: the loop may run queries (a
// PostgreSQL connection runs one at a time).
func summaries(ctx context.Context, q queryer, text string, args ...any) iter.Seq2[addressSummary, error] {
	return func(yield func(addressSummary, error) bool) {
		all, err := readAddressSummaries(ctx, q, text, args...)
		if err != nil {
			yield(addressSummary{}, err)
			return
		}
		for _, r := range all {
			if !yield(r, nil) {
				return
			}
		}
	}
}

func readAddressSummaries(ctx context.Context, q queryer, text string, args ...any) ([]addressSummary, error) {
	rows, err := q.QueryContext(ctx, text, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var all []addressSummary
	for rows.Next() {
		var a, st string
		var exp sql.NullInt64
		var n int
		if err := rows.Scan(&a, &st, &exp, &n); err != nil {
			return nil, err
		}
		all = append(all, addressSummary{a, summary{state: bounce.State(st), expires: fromUnix(exp), bounces: n}})
	}
	return all, rows.Err()
}

// evaluateAddresses evaluates addrs (sorted) in chunks and replaces their states and
// transitions. old holds the previous states when the caller read them all; otherwise they
// are read per chunk. With src.incremental, the addresses that Continue evaluates from their
// stored state get their new transitions appended, the others are evaluated from all their
// events and their trails replaced.
func evaluateAddresses(ctx context.Context, tx *txn, ev Evaluator, addrs []string, old map[string]summary, src eventSource, sum *EvalSummary) error {
	w, err := newDecidedWriter(ctx, tx)
	if err != nil {
		return err
	}
	defer w.Close()
	return chunks(addrs, func(part []string) error {
		if d := src.deferred; d != nil && d.listed {
			var err error
			if part, err = withoutDeferred(ctx, tx, part, src.pending); err != nil {
				return err
			}
			if len(part) == 0 {
				return nil // all listed: no query of an empty list (PostgreSQL refuses IN ())
			}
		}
		before := old
		var decided []Decided // evaluated from their stored state (Continue)
		if src.incremental {
			prev, err := readStates(ctx, tx, listQuery("policy_resume_in", len(part)), anys(part)...)
			if err != nil {
				return err
			}
			before = make(map[string]summary, len(prev))
			rest := make([]string, 0, len(part))
			for _, a := range part {
				p, ok := prev[a]
				if ok {
					before[a] = summary{p.State, p.ExpiresAt, p.Bounces}
				}
				if ok && len(src.pending[a]) > 0 {
					d, ok := ev.Continue(&p, src.pending[a])
					if ok {
						sum.Continued++
					} else if ev.Rewind != nil {
						var err error
						if d, ok, err = ev.Rewind(&p, src.pending[a], history{ctx, tx, a, src.upTo}); err != nil {
							return fmt.Errorf("address %s: %w", a, err)
						}
						if ok {
							sum.Rewound++
						}
					}
					if ok {
						decided = append(decided, d)
						if err := w.trim(ctx, a, d.Kept); err != nil {
							return err
						}
						continue
					}
					if src.deferred != nil && src.deferred.add {
						if err := deferAddress(ctx, tx, a, len(src.pending[a])); err != nil {
							return err
						}
						src.deferred.listed = true
						sum.Deferred++
						continue
					}
				}
				rest = append(rest, a)
			}
			part = rest
		} else if before == nil {
			var err error
			if before, err = readSummaries(ctx, tx, listQuery("policy_states_in", len(part)), anys(part)...); err != nil {
				return err
			}
		}
		if err := record(ctx, w, ev, decided, before, sum); err != nil {
			return err
		}
		// The addresses left are decided from all their events, read back: a group at a time
		// of at most maxEventsAtOnce events (an address with more is a group of its own), so
		// that memory does not grow with the history of the addresses evaluated together.
		for len(part) > 0 {
			n, k := 0, 0
			for ; k < len(part); k++ {
				c := len(src.pending[part[k]]) + before[part[k]].bounces
				if k > 0 && n+c > maxEventsAtOnce {
					break
				}
				n += c
			}
			if err := decideAll(ctx, tx, w, ev, part[:k], n, before, src, sum); err != nil {
				return err
			}
			part = part[k:]
		}
		return w.flush(ctx, tx)
	})
}

// withoutDeferred returns the addresses of part that policy_deferred does not list, and counts
// the pending events of those it lists with them.
func withoutDeferred(ctx context.Context, q queryer, part []string, pending map[string][]bounce.Event) ([]string, error) {
	listed, err := strings1(ctx, q, listQuery("policy_deferred_in", len(part)), anys(part)...)
	if err != nil || len(listed) == 0 {
		return part, err
	}
	isListed := make(map[string]bool, len(listed))
	for _, a := range listed {
		isListed[a] = true
	}
	out := make([]string, 0, len(part)-len(listed))
	for _, a := range part {
		if !isListed[a] {
			out = append(out, a)
		} else if n := len(pending[a]); n > 0 {
			if err := deferAddress(ctx, q, a, n); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// deferAddress lists address a in policy_deferred with n more events.
func deferAddress(ctx context.Context, q queryer, a string, n int) error {
	_, err := q.ExecContext(ctx, query("policy_insert_deferred"), a, n)
	return err
}

// maxEventsAtOnce bounds the events evaluateAddresses holds at once for the addresses it
// decides from all their events (a few hundred bytes each, without their strings): a scan of
// messages read out of time order re-reads the whole history of every address it touches at
// each evaluation. A variable so that tests can make groups small.
var maxEventsAtOnce = 10_000

// decideAll decides the addresses of part from all their events: the pending ones in src and,
// for an address that may have stored events, overrides or transitions, those read back. n is
// about the number of events (to size the slice); the addresses left with no events and no
// overrides lose their state.
func decideAll(ctx context.Context, tx *txn, w *decidedWriter, ev Evaluator, part []string, n int, before map[string]summary, src eventSource, sum *EvalSummary) error {
	stored := part // the addresses that may have events, overrides or transitions stored
	if src.stateless {
		stored = make([]string, 0, len(before))
		for _, a := range part {
			if _, ok := before[a]; ok {
				stored = append(stored, a)
			}
		}
	}
	// The events to decide: the pending ones of part, then the stored ones of its addresses,
	// in one slice sized up front (a state's Bounces is about the number of its stored
	// events); appending the pending events after the stored ones copied them all again,
	// a few hundred bytes each, at every evaluation of an address with many events. Bounces
	// leaves out the events the policy ignores (auto-replies, delivery notices) and those
	// before an override: up to 5% more on the sisimai-copied maildir, and a slice one
	// event short doubles. An eighth more room: `rebound evaluate` of that maildir's 52,374
	// events allocated 87.5 MB instead of 105.8.
	evs := make([]bounce.Event, 0, n+n/8+16)
	for _, a := range part {
		evs = append(evs, src.pending[a]...)
	}
	var ovs []bounce.Override
	if len(stored) > 0 {
		var err error
		if evs, err = policyEvents(ctx, tx, evs, stored, src.upTo); err != nil {
			return err
		}
		if ovs, err = policyOverrides(ctx, tx, stored); err != nil {
			return err
		}
		if err := execList(ctx, tx, "policy_delete_transitions", stored); err != nil {
			return err
		}
	}
	decided := ev.Decide(evs, ovs)
	if err := record(ctx, w, ev, decided, before, sum); err != nil {
		return err
	}
	evaluated := make(map[string]bool, len(decided))
	for i := range decided {
		evaluated[decided[i].State.Address] = true
	}
	var gone []string
	for _, a := range part {
		if !evaluated[a] {
			gone = append(gone, a) // no events and no overrides any more
		}
	}
	sum.Removed += len(gone)
	if err := w.flush(ctx, tx); err != nil {
		return err
	}
	return execList(ctx, tx, "policy_delete_states", gone)
}

// record saves the decided states and their new transitions, and counts them in sum against
// the states before.
func record(ctx context.Context, w *decidedWriter, ev Evaluator, decided []Decided, before map[string]summary, sum *EvalSummary) error {
	for i := range decided {
		d := &decided[i]
		a := d.State.Address
		if err := w.save(ctx, d); err != nil {
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
	return nil
}

// readStates runs a query whose rows are whole states (policy_state's columns) and returns
// them by address.
func readStates(ctx context.Context, q queryer, text string, args ...any) (map[string]StateRow, error) {
	rows, err := q.QueryContext(ctx, text, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[string]StateRow)
	for rows.Next() {
		r, err := scanState(rows)
		if err != nil {
			return nil, err
		}
		out[r.Address] = r
	}
	return out, rows.Err()
}

// policyEvents appends to dst the events of the given addresses with an id up to upTo, as the
// policy sees them (with their Address; Recipient is not read, nor on SQLite the Position,
// which the policy's order never reaches: queries/policy_events.sql).
func policyEvents(ctx context.Context, q queryer, dst []bounce.Event, addrs []string, upTo int64) ([]bounce.Event, error) {
	return appendEvents(ctx, q, dst, listQuery("policy_events", len(addrs)), true, append(anys(addrs), upTo)...)
}

// readEvents runs a query whose rows are events as the policy sees them: address (addressed) or
// recipient as stored, message key, index, position, type, reason, provider, status, reply
// code, rule, diagnostic, feedback type and time.
func readEvents(ctx context.Context, q queryer, text string, addressed bool, args ...any) ([]bounce.Event, error) {
	return appendEvents(ctx, q, nil, text, addressed, args...)
}

// appendEvents is readEvents appending to out.
func appendEvents(ctx context.Context, q queryer, out []bounce.Event, text string, addressed bool, args ...any) ([]bounce.Event, error) {
	rows, err := q.QueryContext(ctx, text, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e bounce.Event
		var typ, reason string
		var provider, status, reply, rule, diag, feedback sql.NullString
		var at sql.NullInt64
		who := &e.Recipient
		if addressed {
			who = &e.Address
		}
		if err := rows.Scan(who, &e.Key, &e.Idx, &e.Position, &typ, &reason, &provider, &status,
			&reply, &rule, &diag, &feedback, &at); err != nil {
			return nil, err
		}
		e.ID = bounce.EventID(e.Key, e.Idx)
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
	err = s.write(ctx, "unsuppress", func(tx *txn) error {
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
		if err := execList(ctx, tx, "policy_delete_deferred", []string{o.Recipient}); err != nil {
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
