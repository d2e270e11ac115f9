// Package scan connects the stages of rebound: messages from internal/mailbox are decoded by
// internal/dsn and each recipient is classified by internal/classify, on a pool of workers.
// Results come out in input order whatever the number of workers, so output is deterministic.
package scan

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/reboundhq/rebound/internal/address"
	"github.com/reboundhq/rebound/internal/bounce"
	"github.com/reboundhq/rebound/internal/classify"
	"github.com/reboundhq/rebound/internal/dsn"
	"github.com/reboundhq/rebound/internal/mailbox"
)

// Outcome says what happened to one message.
type Outcome string

// Outcomes of a message.
const (
	OutcomeBounce      Outcome = "bounce"      // a delivery report with at least one recipient
	OutcomeFeedback    Outcome = "feedback"    // an ARF complaint
	OutcomeAutoReply   Outcome = "autoreply"   // an RFC 3834 auto-reply
	OutcomeNotBounce   Outcome = "notbounce"   // an ordinary message
	OutcomeUndecodable Outcome = "undecodable" // the message could not be decoded
	OutcomeUnreadable  Outcome = "unreadable"  // the message (or path) could not be read
)

// Item is one message after decoding and classification.
type Item struct {
	Msg        mailbox.Message
	Outcome    Outcome
	Report     *dsn.Report    // nil when undecodable or unreadable
	Err        error          // why undecodable or unreadable
	Events     []bounce.Event // one per recipient, in the report's order
	ContentKey string         // mailbox.ContentKey of the message, with Options.ContentKeys; "" when it has no data
}

// Why returns a one-line explanation for messages without events.
func (it *Item) Why() string {
	switch {
	case it.Err != nil:
		return it.Err.Error()
	case it.Report != nil && it.Report.NotBounceReason != "":
		return it.Report.NotBounceReason
	case len(it.Events) == 0 && it.Outcome == OutcomeBounce:
		return "bounce without a recipient"
	}
	return ""
}

// Options control processing.
type Options struct {
	Classifier *classify.Classifier
	// LoadClassifier, when Classifier is nil, gives it: Run calls it once, in the background,
	// while the source lists and reads the first messages; the workers wait for it. An
	// error from it ends Run with that error. (Loading the embedded rules takes 10-20 ms, the
	// listing of a maildir of 50,000 messages 25 ms: one core would wait for the other.)
	LoadClassifier func() (*classify.Classifier, error)
	Attributor     Attributor // may be nil
	Workers        int        // 0 means GOMAXPROCS
	Limits         dsn.Limits // bounds on the MIME structure; zero fields take dsn.DefaultLimits
	// MaxInFlight bounds the bytes of raw messages read but not yet processed (0 means
	// DefaultMaxInFlight). A message larger than the bound is still read, alone.
	MaxInFlight int64
	// QueuePerWorker is how many messages read wait for each worker (0 means 4). More lets the
	// workers go on while the single reading goroutine waits for a core: parse of the
	// 50,000-message sisimai-copied maildir ran 4.8% faster with 16 (6 pairs of 6) and 2-3%
	// with 32 or 64; a scan ran 3.5% slower with 16 (1 pair of 8) and took 7 MB more RSS,
	// the raw messages read ahead costing collections under the memory limit.
	QueuePerWorker int
	// ContentKeys sets Item.ContentKey (mailbox.ContentKey), for a caller that stores messages
	// and counts copies of one message once.
	ContentKeys bool
	// Addresses sets Event.Address or Event.AddressError, for a caller that evaluates the
	// policy on normalised addresses: normalising in the workers spares the single writer.
	Addresses bool
}

// DefaultMaxInFlight is the default bound on raw message bytes in flight: a few large messages
// at most, and thousands of ordinary ones, so that the bound on their number decides.
const DefaultMaxInFlight = 16 << 20

// Attributor finds the campaign and the sending domain of a bounced message.
type Attributor interface {
	Attribute(r *dsn.Report, rc *dsn.Recipient) (campaign, sendingDomain string)
}

