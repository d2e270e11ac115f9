package imaptest

import (
	"errors"
	"testing"
)

// The harness itself: Dovecot starts, takes messages and gives their UIDs and flags.
func TestDovecot(t *testing.T) {
	s, err := Start(t.TempDir(), "s3cret-pw")
	if errors.Is(err, ErrNoDovecot) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	if err := s.Append("INBOX", "Subject: 1\r\n\r\nbody 1\r\n", "Subject: 2\r\n\r\nbody 2\r\n"); err != nil {
		t.Fatal(err)
	}
	v, flags, err := s.Status("INBOX")
	if err != nil || v == 0 || len(flags) != 2 {
		t.Fatalf("uidvalidity %d, flags %v, %v", v, flags, err)
	}
	if err := s.Recreate("INBOX", "Subject: 3\r\n\r\nbody\r\n"); err == nil {
		t.Log("INBOX could be deleted") // Dovecot refuses to delete INBOX; other mailboxes can be
	}
	if err := s.Append("Bounces", "Subject: 1\r\n\r\nbody 1\r\n"); err != nil {
		t.Fatal(err)
	}
	v1, _, _ := s.Status("Bounces")
	if err := s.Recreate("Bounces", "Subject: 1\r\n\r\nbody 1\r\n"); err != nil {
		t.Fatal(err)
	}
	v2, flags, err := s.Status("Bounces")
	if err != nil || v1 == v2 || len(flags) != 1 {
		t.Errorf("recreated: uidvalidity %d then %d, %d messages, %v", v1, v2, len(flags), err)
	}
}
