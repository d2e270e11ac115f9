package policy

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
)

// Event is one classified recipient of one bounce, as stored by the scan.
type Event struct {
	ID           string // stable: message key + "#" + index (see EventID)
	Recipient    string // normalised address (internal/address)
	Type         bounce.Type
	Reason       bounce.Reason
	Provider     string
	Status       string // RFC 3463 enhanced status code
	ReplyCode    string // RFC 5321 reply code
	Rule         string // id of the classification rule that decided
	Diagnostic   string
	FeedbackType string // ARF Feedback-Type, for complaints
	BouncedAt    time.Time
	Position     string // where the message is (file, mbox offset), for people
}

// EventID returns the stable id of the idx-th recipient of the message with the given key.
func EventID(messageKey string, idx int) string { return messageKey + "#" + strconv.Itoa(idx) }

// Override is an operator's decision to return an address to active ("unsuppress"): events
// before At no longer count.
type Override struct {
	Recipient string
	At        time.Time
	By        string // who
	Why       string // why
}

// Transition is one step of a recipient's audit trail.
type Transition struct {
	At        time.Time // bounce time of the triggering event, pause end, window end or override time
	From, To  bounce.State
	SoftCount int      // soft bounces counted in the window after the step (soft(n)); the count that triggered a pause
	Events    []string // ids of the events that triggered it; none for pause ends and overrides
	Rule      string   // classification rule of the triggering event
	Setting   string   // policy settings that applied: "reason mailboxfull: soft_threshold=5 soft_window=72h"
	Note      string   // for people: "pause ended", "unsuppressed by alice: fixed typo"
}

// Result is the evaluated state of one recipient.
type Result struct {
	Recipient       string
	State           bounce.State
	SoftCount       int       // soft: bounces in the current window; paused/suppressed: the count that triggered
	PauseCount      int       // pauses inside pause_window up to the last pause (the one turned into a suppression included)
	SuppressedUntil time.Time // paused: end of the pause; zero otherwise (suppressed is permanent)
	FirstBounce     time.Time // of the events that count (since the last override; ignored types excluded)
	LastBounce      time.Time
	Bounces         int
	Decision        Event  // the event that triggered the last transition with an event; zero if none
	Setting         string // the policy settings of that transition
	Transitions     []Transition
}

// Evaluate applies the policy to the events and overrides and returns one Result per
// recipient, sorted by recipient. The outcome depends only on the multiset of events and
// overrides and on now, never on their order: per recipient, events are taken in order of
// BouncedAt, then ID (then the remaining fields), and overrides in order of At, By, Why; an
// override takes effect before events of the same instant. now decides whether a pause or a
// soft window has ended. Recipients are compared as given: normalise them first.
func Evaluate(p *Policy, events []Event, overrides []Override, now time.Time) []Result {
	byRcpt := map[string][]Event{}
	for _, e := range events {
		byRcpt[e.Recipient] = append(byRcpt[e.Recipient], e)
	}
	ovByRcpt := map[string][]Override{}
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
func run(res *resolver, rcpt string, evs []Event, ovs []Override, now time.Time) Result {
	m := &machine{res: res, r: Result{Recipient: rcpt, State: bounce.StateActive}}
	for len(evs) > 0 || len(ovs) > 0 {
		if len(ovs) > 0 && (len(evs) == 0 || !ovs[0].At.After(evs[0].BouncedAt)) {
			m.override(ovs[0])
			ovs = ovs[1:]
			continue
		}
		m.event(evs[0])
		evs = evs[1:]
	}
	m.advance(now)
	return m.r
}

func compareEvents(a, b Event) int {
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

func compareOverrides(a, b Override) int {
	if c := a.At.Compare(b.At); c != 0 {
		return c
	}
	return cmp.Or(strings.Compare(a.By, b.By), strings.Compare(a.Why, b.Why))
}

// resolver caches the settings per (reason, provider).
type resolver struct {
	p     *Policy
	cache map[[2]string]*params
}

func newResolver(p *Policy) *resolver {
	return &resolver{p: p, cache: map[[2]string]*params{}}
}

func (r *resolver) params(e *Event) *params {
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
func BlockCounts(p *Policy, events []Event) []ProviderBlocks {
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
		if k := [2]string{e.Provider, e.Recipient}; !rcpts[k] {
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

// String renders a transition on one line for logs and `rebound explain`:
// "2026-03-03T23:00:00Z soft(2)->paused events=[k1#1 k2#1 k3#1] rule=quota setting=(default:
// soft_threshold=3 soft_window=72h pause=7d)". The from-count is not known to a lone
// transition, so a soft origin is written "soft".
func (t Transition) String() string {
	var b strings.Builder
	b.WriteString(t.At.UTC().Format(time.RFC3339))
	b.WriteString(" " + string(t.From) + "->" + string(t.To))
	if t.To == bounce.StateSoft {
		b.WriteString("(" + strconv.Itoa(t.SoftCount) + ")")
	}
	if len(t.Events) > 0 {
		b.WriteString(" events=[" + strings.Join(t.Events, " ") + "]")
	}
	if t.Rule != "" {
		b.WriteString(" rule=" + t.Rule)
	}
	if t.Setting != "" {
		b.WriteString(" setting=(" + t.Setting + ")")
	}
	if t.Note != "" {
		b.WriteString(" note=" + strconv.Quote(t.Note))
	}
	return b.String()
}