// Process decodes and classifies one message. A panic while doing so is a bug in rebound, but
// one message must never stop a nightly run: it is recovered, and the message is undecodable
// with an error that says so (the run goes on with the next message).
func Process(m mailbox.Message, opt *Options) (it Item) {
	ck := ""
	if opt.ContentKeys && m.Err == nil && len(m.Data) > 0 {
		ck = mailbox.ContentKey(m.Data)
	}
	defer func() {
		if p := recover(); p != nil {
			it = Item{Msg: m, Outcome: OutcomeUndecodable, Err: &PanicError{Value: p, Stack: debug.Stack()}}
		}
		it.ContentKey = ck
	}()
	return process(m, opt)
}

// PanicError is the error of a message whose decoding or classification panicked.
type PanicError struct {
	Value any    // what was passed to panic
	Stack []byte // the goroutine's stack at the panic, for a bug report
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("internal error while decoding (a bug in rebound): %v; hint: please report it with this message", e.Value)
}

func process(m mailbox.Message, opt *Options) Item {
	it := Item{Msg: m}
	if m.Err != nil {
		it.Outcome, it.Err = OutcomeUnreadable, m.Err
		if errors.Is(m.Err, mailbox.ErrEmpty) || errors.Is(m.Err, mailbox.ErrTooLarge) {
			it.Outcome = OutcomeUndecodable // read fine, but there is nothing (or too much) to decode
		}
		return it
	}
	rep, err := dsn.DecodeWith(m.Data, opt.Limits)
	if err != nil {
		it.Outcome, it.Err = OutcomeUndecodable, err
		return it
	}
	it.Report = rep
	switch rep.Kind {
	case dsn.KindNotBounce:
		it.Outcome = OutcomeNotBounce
		return it
	case dsn.KindFeedback:
		it.Outcome = OutcomeFeedback
	case dsn.KindAutoReply:
		it.Outcome = OutcomeAutoReply
	default:
		it.Outcome = OutcomeBounce
	}
	it.Events = make([]bounce.Event, len(rep.Recipients))
	for i := range rep.Recipients {
		newEvent(&it.Events[i], m, rep, i, opt)
	}
	return it
}

// Input is what the classifier is given for one recipient of a report.
func Input(rep *dsn.Report, rc *dsn.Recipient) classify.Input {
	return classify.Input{
		Recipient:      rc.Recipient,
		Status:         rc.Status,
		ReplyCode:      rc.ReplyCode,
		Diagnostic:     rc.Diagnostic,
		DiagnosticType: rc.DiagnosticType,
		Action:         rc.Action,
		RemoteMTA:      rc.RemoteMTA,
		ReportingMTA:   rep.ReportingMTA,
		Command:        rc.Command,
		Hint:           rc.Hint,
		Kind:           string(rep.Kind),
		FeedbackType:   rep.FeedbackType,
		Format:         rep.Format,
	}
}

// newEvent fills e with the i-th recipient of rep, classified.
func newEvent(e *bounce.Event, m mailbox.Message, rep *dsn.Report, i int, opt *Options) {
	rc := &rep.Recipients[i]
	in := Input(rep, rc)
	in.NoEvidence = true // an event keeps no evidence (rebound explain gives it)
	res := opt.Classifier.Classify(in)
	*e = bounce.Event{
		Key:               m.Key,
		Idx:               i + 1,
		File:              m.Path,
		Position:          m.Position,
		Recipient:         strings.TrimSpace(rc.Recipient),
		Action:            rc.Action,
		Status:            res.Status,
		ReplyCode:         res.ReplyCode,
		Diagnostic:        rc.Diagnostic,
		RemoteMTA:         rc.RemoteMTA,
		ReportingMTA:      rep.ReportingMTA,
		Reason:            res.Reason,
		Type:              res.Type,
		Hard:              res.Hard(),
		Provider:          res.Provider,
		Rule:              res.Rule,
		Confidence:        res.Confidence,
		BouncedAt:         bouncedAt(m, rep, rc),
		Sender:            rep.Original.From,
		Subject:           rep.Original.Subject,
		OriginalMessageID: rep.Original.MessageID,
		FeedbackType:      rep.FeedbackType,
		Format:            rep.Format,
	}
	if opt.Attributor != nil {
		e.Campaign, e.SendingDomain = opt.Attributor.Attribute(rep, rc)
	}
	if opt.Addresses {
		a, err := address.Normalize(address.Stored(e.Recipient))
		if err != nil {
			e.AddressError = err.Error()
		}
		e.Address = a
	}
}

