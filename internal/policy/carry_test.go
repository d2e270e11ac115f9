package policy

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
)

// stored keeps of a Result what the store keeps of it (a state row: the deciding event's
// fields but FeedbackType and Position), which is what Continue gets back.
func stored(r Result) Result {
	d := r.Decision
	return Result{Recipient: r.Recipient, PauseCount: r.PauseCount, FirstBounce: r.FirstBounce,
		LastBounce: r.LastBounce, Bounces: r.Bounces, Setting: r.Setting,
		Decision: bounce.Event{ID: d.ID, Address: d.Address, Type: d.Type, Reason: d.Reason,
			Provider: d.Provider, Status: d.Status, ReplyCode: d.ReplyCode, Rule: d.Rule,
			Diagnostic: d.Diagnostic, BouncedAt: d.BouncedAt}}
}

// TestContinue checks that evaluating each run's new events from the stored carry (Continue)
// gives what evaluating all the events gives (Evaluate): the same state, counts, deciding
// event, expiry and audit trail (the kept transitions and the new ones), for random histories
// of soft-heavy recipients delivered in 1, 3 and 50 runs, some events late (older than what
// an earlier run brought: Continue refuses them and the recipient is evaluated from all its
// events), overrides recorded between runs (evaluated from all events, as unsuppress does),
// and a policy with reason and provider sections (another window, threshold, pause and
// pauses_to_suppress), so that pauses end, soft windows pass and soft turns hard.
func TestContinue(t *testing.T) {
	p := load(t, `[reason mailboxfull]
soft_threshold = 4
soft_window = 5d
pause = 3d

[provider gmail]
pauses_to_suppress = 2
pause_window = 20d
soft_window = 48h
`)
	kinds := []struct {
		t bounce.Type
		r bounce.Reason
		n int
	}{{bounce.TypeSoft, "mailboxfull", 40}, {bounce.TypeSoft, "expired", 40}, {bounce.TypeHard, "userunknown", 1},
		{bounce.TypeBlock, "blocked", 6}, {bounce.TypeUnknown, "undefined", 2}, {bounce.TypeComplaint, "feedback", 2},
		{bounce.TypeAutoReply, "vacation", 4}}
	horizon, _ := p.Horizon()
	for _, runs := range []int{1, 3, 50} {
		rnd := rand.New(rand.NewPCG(uint64(runs), 7))
		pick := func() int {
			n := rnd.IntN(95)
			for i, k := range kinds {
				if n -= k.n; n < 0 {
					return i
				}
			}
			return 0
		}
		// 2,000 events of 25 recipients over 120 days, in time order but for one in twenty,
		// which comes up to ten days late.
		const n, days = 2000, 120
		evs := make([]bounce.Event, n)
		for i := range evs {
			k := kinds[pick()]
			h := float64(i) * days * 24 / n
			if rnd.IntN(20) == 0 {
				h -= float64(rnd.IntN(240))
			}
			evs[i] = bounce.Event{ID: fmt.Sprintf("m%05d#1", rnd.IntN(100000)) + fmt.Sprint(i),
				Address: fmt.Sprintf("r%02d@example.com", rnd.IntN(25)), Type: k.t, Reason: k.r,
				Provider: []string{"gmail", "other"}[rnd.IntN(2)], Rule: "rule-" + string(k.r),
				Diagnostic: fmt.Sprintf("d%d", i), FeedbackType: []string{"abuse", "not-spam"}[rnd.IntN(2)],
				BouncedAt: at(h).Truncate(time.Second)}
		}
		var ovs []bounce.Override
		prev := map[string]Result{} // as stored, with the parsed carry
		trails := map[string][]bounce.Transition{}
		continued, rewound, fallback := 0, 0, 0
		replayed, all := 0, 0 // events given to Replay, and all the events of those recipients
		per := (n + runs - 1) / runs
		for run := 0; run*per < n; run++ {
			upTo := min(n, (run+1)*per)
			now := at(float64(upTo) * days * 24 / n).Add(time.Hour)
			if run%7 == 3 { // an operator unsuppresses one recipient after this run
				ovs = append(ovs, bounce.Override{Recipient: fmt.Sprintf("r%02d@example.com", run%25), At: now, By: "op"})
			}
			newByRcpt := map[string][]bounce.Event{}
			for _, e := range evs[run*per : upTo] {
				newByRcpt[e.Address] = append(newByRcpt[e.Address], e)
			}
			for _, w := range Evaluate(p, evs[:upTo], ovs, now) {
				r := w.Recipient
				var got Result
				pr, ok := prev[r]
				overridden := slices.ContainsFunc(ovs, func(o bounce.Override) bool { return o.Recipient == r && o.At.Equal(now) })
				if ok && !overridden {
					got, ok = Continue(p, &pr, newByRcpt[r], now)
				} else {
					ok = false
				}
				var from *Point
				if ok {
					continued++
					trails[r] = append(trails[r][:got.Kept], got.Transitions...)
				} else if from = pr.Carry.RewindFor(newByRcpt[r]); from != nil && !overridden {
					// As the store reads them: the recipient's events from the point's time on,
					// the new ones with them, and all its overrides.
					rewound++
					if lag := pr.Carry.LastAt.Sub(from.Carry.LastAt); lag > 2*horizon+days*24*time.Hour/time.Duration(runs) {
						t.Fatalf("%d runs, run %d, %s: rewind point %s before the last event taken: more than twice the horizon %s and a run",
							runs, run, r, lag, horizon)
					}
					var since []bounce.Event
					for _, e := range evs[:upTo] {
						if e.Address == r {
							all++
							if !e.BouncedAt.Before(from.Carry.LastAt) {
								since = append(since, e)
							}
						}
					}
					replayed += len(since)
					got = Replay(p, r, from, since, overridesOf(ovs, r), now)
					if got.Decision.ID != "" && got.Decision.ID == from.Decision.ID {
						// As the store's caller does: a rewind point keeps no diagnostic.
						for _, e := range evs {
							if e.ID == got.Decision.ID {
								got.Decision.Diagnostic = e.Diagnostic
							}
						}
					}
					trails[r] = append(trails[r][:got.Kept], got.Transitions...)
				} else {
					fallback++
					var mine []bounce.Event
					for _, e := range evs[:upTo] {
						if e.Address == r {
							mine = append(mine, e)
						}
					}
					got = Evaluate(p, mine, overridesOf(ovs, r), now)[0]
					trails[r] = got.Transitions
				}
				if !reflect.DeepEqual(trails[r], w.Transitions) {
					t.Fatalf("%d runs, run %d, %s (continued %v, rewound %v): trail\n%s\nwant\n%s", runs, run, r, ok, from != nil,
						trail(Result{Transitions: trails[r]}), trail(w))
				}
				got.Transitions, got.Kept, w.Kept = w.Transitions, 0, 0
				// Continue knows of an earlier deciding event what the store kept.
				w.Decision.FeedbackType, w.Decision.Position = "", ""
				got.Decision.FeedbackType, got.Decision.Position = "", ""
				// The rewind point depends on the evaluations the events came in: any is right
				// that comes at least the Horizon before the last event (TestRewind).
				if p := got.Carry.Rewind; p != nil && p.Carry.LastAt.After(got.Carry.LastAt.Add(-horizon)) {
					t.Fatalf("%d runs, run %d, %s: rewind point at %s, last event %s: less than the horizon %s",
						runs, run, r, p.Carry.LastAt, got.Carry.LastAt, horizon)
				}
				gc := got.Carry
				got.Carry, w.Carry = withoutPoints(got.Carry), withoutPoints(w.Carry)
				if !reflect.DeepEqual(got, w) {
					t.Fatalf("%d runs, run %d, %s (continued %v, rewound %v):\n%+v\nwant\n%+v", runs, run, r, ok, from != nil, got, w)
				}
				got.Carry = gc
				c, err := ParseCarry(got.Carry.String())
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(c, got.Carry) {
					t.Fatalf("carry %+v read back as %+v", got.Carry, c)
				}
				s := stored(got)
				s.Carry = c
				prev[r] = s
			}
		}
		t.Logf("%d runs: %d evaluations continued, %d rewound (%d events read of their %d), %d from all events",
			runs, continued, rewound, replayed, all, fallback)
		if runs > 1 && (continued == 0 || fallback+rewound <= 25) {
			t.Errorf("%d runs: %d continued, %d from all events: both paths should be taken", runs, continued, fallback)
		}
		if runs == 50 && rewound < 20 {
			t.Errorf("%d runs: %d rewound: want late events replayed from rewind points", runs, rewound)
		}
	}
}

