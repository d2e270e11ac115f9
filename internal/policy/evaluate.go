package policy

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
)

// Result is the evaluated state of one recipient.
type Result struct {
	Recipient       string
	State           bounce.State
	SoftCount       int       // soft: bounces in the current window; paused/suppressed: the count that triggered
	PauseCount      int       // pauses inside pause_window up to the last pause (the one turned into a suppression included)
	SuppressedUntil time.Time // paused: end of the pause; zero otherwise (suppressed is permanent)
	Expires         time.Time // when the state ends by time alone (see bounce.Effective): paused, the pause end; soft, the end of the soft window; zero otherwise
	FirstBounce     time.Time // of the events that count (since the last override; ignored types excluded)
	LastBounce      time.Time
	Bounces         int
	Decision        bounce.Event // the event that triggered the last transition with an event; zero if none
	Setting         string       // the policy settings of that transition
	Transitions     []bounce.Transition
	Since           time.Time // At of the last transition (of Kept ones too); zero when none

	// Carry is the state machine after the last event or override, before time alone moved
	// it to now: what Continue needs to take later events without the earlier ones.
	Carry Carry
	// Kept is how many transitions of the earlier evaluation that Continue went on from come
	// before Transitions (numbered from Kept+1); the others of that evaluation (time's, at
	// most one) are replaced. 0 for Evaluate: Transitions is the whole trail.
	Kept int
}

// Evaluate applies the policy to the events and overrides and returns one Result per
// recipient, sorted by recipient. The outcome depends only on the multiset of events and
// overrides and on now, never on their order: per recipient, events are taken in order of
// BouncedAt, then ID (then the remaining fields), and overrides in order of At, By, Why; an
// override takes effect before events of the same instant. now decides whether a pause or a
// soft window has ended. Events are grouped by their Address and overrides by their
// Recipient, compared as given: normalise them first.
func Evaluate(p *Policy, events []bounce.Event, overrides []bounce.Override, now time.Time) []Result {
	// Pointers to the events, not copies: an event is a few hundred bytes, and copying them into
	// groups cost a scan of few addresses with thousands of events each more than running
	// them through the state machine.
	byRcpt := map[string][]*bounce.Event{}
	for i := range events {
		byRcpt[events[i].Address] = append(byRcpt[events[i].Address], &events[i])
	}
	ovByRcpt := map[string][]bounce.Override{}
	for _, o := range overrides {
		ovByRcpt[o.Recipient] = append(ovByRcpt[o.Recipient], o)
	}
	rcpts := make([]string, 0, len(byRcpt)+len(ovByRcpt))
	for r := range byRcpt {
		rcpts = append(rcpts, r)
	}
	for r := range ovByRcpt {
		if _, ok := byRcpt[r]; !ok {
			rcpts = append(rcpts, r)
		}
	}
	slices.Sort(rcpts)
	res := newResolver(p)
	out := make([]Result, 0, len(rcpts))
	for _, r := range rcpts {
		evs, ovs := byRcpt[r], ovByRcpt[r]
		slices.SortFunc(evs, compareEvents)
		slices.SortFunc(ovs, compareOverrides)
		out = append(out, run(res, r, evs, ovs, now))
	}
	return out
}

// run feeds one recipient's sorted events and overrides through the state machine.
func run(res *resolver, rcpt string, evs []*bounce.Event, ovs []bounce.Override, now time.Time) Result {
	m := &machine{res: res, r: Result{Recipient: rcpt, State: bounce.StateActive}}
	m.feed(evs, ovs)
	return m.finish(now)
}

// feed takes sorted events and overrides, all after those the machine took, in evaluation
// order, choosing the rewind point on the way.
func (m *machine) feed(evs []*bounce.Event, ovs []bounce.Override) {
	var last time.Time
	if n := len(evs); n > 0 {
		last = evs[n-1].BouncedAt
	}
	if n := len(ovs); n > 0 && ovs[n-1].At.After(last) {
		last = ovs[n-1].At
	}
	if len(evs) > 0 || len(ovs) > 0 {
		m.horizon, m.marked = last.Add(-m.res.horizon), false
		m.promote()
	}
	for len(evs) > 0 || len(ovs) > 0 {
		if len(ovs) > 0 && (len(evs) == 0 || !ovs[0].At.After(evs[0].BouncedAt)) {
			m.mark(ovs[0].At)
			m.override(ovs[0])
			ovs = ovs[1:]
			continue
		}
		m.mark(evs[0].BouncedAt)
		m.event(evs[0])
		evs = evs[1:]
	}
}

