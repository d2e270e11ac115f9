package scan

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/classify"
	"github.com/reboundhq/rebound/internal/dsn"
	"github.com/reboundhq/rebound/internal/mailbox"
)

func testOptions(t testing.TB, workers int) *Options {
	t.Helper()
	cl, err := classify.Default()
	if err != nil {
		t.Fatal(err)
	}
	return &Options{Classifier: cl, Workers: workers}
}

const dsnMessage = `From: MAILER-DAEMON@mx.example.net
To: bounces@shop.example
Subject: Undelivered Mail Returned to Sender
Date: Tue, 03 Nov 2026 09:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

The message could not be delivered.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; RCPT@gmail.com
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 user unknown

--B--
`

// testSource yields n messages: DSNs for RCPT0..RCPTn-1, with every seventh an ordinary
// message, every eleventh an unreadable one, every thirteenth followed by a checkpoint marker.
func testSource(n int) func(func(mailbox.Message) error) error {
	return func(yield func(mailbox.Message) error) error {
		for i := range n {
			m := mailbox.Message{Key: "k" + strconv.Itoa(i), Position: "box:" + strconv.Itoa(i+1), Path: "box"}
			switch {
			case i%11 == 10:
				m.Err = errors.New("read error")
			case i%7 == 6:
				m.Data = []byte("From: a@example.org\nSubject: hello\n\nhi\n")
			default:
				m.Data = []byte(strings.Replace(dsnMessage, "RCPT", "user"+strconv.Itoa(i), 1))
			}
			if err := yield(m); err != nil {
				return err
			}
			if i%13 == 12 {
				cp := &mailbox.Checkpoint{Offset: int64(i), Count: i + 1}
				if err := yield(mailbox.Message{Position: "box", Path: "box", Checkpoint: cp}); err != nil {
					return err
				}
			}
		}
		return nil
	}
}

