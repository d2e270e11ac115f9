package store

import (
	"context"
	"reflect"
	"testing"
)

// composed stores a small dataset whose counts are worked out by hand in the tests below.
func composed(t *testing.T) *Store {
	t.Helper()
	s := openStore(t)
	f2 := ev("f@z.example", "hard", "userunknown", "2024-03-04T00:00:00Z")
	f2.Status, f2.Diagnostic = "5.1.10", "second"
	a2 := ev("A@x.example", "hard", "userunknown", "2024-03-05T00:00:00Z")
	a2.Diagnostic = "later"
	batch := []Message{
		msg("m1", "bounce", ev("a@x.example", "hard", "userunknown", "2024-03-01T00:00:00Z"),
			ev("b@x.example", "soft", "mailboxfull", "2024-03-01T00:00:00Z")),
		msg("m2", "bounce", a2),
		msg("m3", "feedback", ev("c@y.example", "complaint", "feedback", "2024-03-02T00:00:00Z")),
		msg("m4", "bounce", ev("c@y.example", "hard", "hostunknown", "")),
		msg("m5", "bounce", ev("d@z.example", "soft", "mailboxfull", "2024-03-10T00:00:00Z"),
			ev("b@x.example", "soft", "mailboxfull", "2024-03-10T00:00:00Z")),
		{Key: "m6", Position: "box:6", Path: "box", Outcome: "undecodable", Error: "no body"},
		{Key: "m7", Position: "box:7", Path: "box", Outcome: "undecodable", Error: "bad mime"},
		msg("m8", "notbounce"),
		msg("m9", "autoreply", ev("e@z.example", "autoreply", "vacation", "2024-03-03T00:00:00Z")),
		msg("m10", "bounce", ev("f@z.example", "hard", "userunknown", "2024-03-04T00:00:00Z"), f2),
	}
	// Two batches, to check that reads see committed data across transactions.
	for _, b := range [][]Message{batch[:4], batch[4:]} {
		if _, err := s.SaveBatch(context.Background(), b, nil); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func TestEventsFor(t *testing.T) {
	s := composed(t)
	ctx := context.Background()
	keys := func(r string) []string {
		evs, err := s.EventsFor(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		var k []string
		for _, e := range evs {
			if e.Recipient != NormalizeRecipient(r) {
				t.Errorf("%s: event for %s", r, e.Recipient)
			}
			k = append(k, e.Key+"/"+string(e.Reason))
		}
		return k
	}
	for r, want := range map[string][]string{
		" A@X.example": {"m1/userunknown", "m2/userunknown"},
		"c@y.example":  {"m4/hostunknown", "m3/feedback"}, // unknown time first
		"b@x.example":  {"m1/mailboxfull", "m5/mailboxfull"},
		"f@z.example":  {"m10/userunknown", "m10/userunknown"},
		"nobody@x":     nil,
	} {
		if got := keys(r); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %v, want %v", r, got, want)
		}
	}
}
