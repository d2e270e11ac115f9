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

	// Rewind is the evaluation as it stood after an earlier event, at least the policy's
	// Horizon before LastAt: an event read late that comes after it is evaluated from there
	// (Replay) with the events after it, instead of from all the recipient's events. nil when
	// every event taken is within the Horizon of the last (or the carry is from before
	// rewind points): the recipient is then evaluated from all its events. Unlike the rest of
	// the carry it depends on how the events were split into evaluations: a rewind point is
	// a cache of an earlier evaluation, any of which gives the same results.
	Rewind *Point
	// Next is the rewind point to come: the evaluation as it stood at the end of an earlier
	// one, which becomes Rewind once it is the Horizon old. An evaluation that goes on from a
	// carry sees only its new events, none of them old enough to be a rewind point; with Next,
	// Rewind is never more than about twice the Horizon (and the time between evaluations)
	// before the last event.
	Next *Point
	// NextIsLast is true when Next is this carry's own point (the evaluation that wrote it set
	// Next): it is stored as a flag, and Continue and Replay build it from prev, whose Result
	// fields are the point's.
	NextIsLast bool
}

// Point is an evaluation as it stood after one event: its carry (without a Rewind) and the
// fields of the Result that time does not change, with of the deciding event the fields the
// store keeps but the diagnostic, which may quote an address (the store redacts the
// diagnostics it keeps in their own columns): Replay's caller fills it in.
type Point struct {
	Carry       Carry
	PauseCount  int
	FirstBounce time.Time
	LastBounce  time.Time
	Bounces     int
	Decision    bounce.Event
	Setting     string
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

// promote makes Next the rewind point when it is past the horizon.
func (m *machine) promote() {
	if q := m.next; q != nil && !q.Carry.LastAt.After(m.horizon) {
		m.rewind, m.next = q, nil
	}
}

// point returns the machine as it stands, as a rewind point.
func (m *machine) point() *Point { return pointOf(&m.r, m.carry()) }

// pointOf is the rewind point of Result r with carry c (without points of its own).
func pointOf(r *Result, c Carry) *Point {
	d := &r.Decision
	return &Point{Carry: c, PauseCount: r.PauseCount, FirstBounce: r.FirstBounce,
		LastBounce: r.LastBounce, Bounces: r.Bounces, Setting: r.Setting,
		Decision: bounce.Event{ID: d.ID, Type: d.Type, Reason: d.Reason, Provider: d.Provider,
			Status: d.Status, ReplyCode: d.ReplyCode, Rule: d.Rule, BouncedAt: d.BouncedAt}}
}

// mark makes the machine as it stands the rewind point when the input it takes next, at t, is
// the first past the horizon and the last it took was an event at or before it. A rewind point
// is taken after an event only: an override at the same instant as an event comes before it,
// so Replay takes the overrides after the point's time and no other.
func (m *machine) mark(t time.Time) {
	if m.marked || !t.After(m.horizon) {
		return
	}
	m.marked = true
	if m.lastID != "" && !m.lastAt.After(m.horizon) {
		m.rewind = m.point()
	}
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
		lastAt: c.LastAt, lastID: c.LastID, rewind: c.Rewind, next: c.Next}
	if c.NextIsLast {
		own := *c
		own.Rewind, own.Next, own.NextIsLast = nil, nil, false
		m.next = pointOf(prev, own)
	}
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
	State     string     `json:"s"`
	SoftCount int        `json:"n,omitempty"`
	Until     int64      `json:"u,omitempty"`
	WindowIDs []string   `json:"wi,omitempty"`
	WindowAt  []int64    `json:"wt,omitempty"`
	WReason   string     `json:"wr,omitempty"`
	WProvider string     `json:"wp,omitempty"`
	Pauses    []int64    `json:"p,omitempty"`
	PReason   string     `json:"pr,omitempty"`
	PProvider string     `json:"pp,omitempty"`
	LastAt    int64      `json:"t,omitempty"`
	LastID    string     `json:"i,omitempty"`
	Trans     int        `json:"k,omitempty"`
	Since     int64      `json:"a,omitempty"`
	Rewind    *pointJSON `json:"r,omitempty"`
	Next      *pointJSON `json:"q,omitempty"`
	NextLast  bool       `json:"ql,omitempty"`
}

