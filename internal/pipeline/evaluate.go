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
	return store.Evaluator{Now: p.Now, Decide: p.decide}
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
	var since time.Time
	if n := len(r.Transitions); n > 0 {
		since = r.Transitions[n-1].At
	}
	d := &r.Decision
	return store.StateRow{Address: r.Recipient, State: r.State, SoftCount: r.SoftCount,
		PauseCount: r.PauseCount, SuppressedUntil: r.SuppressedUntil, ExpiresAt: r.Expires,
		Since: since, FirstBounce: r.FirstBounce, LastBounce: r.LastBounce, Bounces: r.Bounces,
		EventID: d.ID, Type: string(d.Type), Reason: string(d.Reason), Status: d.Status,
		ReplyCode: d.ReplyCode, Provider: d.Provider, Rule: d.Rule, Diagnostic: d.Diagnostic,
		DecidedAt: d.BouncedAt, Setting: r.Setting, Policy: p.ID, EvaluatedAt: p.Now}
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
