package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
	"github.com/reboundhq/rebound/internal/policy"
	"github.com/reboundhq/rebound/rules"
)

func defaultEvaluator(t testing.TB, now string) Evaluator {
	t.Helper()
	p, err := policy.Load(rules.DefaultPolicy, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	return policyEvaluator(p, "default", mustTime(now))
}

// soft, hard, block and complaint events for the policy tests.
func pev(rcpt, typ, at string) bounce.Event {
	reason := map[string]string{"soft": "mailboxfull", "hard": "userunknown", "block": "blocked",
		"complaint": "feedback", "autoreply": "vacation", "unknown": "undefined"}[typ]
	e := ev(rcpt, typ, reason, at)
	if typ == "complaint" {
		e.FeedbackType = "abuse"
	}
	return e
}

// evaluatedStore opens a new store holding policyBatch's messages, evaluated at now by the
// default policy, and returns it with its path (or URL: openStoreAt) and the evaluator.
func evaluatedStore(t testing.TB, now string) (*Store, string, Evaluator) {
	t.Helper()
	s, p := openStoreAt(t)
	if _, err := s.SaveBatch(context.Background(), policyBatch(), nil); err != nil {
		t.Fatal(err)
	}
	ev := defaultEvaluator(t, now)
	if _, err := s.EvaluatePending(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	return s, p, ev
}

// policyBatch is a mailbox of bounces for the policy tests, one message per event.
func policyBatch() []Message {
	evs := []bounce.Event{
		pev("ann@example.org", "soft", "2026-03-01T00:00:00Z"),
		pev("ann@example.org", "soft", "2026-03-02T12:00:00Z"),
		pev("ann@example.org", "soft", "2026-03-03T23:00:00Z"), // 71 hours: paused
		pev("ben@example.org", "soft", "2026-03-01T00:00:00Z"),
		pev("ben@example.org", "soft", "2026-03-02T16:00:00Z"),
		pev("ben@example.org", "soft", "2026-03-04T08:00:00Z"), // 80 hours: soft(2)
		pev("Cat@Example.org", "hard", "2026-03-02T09:00:00Z"),
		pev("eve@example.org", "complaint", "2026-03-02T08:00:00Z"),
		pev("fay@example.org", "autoreply", "2026-03-02T08:00:00Z"),
		pev("gus@example.org", "unknown", "2026-03-02T08:00:00Z"),
		pev("user@bücher.example", "soft", "2026-03-01T00:00:00Z"), // one address, two spellings
		pev("user@xn--bcher-kva.example", "soft", "2026-03-01T10:00:00Z"),
		pev("user@bücher.example", "soft", "2026-03-01T20:00:00Z"),
		pev("no-at-sign", "hard", "2026-03-01T00:00:00Z"), // malformed
	}
	for i := range 10 {
		evs = append(evs, pev("dan@example.org", "block", fmt.Sprintf("2026-03-01T%02d:00:00Z", i)))
	}
	msgs := make([]Message, len(evs))
	for i, e := range evs {
		msgs[i] = msg(fmt.Sprintf("k%02d", i), "bounce", e)
	}
	return msgs
}

// snapshot is everything evaluation stores, for comparisons: states (without the evaluation
// time) and transitions.
func snapshot(t *testing.T, s *Store) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	for _, r := range allStates(t, s) {
		r.EvaluatedAt = time.Time{}
		fmt.Fprintf(&b, "%+v\n", r)
		trs, err := s.Transitions(ctx, r.Address)
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range trs {
			fmt.Fprintf(&b, "  %s\n", tr)
		}
	}
	return b.String()
}

// listed renders what export and show see at now: each address's effective state and, for
// those on a list, the whole stored row but the evaluation time.
func listed(t *testing.T, s *Store, now string) string {
	t.Helper()
	var b strings.Builder
	for _, r := range allStates(t, s) {
		eff := r.Effective(mustTime(now))
		fmt.Fprintf(&b, "%s %s", r.Address, eff)
		if eff == bounce.StateSuppressed || eff == bounce.StatePaused || eff == bounce.StateReview {
			r.EvaluatedAt = time.Time{}
			fmt.Fprintf(&b, " %+v", r)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// allStates reads every stored state in full, by address.
func allStates(t *testing.T, s *Store) []StateRow {
	t.Helper()
	ctx := context.Background()
	addrs, err := strings1(ctx, s.db, "SELECT address FROM states ORDER BY address")
	if err != nil {
		t.Fatal(err)
	}
	out := make([]StateRow, len(addrs))
	for i, a := range addrs {
		r, ok, err := s.State(ctx, a)
		if err != nil || !ok {
			t.Fatalf("State(%s): %v, %v", a, ok, err)
		}
		out[i] = r
	}
	return out
}

// TestExportDatabaseError: a database error while a recorded export lists and records its rows
// comes back as a database error (*Error, disk full), even when the delivery wraps it, and
// nothing is recorded.
func TestExportDatabaseError(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t) // SQLite: a full disk is simulated with max_page_count
	var msgs []Message
	for i := range 3000 {
		msgs = append(msgs, msg(fmt.Sprintf("m%05d", i), "bounce",
			pev(fmt.Sprintf("user%05d@example.org", i), "hard", "2026-03-01T00:00:00Z")))
	}
	if _, err := s.SaveBatch(ctx, msgs, nil); err != nil {
		t.Fatal(err)
	}
	ev := defaultEvaluator(t, "2026-03-05T00:00:00Z")
	if _, err := s.EvaluatePending(ctx, ev); err != nil {
		t.Fatal(err)
	}
	w := s.wconn // the connection of the store's write transactions (beginWrite): the export's
	var pages int64
	if err := w.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := w.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", pages+1)); err != nil {
		t.Fatal(err)
	}
	x := &Export{At: ev.Now, Target: "out.csv", Format: "csv", Policy: "default"}
	lists := []bounce.State{bounce.StateSuppressed, bounce.StatePaused, bounce.StateReview}
	listed := 0
	_, err := s.Export(ctx, ev.Now, lists, Baseline{Name: "/out.csv"}, x, func(lr *Lister) error {
		err := deliverAll(lr, func(l *Listed) string { listed++; return "f " + l.State.Address })
		return fmt.Errorf("write out.csv: %w", err)
	})
	if listed == 0 || listed == len(msgs) {
		t.Fatalf("%d of %d rows listed before the error: the database did not fill up while recording", listed, len(msgs))
	}
	if !errors.Is(err, ErrDiskFull) {
		t.Errorf("err = %v, want a database error of kind disk full", err)
	}
	if _, err := w.ExecContext(ctx, "PRAGMA max_page_count = 1000000000"); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, "exports"); n != 0 {
		t.Errorf("%d exports recorded after the error", n)
	}
}

// TestExportListed checks that an export reads the stored rows of the listed addresses, merged
// in address order across the states.
func TestExportListed(t *testing.T) {
	ctx := context.Background()
	s, _, ev := evaluatedStore(t, "2026-03-05T00:00:00Z")
	var got []string
	lists := []bounce.State{bounce.StateSuppressed, bounce.StatePaused}
	_, err := s.Export(ctx, ev.Now, lists, Baseline{}, nil, func(lr *Lister) error {
		return deliverAll(lr, func(l *Listed) string {
			r := l.State
			full, _, _ := s.State(ctx, r.Address)
			full.PauseCount, full.Decision.ID, full.Decision.BouncedAt, full.Setting, full.Policy, full.EvaluatedAt = 0, "", time.Time{}, "", "", time.Time{}
			if *r != full {
				t.Errorf("listed %+v\nState %+v", *r, full)
			}
			got = append(got, r.Address+" "+string(r.State))
			return ""
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ann@example.org paused", "cat@example.org suppressed", "eve@example.org suppressed",
		"user@xn--bcher-kva.example paused"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("listed: %v, want %v", got, want)
	}
}

func TestEvaluatePending(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	if _, err := s.SaveBatch(ctx, policyBatch(), nil); err != nil {
		t.Fatal(err)
	}
	if p, err := s.Pending(ctx); err != nil || !p {
		t.Fatalf("Pending = %v, %v before evaluation", p, err)
	}
	ev := defaultEvaluator(t, "2026-03-05T00:00:00Z")
	sum, err := s.EvaluatePending(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := s.Pending(ctx); err != nil || p {
		t.Fatalf("Pending = %v, %v after evaluation", p, err)
	}
	if sum.Addresses != 8 || sum.Malformed != 1 {
		t.Errorf("summary %+v: want 8 addresses, 1 malformed", sum)
	}
	want := map[string]bounce.State{
		"ann@example.org": bounce.StatePaused, "ben@example.org": bounce.StateSoft,
		"cat@example.org": bounce.StateSuppressed, "dan@example.org": bounce.StateActive,
		"eve@example.org": bounce.StateSuppressed, "fay@example.org": bounce.StateActive,
		"gus@example.org": bounce.StateReview, "user@xn--bcher-kva.example": bounce.StatePaused,
	}
	for a, st := range want {
		r, ok, err := s.State(ctx, a)
		if err != nil || !ok {
			t.Fatalf("State(%s) = %v, %v", a, ok, err)
		}
		if r.State != st {
			t.Errorf("%s: state %s, want %s", a, r.State, st)
		}
	}
	ann, _, _ := s.State(ctx, "ann@example.org")
	if !ann.SuppressedUntil.Equal(mustTime("2026-03-10T23:00:00Z")) || !ann.ExpiresAt.Equal(ann.SuppressedUntil) ||
		ann.SoftCount != 3 || ann.Bounces != 3 || ann.Decision.Reason != "mailboxfull" || ann.Decision.ID != "k02#1" ||
		!ann.Since.Equal(mustTime("2026-03-03T23:00:00Z")) || ann.Policy != "default" {
		t.Errorf("ann: %+v", ann)
	}
	ben, _, _ := s.State(ctx, "ben@example.org")
	if ben.SoftCount != 2 || !ben.ExpiresAt.Equal(mustTime("2026-03-07T08:00:00Z")) {
		t.Errorf("ben: soft(%d) expiring %v, want soft(2) expiring 2026-03-07T08:00:00Z", ben.SoftCount, ben.ExpiresAt)
	}
	dan, _, _ := s.State(ctx, "dan@example.org")
	if dan.Bounces != 10 {
		t.Errorf("dan: %d bounces, want 10 blocks counted", dan.Bounces)
	}
	if n, err := s.Malformed(ctx); err != nil || n != 1 {
		t.Errorf("Malformed = %d, %v; want 1", n, err)
	}
	if a, why, ok, err := s.Recipient(ctx, "NO-AT-SIGN"); err != nil || !ok || a != "" || !strings.Contains(why, "no @") {
		t.Errorf("Recipient(no-at-sign) = %q, %q, %v, %v", a, why, ok, err)
	}
	evs, err := s.EventsOf(ctx, "user@xn--bcher-kva.example")
	if err != nil || len(evs) != 3 {
		t.Errorf("EventsOf(user@xn--bcher-kva.example): %d events, %v; want both spellings' 3", len(evs), err)
	}

	// Nothing pending: a second evaluation does nothing.
	sum, err = s.EvaluatePending(ctx, ev)
	if err != nil || sum.Addresses != 0 {
		t.Errorf("second EvaluatePending: %+v, %v", sum, err)
	}
}

func TestEffective(t *testing.T) {
	end := mustTime("2026-03-10T00:00:00Z")
	for _, c := range []struct {
		st   bounce.State
		now  string
		want bounce.State
	}{
		{bounce.StatePaused, "2026-03-09T23:59:59Z", bounce.StatePaused},
		{bounce.StatePaused, "2026-03-10T00:00:00Z", bounce.StateActive}, // a pause has ended at its end
		{bounce.StateSoft, "2026-03-10T00:00:00Z", bounce.StateSoft},     // a window includes its end
		{bounce.StateSoft, "2026-03-10T00:00:01Z", bounce.StateActive},
		{bounce.StateSuppressed, "2030-01-01T00:00:00Z", bounce.StateSuppressed},
	} {
		r := StateRow{State: c.st, ExpiresAt: end}
		if c.st == bounce.StateSuppressed {
			r.ExpiresAt = time.Time{}
		}
		if got := r.Effective(mustTime(c.now)); got != c.want {
			t.Errorf("%s at %s: %s, want %s", c.st, c.now, got, c.want)
		}
	}
}

// TestEvaluateOrderIndependent stores the same messages at once, and in shuffled slices with an
// evaluation after each at an earlier "now": the final states and trails are the same.
func TestEvaluateOrderIndependent(t *testing.T) {
	ctx := context.Background()
	final := "2026-03-05T00:00:00Z"
	whole, _ := openTemp(t)
	if _, err := whole.SaveBatch(ctx, policyBatch(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := whole.EvaluatePending(ctx, defaultEvaluator(t, final)); err != nil {
		t.Fatal(err)
	}
	want := snapshot(t, whole)
	for seed := range uint64(5) {
		msgs := policyBatch()
		rand.New(rand.NewPCG(seed, 1)).Shuffle(len(msgs), func(i, j int) { msgs[i], msgs[j] = msgs[j], msgs[i] })
		s := openStore(t)
		for i := 0; i < len(msgs); i += 7 {
			if _, err := s.SaveBatch(ctx, msgs[i:min(i+7, len(msgs))], nil); err != nil {
				t.Fatal(err)
			}
			if _, err := s.EvaluatePending(ctx, defaultEvaluator(t, "2026-03-04T09:00:00Z")); err != nil {
				t.Fatal(err)
			}
		}
		// What export reads is the same already, although the slices were evaluated earlier.
		if got, want := listed(t, s, final), listed(t, whole, final); got != want {
			t.Errorf("seed %d: listed states differ\ngot:\n%s\nwant:\n%s", seed, got, want)
		}
		// Evaluated again at the same now, everything is the same, trails included.
		if _, err := s.EvaluateAll(ctx, defaultEvaluator(t, final)); err != nil {
			t.Fatal(err)
		}
		if got := snapshot(t, s); got != want {
			t.Errorf("seed %d: states differ\ngot:\n%s\nwant:\n%s", seed, got, want)
		}
	}
}

// TestEvaluatePendingIncremental evaluates slices of the mailbox as they are stored, in random
// order, once with the pending events read in id order and once by recipient, two to a page (as
// beyond pendingInMemory) and decided a few events at a time (maxEventsAtOnce): states and trails
// are those of an evaluation of everything at once.
func TestEvaluatePendingIncremental(t *testing.T) {
	ctx := context.Background()
	final := defaultEvaluator(t, "2026-03-05T00:00:00Z")
	whole, _ := openTemp(t)
	if _, err := whole.SaveBatch(ctx, policyBatch(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := whole.EvaluateAll(ctx, final); err != nil {
		t.Fatal(err)
	}
	want := snapshot(t, whole)
	if strings.Count(want, "\n") < 10 {
		t.Fatalf("too little to compare:\n%s", want)
	}
	defer func(n int64, k, e int) { pendingInMemory, keysPerPage, maxEventsAtOnce = n, k, e }(pendingInMemory, keysPerPage, maxEventsAtOnce)
	for _, limit := range []int64{100_000, 2} {
		pendingInMemory = limit
		maxEventsAtOnce = int(limit)          // 2: the addresses decided from all their events, a few at a time
		keysPerPage = int(min(limit, 10_000)) // beyond the limit, recipients come two to a page
		msgs := policyBatch()
		rand.New(rand.NewPCG(uint64(limit), 2)).Shuffle(len(msgs), func(i, j int) { msgs[i], msgs[j] = msgs[j], msgs[i] })
		s := openStore(t)
		total := 0
		for i := 0; i < len(msgs); i += 3 {
			if _, err := s.SaveBatch(ctx, msgs[i:min(i+3, len(msgs))], nil); err != nil {
				t.Fatal(err)
			}
			sum, err := s.EvaluatePending(ctx, final)
			if err != nil {
				t.Fatal(err)
			}
			total += sum.Addresses
		}
		if total < len(msgs)/3 {
			t.Errorf("pending limit %d: %d addresses evaluated in all", limit, total)
		}
		if got := snapshot(t, s); got != want {
			t.Errorf("pending limit %d: states differ\ngot:\n%s\nwant:\n%s", limit, got, want)
		}
	}
}

// TestEvaluateAllPages: EvaluateAll taking recipients and addresses a few at a time, or
// deciding the addresses of a page a few events at a time (maxEventsAtOnce), gives the states,
// trails and summary of taking them all at once, also with an override and with a state whose
// address lost its events.
func TestEvaluateAllPages(t *testing.T) {
	ctx := context.Background()
	ev := defaultEvaluator(t, "2026-03-05T00:00:00Z")
	run := func(perPage, events int) (string, EvalSummary) {
		t.Helper()
		defer func(n, e int) { keysPerPage, maxEventsAtOnce = n, e }(keysPerPage, maxEventsAtOnce)
		keysPerPage, maxEventsAtOnce = perPage, events
		s := openStore(t)
		if _, err := s.SaveBatch(ctx, policyBatch(), nil); err != nil {
			t.Fatal(err)
		}
		if _, err := s.EvaluatePending(ctx, ev); err != nil {
			t.Fatal(err)
		}
		o := bounce.Override{Recipient: "cat@example.org", At: ev.Now, By: "alice", Why: "fixed"}
		if _, _, err := s.Unsuppress(ctx, ev, o); err != nil {
			t.Fatal(err)
		}
		// eve's events are gone (as after a prune): her state must go too.
		if _, err := s.db.ExecContext(ctx, "DELETE FROM events WHERE recipient = 'eve@example.org'"); err != nil {
			t.Fatal(err)
		}
		sum, err := s.EvaluateAll(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		return snapshot(t, s), sum
	}
	want, wantSum := run(10_000, 1_000_000)
	if wantSum.Removed != 1 || wantSum.Addresses < 5 || strings.Contains(want, "eve@") || !strings.Contains(want, "cat@") {
		t.Fatalf("one page: %+v\n%s", wantSum, want)
	}
	for _, c := range []struct{ perPage, events int }{{1, 1_000_000}, {2, 1_000_000}, {3, 1_000_000}, {10_000, 1}, {10_000, 3}, {2, 2}} {
		got, sum := run(c.perPage, c.events)
		if got != want {
			t.Errorf("%d per page, %d events at once: states differ\ngot:\n%s\nwant:\n%s", c.perPage, c.events, got, want)
		}
		if !reflect.DeepEqual(sum, wantSum) {
			t.Errorf("%d per page, %d events at once: summary %+v, want %+v", c.perPage, c.events, sum, wantSum)
		}
	}
}

// TestEvaluatePendingMovedRecipient: when a recipient stored before normalises to another
// address than it was mapped to (address.Normalize changed between versions), its new address
// may have no state yet, and its older events must still be found.
func TestEvaluatePendingMovedRecipient(t *testing.T) {
	ctx := context.Background()
	ev := defaultEvaluator(t, "2026-03-05T00:00:00Z")
	s := openStore(t)
	first := []Message{
		msg("m1", "bounce", pev("ann@example.org", "soft", "2026-03-01T00:00:00Z")),
		msg("m2", "bounce", pev("ann@example.org", "soft", "2026-03-02T12:00:00Z")),
	}
	if _, err := s.SaveBatch(ctx, first, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EvaluatePending(ctx, ev); err != nil {
		t.Fatal(err)
	}
	// As if an earlier version had mapped the recipient, and evaluated its events, elsewhere.
	for _, q := range []string{
		"UPDATE recipient_addresses SET address = 'old@example.org' WHERE recipient = 'ann@example.org'",
		"UPDATE states SET address = 'old@example.org' WHERE address = 'ann@example.org'",
		"UPDATE transitions SET address = 'old@example.org' WHERE address = 'ann@example.org'",
	} {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	third := []Message{msg("m3", "bounce", pev("ann@example.org", "soft", "2026-03-03T23:00:00Z"))}
	if _, err := s.SaveBatch(ctx, third, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EvaluatePending(ctx, ev); err != nil {
		t.Fatal(err)
	}
	row, ok, err := s.State(ctx, "ann@example.org")
	if err != nil || !ok {
		t.Fatalf("state: %v %v", ok, err)
	}
	// Three soft bounces within 72 hours pause the address; the third alone would not.
	if row.Bounces != 3 || row.State != bounce.StatePaused {
		t.Errorf("ann@example.org: %d bounces, state %s; want 3 bounces, paused", row.Bounces, row.State)
	}
}

func TestEvaluateAllPolicyChange(t *testing.T) {
	ctx := context.Background()
	s, _, ev := evaluatedStore(t, "2026-03-08T00:00:00Z")
	p, err := policy.Load(rules.DefaultPolicy, "five.policy", []byte("[reason mailboxfull]\nsoft_threshold = 5\n"))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := s.EvaluateAll(ctx, policyEvaluator(p, "five", ev.Now))
	if err != nil {
		t.Fatal(err)
	}
	// ann and user@bücher were paused; their windows have passed, so they are active now.
	if sum.Changes["paused->active"] != 2 || len(sum.Changes) != 1 || sum.Addresses != 8 {
		t.Errorf("summary %+v", sum)
	}
	if n, err := s.OtherPolicy(ctx, "five"); err != nil || n != 0 {
		t.Errorf("OtherPolicy(five) = %d, %v", n, err)
	}
	if n, err := s.OtherPolicy(ctx, "default"); err != nil || n != 8 {
		t.Errorf("OtherPolicy(default) = %d, %v", n, err)
	}
}

func TestUnsuppress(t *testing.T) {
	ctx := context.Background()
	s, _, ev := evaluatedStore(t, "2026-03-05T00:00:00Z")
	o := bounce.Override{Recipient: "cat@example.org", At: ev.Now, By: "alice", Why: "typo fixed"}
	before, after, err := s.Unsuppress(ctx, ev, o)
	if err != nil {
		t.Fatal(err)
	}
	if before != bounce.StateSuppressed || after.State != bounce.StateActive || after.Bounces != 0 {
		t.Errorf("Unsuppress: %s -> %+v", before, after)
	}
	ovs, err := s.Overrides(ctx, "cat@example.org")
	if err != nil || !reflect.DeepEqual(ovs, []bounce.Override{o}) {
		t.Errorf("Overrides = %+v, %v", ovs, err)
	}
	trs, _ := s.Transitions(ctx, "cat@example.org")
	if last := trs[len(trs)-1]; last.To != bounce.StateActive || last.Note != "unsuppressed by alice: typo fixed" {
		t.Errorf("last transition %v", last)
	}
	// The override survives a full evaluation: it is primary data.
	if _, err := s.EvaluateAll(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if r, _, _ := s.State(ctx, "cat@example.org"); r.State != bounce.StateActive {
		t.Errorf("after EvaluateAll: %s", r.State)
	}
	o.Recipient = "nobody@example.org"
	if _, _, err := s.Unsuppress(ctx, ev, o); !errors.Is(err, ErrUnknownAddress) {
		t.Errorf("unknown address: %v", err)
	}
}

// TestExport runs recorded and unrecorded exports over evaluated states: every listed address
// comes once, in address order, with the fingerprint delivered last; a recorded export keeps
// new and changed fingerprints, forgets addresses that left the list (an unsuppressed one, and
// paused ones whose pause has ended) but not those filtered out, and records nothing when its
// delivery fails.
func TestExport(t *testing.T) {
	ctx := context.Background()
	s, _, ev := evaluatedStore(t, "2026-03-05T00:00:00Z")
	lists := []bounce.State{bounce.StateSuppressed, bounce.StatePaused, bounce.StateReview}
	var want []string
	pausedAt := map[string]bounce.State{}
	for _, r := range allStates(t, s) {
		if st := r.Effective(ev.Now); slices.Contains(lists, st) {
			want = append(want, r.Address)
			if st == bounce.StatePaused {
				pausedAt[r.Address] = st
			}
		}
	}
	slices.Sort(want)
	if len(want) < 4 || len(pausedAt) == 0 || len(pausedAt) == len(want) {
		t.Fatalf("too few listed addresses to test with: %v (%d paused)", want, len(pausedAt))
	}
	fps := map[string]string{}
	for _, a := range want {
		fps[a] = "f1 " + a
	}
	x := &Export{At: ev.Now, Target: "-", Format: "csv", Policy: "default"}
	run := func(now time.Time, rec *Export, skip string) (ExportResult, []string) {
		t.Helper()
		var got []string
		res, err := s.Export(ctx, now, lists, Baseline{Name: "crm"}, rec, func(lr *Lister) error {
			return deliverAll(lr, func(l *Listed) string {
				got = append(got, l.State.Address+"="+l.Last)
				if l.State.Address == skip {
					return ""
				}
				return fps[l.State.Address]
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		return res, got
	}
	wantSeen := func(last func(a string) string) string {
		var out []string
		for _, a := range want {
			out = append(out, a+"="+last(a))
		}
		return strings.Join(out, " ")
	}

	res, got := run(ev.Now, x, "")
	if res.ID == 0 || res.Rows != len(want) || res.New != len(want) || res.Changed != 0 || res.Left != 0 {
		t.Errorf("first export: %+v, want %d new rows", res, len(want))
	}
	if g, w := strings.Join(got, " "), wantSeen(func(string) string { return "" }); g != w {
		t.Errorf("first export listed\n%s\nwant\n%s", g, w)
	}
	var rows int
	if err := s.db.QueryRowContext(ctx, "SELECT row_count FROM exports WHERE id = ?", res.ID).Scan(&rows); err != nil || rows != len(want) {
		t.Errorf("recorded row count %d, %v; want %d", rows, err, len(want))
	}

	// Not recorded: the fingerprints delivered last come with the addresses; nothing changes.
	res, got = run(ev.Now, nil, "")
	if res.ID != 0 || res.Rows != len(want) || res.New+res.Changed+res.Left != 0 {
		t.Errorf("unrecorded export: %+v", res)
	}
	if g, w := strings.Join(got, " "), wantSeen(func(a string) string { return fps[a] }); g != w {
		t.Errorf("unrecorded export listed\n%s\nwant\n%s", g, w)
	}

	// want[0] changes, want[1] is filtered out, want[2] leaves the list.
	fps[want[0]] = "f2"
	o := bounce.Override{Recipient: want[2], At: ev.Now, By: "alice", Why: "fixed"}
	if _, _, err := s.Unsuppress(ctx, ev, o); err != nil {
		t.Fatal(err)
	}
	res, _ = run(ev.Now, x, want[1])
	if res.Rows != len(want)-2 || res.New != 0 || res.Changed != 1 || res.Left != 1 {
		t.Errorf("second export: %+v, want %d rows, 1 changed, 1 left", res, len(want)-2)
	}
	for a, kinds := range map[string]string{want[0]: "new changed", want[1]: "new", want[2]: "new left", want[3]: "new"} {
		hist, err := s.ExportChanges(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		var k []string
		for _, h := range hist {
			k = append(k, h.Kind)
		}
		if strings.Join(k, " ") != kinds {
			t.Errorf("history of %s: %v, want %s", a, k, kinds)
		}
	}

	// A failed delivery records nothing and comes back unchanged.
	boom := errors.New("disk full")
	_, err := s.Export(ctx, ev.Now, lists, Baseline{Name: "crm"}, x, func(lr *Lister) error {
		if err := deliverAll(lr, func(l *Listed) string { return "f3" }); err != nil {
			return err
		}
		return boom
	})
	if err != boom {
		t.Errorf("failed delivery: %v", err)
	}
	if n := count(t, s, "exports"); n != 2 {
		t.Errorf("%d exports recorded, want 2", n)
	}

	// Years later every pause has ended: the paused addresses are not listed, and they left.
	res, got = run(ev.Now.AddDate(10, 0, 0), x, "")
	left := 0
	for i, a := range want {
		if i != 2 && pausedAt[a] == bounce.StatePaused {
			left++
			if slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, a+"=") }) {
				t.Errorf("%s listed after its pause ended", a)
			}
		}
	}
	if res.Left != left || res.Rows != len(got) || len(got) != len(want)-1-left {
		t.Errorf("export after the pauses ended: %+v, %d listed; want %d left, %d listed", res, len(got), left, len(want)-1-left)
	}
}

func TestPrune(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	old := []Message{
		msg("o1", "bounce", pev("cat@example.org", "hard", "2025-06-01T00:00:00Z"),
			pev("ann@example.org", "soft", "2025-06-01T00:00:00Z")),
		msg("o2", "bounce", pev("gus@example.org", "unknown", "2025-06-02T00:00:00Z"),
			pev("cat@example.org", "block", "2025-06-03T00:00:00Z")),
		msg("n1", "bounce", pev("ben@example.org", "soft", "2026-02-20T00:00:00Z")),
	}
	old[0].Date, old[1].Date, old[2].Date = mustTime("2025-06-01T00:00:00Z"), mustTime("2025-06-03T00:00:00Z"), mustTime("2026-02-20T00:00:00Z")
	if _, err := s.SaveBatch(ctx, old, nil); err != nil {
		t.Fatal(err)
	}
	ev := defaultEvaluator(t, "2026-03-01T00:00:00Z")
	if _, err := s.EvaluatePending(ctx, ev); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, s)
	cutoff := ev.Now.Add(-180 * 24 * time.Hour)

	dry, err := s.Prune(ctx, cutoff, ev.Now, true)
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, "events"); n != 5 {
		t.Fatalf("dry run deleted events: %d left", n)
	}
	sum, err := s.Prune(ctx, cutoff, ev.Now, false)
	if err != nil {
		t.Fatal(err)
	}
	if sum != dry {
		t.Errorf("prune %+v, dry run said %+v", sum, dry)
	}
	// ann's soft bounce goes; cat's hard bounce and block and gus's unknown bounce are evidence.
	want := PruneSummary{Cutoff: cutoff, EventsDeleted: 1, EventsKept: 3, MessagesCleared: 2, StatesCleared: 3, Forgotten: 1}
	if sum != want {
		t.Errorf("prune %+v, want %+v", sum, want)
	}
	// States and trails stay; only the diagnostics of states decided before the cutoff go.
	wantSnap := before
	for _, a := range []string{"ann", "cat", "gus"} {
		wantSnap = strings.ReplaceAll(wantSnap, "Diagnostic:550 5.1.1 no such user ("+a+"@example.org)", "Diagnostic:")
	}
	if got := snapshot(t, s); got != wantSnap {
		t.Errorf("states changed by prune:\n%s\nwant:\n%s", got, wantSnap)
	}
	evs, _ := s.EventsOf(ctx, "cat@example.org")
	if len(evs) != 2 || evs[0].Diagnostic != "" || evs[0].Subject != "" || evs[0].Sender != "" || evs[0].Reason != "userunknown" {
		t.Errorf("cat's evidence: %+v", evs)
	}
	if k, _ := s.Known(ctx, []string{"o1", "o2", "n1"}); len(k) != 3 {
		t.Errorf("message rows pruned: known %v", k)
	}
	// Evaluating from what remains keeps the suppression and the review; ann is forgotten.
	esum, err := s.EvaluateAll(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	if esum.Removed != 1 || len(esum.Changes) != 0 {
		t.Errorf("evaluate after prune: %+v", esum)
	}
	for a, st := range map[string]bounce.State{"cat@example.org": bounce.StateSuppressed, "gus@example.org": bounce.StateReview} {
		if r, _, _ := s.State(ctx, a); r.State != st {
			t.Errorf("%s after prune and evaluate: %s, want %s", a, r.State, st)
		}
	}
	// New events after the prune are still seen as pending.
	if _, err := s.SaveBatch(ctx, []Message{msg("n2", "bounce", pev("ann@example.org", "hard", "2026-03-01T00:00:00Z"))}, nil); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.Pending(ctx); !p {
		t.Error("event stored after prune is not pending")
	}
}

// BenchmarkPolicyMillion stores 1,000,000 events of 250,000 addresses (a quarter hard, the rest
// soft), evaluates them, and measures reading the listed states as export does (Export, not
// recorded, with the rows left unwritten).
// Run it with -benchtime=1x; it reports the evaluation time too.
func BenchmarkPolicyMillion(b *testing.B) {
	ctx := context.Background()
	s, _ := openTemp(b)
	const events, addrs, perMsg = 1_000_000, 250_000, 50
	base := mustTime("2026-01-01T00:00:00Z")
	var batch []Message
	for i := 0; i < events/perMsg; i++ {
		m := msg(fmt.Sprintf("m%07d", i), "bounce")
		for j := range perMsg {
			n := i*perMsg + j
			typ := "soft"
			if n%(addrs*4) < addrs && (n%addrs)%4 == 0 {
				typ = "hard"
			}
			m.Events = append(m.Events, pev(fmt.Sprintf("user%06d@example.org", n%addrs), typ,
				base.Add(time.Duration(n/addrs)*20*time.Hour).Format(time.RFC3339)))
		}
		batch = append(batch, m)
		if len(batch) == 200 {
			if _, err := s.SaveBatch(ctx, batch, nil); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	start := time.Now()
	sum, err := s.EvaluatePending(ctx, defaultEvaluator(b, "2026-01-05T00:00:00Z"))
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("evaluated %d addresses in %v: %v", sum.Addresses, time.Since(start), sum.States)
	if p := os.Getenv("REBOUND_BENCH_KEEP"); p != "" {
		// Keep a copy of the database, to time the CLI on it.
		if _, err := s.db.ExecContext(ctx, "VACUUM INTO ?", p); err != nil {
			b.Fatal(err)
		}
	}
	lists := []bounce.State{bounce.StateSuppressed, bounce.StatePaused, bounce.StateReview}
	b.ResetTimer()
	for b.Loop() {
		n := 0
		_, err := s.Export(ctx, mustTime("2026-01-05T00:00:00Z"), lists, Baseline{}, nil, func(lr *Lister) error {
			return deliverAll(lr, func(*Listed) string { n++; return "" })
		})
		if err != nil {
			b.Fatal(err)
		}
		if n != addrs {
			b.Fatalf("%d listed", n)
		}
	}
}

// deliverAll delivers every listed row with the fingerprint fp gives it ("" delivers none).
func deliverAll(lr *Lister, fp func(*Listed) string) error {
	for l, err := range lr.Listed() {
		if err != nil {
			return err
		}
		if f := fp(l); f != "" {
			if err := lr.Deliver(l, f); err != nil {
				return err
			}
		}
	}
	return nil
}

// TestEvaluateDeferred: an evaluation with Evaluator.Defer (a scan's, before its last) lists
// the addresses with a state that cannot go on from it (here Continue refuses every address)
// instead of reading all their events, and leaves their states as they were, also when more of
// their events come; Pending says so (a killed scan's next command evaluates them). The next
// evaluation without Defer, in any process, gives every listed address the state and trail of
// an evaluation of everything, and empties the list. Unsuppress evaluates and takes off the
// address it overrides; Pseudonymise lists the pseudonym of a listed address in its place.
func TestEvaluateDeferred(t *testing.T) {
	ctx := context.Background()
	final := defaultEvaluator(t, "2026-03-05T00:00:00Z")
	// ben bounces once more, last: a part whose only address is listed already.
	msgs := append(policyBatch(), msg("k99", "bounce", pev("ben@example.org", "soft", "2026-03-04T12:00:00Z")))
	whole, _ := openTemp(t)
	if _, err := whole.SaveBatch(ctx, msgs, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := whole.EvaluateAll(ctx, final); err != nil {
		t.Fatal(err)
	}
	want := snapshot(t, whole)

	s, path := openStoreAt(t)
	refuse := final
	refuse.Continue = func(*StateRow, []bounce.Event) (Decided, bool) { return Decided{}, false }
	scanning := refuse
	scanning.Defer = true
	listedNow := func() []string {
		t.Helper()
		l, err := strings1(ctx, s.db, "SELECT address FROM policy_deferred ORDER BY address")
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	// ann's, ben's and cat's first bounces, then ben's second and others, then the rest, each
	// part evaluated as a scan does.
	pick := func(idx ...int) []Message {
		var out []Message
		for _, i := range idx {
			out = append(out, msgs[i])
		}
		return out
	}
	rest := pick(1, 2, 5)
	for i := 10; i < len(msgs)-1; i++ {
		rest = append(rest, msgs[i])
	}
	if _, err := s.SaveBatch(ctx, pick(0, 3, 6), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EvaluatePending(ctx, scanning); err != nil {
		t.Fatal(err)
	}
	first := snapshot(t, s)
	if l := listedNow(); len(l) != 0 {
		t.Fatalf("new addresses listed: %v", l)
	}
	for i, part := range [][]Message{pick(4, 7, 8, 9), rest, msgs[len(msgs)-1:]} {
		if _, err := s.SaveBatch(ctx, part, nil); err != nil {
			t.Fatal(err)
		}
		sum, err := s.EvaluatePending(ctx, scanning)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 && (sum.Deferred != 1 || !slices.Equal(listedNow(), []string{"ben@example.org"})) {
			t.Fatalf("part 1: %d deferred, listed %v; want ben@example.org", sum.Deferred, listedNow())
		}
	}
	// ann and ben have states from the first part and events since; ben was listed already.
	if l := listedNow(); !slices.Equal(l, []string{"ann@example.org", "ben@example.org"}) {
		t.Fatalf("listed %v", l)
	}
	for _, a := range []string{"ann@example.org", "ben@example.org"} {
		if !strings.Contains(first, a) || section(snapshot(t, s), a) != section(first, a) {
			t.Errorf("%s: state changed while listed:\n%s\nwas:\n%s", a, section(snapshot(t, s), a), section(first, a))
		}
	}
	if p, err := s.Pending(ctx); err != nil || !p {
		t.Errorf("Pending with listed addresses = %v, %v", p, err)
	}
	// Another process (the next command after a killed scan) evaluates them.
	other, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	sum, err := other.EvaluatePending(ctx, refuse)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Addresses != 2 {
		t.Errorf("final evaluation: %d addresses, want the 2 listed", sum.Addresses)
	}
	if got := snapshot(t, s); got != want {
		t.Errorf("states differ from an evaluation of everything\ngot:\n%s\nwant:\n%s", got, want)
	}
	if l := listedNow(); len(l) != 0 {
		t.Errorf("still listed: %v", l)
	}
	if p, err := s.Pending(ctx); err != nil || p {
		t.Errorf("Pending after = %v, %v", p, err)
	}

	// Unsuppress takes its address off; Pseudonymise moves the listing to the pseudonym.
	for _, a := range []string{"cat@example.org", "ann@example.org"} {
		if _, err := s.db.ExecContext(ctx, "INSERT INTO policy_deferred (address) VALUES (?)", a); err != nil {
			t.Fatal(err)
		}
	}
	o := bounce.Override{Recipient: "cat@example.org", At: final.Now, By: "alice", Why: "typo fixed"}
	if _, _, err := s.Unsuppress(ctx, final, o); err != nil {
		t.Fatal(err)
	}
	ps := []Pseudonym{{Address: "ann@example.org", Pseudonym: "p1@pseudonym.invalid"}}
	id := func(string) func(string) string { return func(s string) string { return s } }
	if _, err := s.Pseudonymise(ctx, ps, Redactors{Of: id, All: func(s string) string { return s }}, false); err != nil {
		t.Fatal(err)
	}
	if l := listedNow(); !slices.Equal(l, []string{"p1@pseudonym.invalid"}) {
		t.Errorf("after unsuppress and pseudonymise: listed %v, want the pseudonym alone", l)
	}
}

// section returns the lines of a snapshot about address a: its state and its transitions.
func section(snap, a string) string {
	var b strings.Builder
	in := false
	for _, l := range strings.SplitAfter(snap, "\n") {
		if !strings.HasPrefix(l, "  ") {
			in = strings.HasPrefix(l, "{Address:"+a+" ")
		}
		if in {
			b.WriteString(l)
		}
	}
	return b.String()
}
