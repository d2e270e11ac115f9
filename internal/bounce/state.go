package bounce

import "time"

// State is the suppression state of an address, as the policy (internal/policy, docs/policy.md)
// decides it.
type State string

// States.
const (
	StateActive     State = "active"     // mail may be sent
	StateSoft       State = "soft"       // soft bounces inside the window, below the threshold
	StatePaused     State = "paused"     // do not send until the pause ends
	StateSuppressed State = "suppressed" // do not send, permanently
	StateReview     State = "review"     // an unknown bounce: a person should look
)

// States lists every State.
var States = []State{StateActive, StateSoft, StatePaused, StateSuppressed, StateReview}

// Effective returns the state at now of a state that ends by time alone at expires (the
// policy's Result.Expires; zero for a state that does not): a pause ends at its end (now at or
// after expires) and a soft state when its window has passed (now after expires), leaving the
// address active, exactly as a fresh evaluation at now would. Every other state changes only
// with new events or overrides.
func Effective(st State, expires, now time.Time) State {
	switch {
	case expires.IsZero():
	case st == StatePaused && !now.Before(expires):
		return StateActive
	case st == StateSoft && now.After(expires):
		return StateActive
	}
	return st
}
