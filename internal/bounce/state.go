package bounce

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