// finish records the carry, applies what time alone does up to now and returns the result.
func (m *machine) finish(now time.Time) Result {
	m.r.Carry = m.carry()
	// Without a next rewind point, this carry is the next one: a flag says so (resume builds
	// the point from it), so it is neither built nor stored twice.
	m.r.Carry.Rewind, m.r.Carry.Next = m.rewind, m.next
	m.r.Carry.NextIsLast = m.next == nil && m.lastID != ""
	m.advance(now)
	m.r.Expires = m.expires()
	m.r.Since = m.since()
	return m.r
}

// Continue evaluates new events of one recipient from an earlier evaluation's Result, without
// the events that evaluation took: prev's Carry and the fields time does not change
// (Recipient, PauseCount, FirstBounce, LastBounce, Bounces, Decision, Setting) are enough; its
// State, SoftCount, SuppressedUntil, Expires and Transitions are not read. The Result is the
// one Evaluate gives for all the events and overrides, except that Transitions holds only the
// steps after prev's Kept ones (Result.Kept), and Decision only the fields that prev had.
//
// ok is false when an event comes, in evaluation order, at or before the last event or override
// prev took (an older bounce read late, an event taken already): the caller then evaluates
// the recipient from all its events. Overrides are not taken here: a new override means
// evaluating from all events.
func Continue(p *Policy, prev *Result, events []bounce.Event, now time.Time) (r Result, ok bool) {
	evs := make([]*bounce.Event, len(events))
	for i := range events {
		evs[i] = &events[i]
	}
	slices.SortFunc(evs, compareEvents)
	c := &prev.Carry
	if len(evs) > 0 && !c.before(evs[0]) {
		return Result{}, false
	}
	m := resume(newResolver(p), prev)
	m.feed(evs, nil)
	return m.finish(now), true
}

// RewindFor returns the rewind point from which Replay can evaluate the events, nil when some
// come at or before it (or the carry has none): they are then evaluated with all the
// recipient's events.
func (c *Carry) RewindFor(events []bounce.Event) *Point {
	p := c.Rewind
	if p == nil {
		return nil
	}
	for i := range events {
		if !p.Carry.before(&events[i]) {
			return nil
		}
	}
	return p
}

// Replay evaluates recipient rcpt from an earlier evaluation's rewind point (Carry.RewindFor)
// and the events and overrides after it: the stored ones and the new ones, in any order. The
// events and overrides at or before the point are left out, so that the caller may pass all
// those from the point's time on. The Result is the one Evaluate gives for all the recipient's
// events and overrides, except that Transitions holds only the steps after the point's
// (Result.Kept, whose later stored ones are replaced), and that a Decision that is the point's
// has only the fields the point kept: no Diagnostic. What the caller reads are the events from
// the point on: at most about twice the policy's Horizon of bounces (Carry.Next), not the
// recipient's whole history.
func Replay(p *Policy, rcpt string, from *Point, events []bounce.Event, overrides []bounce.Override, now time.Time) Result {
	evs := make([]*bounce.Event, 0, len(events))
	for i := range events {
		if from.Carry.before(&events[i]) {
			evs = append(evs, &events[i])
		}
	}
	slices.SortFunc(evs, compareEvents)
	var ovs []bounce.Override
	for _, o := range overrides {
		if o.At.After(from.Carry.LastAt) {
			ovs = append(ovs, o)
		}
	}
	slices.SortFunc(ovs, compareOverrides)
	prev := Result{Recipient: rcpt, PauseCount: from.PauseCount, FirstBounce: from.FirstBounce,
		LastBounce: from.LastBounce, Bounces: from.Bounces, Decision: from.Decision, Setting: from.Setting,
		Carry: from.Carry}
	if prev.Decision.ID != "" {
		prev.Decision.Address = rcpt
	}
	m := resume(newResolver(p), &prev)
	m.rewind = from
	m.feed(evs, ovs)
	return m.finish(now)
}

