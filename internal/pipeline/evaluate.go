package pipeline

import (
	"context"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
	"github.com/reboundhq/rebound/internal/policy"
	"github.com/reboundhq/rebound/internal/store"
)

// Policy is the suppression policy in force with its id, and the time of the evaluation.
type Policy struct {
	Policy *policy.Policy
	ID     string // identifies the policy's settings; stored with every state
	Now    time.Time
}

// evaluator adapts the policy to the store's evaluations: the store reads the events and
// overrides and writes what Decide returns, in its transaction.
func (p Policy) evaluator() store.Evaluator {
	return store.Evaluator{Now: p.Now, Decide: p.decide, Continue: p.resume, Rewind: p.rewind}
}

// carry returns the carry of a stored state; false when it has none or was evaluated by another
// policy: the address is then evaluated from all its events, which writes a new carry.
func (p Policy) carry(prev *store.StateRow) (policy.Carry, bool) {
	if prev.Carry == "" || prev.Policy != p.ID {
		return policy.Carry{}, false
	}
	c, err := policy.ParseCarry(prev.Carry)
	return c, err == nil
}

// resume evaluates the new events of an address from its stored state (policy.Continue): the
// carry and what the state row keeps of the result. It cannot when the state has no carry or
// was evaluated by another policy, or when policy.Continue refuses the events.
func (p Policy) resume(prev *store.StateRow, evs []bounce.Event) (store.Decided, bool) {
	c, ok := p.carry(prev)
	if !ok {
		return store.Decided{}, false
	}
	r := policy.Result{Recipient: prev.Address, PauseCount: prev.PauseCount, FirstBounce: prev.FirstBounce,
		LastBounce: prev.LastBounce, Bounces: prev.Bounces, Decision: prev.Decision, Setting: prev.Setting,
		Carry: c}
	r.Decision.Address = prev.Address
	res, ok := policy.Continue(p.Policy, &r, evs, p.Now)
	if !ok {
		return store.Decided{}, false
	}
	return store.Decided{State: p.stateRow(&res), Transitions: res.Transitions, Kept: res.Kept}, true
}

// rewind evaluates the new events of an address that resume refused from the rewind point of
// its stored carry (policy.Replay) and the events and overrides stored after it. It cannot
// when the carry keeps no point before every new event. A rewind point keeps of its deciding
// event all but the diagnostic, which may quote an address (the store redacts the state's and
// the events' own, docs/privacy.md): it comes from the state row, or from the stored event
// when the deciding event changed since the point.
func (p Policy) rewind(prev *store.StateRow, evs []bounce.Event, h store.History) (store.Decided, bool, error) {
	c, ok := p.carry(prev)
	if !ok {
		return store.Decided{}, false, nil
	}
	from := c.RewindFor(evs)
	if from == nil {
		return store.Decided{}, false, nil
	}
	stored, ovs, err := h.Since(from.Carry.LastAt)
	if err != nil {
		return store.Decided{}, false, err
	}
	res := policy.Replay(p.Policy, prev.Address, from, append(stored, evs...), ovs, p.Now)
	if d := &res.Decision; d.ID != "" && d.ID == from.Decision.ID {
		if d.ID == prev.Decision.ID {
			d.Diagnostic = prev.Decision.Diagnostic
		} else {
			var found bool
			if d.Diagnostic, found, err = h.Diagnostic(d.ID); err != nil || !found {
				return store.Decided{}, false, err // not found (not expected: prune clears carries): from all events
			}
		}
	}
	return store.Decided{State: p.stateRow(&res), Transitions: res.Transitions, Kept: res.Kept}, true, nil
}

// decide evaluates the policy over the events and overrides of some addresses and returns
// their states as stored.
func (p Policy) decide(evs []bounce.Event, ovs []bounce.Override) []store.Decided {
	results := policy.Evaluate(p.Policy, evs, ovs, p.Now)
	out := make([]store.Decided, len(results))
	for i := range results {
		r := &results[i]
		out[i] = store.Decided{State: p.stateRow(r), Transitions: r.Transitions}
	}
	return out
}

// stateRow is the stored state of an evaluated address.
func (p Policy) stateRow(r *policy.Result) store.StateRow {
	return store.StateRow{Address: r.Recipient, State: r.State, SoftCount: r.SoftCount,
		PauseCount: r.PauseCount, SuppressedUntil: r.SuppressedUntil, ExpiresAt: r.Expires,
		Since: r.Since, FirstBounce: r.FirstBounce, LastBounce: r.LastBounce, Bounces: r.Bounces,
		Decision: r.Decision, Setting: r.Setting, Policy: p.ID, EvaluatedAt: p.Now,
		Carry: r.Carry.String()}
}

// EvaluatePending brings the stored states up to date with the events stored since the last
// evaluation (by this process, or by a scan that was killed before it could evaluate).
func EvaluatePending(ctx context.Context, st *store.Store, p Policy) (store.EvalSummary, error) {
	pending, err := st.Pending(ctx)
	if err != nil || !pending {
		return store.EvalSummary{}, err
	}
	return st.EvaluatePending(ctx, p.evaluator())
}

// evaluateWhileScanning is EvaluatePending for the evaluations a scan makes before its last
// one: an address whose new events come before those its state took is left for the last one
// (store.Evaluator.Defer), instead of having its whole history read back at each.
func evaluateWhileScanning(ctx context.Context, st *store.Store, p Policy) error {
	ev := p.evaluator()
	ev.Defer = true
	_, err := st.EvaluatePending(ctx, ev)
	return err
}

// Evaluate recomputes the state of every address from all its events and overrides (after a
// policy change).
func Evaluate(ctx context.Context, st *store.Store, p Policy) (store.EvalSummary, error) {
	return st.EvaluateAll(ctx, p.evaluator())
}

// Unsuppress records an operator's override returning addr (a normalised address) to active
// now, and re-evaluates the address. It returns the effective state before and the stored
// state after; store.ErrUnknownAddress when the database knows nothing of addr.
func Unsuppress(ctx context.Context, st *store.Store, p Policy, addr, by, why string) (before bounce.State, after store.StateRow, err error) {
	o := bounce.Override{Recipient: addr, At: p.Now, By: by, Why: why}
	return st.Unsuppress(ctx, p.evaluator(), o)
}

// Prune deletes what bounced more than age before the policy's time, keeping the evidence of
// every suppression and review (store.Prune), after evaluating what is pending; with dry it
// only counts. The caller checks age against the policy's horizon.
func Prune(ctx context.Context, st *store.Store, p Policy, age time.Duration, dry bool) (store.PruneSummary, error) {
	if _, err := EvaluatePending(ctx, st, p); err != nil {
		return store.PruneSummary{}, err
	}
	return st.Prune(ctx, p.Now.Add(-age), p.Now, dry)
}
