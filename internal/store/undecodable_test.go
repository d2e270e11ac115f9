package store

import (
	"context"
	"testing"
)

// TestUndecodableMessages: the messages recorded as undecodable are listed with where they are,
// why, their date when they have one and when they were scanned, oldest scan first; bounces and
// other outcomes are not.
func TestUndecodableMessages(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	dated := Message{Key: "u1", Position: "box:2", Path: "box", Outcome: "undecodable", Error: "truncated multipart",
		Date: mustTime("2026-03-03T10:00:00Z"), ScannedAt: mustTime("2026-03-05T10:00:00Z"), Subject: "Undelivered Mail"}
	undated := Message{Key: "u2", Position: "box:1", Path: "box", Outcome: "undecodable", Error: "binary",
		ScannedAt: mustTime("2026-03-04T10:00:00Z")}
	other := Message{Key: "n1", Position: "box:3", Path: "box", Outcome: "notbounce", ScannedAt: mustTime("2026-03-04T10:00:00Z")}
	ok := msg("b1", "bounce", ev("a@example.org", "hard", "userunknown", "2026-03-03T10:00:00Z"))
	if _, err := s.SaveBatch(ctx, []Message{dated, undated, other, ok}, nil); err != nil {
		t.Fatal(err)
	}
	list, err := s.UndecodableMessages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("%d messages, want 2: %+v", len(list), list)
	}
	if m := list[0]; m.Position != "box:1" || m.Error != "binary" || !m.Date.IsZero() || !m.ScannedAt.Equal(mustTime("2026-03-04T10:00:00Z")) {
		t.Errorf("first %+v", m)
	}
	if m := list[1]; m.Position != "box:2" || m.Error != "truncated multipart" || !m.Date.Equal(mustTime("2026-03-03T10:00:00Z")) ||
		m.Subject != "Undelivered Mail" {
		t.Errorf("second %+v", m)
	}
}
