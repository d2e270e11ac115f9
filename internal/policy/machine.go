package policy

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
)

// machine is the state of one recipient while its events are replayed in time order.
type machine struct {
	res *resolver
	r   Result

	counted   []bounce.Event // soft events inside the current window, not yet consumed by a pause
	countedPs *params        // settings of the last counted event: its window decides expiry
	pauses    []time.Time    // pause starts inside pause_window (since the last override)
	pausePs   *params        // settings that set the current pause
	pauseBy   [2]string      // reason and provider of the event that set the current pause: they chose pausePs

	base   int       // transitions before r.Transitions (Continue: those kept of the evaluation it went on from)
	baseAt time.Time // At of the last of them
	lastAt time.Time // the last event or override taken
	lastID string    // id of the last event taken at lastAt; "" when an override was last

	horizon time.Time // the time of the last input less the policy's Horizon: rewind points are at or before it
	marked  bool      // an input past horizon was taken: the rewind point is chosen
	rewind  *Point    // the rewind point (Carry.Rewind)
	next    *Point    // the rewind point to come (Carry.Next)
}

// move records a transition when the state (or, in state soft, the count) changes.
func (m *machine) move(t bounce.Transition) bool {
	t.From = m.r.State
	if t.From == t.To && (t.To != bounce.StateSoft || t.SoftCount == m.r.SoftCount) {
		return false
	}
	m.r.State, m.r.SoftCount = t.To, t.SoftCount
	m.r.Transitions = append(m.r.Transitions, t)
	return true
}

// decide records a transition triggered by event e and makes e the deciding event.
func (m *machine) decide(e *bounce.Event, t bounce.Transition) {
	t.At, t.Rule = e.BouncedAt, e.Rule
	if t.Events == nil {
		t.Events = []string{e.ID}
	}
	if m.move(t) {
		m.r.Decision, m.r.Setting = *e, t.Setting
	}
}

// advance applies what time alone does up to t: a pause ends at its end, and soft bounces
// leave the window soft_window after the last counted one.
func (m *machine) advance(t time.Time) {
	if m.r.State == bounce.StatePaused && !m.r.SuppressedUntil.After(t) {
		end := m.r.SuppressedUntil
		m.r.SuppressedUntil = time.Time{}
		m.move(bounce.Transition{At: end, To: bounce.StateActive, Setting: m.pausePs.describe(kPause), Note: "pause ended"})
		return
	}
	if len(m.counted) == 0 {
		return
	}
	last := m.counted[len(m.counted)-1].BouncedAt
	win := m.countedPs.duration(kSoftWindow)
	if t.Sub(last) <= win {
		return
	}
	m.counted = nil
	if m.r.State == bounce.StateSoft {
		m.move(bounce.Transition{At: last.Add(win), To: bounce.StateActive, Setting: m.countedPs.describe(kSoftWindow),
			Note: "soft window expired"})
	}
	m.r.SoftCount = 0
}

// expires is when the current state ends if no event or override comes: a pause at its end, a
// soft state when its window passes (the "soft window expired" transition advance makes
// then); zero for the other states.
func (m *machine) expires() time.Time {
	switch {
	case m.r.State == bounce.StatePaused:
		return m.r.SuppressedUntil
	case m.r.State == bounce.StateSoft && len(m.counted) > 0:
		return m.counted[len(m.counted)-1].BouncedAt.Add(m.countedPs.duration(kSoftWindow))
	}
	return time.Time{}
}

// override returns the recipient to active and forgets everything before it.
func (m *machine) override(o bounce.Override) {
	m.advance(o.At)
	t := bounce.Transition{At: o.At, From: m.r.State, To: bounce.StateActive, Setting: "override", Note: overrideNote(o)}
	m.r.Transitions = append(m.r.Transitions, t)
	tr := m.r.Transitions
	*m = machine{res: m.res, r: Result{Recipient: m.r.Recipient, State: bounce.StateActive, Transitions: tr, Kept: m.r.Kept},
		base: m.base, baseAt: m.baseAt, lastAt: o.At, horizon: m.horizon, marked: m.marked, rewind: m.rewind, next: m.next}
}

func overrideNote(o bounce.Override) string {
	by := cmp.Or(strings.TrimSpace(o.By), "unknown operator")
	if why := strings.TrimSpace(o.Why); why != "" {
		return "unsuppressed by " + by + ": " + why
	}
	return "unsuppressed by " + by
}

