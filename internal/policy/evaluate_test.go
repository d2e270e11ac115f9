package policy

import (
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
)

var t0 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

const day = 24.0 // hours

// at is t0 plus h hours.
func at(h float64) time.Time { return t0.Add(time.Duration(h * float64(time.Hour))) }

const rcpt = "user@example.com"

// ev builds an event for rcpt at hour h; the id orders events of the same instant.
func ev(typ bounce.Type, reason bounce.Reason, h float64) bounce.Event {
	id := fmt.Sprintf("msg-%07.2f#1", h)
	return bounce.Event{ID: id, Address: rcpt, Type: typ, Reason: reason, Provider: "other",
		Status: "5.0.0", Rule: "rule-" + string(reason), Diagnostic: "diag " + id, BouncedAt: at(h)}
}

func soft(h float64) bounce.Event    { return ev(bounce.TypeSoft, "mailererror", h) }
func full(h float64) bounce.Event    { return ev(bounce.TypeSoft, "mailboxfull", h) }
func hard(h float64) bounce.Event    { return ev(bounce.TypeHard, "userunknown", h) }
func block(h float64) bounce.Event   { return ev(bounce.TypeBlock, "blocked", h) }
func unknown(h float64) bounce.Event { return ev(bounce.TypeUnknown, "undefined", h) }

func complaint(h float64, ft string) bounce.Event {
	e := ev(bounce.TypeComplaint, "feedback", h)
	e.FeedbackType = ft
	return e
}

func withProvider(e bounce.Event, p string) bounce.Event { e.Provider = p; return e }

