package store

import (
	"context"
	"testing"
)

// TestSaveBatchStored checks that SaveBatch marks each message stored by the call, and only
// those: a key stored before, or twice in the batch, is not stored again.
func TestSaveBatchStored(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	if _, err := s.SaveBatch(ctx, []Message{msg("a", "notbounce")}, nil); err != nil {
		t.Fatal(err)
	}
	batch := []Message{msg("a", "notbounce"), msg("b", "notbounce"), msg("b", "notbounce"), msg("c", "notbounce")}
	batch[0].Stored = true // stale from an earlier use of the slice
	n, err := s.SaveBatch(ctx, batch, nil)
	if err != nil || n != 2 {
		t.Fatalf("saved %d, %v; want 2", n, err)
	}
	for i, want := range []bool{false, true, false, true} {
		if batch[i].Stored != want {
			t.Errorf("message %d (%s): Stored %v, want %v", i, batch[i].Key, batch[i].Stored, want)
		}
	}
}