// event applies one event.
func (m *machine) event(e *bounce.Event) {
	m.lastAt, m.lastID = e.BouncedAt, e.ID
	m.advance(e.BouncedAt)
	ps := m.res.params(e)
	k := treatmentKey(e.Type)
	tr := ps.treatment(k)
	if k == kComplaint && !ps.has(kComplaintTypes, complaintType(e.FeedbackType)) {
		tr = Ignore // e.g. not-spam: the recipient did not complain
	}
	if tr == Ignore {
		return
	}
	m.count(e)
	switch tr {
	case Suppress:
		m.suppress(e, ps, k)
	case Pause:
		m.soft(e, ps, k)
	case Review:
		m.review(e, ps, k)
	}
	// Provider: block events touch the provider's counts only (BlockCounts).
}

// complaintType is the feedback type matched against complaint_types: lower-case, and abuse
// when the report has none (RFC 5965 requires one; a complaint without it is still a complaint).
func complaintType(ft string) string {
	ft = strings.ToLower(strings.TrimSpace(ft))
	if ft == "" {
		return "abuse"
	}
	return ft
}

// count updates the bounce counters.
func (m *machine) count(e *bounce.Event) {
	if m.r.Bounces == 0 || e.BouncedAt.Before(m.r.FirstBounce) {
		m.r.FirstBounce = e.BouncedAt
	}
	if e.BouncedAt.After(m.r.LastBounce) {
		m.r.LastBounce = e.BouncedAt
	}
	m.r.Bounces++
}

// describeTreatment renders the setting that chose the treatment.
func describeTreatment(ps *params, k key) string {
	if k == kComplaint {
		return ps.describe(kComplaint, kComplaintTypes)
	}
	return ps.describe(k)
}

func (m *machine) suppress(e *bounce.Event, ps *params, k key) {
	if m.r.State == bounce.StateSuppressed {
		return
	}
	m.counted, m.r.SuppressedUntil = nil, time.Time{}
	m.decide(e, bounce.Transition{To: bounce.StateSuppressed, Setting: describeTreatment(ps, k)})
}

func (m *machine) review(e *bounce.Event, ps *params, k key) {
	if m.r.State == bounce.StateSuppressed || m.r.State == bounce.StatePaused {
		return
	}
	m.decide(e, bounce.Transition{To: bounce.StateReview, SoftCount: m.r.SoftCount, Setting: describeTreatment(ps, k)})
}

// soft counts a soft event and pauses (or suppresses) when the threshold is reached. Soft
// events while paused or suppressed change nothing: see docs/policy.md.
func (m *machine) soft(e *bounce.Event, ps *params, k key) {
	if m.r.State == bounce.StateSuppressed || m.r.State == bounce.StatePaused {
		return
	}
	win := ps.duration(kSoftWindow)
	kept := m.counted[:0]
	for _, c := range m.counted {
		if e.BouncedAt.Sub(c.BouncedAt) <= win {
			kept = append(kept, c)
		}
	}
	m.counted, m.countedPs = append(kept, *e), ps
	n := len(m.counted)
	why := []key{kSoftThreshold, kSoftWindow}
	if k != kSoft {
		why = append([]key{k}, why...)
	}
	if n < ps.num(kSoftThreshold) {
		if m.r.State == bounce.StateReview {
			m.r.SoftCount = n // stays on the review list; the count is kept for a later pause
			return
		}
		m.decide(e, bounce.Transition{To: bounce.StateSoft, SoftCount: n, Setting: ps.describe(why...)})
		return
	}
	m.pause(e, ps, why)
}

// pause consumes the counted events: the address is paused, or suppressed when this is the
// pauses_to_suppress-th pause inside pause_window.
func (m *machine) pause(e *bounce.Event, ps *params, why []key) {
	ids := make([]string, len(m.counted))
	for i, c := range m.counted {
		ids[i] = c.ID
	}
	n := len(m.counted)
	m.counted = nil
	t := e.BouncedAt
	win := ps.duration(kPauseWindow)
	kept := m.pauses[:0]
	for _, p := range m.pauses {
		if t.Sub(p) <= win {
			kept = append(kept, p)
		}
	}
	m.pauses = append(kept, t)
	m.r.PauseCount = len(m.pauses)
	if limit := ps.num(kPausesToSuppress); limit > 0 && len(m.pauses) >= limit {
		m.decide(e, bounce.Transition{To: bounce.StateSuppressed, SoftCount: n, Events: ids,
			Setting: ps.describe(append(why, kPausesToSuppress, kPauseWindow)...),
			Note:    fmt.Sprintf("pause %d within %s: soft turned hard", len(m.pauses), ps[kPauseWindow].text)})
		return
	}
	m.pausePs, m.pauseBy = ps, [2]string{string(e.Reason), e.Provider}
	m.r.SuppressedUntil = t.Add(ps.duration(kPause))
	m.decide(e, bounce.Transition{To: bounce.StatePaused, SoftCount: n, Events: ids,
		Setting: ps.describe(append(why, kPause)...)})
}