// before reports whether e comes after the last event or override the carry took, in the
// order Evaluate takes them (time, then id; an override before the events of its instant).
func (c *Carry) before(e *bounce.Event) bool {
	return e.BouncedAt.After(c.LastAt) || e.BouncedAt.Equal(c.LastAt) && e.ID > c.LastID
}

func compareEvents(a, b *bounce.Event) int {
	if c := a.BouncedAt.Compare(b.BouncedAt); c != 0 {
		return c
	}
	return cmp.Or(
		strings.Compare(a.ID, b.ID),
		strings.Compare(string(a.Type), string(b.Type)),
		strings.Compare(string(a.Reason), string(b.Reason)),
		strings.Compare(a.Provider, b.Provider),
		strings.Compare(a.Status, b.Status),
		strings.Compare(a.ReplyCode, b.ReplyCode),
		strings.Compare(a.Rule, b.Rule),
		strings.Compare(a.Diagnostic, b.Diagnostic),
		strings.Compare(a.FeedbackType, b.FeedbackType),
		strings.Compare(a.Position, b.Position),
	)
}

func compareOverrides(a, b bounce.Override) int {
	if c := a.At.Compare(b.At); c != 0 {
		return c
	}
	return cmp.Or(strings.Compare(a.By, b.By), strings.Compare(a.Why, b.Why))
}

// resolver caches the settings per (reason, provider).
type resolver struct {
	p       *Policy
	cache   map[[2]string]*params
	horizon time.Duration // p.Horizon()
}

func newResolver(p *Policy) *resolver {
	h, _ := p.Horizon()
	return &resolver{p: p, cache: map[[2]string]*params{}, horizon: h}
}

func (r *resolver) params(e *bounce.Event) *params {
	k := [2]string{string(e.Reason), e.Provider}
	ps, ok := r.cache[k]
	if !ok {
		ps = r.p.resolve(k[0], k[1])
		r.cache[k] = ps
	}
	return ps
}

// treatmentKey is the setting that decides what an event type does. Types outside the
// vocabulary are treated as unknown.
func treatmentKey(t bounce.Type) key {
	switch t {
	case bounce.TypeHard:
		return kHard
	case bounce.TypeSoft:
		return kSoft
	case bounce.TypeComplaint:
		return kComplaint
	case bounce.TypeBlock:
		return kBlock
	case bounce.TypeAutoReply:
		return kAutoreply
	case bounce.TypeDelivered:
		return kDelivered
	}
	return kUnknown
}

// ProviderBlocks counts the block events charged to one provider.
type ProviderBlocks struct {
	Provider    string
	Blocks      int
	Recipients  int // distinct recipients
	First, Last time.Time
}

// BlockCounts counts, per provider, the events whose treatment is "provider" (block = provider
// in the default policy). Sorted by provider; independent of event order.
func BlockCounts(p *Policy, events []bounce.Event) []ProviderBlocks {
	res := newResolver(p)
	byProv := map[string]*ProviderBlocks{}
	rcpts := map[[2]string]bool{}
	for i := range events {
		e := &events[i]
		if res.params(e).treatment(treatmentKey(e.Type)) != Provider {
			continue
		}
		pb := byProv[e.Provider]
		if pb == nil {
			pb = &ProviderBlocks{Provider: e.Provider, First: e.BouncedAt, Last: e.BouncedAt}
			byProv[e.Provider] = pb
		}
		pb.Blocks++
		if e.BouncedAt.Before(pb.First) {
			pb.First = e.BouncedAt
		}
		if e.BouncedAt.After(pb.Last) {
			pb.Last = e.BouncedAt
		}
		if k := [2]string{e.Provider, e.Address}; !rcpts[k] {
			rcpts[k] = true
			pb.Recipients++
		}
	}
	out := make([]ProviderBlocks, 0, len(byProv))
	for _, pb := range byProv {
		out = append(out, *pb)
	}
	slices.SortFunc(out, func(a, b ProviderBlocks) int { return strings.Compare(a.Provider, b.Provider) })
	return out
}
