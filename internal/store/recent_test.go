package store

import (
	"context"
	"reflect"
	"testing"
	"time"
)

// recentBatch has what the recent events must carry over exactly as the database reads them
// back: several recipients per message, an unknown bounce time, empty fields (stored as NULL),
// a recipient in capitals with spaces, fractions of a second, and odd bytes.
func recentBatch(prefix string) []Message {
	odd := ev("odd@example.org", "soft", "mailboxfull", "2026-03-01T10:00:00Z")
	odd.Diagnostic = "452 4.2.2 over quota \x00 \xff\xfe (" + prefix + ")"
	odd.BouncedAt = odd.BouncedAt.Add(700 * time.Millisecond)
	blank := ev(" Blank@Example.ORG ", "unknown", "undefined", "")
	blank.Status, blank.ReplyCode, blank.Provider, blank.Rule, blank.Diagnostic = "", "", "", "", ""
	complaint := ev("eve@example.org", "complaint", "feedback", "2026-03-02T08:00:00Z")
	complaint.FeedbackType = "abuse"
	two := msg(prefix+"2", "bounce", ev("a@example.org", "hard", "userunknown", "2026-03-01T00:00:00Z"),
		ev("b@example.org", "hard", "userunknown", "2026-03-01T00:00:01Z"))
	two.ScannedAt = mustTime("2026-03-03T00:00:00Z")
	unknownTime := msg(prefix+"3", "bounce", blank)
	unknownTime.ScannedAt = mustTime("2026-03-04T05:06:07Z")
	return []Message{msg(prefix+"1", "bounce", odd), two, unknownTime, msg(prefix+"4", "notbounce"),
		msg(prefix+"5", "feedback", complaint)}
}

// TestRecentEventsAsStored: the events EvaluatePending takes from memory are those it would
// read back from the database, field for field.
func TestRecentEventsAsStored(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	for _, prefix := range []string{"x", "y"} {
		if _, err := s.SaveBatch(ctx, recentBatch(prefix), nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.SaveBatch(ctx, recentBatch("x"), nil); err != nil { // stored before: nothing new
		t.Fatal(err)
	}
	mark, maxID, err := marks(ctx, s.db)
	if err != nil {
		t.Fatal(err)
	}
	want, err := readEvents(ctx, s.db, query("policy_pending_events"), false, mark)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != 10 || maxID-mark != 10 {
		t.Fatalf("%d pending events, ids %d..%d; want 10", len(want), mark, maxID)
	}
	got := s.recent.pending(mark, maxID, "")
	if !reflect.DeepEqual(got, pointers(want)) {
		t.Errorf("recent events differ from the stored ones\ngot:  %+v\nwant: %+v", got, want)
	}
}

// TestRecentEventsOthers: events stored by another process, or ids freed by a prune, make
// EvaluatePending read the pending events back, and the states come out the same.
func TestRecentEventsOthers(t *testing.T) {
	ctx := context.Background()
	ev := defaultEvaluator(t, "2026-03-05T00:00:00Z")
	s, p := openTemp(t)
	other, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := s.SaveBatch(ctx, policyBatch()[:3], nil); err != nil {
		t.Fatal(err)
	}
	if _, err := other.SaveBatch(ctx, policyBatch()[3:6], nil); err != nil {
		t.Fatal(err)
	}
	mark, maxID, err := marks(ctx, s.db)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.recent.pending(mark, maxID, ""); got != nil {
		t.Fatalf("took %d recent events while another process stored 3 more", len(got))
	}
	if _, err := s.EvaluatePending(ctx, ev); err != nil {
		t.Fatal(err)
	}
	ben, ok, err := s.State(ctx, "ben@example.org") // stored by the other process
	if err != nil || !ok || ben.Bounces != 3 {
		t.Fatalf("ben@example.org: %+v %v %v; want 3 bounces", ben, ok, err)
	}

	// A prune that deletes events may free ids for reuse: recent events stored before it are
	// not trusted after it.
	late := []Message{msg("late", "bounce", pev("zed@example.org", "hard", "2026-03-04T00:00:00Z"))}
	if _, err := s.SaveBatch(ctx, late, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Prune(ctx, mustTime("2026-03-02T12:00:00Z"), mustTime("2026-03-05T00:00:00Z"), false); err != nil {
		t.Fatal(err)
	}
	pruned, err := eventsPruned(ctx, s.db)
	if err != nil || pruned != "1" {
		t.Fatalf("prune count %q, %v; want 1", pruned, err)
	}
	mark, maxID, err = marks(ctx, s.db)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.recent.pending(mark, maxID, pruned); got != nil {
		t.Errorf("took %d recent events stored before a prune", len(got))
	}
	if _, err := s.EvaluatePending(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.State(ctx, "zed@example.org"); err != nil || !ok {
		t.Errorf("zed@example.org not evaluated after the prune: %v %v", ok, err)
	}
}