// overridesOf returns the overrides of recipient r.
func overridesOf(ovs []bounce.Override, r string) []bounce.Override {
	var out []bounce.Override
	for _, o := range ovs {
		if o.Recipient == r {
			out = append(out, o)
		}
	}
	return out
}

// withoutPoints is c without its rewind points, which depend on how the events were split into
// evaluations.
func withoutPoints(c Carry) Carry {
	c.Rewind, c.Next, c.NextIsLast = nil, nil, false
	return c
}

// TestContinueLate checks that an event older than the last one taken is refused, and one of
// the same instant is taken only when its id comes after.
func TestContinueLate(t *testing.T) {
	p := load(t, "")
	r := Evaluate(p, []bounce.Event{soft(10), soft(20)}, nil, at(21))[0]
	prev := stored(r)
	prev.Carry = r.Carry
	if _, ok := Continue(p, &prev, []bounce.Event{soft(30), soft(15)}, at(31)); ok {
		t.Error("an event older than the last one taken was continued from the carry")
	}
	same := soft(20)
	same.ID = "msg-0020.00#0"
	if _, ok := Continue(p, &prev, []bounce.Event{same}, at(31)); ok {
		t.Error("an event of the same instant with a smaller id was continued from the carry")
	}
	same.ID = "msg-0020.00#2"
	got, ok := Continue(p, &prev, []bounce.Event{same}, at(31))
	if !ok || got.State != bounce.StatePaused {
		t.Errorf("third soft bounce of the window: ok %v, state %s; want paused", ok, got.State)
	}
}
