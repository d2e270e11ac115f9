package store

import (
	"context"
	"database/sql"
	"strconv"
	"sync"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
)

// recentEvents are the events this Store stored and has not evaluated yet, as the policy sees
// them, with their ids. When they are exactly the pending events, EvaluatePending takes them
// from here instead of reading back what was just written: on a first scan that reading cost
// about 0.22 s per 50,000 messages (docs/performance.md).
//
// They are exactly the pending events when every id above the evaluation mark, up to the
// highest, is one of theirs. Ids are unique, so counting is enough, unless an id was reused:
// SQLite may give the id of a deleted event to a new one, and only prune deletes events. Prune
// counts itself in meta (events_pruned), and the events stored under another count are
// dropped.
type recentEvents struct {
	mu sync.Mutex
	// One entry per committed batch: ids[b] in the order stored, ascending within the batch;
	// evs[b][i] has the id ids[b][i]. Kept by batch, not appended into one slice: pending
	// copies them once, into a slice of the right size.
	ids    [][]int64
	evs    [][]bounce.Event
	n      int64  // events in ids
	pruned string // events_pruned when they were stored
	lost   bool   // some were dropped: more than pendingInMemory, or a prune

	// addrs are the normalised addresses of the recipients of the events stored, as the
	// caller computed them (Event.Address, Event.AddressError), by stored recipient.
	// Normalisation depends on the recipient alone, so they hold whatever events EvaluatePending
	// takes.
	addrs map[string]mapped
}

// mapped is the normalised address of a recipient, or why it is malformed.
type mapped struct{ address, error string }

// addAddresses records the addresses the caller computed for the recipients of the events of
// a committed batch (at most pendingInMemory of them are kept).
func (r *recentEvents) addAddresses(msgs []Message) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range msgs {
		for j := range msgs[i].Events {
			e := &msgs[i].Events[j]
			if e.Address == "" && e.AddressError == "" {
				continue
			}
			if r.addrs == nil {
				r.addrs = make(map[string]mapped)
			}
			if int64(len(r.addrs)) >= pendingInMemory {
				return
			}
			r.addrs[NormalizeRecipient(e.Recipient)] = mapped{e.Address, e.AddressError}
		}
	}
}

// address returns the address recorded for a stored recipient; ok is false when there is none.
func (r *recentEvents) address(raw string) (m mapped, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m, ok = r.addrs[raw]
	return m, ok
}

// add records the events a committed batch stored, under the prune count read in its
// transaction.
func (r *recentEvents) add(ids []int64, evs []bounce.Event, pruned string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == 0 && !r.lost {
		r.pruned = pruned
	}
	if r.lost || pruned != r.pruned || r.n+int64(len(ids)) > pendingInMemory {
		r.ids, r.evs, r.n, r.lost = nil, nil, 0, true
		return
	}
	if len(ids) == 0 {
		return
	}
	r.ids = append(r.ids, ids)
	r.evs = append(r.evs, evs)
	r.n += int64(len(ids))
}

// pending returns the events with an id above mark, in id order, when they are all the events
// up to maxID and were stored under the prune count pruned; otherwise nil. They are pointers
// to the events kept, not copies (a few hundred bytes each): EvaluatePending copies them once,
// grouped by address, and they stay unchanged until reset.
func (r *recentEvents) pending(mark, maxID int64, pruned string) []*bounce.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.lost || pruned != r.pruned || r.n == 0 {
		return nil
	}
	out := make([]*bounce.Event, 0, min(r.n, maxID-mark))
	last := mark
	for b, ids := range r.ids {
		for i, id := range ids {
			if id <= mark {
				continue // evaluated meanwhile by another process
			}
			if id <= last || id > maxID {
				return nil // not in id order, or not counted in maxID: read them back instead
			}
			last = id
			out = append(out, &r.evs[b][i])
		}
	}
	if int64(len(out)) != maxID-mark {
		return nil // others stored events too
	}
	return out
}

// reset forgets every recent event, after an evaluation that covered them.
func (r *recentEvents) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ids, r.evs, r.n, r.pruned, r.lost, r.addrs = nil, nil, 0, "", false, nil
}

// eventsPruned reads the prune count ("" before the first prune that deleted events).
func eventsPruned(ctx context.Context, q queryer) (string, error) {
	var v string
	err := q.QueryRowContext(ctx, query("events_pruned")).Scan(&v)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return v, err
}

// countPrune adds one to the prune count.
func countPrune(ctx context.Context, q queryer) error {
	v, err := eventsPruned(ctx, q)
	if err != nil {
		return err
	}
	n, _ := strconv.ParseInt(v, 10, 64) // "" is 0
	_, err = q.ExecContext(ctx, query("set_events_pruned"), strconv.FormatInt(n+1, 10))
	return err
}

// storedEvent is the j-th event of m as policy_pending_events reads it back: what the policy
// reads of it (the columns of readEvents), the recipient as stored, times in whole seconds, the
// scan time standing in for an unknown bounce time. The other fields stay empty: the events are
// kept until they are evaluated, and their texts need not be.
func storedEvent(m *Message, j int, scanned int64) bounce.Event {
	e := &m.Events[j]
	at := scanned
	if !e.BouncedAt.IsZero() {
		at = e.BouncedAt.Unix()
	}
	return bounce.Event{ID: bounce.EventID(m.Key, j+1), Key: m.Key, Idx: j + 1, Position: m.Position,
		Recipient: NormalizeRecipient(e.Recipient), Type: e.Type, Reason: e.Reason, Provider: e.Provider,
		Status: e.Status, ReplyCode: e.ReplyCode, Rule: e.Rule, Diagnostic: e.Diagnostic,
		FeedbackType: e.FeedbackType, BouncedAt: time.Unix(at, 0).UTC()}
}
