package mailbox

import (
	"os"
	"path/filepath"
	"testing"
)

// A message saved with old Macintosh line endings (bare CR) that starts with a From_ line is one
// message without its From_ line, not an mbox whose first "line" is the whole file.
func TestCROnlyFromLineIsSingleMessage(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "mac.eml")
	body := "From MAILER-DAEMON Sun Sep  7 21:40:07 2008\rFrom: a@example.org\rSubject: x\r\rbody\r"
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	var got []Message
	if err := Walk([]string{p}, Options{}, func(m Message) error { got = append(got, m); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Err != nil {
		t.Fatalf("got %d messages (%+v), want one readable message", len(got), got)
	}
	if want := "From: a@example.org\rSubject: x\r\rbody\r"; string(got[0].Data) != want {
		t.Errorf("data %q, want %q", got[0].Data, want)
	}
	if got[0].Position != p {
		t.Errorf("position %q, want %q (a single message, not an mbox)", got[0].Position, p)
	}
}
