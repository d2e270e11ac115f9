package store

import (
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
	"github.com/reboundhq/rebound/internal/policy"
)

// policyEvaluator is the store's Evaluator for internal/policy, as internal/pipeline builds
// it (the store's tests cannot import the pipeline, which imports the store).
func policyEvaluator(p *policy.Policy, id string, now time.Time) Evaluator {
	return Evaluator{Now: now, Decide: func(evs []bounce.Event, ovs []bounce.Override) []Decided {
		var out []Decided
		for _, r := range policy.Evaluate(p, evs, ovs, now) {
			var since time.Time
			if n := len(r.Transitions); n > 0 {
				since = r.Transitions[n-1].At
			}
			out = append(out, Decided{Transitions: r.Transitions, State: StateRow{Address: r.Recipient,
				State: r.State, SoftCount: r.SoftCount, PauseCount: r.PauseCount,
				SuppressedUntil: r.SuppressedUntil, ExpiresAt: r.Expires, Since: since,
				FirstBounce: r.FirstBounce, LastBounce: r.LastBounce, Bounces: r.Bounces,
				Decision: r.Decision, Setting: r.Setting, Policy: id, EvaluatedAt: now}})
		}
		return out
	}}
}
