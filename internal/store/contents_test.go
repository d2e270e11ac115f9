package store

import (
	"context"
	"testing"
	"time"
)

// withContent gives a message a content key.
func withContent(m Message, ck string) Message {
	m.ContentKey = ck
	return m
}

// TestContentDuplicates: a message whose content is stored under another key is stored as a
// duplicate, without its events or counts, in another batch or in the same one; the copy
// itself read again is known; messages without a content key are stored as before.
func TestContentDuplicates(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	e := ev("ann@example.org", "soft", "mailboxfull", "2024-03-01T10:00:00Z")
	first := []Message{withContent(msg("maildir:1", "bounce", e), "c:1")}
	if n, err := s.SaveBatch(ctx, first, nil); err != nil || n != 1 || !first[0].Stored || first[0].DuplicateOf != "" {
		t.Fatalf("first copy: %d %v %+v", n, err, first[0])
	}
	batch := []Message{
		withContent(msg("/var/mail/bounces.1:0:ab", "bounce", e), "c:1"), // the rotated mbox
		withContent(msg("maildir:2", "bounce", ev("bob@example.org", "hard", "userunknown", "2024-03-01T11:00:00Z")), "c:2"),
		withContent(msg("other-maildir:2", "bounce", ev("bob@example.org", "hard", "userunknown", "2024-03-01T11:00:00Z")), "c:2"),
		msg("maildir:3", "notbounce"), // no content key: stored as ever
	}
	n, err := s.SaveBatch(ctx, batch, nil)
	if err != nil || n != 4 {
		t.Fatalf("second batch: %d, %v", n, err)
	}
	for i, want := range []string{"maildir:1", "", "maildir:2", ""} {
		if !batch[i].Stored || batch[i].DuplicateOf != want {
			t.Errorf("message %d: stored %v, duplicate of %q, want %q", i, batch[i].Stored, batch[i].DuplicateOf, want)
		}
	}
	if got := count(t, s, "events"); got != 2 {
		t.Errorf("%d events, want 2 (one per distinct bounce)", got)
	}
	var counted int
	if err := s.db.QueryRow("SELECT SUM(event_count) FROM event_counts").Scan(&counted); err != nil || counted != 2 {
		t.Errorf("event_counts sum %d, %v: want 2", counted, err)
	}
	var outcome, of string
	if err := s.db.QueryRow("SELECT outcome, duplicate_of FROM messages WHERE key = ?", "other-maildir:2").Scan(&outcome, &of); err != nil ||
		outcome != OutcomeDuplicate || of != "maildir:2" {
		t.Errorf("the copy is stored as %q of %q (%v)", outcome, of, err)
	}
	// Read again (a rescan that could not skip them), nothing is stored.
	again := []Message{withContent(msg("/var/mail/bounces.1:0:ab", "bounce", e), "c:1"), withContent(msg("maildir:1", "bounce", e), "c:1")}
	if n, err := s.SaveBatch(ctx, again, nil); err != nil || n != 0 || again[0].Stored || again[1].Stored {
		t.Errorf("copies read again: %d stored, %v", n, err)
	}
	// Only the first copy's events are evaluated: ann has one soft bounce.
	if _, err := s.EvaluatePending(ctx, defaultEvaluator(t, "2024-03-02T00:00:00Z")); err != nil {
		t.Fatal(err)
	}
	if st, ok, err := s.State(ctx, "ann@example.org"); err != nil || !ok || st.Bounces != 1 {
		t.Errorf("ann: %+v %v %v, want 1 bounce", st, ok, err)
	}
}

// TestContentLegacyBridge: a copy of a message stored before content keys existed is
// recognised by the Message-ID and Date of the bounce; prune forgets those Message-IDs.
func TestContentLegacyBridge(t *testing.T) {
	s, p := openTemp(t)
	ctx := context.Background()
	e := ev("ann@example.org", "hard", "userunknown", "2024-03-01T10:00:00Z")
	old := msg("maildir:old", "bounce", e)
	old.MessageID = "<bounce-1@mx.example.net>"
	if _, err := s.SaveBatch(ctx, []Message{old}, nil); err != nil {
		t.Fatal(err)
	}
	s.Close()
	downgrade(t, p, 4) // back to the schema before 0005
	s, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n := count(t, s, "legacy_messages"); n != 1 {
		t.Fatalf("%d legacy messages, want 1", n)
	}
	other := msg("/var/mail/bounces.1:0:cd", "bounce", e) // the same bounce, from the rotated mbox
	other.MessageID, other.ContentKey = old.MessageID, "c:9"
	later := withContent(msg("elsewhere:1", "bounce", e), "c:9")    // another copy: found by content
	notSame := withContent(msg("maildir:new", "bounce", e), "c:10") // same recipient, another bounce
	batch := []Message{other, later, notSame}
	if _, err := s.SaveBatch(ctx, batch, nil); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"maildir:old", "maildir:old", ""} {
		if batch[i].DuplicateOf != want {
			t.Errorf("message %d: duplicate of %q, want %q", i, batch[i].DuplicateOf, want)
		}
	}
	if n := count(t, s, "events"); n != 2 {
		t.Errorf("%d events, want 2", n)
	}
	now := mustTime("2026-03-01T00:00:00Z")
	if _, err := s.Prune(ctx, now.Add(-180*24*time.Hour), now, false); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, "legacy_messages"); n != 0 {
		t.Errorf("%d legacy messages after prune, want 0", n)
	}
}
