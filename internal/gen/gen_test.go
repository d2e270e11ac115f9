package gen

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/dsn"
	"github.com/reboundhq/rebound/internal/mailbox"
)

var demo = filepath.Join("..", "..", "testdata", "demo", "maildir")

func load(t *testing.T) *Generator {
	t.Helper()
	g, err := Load(Options{Seed: 7}, demo)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestMessage checks that generated messages are deterministic, differ from their sample in
// recipients, dates and campaigns, and decode like their sample.
func TestMessage(t *testing.T) {
	g := load(t)
	if g.Samples() != 28 {
		t.Fatalf("%d samples, want the 28 demo messages", g.Samples())
	}
	rcpts := map[string]bool{}
	for i := range 3 * g.Samples() {
		data, at := g.Message(i)
		again, _ := g.Message(i)
		if !bytes.Equal(data, again) {
			t.Fatalf("message %d differs between two calls", i)
		}
		if at.IsZero() {
			t.Errorf("message %d: no date", i)
		}
		s := g.samples[i%len(g.samples)]
		want, err := dsn.Decode(s.data)
		if err != nil {
			t.Fatal(err)
		}
		got, err := dsn.Decode(data)
		if err != nil {
			t.Fatalf("message %d (from %s): %v", i, s.name, err)
		}
		if got.Kind != want.Kind || got.Format != want.Format || len(got.Recipients) != len(want.Recipients) {
			t.Errorf("message %d (from %s): %s/%s with %d recipients, sample %s/%s with %d", i, s.name,
				got.Kind, got.Format, len(got.Recipients), want.Kind, want.Format, len(want.Recipients))
			continue
		}
		for k, rc := range got.Recipients {
			if strings.EqualFold(rc.Recipient, want.Recipients[k].Recipient) {
				t.Errorf("message %d (from %s): recipient %s not rewritten", i, s.name, rc.Recipient)
			}
			if rc.Status != want.Recipients[k].Status {
				t.Errorf("message %d (from %s): status %s, sample %s", i, s.name, rc.Status, want.Recipients[k].Status)
			}
			rcpts[strings.ToLower(rc.Recipient)] = true
		}
		if !want.Date.IsZero() && got.Date.Equal(want.Date) {
			t.Errorf("message %d (from %s): date not moved", i, s.name)
		}
		if bytes.Contains(data, []byte("nov-offers")) || bytes.Contains(data, []byte("black-friday")) {
			t.Errorf("message %d (from %s): campaign not rewritten", i, s.name)
		}
	}
	if len(rcpts) < 2*g.Samples() {
		t.Errorf("only %d distinct recipients in %d messages", len(rcpts), 3*g.Samples())
	}
}

// TestWrite checks that the maildir and the mbox hold the same messages, as the mailbox reader
// reads them, for the distinct and the repeated recipients and for copies; and that the
// repeated mode's mbox is in time order, as a mail server appends to it.
func TestWrite(t *testing.T) {
	repeat, err := Load(Options{Seed: 7, Repeat: true}, demo)
	if err != nil {
		t.Fatal(err)
	}
	copies, err := LoadCopies(demo)
	if err != nil {
		t.Fatal(err)
	}
	for name, g := range map[string]box{"distinct": load(t), "repeat": repeat, "copies": copies} {
		t.Run(name, func(t *testing.T) { testWrite(t, g, name == "repeat") })
	}
}

func testWrite(t *testing.T, g box, inOrder bool) {
	const n = 100
	dir := t.TempDir()
	md, mb := filepath.Join(dir, "maildir"), filepath.Join(dir, "mbox")
	if err := writeFile(g, md, "maildir", n); err != nil {
		t.Fatal(err)
	}
	if err := writeFile(g, mb, "mbox", n); err != nil {
		t.Fatal(err)
	}
	if err := writeFile(g, filepath.Join(dir, "x"), "mh", n); err == nil {
		t.Error("unknown format accepted")
	}
	read := func(p string) (map[string]bool, []time.Time) {
		set := map[string]bool{}
		var dates []time.Time
		err := mailbox.Walk([]string{p}, mailbox.Options{}, func(m mailbox.Message) error {
			if m.Err != nil {
				t.Errorf("%s: %v", m.Position, m.Err)
			}
			if m.Checkpoint == nil {
				set[string(m.Data)] = true
				if rep, err := dsn.Decode(m.Data); err == nil {
					dates = append(dates, rep.Date)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return set, dates
	}
	a, _ := read(md)
	b, dates := read(mb)
	if len(a) < n*9/10 || len(a) != len(b) {
		t.Fatalf("%d distinct messages in the maildir, %d in the mbox, want about %d in both", len(a), len(b), n)
	}
	for m := range a {
		if !b[m] {
			t.Fatalf("message in the maildir but not in the mbox:\n%s", m)
		}
	}
	names, err := os.ReadDir(filepath.Join(md, "new"))
	if err != nil || len(names) != n {
		t.Fatalf("%d files in new/ (%v), want %d", len(names), err, n)
	}
	if inOrder && !slices.IsSortedFunc(dates, time.Time.Compare) {
		t.Errorf("the mbox's messages are not in time order: %v", dates)
	}
}

// TestCopies checks that copies are the messages as they are, each with a header line of its
// own, which the decoder reads as it reads the message.
func TestCopies(t *testing.T) {
	c, err := LoadCopies(demo)
	if err != nil {
		t.Fatal(err)
	}
	if c.Messages() != 28 {
		t.Fatalf("%d messages, want the 28 demo messages", c.Messages())
	}
	seen := map[string]bool{}
	for i := range 3 * c.Messages() {
		data, _ := c.AppendMessage(nil, i)
		if seen[string(data)] {
			t.Fatalf("copy %d is the same as an earlier one", i)
		}
		seen[string(data)] = true
		head, rest, _ := bytes.Cut(data, []byte("\n"))
		if want := CopyHeader + ": " + strconv.Itoa(i); strings.TrimSuffix(string(head), "\r") != want {
			t.Fatalf("copy %d starts with %q, want %q", i, head, want)
		}
		orig := c.msgs[i%c.Messages()].data
		if !bytes.Equal(rest, orig) {
			t.Fatalf("copy %d is not its message as it is", i)
		}
		got, err1 := dsn.Decode(data)
		want, err2 := dsn.Decode(orig)
		if (err1 == nil) != (err2 == nil) || err1 == nil && (got.Kind != want.Kind || len(got.Recipients) != len(want.Recipients) ||
			len(got.Recipients) > 0 && got.Recipients[0] != want.Recipients[0]) {
			t.Errorf("copy %d decodes differently from its message", i)
		}
	}
	if _, err := LoadCopies(t.TempDir()); err == nil {
		t.Error("no error for a folder without files")
	}
}

func TestLoadNothing(t *testing.T) {
	if _, err := Load(Options{}, t.TempDir()); err == nil {
		t.Error("no error for a folder without messages")
	}
}

// TestCopyEnvelope checks that a copy's header line ends as the message's lines do and comes
// after no mbox From_ line.
func TestCopyEnvelope(t *testing.T) {
	c := &Copies{msgs: []copyMsg{
		newCopyMsg([]byte("From MAILER-DAEMON Thu Jan  1 00:00:00 2026\r\nSubject: x\r\nDate: Sun, 22 Nov 2026 10:00:00 +0000\r\n\r\nbody\r\n"), time.Time{}),
	}}
	got, at := c.AppendMessage(nil, 5)
	if want := "X-Rebound-Copy: 5\r\nSubject: x\r\n"; !bytes.HasPrefix(got, []byte(want)) {
		t.Errorf("copy starts %q, want %q", got, want)
	}
	if !at.Equal(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("date %s, want the Date header's", at)
	}
}