// pointJSON is the stored form of a Point, inside its carry's.
type pointJSON struct {
	Carry      carryJSON `json:"c"`
	PauseCount int       `json:"pc,omitempty"`
	First      int64     `json:"f"`
	Last       int64     `json:"l"`
	Bounces    int       `json:"b,omitempty"`
	Setting    string    `json:"st,omitempty"`
	ID         string    `json:"di,omitempty"` // the deciding event's fields, empty when none
	Type       string    `json:"dt,omitempty"`
	Reason     string    `json:"dr,omitempty"`
	Provider   string    `json:"dp,omitempty"`
	Status     string    `json:"ds,omitempty"`
	ReplyCode  string    `json:"dc,omitempty"`
	Rule       string    `json:"du,omitempty"`
	At         int64     `json:"da"`
}

// fromSecs is the time of unix seconds s, in UTC; the zero time's seconds give the zero time.
func fromSecs(s int64) time.Time { return time.Unix(s, 0).UTC() }

// String returns the stored form of the carry (JSON, times in whole seconds).
func (c *Carry) String() string {
	b, err := json.Marshal(c.toJSON())
	if err != nil {
		panic("policy: carry: " + err.Error()) // strings and integers only
	}
	return string(b)
}

func (c *Carry) toJSON() carryJSON {
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
	j.Rewind, j.NextLast = c.Rewind.toJSON(), c.NextIsLast
	if !c.NextIsLast {
		j.Next = c.Next.toJSON()
	}
	return j
}

func (p *Point) toJSON() *pointJSON {
	if p == nil {
		return nil
	}
	d := &p.Decision
	return &pointJSON{Carry: p.Carry.toJSON(), PauseCount: p.PauseCount, First: p.FirstBounce.Unix(),
		Last: p.LastBounce.Unix(), Bounces: p.Bounces, Setting: p.Setting, ID: d.ID, Type: string(d.Type),
		Reason: string(d.Reason), Provider: d.Provider, Status: d.Status, ReplyCode: d.ReplyCode,
		Rule: d.Rule, At: d.BouncedAt.Unix()}
}

// ParseCarry reads a carry written by String.
func ParseCarry(s string) (Carry, error) {
	var j carryJSON
	if err := json.Unmarshal([]byte(s), &j); err != nil {
		return Carry{}, fmt.Errorf("policy carry: %w", err)
	}
	c, ok := j.carry()
	if !ok {
		return Carry{}, fmt.Errorf("policy carry: incomplete: %.80s", s)
	}
	if c.Rewind, ok = j.Rewind.point(); !ok {
		return Carry{}, fmt.Errorf("policy carry: incomplete rewind point: %.80s", s)
	}
	if c.Next, ok = j.Next.point(); !ok || j.Next != nil && j.NextLast {
		return Carry{}, fmt.Errorf("policy carry: incomplete next rewind point: %.80s", s)
	}
	c.NextIsLast = j.NextLast
	return c, nil
}

// point is the Point of p (nil for nil); false when p is incomplete or has points of its own.
func (p *pointJSON) point() (*Point, bool) {
	if p == nil {
		return nil, true
	}
	c, ok := p.Carry.carry()
	if !ok || p.Carry.Rewind != nil || p.Carry.Next != nil || p.Carry.NextLast {
		return nil, false
	}
	return &Point{Carry: c, PauseCount: p.PauseCount, FirstBounce: fromSecs(p.First),
		LastBounce: fromSecs(p.Last), Bounces: p.Bounces, Setting: p.Setting,
		Decision: bounce.Event{ID: p.ID, Type: bounce.Type(p.Type), Reason: bounce.Reason(p.Reason),
			Provider: p.Provider, Status: p.Status, ReplyCode: p.ReplyCode, Rule: p.Rule,
			BouncedAt: fromSecs(p.At)}}, true
}

// carry is the Carry of j, without its Rewind; false when j is incomplete.
func (j *carryJSON) carry() (Carry, bool) {
	if len(j.WindowIDs) != len(j.WindowAt) || j.State == "" {
		return Carry{}, false
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
	return c, true
}
