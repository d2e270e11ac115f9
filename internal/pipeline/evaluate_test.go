package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
	"github.com/reboundhq/rebound/internal/pgtest"
	"github.com/reboundhq/rebound/internal/policy"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/rules"
)

// TestMain stops the PostgreSQL server that the tests start when REBOUND_TEST_BACKEND is
// postgres (make test-pg-store).
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// countingHistory counts the events a rewind reads.
type countingHistory struct {
	store.History
	read *int
}

func (h countingHistory) Since(from time.Time) ([]bounce.Event, []bounce.Override, error) {
	evs, ovs, err := h.History.Since(from)
	*h.read += len(evs)
	return evs, ovs, err
}

// TestRewindReadsRecentEvents checks item 2 of the incremental evaluation for a bounce read
// late: an address that soft-bounced twice a day for 120 days, evaluated day by day, gets a
// bounce three days old. Its evaluation reads the events from its rewind point on (at most
// about twice the policy's 30-day horizon), not its 240 earlier ones, and leaves the state and
// audit trail that an evaluation of all the events gives. A bounce older than the rewind point
// (100 days late) is evaluated from all the events, with the same result.
func TestRewindReadsRecentEvents(t *testing.T) {
	ctx := context.Background()
	pol, err := policy.Load(rules.DefaultPolicy, "test.policy", []byte("[default]\npauses_to_suppress = 0\n"))
	if err != nil {
		t.Fatal(err)
	}
	horizon, _ := pol.Horizon()
	const addr = "daily@example.org"
	start := time.Date(2026, 1, 1, 6, 0, 0, 0, time.UTC)
	soft := func(i int, at time.Time) store.Message {
		key := fmt.Sprintf("m%04d", i)
		return store.Message{Key: key, Position: "box:" + key, Path: "box", Outcome: "bounce", Format: "rfc3464",
			Date: at, Events: []bounce.Event{{Recipient: addr, Address: addr, Type: bounce.TypeSoft,
				Reason: "mailboxfull", Action: "failed", Status: "4.2.2", Diagnostic: "452 4.2.2 mailbox full",
				Provider: "example", Rule: "test", BouncedAt: at}}}
	}
	open := func() *store.Store {
		path := filepath.Join(t.TempDir(), "rebound.db")
		if os.Getenv("REBOUND_TEST_BACKEND") == "postgres" {
			path = pgtest.URL(t)
		}
		s, err := store.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	dump := func(s *store.Store) string {
		t.Helper()
		st, ok, err := s.State(ctx, addr)
		if err != nil || !ok {
			t.Fatalf("state: %v %v", ok, err)
		}
		st.EvaluatedAt, st.Carry = time.Time{}, ""
		trs, err := s.Transitions(ctx, addr)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%+v\n%d transitions: %v", st, len(trs), trs)
	}

	s := open()
	var all []store.Message
	var read, rewinds int
	evaluate := func(now time.Time, msgs ...store.Message) store.EvalSummary {
		t.Helper()
		all = append(all, msgs...)
		if _, err := s.SaveBatch(ctx, msgs, nil); err != nil {
			t.Fatal(err)
		}
		p := Policy{Policy: pol, ID: "test", Now: now}
		ev := p.evaluator()
		ev.Rewind = func(prev *store.StateRow, evs []bounce.Event, h store.History) (store.Decided, bool, error) {
			return p.rewind(prev, evs, countingHistory{h, &read})
		}
		sum, err := s.EvaluatePending(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		rewinds += sum.Rewound
		return sum
	}
	const days = 120
	for d := range days {
		at := start.AddDate(0, 0, d)
		evaluate(at.Add(13*time.Hour), soft(2*d, at), soft(2*d+1, at.Add(12*time.Hour)))
	}
	last := start.AddDate(0, 0, days-1).Add(12 * time.Hour)
	if rewinds != 0 || read != 0 {
		t.Fatalf("bounces in time order: %d rewinds, %d events read", rewinds, read)
	}
	full := func() string {
		t.Helper()
		f := open()
		if _, err := f.SaveBatch(ctx, all, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := f.EvaluateAll(ctx, Policy{Policy: pol, ID: "test", Now: last.Add(2 * time.Hour)}.evaluator()); err != nil {
			t.Fatal(err)
		}
		return dump(f)
	}

	sum := evaluate(last.Add(2*time.Hour), soft(1000, last.Add(-72*time.Hour+time.Minute)))
	if sum.Rewound != 1 {
		t.Fatalf("a bounce 3 days late: %d rewound, %d continued; want it replayed from the rewind point", sum.Rewound, sum.Continued)
	}
	if limit := int(2*horizon/(12*time.Hour)) + 4; read > limit {
		t.Errorf("a bounce 3 days late: %d events read; want at most %d (twice the horizon %s), of %d", read, limit, horizon, 2*days)
	}
	if got, want := dump(s), full(); got != want {
		t.Errorf("after the rewind:\n%s\nwant (all events evaluated):\n%s", got, want)
	}
	t.Logf("a bounce 3 days late: %d of %d events read", read, 2*days+1)

	read = 0
	sum = evaluate(last.Add(2*time.Hour), soft(1001, last.Add(-100*24*time.Hour+time.Minute)))
	if sum.Rewound != 0 || read != 0 {
		t.Errorf("a bounce 100 days late: %d rewound, %d events read; want it evaluated from all the events", sum.Rewound, read)
	}
	if got, want := dump(s), full(); got != want {
		t.Errorf("after the bounce 100 days late:\n%s\nwant:\n%s", got, want)
	}
}