func defaults(t testing.TB) []byte {
	data, err := os.ReadFile("../../rules/default.policy")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func load(t testing.TB, user string) *Policy {
	var u []byte
	if user != "" {
		u = []byte(user)
	}
	p, err := Load(defaults(t), "test.policy", u)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// trail renders transitions compactly: "71h soft(2)->paused".
func trail(r Result) []string {
	var out []string
	prev := 0
	for _, tr := range r.Transitions {
		from, to := string(tr.From), string(tr.To)
		if tr.From == bounce.StateSoft {
			from = fmt.Sprintf("soft(%d)", prev)
		}
		if tr.To == bounce.StateSoft {
			to = fmt.Sprintf("soft(%d)", tr.SoftCount)
		}
		prev = tr.SoftCount
		out = append(out, fmt.Sprintf("%gh %s->%s", tr.At.Sub(t0).Hours(), from, to))
	}
	return out
}

func evaluateOne(t *testing.T, p *Policy, evs []bounce.Event, ovs []bounce.Override, now time.Time) Result {
	t.Helper()
	res := Evaluate(p, evs, ovs, now)
	if len(res) != 1 {
		t.Fatalf("got %d results, want 1", len(res))
	}
	return res[0]
}

func TestEvaluate(t *testing.T) {
	overrides := `
[reason mailboxfull]
soft_threshold = 5
soft_window = 72h

[provider gmail]
soft_threshold = 2
pause = 3d
`
	ov := func(h float64) []bounce.Override {
		return []bounce.Override{{Recipient: rcpt, At: at(h), By: "alice", Why: "customer fixed the mailbox"}}
	}
	tests := []struct {
		name      string
		policy    string
		events    []bounce.Event
		overrides []bounce.Override
		now       float64
		state     bounce.State
		soft      int
		pauses    int
		until     float64 // hours; 0 = zero time
		bounces   int
		trail     []string
	}{
		{name: "3 soft in 71h pause", events: []bounce.Event{soft(0), soft(30), soft(71)}, now: 72,
			state: bounce.StatePaused, soft: 3, pauses: 1, until: 71 + 7*day, bounces: 3,
			trail: []string{"0h active->soft(1)", "30h soft(1)->soft(2)", "71h soft(2)->paused"}},
		{name: "3 soft at exactly 72h pause", events: []bounce.Event{soft(0), soft(36), soft(72)}, now: 73,
			state: bounce.StatePaused, soft: 3, pauses: 1, until: 72 + 7*day, bounces: 3},
		{name: "3 soft over 80h do not pause", events: []bounce.Event{soft(0), soft(40), soft(80)}, now: 81,
			state: bounce.StateSoft, soft: 2, bounces: 3,
			trail: []string{"0h active->soft(1)", "40h soft(1)->soft(2)"}},
		{name: "hard suppresses", events: []bounce.Event{hard(5)}, now: 10,
			state: bounce.StateSuppressed, bounces: 1, trail: []string{"5h active->suppressed"}},
		{name: "10 blocks do not suppress", events: []bounce.Event{block(1), block(2), block(3), block(4), block(5),
			block(6), block(7), block(8), block(9), block(10)}, now: 11, state: bounce.StateActive, bounces: 10},
		{name: "abuse complaint suppresses", events: []bounce.Event{complaint(1, "abuse")}, now: 2,
			state: bounce.StateSuppressed, bounces: 1, trail: []string{"1h active->suppressed"}},
		{name: "fraud complaint suppresses", events: []bounce.Event{complaint(1, "Fraud")}, now: 2,
			state: bounce.StateSuppressed, bounces: 1},
		{name: "complaint without type suppresses", events: []bounce.Event{complaint(1, "")}, now: 2,
			state: bounce.StateSuppressed, bounces: 1},
		{name: "not-spam feedback ignored", events: []bounce.Event{complaint(1, "not-spam")}, now: 2,
			state: bounce.StateActive},
		{name: "auto-reply and delivered ignored", events: []bounce.Event{ev(bounce.TypeAutoReply, "vacation", 1),
			ev(bounce.TypeDelivered, "delivered", 2)}, now: 3, state: bounce.StateActive},
		{name: "mailboxfull 4 in 72h do not pause", policy: overrides,
			events: []bounce.Event{full(0), full(10), full(20), full(30)}, now: 31, state: bounce.StateSoft, soft: 4, bounces: 4},
		{name: "mailboxfull 5 in 72h pause", policy: overrides,
			events: []bounce.Event{full(0), full(10), full(20), full(30), full(71)}, now: 72,
			state: bounce.StatePaused, soft: 5, pauses: 1, until: 71 + 7*day, bounces: 5},
		{name: "provider override pauses at 2", policy: overrides,
			events: []bounce.Event{withProvider(soft(0), "gmail"), withProvider(soft(1), "gmail")}, now: 2,
			state: bounce.StatePaused, soft: 2, pauses: 1, until: 1 + 3*day, bounces: 2},
		{name: "provider override does not apply elsewhere", policy: overrides,
			events: []bounce.Event{soft(0), soft(1)}, now: 2, state: bounce.StateSoft, soft: 2, bounces: 2},
		{name: "reason beats provider", policy: overrides,
			events: []bounce.Event{withProvider(full(0), "gmail"), withProvider(full(1), "gmail"),
				withProvider(full(2), "gmail")}, now: 3, state: bounce.StateSoft, soft: 3, bounces: 3},
		{name: "pause ends", events: []bounce.Event{soft(0), soft(1), soft(2)}, now: 2 + 7*day + 1,
			state: bounce.StateActive, pauses: 1, bounces: 3,
			trail: []string{"0h active->soft(1)", "1h soft(1)->soft(2)", "2h soft(2)->paused", "170h paused->active"}},
		{name: "pause end is exclusive", events: []bounce.Event{soft(0), soft(1), soft(2)}, now: 2 + 7*day,
			state: bounce.StateActive, pauses: 1, bounces: 3},
		{name: "soft while paused neither extends nor counts later",
			events: []bounce.Event{soft(0), soft(1), soft(2), soft(3), soft(4), soft(5), soft(2 + 7*day)}, now: 3 + 7*day,
			state: bounce.StateSoft, soft: 1, pauses: 1, bounces: 7},
		{name: "hard while paused suppresses", events: []bounce.Event{soft(0), soft(1), soft(2), hard(10)}, now: 11,
			state: bounce.StateSuppressed, pauses: 1, bounces: 4},
		{name: "paused 3 times within 30 days suppresses",
			events: []bounce.Event{soft(0), soft(1), soft(2), soft(8 * day), soft(8*day + 1), soft(8*day + 2),
				soft(16 * day), soft(16*day + 1), soft(16*day + 2)}, now: 17 * day,
			state: bounce.StateSuppressed, soft: 3, pauses: 3, bounces: 9},
		{name: "paused 3 times over more than 30 days",
			events: []bounce.Event{soft(0), soft(1), soft(2), soft(16 * day), soft(16*day + 1), soft(16*day + 2),
				soft(32 * day), soft(32*day + 1), soft(32*day + 2)}, now: 33 * day,
			state: bounce.StatePaused, soft: 3, pauses: 2, until: 32*day + 2 + 7*day, bounces: 9},
		{name: "pauses_to_suppress 0 never suppresses", policy: "[default]\npauses_to_suppress = 0\n",
			events: []bounce.Event{soft(0), soft(1), soft(2), soft(8 * day), soft(8*day + 1), soft(8*day + 2),
				soft(16 * day), soft(16*day + 1), soft(16*day + 2)}, now: 17 * day,
			state: bounce.StatePaused, soft: 3, pauses: 3, until: 16*day + 2 + 7*day, bounces: 9},
		{name: "soft window expires", events: []bounce.Event{soft(0), soft(1)}, now: 100, state: bounce.StateActive, bounces: 2,
			trail: []string{"0h active->soft(1)", "1h soft(1)->soft(2)", "73h soft(2)->active"}},
		{name: "unsuppress returns to active", events: []bounce.Event{hard(0)}, overrides: ov(24), now: 25,
			state: bounce.StateActive, trail: []string{"0h active->suppressed", "24h suppressed->active"}},
		{name: "unsuppress forgets earlier events", events: []bounce.Event{soft(0), soft(1), hard(2), soft(30)},
			overrides: ov(24), now: 31, state: bounce.StateSoft, soft: 1, bounces: 1},
		{name: "event at the override instant counts", events: []bounce.Event{hard(24)}, overrides: ov(24), now: 25,
			state: bounce.StateSuppressed, bounces: 1, trail: []string{"24h active->active", "24h active->suppressed"}},
		{name: "unknown goes to review", events: []bounce.Event{soft(0), unknown(1)}, now: 2, state: bounce.StateReview,
			soft: 1, bounces: 2, trail: []string{"0h active->soft(1)", "1h soft(1)->review"}},
		{name: "review then soft threshold pauses", events: []bounce.Event{unknown(0), soft(1), soft(2), soft(3)}, now: 4,
			state: bounce.StatePaused, soft: 3, pauses: 1, until: 3 + 7*day, bounces: 4},
		{name: "unknown while paused stays paused", events: []bounce.Event{soft(0), soft(1), soft(2), unknown(3)}, now: 4,
			state: bounce.StatePaused, soft: 3, pauses: 1, until: 2 + 7*day, bounces: 4},
		{name: "unknown while suppressed stays suppressed", events: []bounce.Event{hard(0), unknown(3)}, now: 4,
			state: bounce.StateSuppressed, bounces: 2},
		{name: "hard = review by policy", policy: "[reason hasmoved]\nhard = review\n",
			events: []bounce.Event{ev(bounce.TypeHard, "hasmoved", 0)}, now: 1, state: bounce.StateReview, bounces: 1},
		{name: "type outside the vocabulary is unknown", events: []bounce.Event{ev("strange", "undefined", 0)}, now: 1,
			state: bounce.StateReview, bounces: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := evaluateOne(t, load(t, tt.policy), tt.events, tt.overrides, at(tt.now))
			if r.State != tt.state || r.SoftCount != tt.soft || r.PauseCount != tt.pauses || r.Bounces != tt.bounces {
				t.Errorf("state %s soft %d pauses %d bounces %d; want %s %d %d %d\n%s", r.State, r.SoftCount,
					r.PauseCount, r.Bounces, tt.state, tt.soft, tt.pauses, tt.bounces, strings.Join(trail(r), "\n"))
			}
			var until time.Time
			if tt.until != 0 {
				until = at(tt.until)
			}
			if !r.SuppressedUntil.Equal(until) {
				t.Errorf("suppressed until %v, want %v", r.SuppressedUntil, until)
			}
			if tt.trail != nil && !reflect.DeepEqual(trail(r), tt.trail) {
				t.Errorf("transitions:\n%s\nwant:\n%s", strings.Join(trail(r), "\n"), strings.Join(tt.trail, "\n"))
			}
		})
	}
}

func TestAuditTrail(t *testing.T) {
	p := load(t, "[reason mailboxfull]\nsoft_threshold = 2\nsoft_window = 72h\n")
	r := evaluateOne(t, p, []bounce.Event{full(0), full(10), hard(20)}, nil, at(30))
	want := []bounce.Transition{
		{At: at(0), From: bounce.StateActive, To: bounce.StateSoft, SoftCount: 1, Events: []string{full(0).ID},
			Rule: "rule-mailboxfull", Setting: "reason mailboxfull: soft_threshold=2 soft_window=72h"},
		{At: at(10), From: bounce.StateSoft, To: bounce.StatePaused, SoftCount: 2, Events: []string{full(0).ID, full(10).ID},
			Rule: "rule-mailboxfull", Setting: "reason mailboxfull: soft_threshold=2 soft_window=72h; default: pause=7d"},
		{At: at(20), From: bounce.StatePaused, To: bounce.StateSuppressed, Events: []string{hard(20).ID},
			Rule: "rule-userunknown", Setting: "default: hard=suppress"},
	}
	if !reflect.DeepEqual(r.Transitions, want) {
		t.Errorf("transitions:\n%+v\nwant:\n%+v", r.Transitions, want)
	}
	if r.Decision.ID != hard(20).ID || r.Setting != "default: hard=suppress" {
		t.Errorf("decision %s %q", r.Decision.ID, r.Setting)
	}
	if !r.FirstBounce.Equal(at(0)) || !r.LastBounce.Equal(at(20)) {
		t.Errorf("first %v last %v", r.FirstBounce, r.LastBounce)
	}

	r = evaluateOne(t, load(t, ""), []bounce.Event{soft(0), soft(1), soft(2)}, nil, at(200))
	end := r.Transitions[len(r.Transitions)-1]
	if end.Note != "pause ended" || end.Setting != "default: pause=7d" || !end.At.Equal(at(2+7*day)) {
		t.Errorf("pause end transition %+v", end)
	}

	r = evaluateOne(t, load(t, ""), []bounce.Event{complaint(0, "abuse")}, []bounce.Override{{Recipient: rcpt, At: at(5), By: "bob"}}, at(6))
	if r.Transitions[0].Setting != "default: complaint=suppress complaint_types=abuse fraud" {
		t.Errorf("complaint setting %q", r.Transitions[0].Setting)
	}
	if o := r.Transitions[1]; o.Note != "unsuppressed by bob" || o.Setting != "override" || o.From != bounce.StateSuppressed {
		t.Errorf("override transition %+v", o)
	}
}

func TestSoftTurnedHardAudit(t *testing.T) {
	evs := []bounce.Event{soft(0), soft(1), soft(2), soft(8 * day), soft(8*day + 1), soft(8*day + 2),
		soft(16 * day), soft(16*day + 1), soft(16*day + 2)}
	r := evaluateOne(t, load(t, ""), evs, nil, at(17*day))
	last := r.Transitions[len(r.Transitions)-1]
	if last.From != bounce.StateSoft || last.To != bounce.StateSuppressed || len(last.Events) != 3 ||
		last.Note != "pause 3 within 30d: soft turned hard" ||
		last.Setting != "default: soft_threshold=3 soft_window=72h pauses_to_suppress=3 pause_window=30d" {
		t.Errorf("last transition %+v", last)
	}
	if !r.SuppressedUntil.IsZero() {
		t.Errorf("suppressed until %v, want permanent", r.SuppressedUntil)
	}
}

func TestBlockCounts(t *testing.T) {
	evs := []bounce.Event{block(1), block(2), withProvider(block(3), "gmail"), hard(4), soft(5)}
	e := block(6)
	e.Address = "other@example.com"
	evs = append(evs, e)
	got := BlockCounts(load(t, ""), evs)
	want := []ProviderBlocks{
		{Provider: "gmail", Blocks: 1, Recipients: 1, First: at(3), Last: at(3)},
		{Provider: "other", Blocks: 3, Recipients: 2, First: at(1), Last: at(6)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if got := BlockCounts(load(t, "[default]\nblock = ignore\n"), evs); len(got) != 0 {
		t.Errorf("block = ignore: got %+v", got)
	}
}

// TestPermutation checks that the result depends on the multiset of events only.
func TestPermutation(t *testing.T) {
	p := load(t, "[reason mailboxfull]\nsoft_threshold = 4\n")
	rnd := rand.New(rand.NewPCG(1, 2))
	// Mostly soft bounces, to exercise windows and pauses; a few of every other type.
	types := []struct {
		t bounce.Type
		r bounce.Reason
		n int // weight
	}{{bounce.TypeSoft, "mailboxfull", 40}, {bounce.TypeSoft, "expired", 40}, {bounce.TypeHard, "userunknown", 1},
		{bounce.TypeBlock, "blocked", 8}, {bounce.TypeUnknown, "undefined", 2}, {bounce.TypeComplaint, "feedback", 2},
		{bounce.TypeAutoReply, "vacation", 4}}
	pick := func() int {
		n := rnd.IntN(97)
		for i, ty := range types {
			if n -= ty.n; n < 0 {
				return i
			}
		}
		return 0
	}
	var evs []bounce.Event
	for i := 0; i < 600; i++ {
		ty := types[pick()]
		e := bounce.Event{
			ID:      fmt.Sprintf("k%03d#%d", rnd.IntN(50), rnd.IntN(3)),
			Address: fmt.Sprintf("r%d@example.com", rnd.IntN(20)),
			Type:    ty.t, Reason: ty.r, Provider: []string{"gmail", "other"}[rnd.IntN(2)],
			Diagnostic:   fmt.Sprintf("d%d", rnd.IntN(5)),
			FeedbackType: []string{"abuse", "not-spam"}[rnd.IntN(2)],
			BouncedAt:    at(float64(rnd.IntN(60 * 24))), // hour granularity: many ties
		}
		evs = append(evs, e)
	}
	ovs := []bounce.Override{{Recipient: "r1@example.com", At: at(20 * day), By: "a"},
		{Recipient: "r2@example.com", At: at(30 * day), By: "b", Why: "x"},
		{Recipient: "r2@example.com", At: at(30 * day), By: "a", Why: "y"}}
	now := at(61 * day)
	want := Evaluate(p, evs, ovs, now)
	for i := 0; i < 50; i++ {
		rnd.Shuffle(len(evs), func(a, b int) { evs[a], evs[b] = evs[b], evs[a] })
		rnd.Shuffle(len(ovs), func(a, b int) { ovs[a], ovs[b] = ovs[b], ovs[a] })
		if got := Evaluate(p, evs, ovs, now); !reflect.DeepEqual(got, want) {
			t.Fatalf("shuffle %d: result differs", i)
		}
	}
	states := map[bounce.State]int{}
	for _, r := range want {
		states[r.State]++
	}
	t.Logf("states %v", states)
	if len(states) < 3 {
		t.Errorf("test data too uniform: states %v", states)
	}
}

func TestEvaluateDoesNotReorderInput(t *testing.T) {
	evs := []bounce.Event{soft(3), soft(1), soft(2)}
	Evaluate(load(t, ""), evs, nil, at(4))
	if evs[0].BouncedAt != at(3) {
		t.Error("Evaluate reordered the caller's slice")
	}
}

func TestEventID(t *testing.T) {
	if got := bounce.EventID("maildir:cur/123", 2); got != "maildir:cur/123#2" {
		t.Errorf("EventID = %q", got)
	}
}

func TestTransitionString(t *testing.T) {
	r := evaluateOne(t, load(t, ""), []bounce.Event{soft(0), soft(1), soft(2)},
		[]bounce.Override{{Recipient: rcpt, At: at(3), By: "alice", Why: "asked"}}, at(4))
	var got []string
	for _, tr := range r.Transitions {
		got = append(got, tr.String())
	}
	want := []string{
		"2026-03-01T00:00:00Z active->soft(1) events=[msg-0000.00#1] rule=rule-mailererror setting=(default: soft_threshold=3 soft_window=72h)",
		"2026-03-01T01:00:00Z soft->soft(2) events=[msg-0001.00#1] rule=rule-mailererror setting=(default: soft_threshold=3 soft_window=72h)",
		"2026-03-01T02:00:00Z soft->paused events=[msg-0000.00#1 msg-0001.00#1 msg-0002.00#1] rule=rule-mailererror setting=(default: soft_threshold=3 soft_window=72h pause=7d)",
		`2026-03-01T03:00:00Z paused->active setting=(override) note="unsuppressed by alice: asked"`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func BenchmarkEvaluate(b *testing.B) {
	p := load(b, "[reason mailboxfull]\nsoft_threshold = 5\n")
	rnd := rand.New(rand.NewPCG(3, 4))
	reasons := []bounce.Reason{"mailboxfull", "expired", "userunknown", "blocked"}
	types := []bounce.Type{bounce.TypeSoft, bounce.TypeSoft, bounce.TypeHard, bounce.TypeBlock}
	evs := make([]bounce.Event, 100000)
	for i := range evs {
		j := rnd.IntN(len(types))
		if j == 2 && rnd.IntN(10) != 0 {
			j = 0
		}
		evs[i] = bounce.Event{ID: bounce.EventID(fmt.Sprintf("m%d", i), 1), Address: fmt.Sprintf("r%d@example.com", rnd.IntN(10000)),
			Type: types[j], Reason: reasons[j], Provider: "other", BouncedAt: at(float64(rnd.IntN(90 * 24)))}
	}
	b.ResetTimer()
	for range b.N {
		Evaluate(p, evs, nil, at(91*24))
	}
	b.ReportMetric(float64(len(evs))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// TestExpires checks Result.Expires against the time an evaluation far in the future finds:
// a soft state ends at its "soft window expired" transition, a pause at its end, and no other
// state ends by time alone. Random soft-heavy histories, evaluated at many times.
func TestExpires(t *testing.T) {
	p := load(t, "[reason mailboxfull]\nsoft_threshold = 4\n")
	rnd := rand.New(rand.NewPCG(3, 4))
	var evs []bounce.Event
	for i := 0; i < 400; i++ {
		typ, reason := bounce.TypeSoft, bounce.Reason([]string{"mailboxfull", "expired"}[rnd.IntN(2)])
		if rnd.IntN(20) == 0 {
			typ, reason = bounce.TypeBlock, "blocked"
		}
		evs = append(evs, bounce.Event{ID: fmt.Sprintf("k%03d#1", i), Address: fmt.Sprintf("r%d@example.com", rnd.IntN(15)),
			Type: typ, Reason: reason, Provider: "other", BouncedAt: at(float64(rnd.IntN(40 * 24)))})
	}
	ovs := []bounce.Override{{Recipient: "r1@example.com", At: at(10 * day), By: "a"}}
	seen := map[bounce.State]int{}
	for h := 0.0; h < 45*day; h += 17 {
		now := at(h)
		for _, r := range Evaluate(p, evs, ovs, now) {
			seen[r.State]++
			var mine []bounce.Event
			for _, e := range evs {
				if e.Address == r.Recipient {
					mine = append(mine, e)
				}
			}
			var myOvs []bounce.Override
			for _, o := range ovs {
				if o.Recipient == r.Recipient {
					myOvs = append(myOvs, o)
				}
			}
			far := Evaluate(p, mine, myOvs, now.AddDate(20, 0, 0))[0]
			last := far.Transitions[len(far.Transitions)-1]
			var want time.Time
			switch r.State {
			case bounce.StatePaused:
				want = r.SuppressedUntil
			case bounce.StateSoft:
				if last.From == bounce.StateSoft && last.To == bounce.StateActive {
					want = last.At
				}
			}
			if !r.Expires.Equal(want) {
				t.Fatalf("%s at %s in state %s: expires %s, want %s", r.Recipient, now, r.State, r.Expires, want)
			}
		}
	}
	if seen[bounce.StateSoft] == 0 || seen[bounce.StatePaused] == 0 {
		t.Errorf("test data reaches too few states: %v", seen)
	}
}
