package policy

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
)

// Carry is the state machine of one recipient after the last event or override it took, before
// time alone moved it (a pause that ended, a soft window that passed, by the evaluation's now):
// what the thresholds need to take later events without reading the earlier ones. It is small
// whatever the history: at most soft_threshold-1 soft events and pauses_to_suppress-1 pause
// starts. The store keeps it with the state (String, ParseCarry); docs/policy.md ("Storage")
// describes it.
type Carry struct {
	State           bounce.State // before time moved it
	SoftCount       int
	SuppressedUntil time.Time // paused: the end of the pause
	Window          []Counted // soft events counted in the current soft window, oldest first
	WindowReason    string    // reason and provider of the last of them: their settings decide the window
	WindowProvider  string
	Pauses          []time.Time // pause starts inside pause_window, since the last override
	PauseReason     string      // reason and provider of the event that set the current pause
	PauseProvider   string
	LastAt          time.Time // the last event or override taken
	LastID          string    // id of the last event taken at LastAt; "" when an override was last
	Transitions     int       // transitions up to LastAt; the evaluation's later ones are time's
	Since           time.Time // At of the last of those transitions; zero when none
}

// Counted is a soft event counted in the window.
type Counted struct {
	ID string
	At time.Time
}

// carry returns the machine's carry.
func (m *machine) carry() Carry {
	c := Carry{State: m.r.State, SoftCount: m.r.SoftCount, SuppressedUntil: m.r.SuppressedUntil,
		Pauses: append([]time.Time(nil), m.pauses...), LastAt: m.lastAt, LastID: m.lastID,
		Transitions: m.base + len(m.r.Transitions), Since: m.since()}
	for _, e := range m.counted {
		c.Window = append(c.Window, Counted{ID: e.ID, At: e.BouncedAt})
	}
	if n := len(m.counted); n > 0 {
		c.WindowReason, c.WindowProvider = string(m.counted[n-1].Reason), m.counted[n-1].Provider
	}
	if m.r.State == bounce.StatePaused {
		c.PauseReason, c.PauseProvider = m.pauseBy[0], m.pauseBy[1]
	}
	return c
}

// since is the time of the last transition, kept ones included.
func (m *machine) since() time.Time {
	if n := len(m.r.Transitions); n > 0 {
		return m.r.Transitions[n-1].At
	}
	return m.baseAt
}

// resume rebuilds the machine that prev's evaluation left after its last event or override.
func resume(res *resolver, prev *Result) *machine {
	c := &prev.Carry
	m := &machine{res: res, r: Result{Recipient: prev.Recipient, State: c.State, SoftCount: c.SoftCount,
		PauseCount: prev.PauseCount, SuppressedUntil: c.SuppressedUntil, FirstBounce: prev.FirstBounce,
		LastBounce: prev.LastBounce, Bounces: prev.Bounces, Decision: prev.Decision, Setting: prev.Setting,
		Kept: c.Transitions},
		pauses: append([]time.Time(nil), c.Pauses...), base: c.Transitions, baseAt: c.Since,
		lastAt: c.LastAt, lastID: c.LastID}
	for _, w := range c.Window {
		m.counted = append(m.counted, bounce.Event{ID: w.ID, BouncedAt: w.At})
	}
	if n := len(m.counted); n > 0 {
		last := &m.counted[n-1]
		last.Reason, last.Provider = bounce.Reason(c.WindowReason), c.WindowProvider
		m.countedPs = res.params(last)
	}
	if c.State == bounce.StatePaused {
		m.pauseBy = [2]string{c.PauseReason, c.PauseProvider}
		m.pausePs = res.params(&bounce.Event{Reason: bounce.Reason(c.PauseReason), Provider: c.PauseProvider})
	}
	return m
}

// carryJSON is the stored form of a Carry: times in unix seconds (the zero time as its own
// -62135596800), as the store keeps every time; short keys, since every state has one.
type carryJSON struct {
	State     string   `json:"s"`
	SoftCount int      `json:"n,omitempty"`
	Until     int64    `json:"u,omitempty"`
	WindowIDs []string `json:"wi,omitempty"`
	WindowAt  []int64  `json:"wt,omitempty"`
	WReason   string   `json:"wr,omitempty"`
	WProvider string   `json:"wp,omitempty"`
	Pauses    []int64  `json:"p,omitempty"`
	PReason   string   `json:"pr,omitempty"`
	PProvider string   `json:"pp,omitempty"`
	LastAt    int64    `json:"t,omitempty"`
	LastID    string   `json:"i,omitempty"`
	Trans     int      `json:"k,omitempty"`
	Since     int64    `json:"a,omitempty"`
}

// fromSecs is the time of unix seconds s, in UTC; the zero time's seconds give the zero time.
func fromSecs(s int64) time.Time { return time.Unix(s, 0).UTC() }

// String returns the stored form of the carry (JSON, times in whole seconds).
func (c *Carry) String() string {
	j := carryJSON{State: string(c.State), SoftCount: c.SoftCount, Until: c.SuppressedUntil.Unix(),
		WReason: c.WindowReason, WProvider: c.WindowProvider, PReason: c.PauseReason,
		PProvider: c.PauseProvider, LastAt: c.LastAt.Unix(), LastID: c.LastID, Trans: c.Transitions,
		Since: c.Since.Unix()}
	for _, w := range c.Window {
		j.WindowIDs = append(j.WindowIDs, w.ID)
		j.WindowAt = append(j.WindowAt, w.At.Unix())
	}
	for _, p := range c.Pauses {
		j.Pauses = append(j.Pauses, p.Unix())
	}
	b, err := json.Marshal(j)
	if err != nil {
		panic("policy: carry: " + err.Error()) // strings and integers only
	}
	return string(b)
}

// ParseCarry reads a carry written by String.
func ParseCarry(s string) (Carry, error) {
	var j carryJSON
	if err := json.Unmarshal([]byte(s), &j); err != nil {
		return Carry{}, fmt.Errorf("policy carry: %w", err)
	}
	if len(j.WindowIDs) != len(j.WindowAt) || j.State == "" {
		return Carry{}, fmt.Errorf("policy carry: incomplete: %.80s", s)
	}
	c := Carry{State: bounce.State(j.State), SoftCount: j.SoftCount, SuppressedUntil: fromSecs(j.Until),
		WindowReason: j.WReason, WindowProvider: j.WProvider, PauseReason: j.PReason,
		PauseProvider: j.PProvider, LastAt: fromSecs(j.LastAt), LastID: j.LastID, Transitions: j.Trans,
		Since: fromSecs(j.Since)}
	for i, id := range j.WindowIDs {
		c.Window = append(c.Window, Counted{ID: id, At: fromSecs(j.WindowAt[i])})
	}
	for _, p := range j.Pauses {
		c.Pauses = append(c.Pauses, fromSecs(p))
	}
	return c, nil
}