// bouncedAt is the time of the failure: the DSN's Last-Attempt-Date, else its Arrival-Date,
// else the bounce's Date header, else the file's modification time (RFC 3464 sections 2.2.5
// and 2.3.7).
func bouncedAt(m mailbox.Message, rep *dsn.Report, rc *dsn.Recipient) time.Time {
	for _, t := range []time.Time{rc.LastAttempt, rep.ArrivalDate, rep.Date, m.ModTime} {
		if !t.IsZero() {
			return t.UTC()
		}
	}
	return time.Time{}
}

// Run reads messages from source, processes them on a pool of workers and hands them to sink
// in source order. Messages that carry no data (path errors, mbox checkpoints) pass through in
// order too. Run stops reading at the first error returned by source or sink and returns it.
// Memory stays flat: at most a few messages per worker, and at most Options.MaxInFlight bytes
// of them (or one larger message), are in flight.
func Run(source func(yield func(mailbox.Message) error) error, opt *Options, sink func(*Item) error) error {
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	room := newBudget(opt.MaxInFlight)
	ready := make(chan struct{}) // closed once opt.Classifier is set (or could not be)
	var loadErr error
	if opt.Classifier == nil && opt.LoadClassifier != nil {
		o := *opt
		opt = &o
		go func() {
			defer close(ready)
			opt.Classifier, loadErr = opt.LoadClassifier()
		}()
	} else {
		close(ready)
	}
	type job struct {
		seq int
		msg mailbox.Message
	}
	type done struct {
		seq  int
		item Item
	}
	queue := opt.QueuePerWorker
	if queue <= 0 {
		queue = 4
	}
	jobs := make(chan job, workers*queue)
	results := make(chan done, workers*4)
	stop := make(chan struct{})

	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				<-ready
				var it Item
				if (j.msg.Key == "" && j.msg.Err == nil) || loadErr != nil {
					it = Item{Msg: j.msg} // a marker such as an mbox checkpoint
				} else {
					it = Process(j.msg, opt)
				}
				it.Msg.Data = nil // the raw message is not needed past this point
				room.release(int64(len(j.msg.Data)))
				// Nothing refers to the raw bytes now: a Report and its events hold strings
				// (copies), so the buffer can take the next message read.
				mailbox.Release(&j.msg)
				results <- done{j.seq, it}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()

	var sourceErr error
	go func() {
		defer close(jobs)
		seq := 0
		sourceErr = source(func(m mailbox.Message) error {
			if !room.acquire(int64(len(m.Data))) {
				return errStopped
			}
			select {
			case jobs <- job{seq, m}:
				seq++
				return nil
			case <-stop:
				return errStopped
			}
		})
	}()

	var sinkErr error
	if <-ready; loadErr != nil {
		sinkErr = loadErr
		close(stop)
		room.stop()
	}
	pending := map[int]Item{}
	next := 0
	for d := range results {
		pending[d.seq] = d.item
		for {
			it, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if sinkErr == nil {
				if sinkErr = sink(&it); sinkErr != nil {
					close(stop)
					room.stop()
				}
			}
		}
	}
	// results is closed only after jobs was closed, which happens after source returned.
	if sinkErr != nil {
		return sinkErr
	}
	if errors.Is(sourceErr, errStopped) {
		return nil
	}
	return sourceErr
}

var errStopped = errors.New("scan stopped")

// budget bounds the bytes of messages in flight between the source and the workers.
type budget struct {
	mu      sync.Mutex
	cond    sync.Cond
	used    int64
	max     int64
	stopped bool
}

func newBudget(max int64) *budget {
	if max <= 0 {
		max = DefaultMaxInFlight
	}
	b := &budget{max: max}
	b.cond.L = &b.mu
	return b
}

// acquire waits until n bytes fit (or nothing else is in flight) and takes them. It returns
// false once the run is stopping.
func (b *budget) acquire(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for !b.stopped && b.used > 0 && b.used+n > b.max {
		b.cond.Wait()
	}
	if b.stopped {
		return false
	}
	b.used += n
	return true
}

func (b *budget) release(n int64) {
	if n == 0 {
		return
	}
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
	b.cond.Broadcast()
}

// stop wakes a waiting acquire for good.
func (b *budget) stop() {
	b.mu.Lock()
	b.stopped = true
	b.mu.Unlock()
	b.cond.Broadcast()
}