// TestRunOrder checks that items come out in source order, whatever the number of workers,
// and that each is what Process makes of its message.
func TestRunOrder(t *testing.T) {
	const n = 300
	var want []string
	opt := testOptions(t, 1)
	if err := testSource(n)(func(m mailbox.Message) error {
		it := Process(m, opt)
		line := m.Position
		if m.Checkpoint != nil {
			line += " checkpoint " + strconv.FormatInt(m.Checkpoint.Offset, 10)
		} else {
			line += " " + string(it.Outcome)
			for _, r := range it.Events {
				line += " " + r.Recipient + "/" + string(r.Reason)
			}
		}
		want = append(want, line)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, workers := range []int{1, 2, 7, -2} { // -2: two workers, each with a queue of 16
		opt := testOptions(t, max(workers, -workers))
		if workers < 0 {
			opt.QueuePerWorker = 16
		}
		var got []string
		err := Run(testSource(n), opt, func(it *Item) error {
			if it.Msg.Data != nil {
				t.Errorf("%s: raw message kept past processing", it.Msg.Position)
			}
			line := it.Msg.Position
			if it.Msg.Checkpoint != nil {
				line += " checkpoint " + strconv.FormatInt(it.Msg.Checkpoint.Offset, 10)
			} else {
				line += " " + string(it.Outcome)
				for _, r := range it.Events {
					line += " " + r.Recipient + "/" + string(r.Reason)
				}
			}
			got = append(got, line)
			return nil
		})
		if err != nil {
			t.Fatalf("workers %d: %v", workers, err)
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("workers %d: items differ from the source order:\n%s\nwant:\n%s", workers,
				strings.Join(got[:min(len(got), 20)], "\n"), strings.Join(want[:20], "\n"))
		}
	}
}

// TestRunSinkError checks that an error from the sink stops the run and is returned.
func TestRunSinkError(t *testing.T) {
	stop := errors.New("disk full")
	seen := 0
	err := Run(testSource(10000), testOptions(t, 2), func(it *Item) error {
		seen++
		if seen == 50 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) {
		t.Fatalf("Run returned %v, want the sink's error", err)
	}
	if seen != 50 {
		t.Errorf("sink called %d times, want 50: no call after its error", seen)
	}
}

// TestRunSourceError checks that an error from the source is returned after the messages it
// yielded before it have been handed to the sink.
func TestRunSourceError(t *testing.T) {
	bad := errors.New("walk failed")
	src := func(yield func(mailbox.Message) error) error {
		if err := testSource(20)(yield); err != nil {
			return err
		}
		return bad
	}
	seen := 0
	err := Run(src, testOptions(t, 3), func(*Item) error { seen++; return nil })
	if !errors.Is(err, bad) {
		t.Fatalf("Run returned %v, want the source's error", err)
	}
	if seen != 21 { // 20 messages and one checkpoint
		t.Errorf("sink saw %d items, want 21", seen)
	}
}

// TestRunLoadClassifier checks that a classifier loaded in the background (LoadClassifier),
// while the source goes on, gives the items a loaded one gives, and that an error from loading
// it ends the run with that error, before anything reaches the sink.
func TestRunLoadClassifier(t *testing.T) {
	const n = 200
	render := func(opt *Options) (string, error) {
		var b strings.Builder
		err := Run(testSource(n), opt, func(it *Item) error {
			fmt.Fprintf(&b, "%s %s", it.Msg.Position, it.Outcome)
			for _, r := range it.Events {
				fmt.Fprintf(&b, " %s/%s/%s", r.Recipient, r.Reason, r.Rule)
			}
			b.WriteByte('\n')
			return nil
		})
		return b.String(), err
	}
	want, err := render(testOptions(t, 2))
	if err != nil {
		t.Fatal(err)
	}
	slow := func() (*classify.Classifier, error) {
		time.Sleep(50 * time.Millisecond) // the source runs ahead meanwhile
		return classify.Default()
	}
	got, err := render(&Options{LoadClassifier: slow, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got != want || !strings.Contains(got, "/userunknown/") {
		t.Errorf("items with the classifier loaded in the background:\n%.500s\nwant:\n%.500s", got, want)
	}

	bad := errors.New("rules: line 3: no reason")
	sunk := 0
	err = Run(testSource(100000), &Options{Workers: 2, MaxInFlight: 4096,
		LoadClassifier: func() (*classify.Classifier, error) { return nil, bad }},
		func(*Item) error { sunk++; return nil })
	if !errors.Is(err, bad) || sunk != 0 {
		t.Fatalf("a classifier that failed to load: Run returned %v after %d items, want its error and none", err, sunk)
	}
}

// TestProcessOutcomes checks the outcome of each kind of message.
func TestProcessOutcomes(t *testing.T) {
	opt := testOptions(t, 1)
	tests := []struct {
		name string
		msg  mailbox.Message
		want Outcome
		recs int
	}{
		{"dsn", mailbox.Message{Key: "a", Data: []byte(dsnMessage)}, OutcomeBounce, 1},
		{"ordinary", mailbox.Message{Key: "b", Data: []byte("From: a@example.org\n\nhi\n")}, OutcomeNotBounce, 0},
		{"no header", mailbox.Message{Key: "c", Data: []byte("\x00\x01 not a message")}, OutcomeUndecodable, 0},
		{"empty", mailbox.Message{Key: "d", Err: mailbox.ErrEmpty}, OutcomeUndecodable, 0},
		{"too large", mailbox.Message{Key: "e", Err: fmt.Errorf("%w: 9 bytes", mailbox.ErrTooLarge)}, OutcomeUndecodable, 0},
		{"unreadable", mailbox.Message{Key: "f", Err: errors.New("permission denied")}, OutcomeUnreadable, 0},
	}
	for _, tt := range tests {
		it := Process(tt.msg, opt)
		if it.Outcome != tt.want || len(it.Events) != tt.recs {
			t.Errorf("%s: outcome %s with %d records (err %v), want %s with %d", tt.name, it.Outcome,
				len(it.Events), it.Err, tt.want, tt.recs)
		}
		if (it.Outcome == OutcomeUndecodable || it.Outcome == OutcomeUnreadable) && it.Why() == "" {
			t.Errorf("%s: no explanation", tt.name)
		}
	}
}

// TestRunSmallBudget runs messages larger than the bound on bytes in flight: they go through
// one at a time, in order.
func TestRunSmallBudget(t *testing.T) {
	opt := testOptions(t, 4)
	opt.MaxInFlight = 100
	seen := 0
	err := Run(testSource(60), opt, func(it *Item) error {
		if it.Msg.Checkpoint == nil && it.Msg.Position != "box:"+strconv.Itoa(seen+1) {
			t.Fatalf("item %s after %d messages", it.Msg.Position, seen)
		}
		if it.Msg.Checkpoint == nil {
			seen++
		}
		return nil
	})
	if err != nil || seen != 60 {
		t.Fatalf("%d messages, %v", seen, err)
	}
}

func TestBudget(t *testing.T) {
	b := newBudget(100)
	if !b.acquire(60) || !b.acquire(40) {
		t.Fatal("acquire within the bound failed")
	}
	got := make(chan bool)
	go func() { got <- b.acquire(10) }()
	select {
	case <-got:
		t.Fatal("acquire past the bound did not wait")
	case <-time.After(20 * time.Millisecond):
	}
	b.release(60)
	if !<-got {
		t.Fatal("acquire failed after a release")
	}
	b.release(40)
	b.release(10)
	if !b.acquire(500) {
		t.Fatal("a message larger than the bound was not let through alone")
	}
	go func() { got <- b.acquire(1) }()
	b.stop()
	if <-got {
		t.Fatal("acquire succeeded after stop")
	}
}

// panicky is an attributor that panics on one recipient, standing for a bug in the decoder or
// the classifier.
type panicky struct{ on string }

func (p panicky) Attribute(_ *dsn.Report, rc *dsn.Recipient) (string, string) {
	if strings.EqualFold(rc.Recipient, p.on) {
		var m map[string]int
		//lint:ignore SA5000 the nil-map write is the point: a runtime panic
		m["boom"]++ // a nil-map write: a runtime panic, as a real bug would give
	}
	return "", ""
}

// TestProcessRecoversPanic checks that a panic on one message makes it undecodable, with an
// error that names the bug and keeps the stack, and that Run goes on with the other messages.
func TestProcessRecoversPanic(t *testing.T) {
	opt := testOptions(t, 2)
	opt.Attributor = panicky{on: "user3@gmail.com"}
	var items []Item
	err := Run(testSource(6), opt, func(it *Item) error {
		if it.Msg.Checkpoint == nil {
			items = append(items, *it)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 6 {
		t.Fatalf("%d items, want 6", len(items))
	}
	for i, it := range items {
		var pe *PanicError
		if i == 3 {
			if it.Outcome != OutcomeUndecodable || !errors.As(it.Err, &pe) || len(it.Events) != 0 {
				t.Fatalf("message 4: outcome %s, error %v, %d records; want undecodable after a panic", it.Outcome, it.Err, len(it.Events))
			}
			if msg := it.Err.Error(); !strings.HasPrefix(msg, "internal error while decoding") ||
				!strings.Contains(msg, "nil map") || !strings.Contains(msg, "hint: ") {
				t.Errorf("error text %q", msg)
			}
			if !bytes.Contains(pe.Stack, []byte("panicky.Attribute")) {
				t.Errorf("stack lacks the panicking function:\n%s", pe.Stack)
			}
			continue
		}
		if errors.As(it.Err, &pe) || it.Outcome != OutcomeBounce && it.Outcome != OutcomeNotBounce {
			t.Errorf("message %d: outcome %s, error %v", i+1, it.Outcome, it.Err)
		}
	}
}

// TestProcessAddresses checks the normalised address the workers compute for the store
// (Options.Addresses): the same as the store's own normalisation of the stored recipient, or
// why it is malformed; and nothing without the option (rebound parse does not need it).
func TestProcessAddresses(t *testing.T) {
	opt := testOptions(t, 1)
	for _, tt := range []struct{ rcpt, want string }{
		{"RCPT@gmail.com", "rcpt@gmail.com"},
		{" Jörg@BÜCHER.example ", "jörg@xn--bcher-kva.example"},
		{"a..b@example.com", ""},
	} {
		msg := mailbox.Message{Key: "a", Data: []byte(strings.Replace(dsnMessage, "RCPT@gmail.com", tt.rcpt, 1))}
		opt.Addresses = false
		if it := Process(msg, opt); len(it.Events) != 1 || it.Events[0].Address != "" || it.Events[0].AddressError != "" {
			t.Errorf("%q without Options.Addresses: %+v", tt.rcpt, it.Events)
			continue
		}
		opt.Addresses = true
		it := Process(msg, opt)
		if len(it.Events) != 1 {
			t.Fatalf("%q: %d records", tt.rcpt, len(it.Events))
		}
		r := it.Events[0]
		if r.Address != tt.want || (tt.want == "") != (r.AddressError != "") {
			t.Errorf("%q: address %q, error %q; want %q", tt.rcpt, r.Address, r.AddressError, tt.want)
		}
	}
}
