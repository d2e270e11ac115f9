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
			var expires, since time.Time
			switch r.State {
			case bounce.StatePaused:
				expires = r.SuppressedUntil
			case bounce.StateSoft:
				expires = testSoftExpiry(p, evs, ovs, r.Recipient, now)
			}
			if n := len(r.Transitions); n > 0 {
				since = r.Transitions[n-1].At
			}
			d := &r.Decision
			out = append(out, Decided{Transitions: r.Transitions, State: StateRow{Address: r.Recipient,
				State: r.State, SoftCount: r.SoftCount, PauseCount: r.PauseCount,
				SuppressedUntil: r.SuppressedUntil, ExpiresAt: expires, Since: since,
				FirstBounce: r.FirstBounce, LastBounce: r.LastBounce, Bounces: r.Bounces,
				EventID: d.ID, Type: string(d.Type), Reason: string(d.Reason), Status: d.Status,
				ReplyCode: d.ReplyCode, Provider: d.Provider, Rule: d.Rule, Diagnostic: d.Diagnostic,
				DecidedAt: d.BouncedAt, Setting: r.Setting, Policy: id, EvaluatedAt: now}})
		}
		return out
	}}
}

// testSoftExpiry is the end of the soft window of addr: the soft->active transition an
// evaluation far in the future finds.
func testSoftExpiry(p *policy.Policy, evs []bounce.Event, ovs []bounce.Override, addr string, now time.Time) time.Time {
	var mine []bounce.Event
	for _, e := range evs {
		if e.Recipient == addr {
			mine = append(mine, e)
		}
	}
	var myOvs []bounce.Override
	for _, o := range ovs {
		if o.Recipient == addr {
			myOvs = append(myOvs, o)
		}
	}
	res := policy.Evaluate(p, mine, myOvs, now.AddDate(20, 0, 0))
	if len(res) != 1 || len(res[0].Transitions) == 0 {
		return time.Time{}
	}
	t := res[0].Transitions[len(res[0].Transitions)-1]
	if t.From != bounce.StateSoft || t.To != bounce.StateActive {
		return time.Time{}
	}
	return t.At
}
