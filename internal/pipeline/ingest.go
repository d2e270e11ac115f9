package pipeline

import (
	"cmp"
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/reboundhq/rebound/internal/mailbox"
	"github.com/reboundhq/rebound/internal/scan"
	"github.com/reboundhq/rebound/internal/store"
)

// IngestSummary is what an ingest did.
type IngestSummary struct {
	Read        int            `json:"read"`         // messages found in the mailboxes
	New         int            `json:"new"`          // messages stored by this run, copies not included
	Seen        int            `json:"already_seen"` // messages already in the database
	Duplicates  int            `json:"duplicates"`   // new copies of messages stored before (same content): not counted again
	Bounces     map[string]int `json:"bounces"`      // new bounced recipients by type
	NotBounces  int            `json:"not_bounces"`  // new messages that are not bounces
	Undecodable int            `json:"undecodable"`  // new messages that could not be decoded
	Unreadable  int            `json:"unreadable"`   // messages that could not be read (recorded)
	BadPaths    int            `json:"bad_paths"`    // PATH arguments that could not be read at all
	Elapsed     float64        `json:"elapsed_seconds"`
	Rate        float64        `json:"messages_per_second"`
}

// Skipper lets a mailbox walk skip what the database already has (mailbox.Options' Known,
// Resume and Resumed).
type Skipper interface {
	Known(keys []string) (map[string]bool, error)
	Resume(path string) (mailbox.Checkpoint, bool)
	Resumed(path string, cp mailbox.Checkpoint)
}

// Source returns the messages to ingest, skipping those sk says are known.
type Source func(sk Skipper) func(yield func(mailbox.Message) error) error

// IngestOptions control Ingest.
type IngestOptions struct {
	Scan     scan.Options // decoding and classification; ContentKeys and Addresses are set by Ingest
	Batch    int          // messages per database transaction (at least 1)
	Policy   *Policy      // when set, states are evaluated as batches are stored and at the end
	Progress func(read, stored int)
	Warn     func(string) // warnings: unreadable paths and messages, undecodable messages
	Quiet    bool         // no warnings about undecodable messages
	// EvaluateEvery is how many new messages are stored between two evaluations (0:
	// DefaultEvaluateEvery).
	EvaluateEvery int
	// RedactDiagnostics removes each recipient's address and local part from the diagnostic
	// stored for it, after classification (scan --redact-diagnostics, docs/privacy.md).
	RedactDiagnostics bool
}

// Ingest reads the messages of src, decodes and classifies them with a pool of workers
// (internal/scan) and stores them with one writer, a batch per transaction, in message order;
// messages the database has are skipped. With o.Policy, the addresses that got events are
// evaluated every EvaluateEvery new messages and after the last batch. The summary is
// returned also with an error.
func Ingest(ctx context.Context, st *store.Store, src Source, o IngestOptions) (*IngestSummary, error) {
	start := time.Now()
	sum := &IngestSummary{Bounces: map[string]int{}}
	k := &known{ctx: ctx, st: st}
	var prog func(*IngestSummary)
	if o.Progress != nil {
		prog = func(s *IngestSummary) { o.Progress(s.Read+int(k.read.Load()), s.New) }
	}
	w := newWriter(ctx, st, sum, o.Batch, prog, o.Warn, o.Quiet)
	w.redact = o.RedactDiagnostics
	evaluate := func(context.Context, *store.Store) error { return nil }
	if o.Policy != nil {
		p := *o.Policy
		evaluate = func(ctx context.Context, st *store.Store) error {
			_, err := EvaluatePending(ctx, st, p)
			return err
		}
		w.evaluate = func(ctx context.Context, st *store.Store) error { return evaluateWhileScanning(ctx, st, p) }
		w.every = cmp.Or(o.EvaluateEvery, DefaultEvaluateEvery)
	}
	opt := o.Scan
	opt.ContentKeys = true
	opt.Addresses = true
	err := scan.Run(src(k), &opt, w.add)
	if werr := w.close(); err == nil {
		err = werr
	}
	if err == nil {
		err = evaluate(ctx, st)
	}
	sum.Read += int(k.read.Load())
	sum.Seen += int(k.read.Load())
	sum.Elapsed = time.Since(start).Seconds()
	if sum.Elapsed > 0 {
		sum.Rate = float64(sum.Read) / sum.Elapsed
	}
	if err == nil {
		err = st.RecordScan(ctx, store.ScanRun{Started: start, Finished: time.Now(), Duration: time.Since(start),
			Read: sum.Read, New: sum.New})
	}
	return sum, err
}

// writer stores processed messages. The scan's sink (add) fills batches in message order
// and hands each full batch to a writer goroutine, which stores it in one transaction while
// the workers go on decoding. Only the writer goroutine touches the database, the summary and
// stderr, so warnings come out in message order.
type writer struct {
	redact bool // IngestOptions.RedactDiagnostics
	ctx    context.Context
	st     *store.Store
	sum    *IngestSummary
	size   int                  // messages per batch
	cur    *batch               // being filled by add
	full   chan *batch          // to the writer goroutine
	free   chan *batch          // emptied batches, for reuse
	fail   chan struct{}        // closed when the writer stopped on an error
	done   chan struct{}        // closed when the writer goroutine returned
	err    error                // the writer's error; read after fail or done is closed
	prog   func(*IngestSummary) // progress display, called by the writer after each batch; may be nil
	warn   func(string)         // warnings, in message order
	quiet  bool                 // no warnings about undecodable messages

	// evaluate, when set, brings the policy states up to date with the stored events, except
	// those of addresses that must be evaluated from all their events (evaluateWhileScanning).
	// The writer calls it every EvaluateEvery new messages, so that the addresses evaluated at
	// once, and the memory and transaction they take, stay bounded on a large mailbox; the
	// caller evaluates the rest, those addresses included, after close.
	evaluate    func(context.Context, *store.Store) error
	unevaluated int // messages stored since the last evaluation
	every       int // evaluate every so many new messages

}

// batch is what one transaction stores: messages and mbox checkpoints, in input order.
type batch struct {
	msgs  []store.Message
	cps   []store.Checkpoint
	types []string // event types of all messages, msgs[i] having ntype[i] of them
	ntype []int
	notes []note // path errors and unreadable messages, with their place among msgs
}

// note is a warning about the message (or path) that came before msgs[at].
type note struct {
	at      int
	badPath bool
	text    string
}

// DefaultEvaluateEvery is how many new messages the writer stores between two policy evaluations.
// Evaluating all the addresses of a large first scan at once held them all in memory: a 1 GB
// mbox of 610,000 messages peaked at 149 MB RSS, 43 MB before the evaluation, and 55 MB when
// evaluated every 50,000 messages. An evaluation holds the events stored since the last one
// (store.EvaluatePending): on a 50,000-message maildir every 20,000 messages peaked at 84-90 MB
// RSS, every 10,000 at 73-75 MB, for the same CPU time within noise. The final states are the
// same whatever the interval.
const DefaultEvaluateEvery = 10000

// batchesInFlight bounds the batches held at once: one being filled, up to three queued, one
// being stored. Memory stays flat whatever the size of the mailbox. The queue lets the decoders
// go on while the writer commits or evaluates the policy (store.EvaluatePending, every
// evaluateEvery messages): on the 50,000-message maildir a queue of one batch took 2.88-3.01 s
// and 77 MB RSS, three batches 2.70-2.77 s and 85 MB, six batches 2.63-2.70 s and 99 MB.
const batchesInFlight = 5

func newWriter(ctx context.Context, st *store.Store, sum *IngestSummary, size int,
	prog func(*IngestSummary), warn func(string), quiet bool) *writer {
	w := &writer{ctx: ctx, st: st, sum: sum, size: size, prog: prog, warn: warn, quiet: quiet,
		full: make(chan *batch, batchesInFlight-2), free: make(chan *batch, batchesInFlight),
		fail: make(chan struct{}), done: make(chan struct{})}
	for range batchesInFlight - 1 {
		w.free <- &batch{}
	}
	w.cur = &batch{}
	go w.run()
	return w
}

// add is the sink of scan.Run: it records one processed message in the current batch.
func (w *writer) add(it *scan.Item) error {
	b := w.cur
	if it.Msg.Checkpoint != nil {
		b.cps = append(b.cps, store.Checkpoint{Path: it.Msg.Path, Offset: it.Msg.Checkpoint.Offset,
			Count: it.Msg.Checkpoint.Count, Check: it.Msg.Checkpoint.Check})
		return nil
	}
	if it.Msg.Key == "" {
		// A path that could not be read at all: nothing to record, the run goes on.
		b.notes = append(b.notes, note{at: len(b.msgs), badPath: true, text: fmt.Sprint(it.Err)})
		return nil
	}
	if it.Outcome == scan.OutcomeUnreadable {
		b.notes = append(b.notes, note{at: len(b.msgs), text: it.Msg.Position + ": " + it.Err.Error()})
	}
	if w.redact {
		redactEvents(it.Events)
	}
	b.msgs = append(b.msgs, storeMessage(it))
	for i := range it.Events {
		b.types = append(b.types, string(it.Events[i].Type))
	}
	b.ntype = append(b.ntype, len(it.Events))
	if len(b.msgs) >= w.size {
		return w.send()
	}
	return nil
}

// send hands the current batch to the writer goroutine and takes an empty one.
func (w *writer) send() error {
	select {
	case w.full <- w.cur:
	case <-w.fail:
		return w.err
	}
	select {
	case w.cur = <-w.free:
	case <-w.fail:
		return w.err
	}
	return nil
}

// close stores what is left, waits for the writer and returns its error.
func (w *writer) close() error {
	b := w.cur
	if len(b.msgs) > 0 || len(b.cps) > 0 || len(b.notes) > 0 {
		select {
		case w.full <- b:
		case <-w.fail:
		}
	}
	close(w.full)
	<-w.done
	return w.err
}

// run is the writer goroutine: it stores batches in order until the first error.
func (w *writer) run() {
	defer close(w.done)
	for b := range w.full {
		if err := w.write(b); err != nil {
			w.err = err
			close(w.fail)
			for range w.full { // let a pending send or close go through
			}
			return
		}
		b.msgs, b.cps, b.types, b.ntype, b.notes = b.msgs[:0], b.cps[:0], b.types[:0], b.ntype[:0], b.notes[:0]
		w.free <- b
	}
}

// write stores one batch and, every EvaluateEvery new messages, evaluates the policy.
func (w *writer) write(b *batch) error {
	if err := w.store(b); err != nil {
		return err
	}
	if w.evaluate != nil && w.unevaluated >= w.every {
		if err := w.evaluate(w.ctx, w.st); err != nil {
			return err
		}
		w.unevaluated = 0
	}
	if w.prog != nil {
		w.prog(w.sum)
	}
	return nil
}

// store saves one batch and adds it to the summary. Messages reaching here were not known
// when the walk listed them, except plain files (keyed by content), rewritten mboxes and those
// another run stored meanwhile: SaveBatch tells which it stored, and only those are counted.
func (w *writer) store(b *batch) error {
	inserted, err := w.st.SaveBatch(w.ctx, b.msgs, b.cps)
	if err != nil {
		return err
	}
	s := w.sum
	w.unevaluated += inserted
	s.New += inserted
	s.Seen += len(b.msgs) - inserted
	s.Read += len(b.msgs)
	notes := b.notes
	types := b.types
	for i := 0; i <= len(b.msgs); i++ {
		for len(notes) > 0 && notes[0].at == i {
			w.note(notes[0])
			notes = notes[1:]
		}
		if i == len(b.msgs) {
			break
		}
		m := &b.msgs[i]
		mt := types[:b.ntype[i]]
		types = types[b.ntype[i]:]
		if !m.Stored {
			continue
		}
		if m.DuplicateOf != "" {
			s.New--
			s.Duplicates++
			continue
		}
		switch m.Outcome {
		case string(scan.OutcomeNotBounce):
			s.NotBounces++
		case string(scan.OutcomeUndecodable):
			s.Undecodable++
			if !w.quiet {
				w.warn(fmt.Sprintf("%s: undecodable: %s", m.Position, m.Error))
			}
		}
		for _, t := range mt {
			s.Bounces[t]++
		}
	}
	return nil
}

// note prints a warning about a path or a message that could not be read, and counts it.
func (w *writer) note(n note) {
	if n.badPath {
		w.sum.BadPaths++
	} else {
		w.sum.Unreadable++
	}
	w.warn(n.text)
}

// known lets the mailbox reader skip messages the database already has, and counts
// the known ones, and the messages before a checkpoint a walk resumed at (Resumed). The
// reader calls it from its own goroutine, hence the atomic counter.
type known struct {
	ctx  context.Context
	st   *store.Store
	read atomic.Int64 // messages skipped because their keys are known
}

func (k *known) Known(keys []string) (map[string]bool, error) {
	m, err := k.st.Known(k.ctx, keys)
	if err == nil {
		k.read.Add(int64(len(m)))
	}
	return m, err
}

func (k *known) Resume(path string) (mailbox.Checkpoint, bool) {
	off, n, check, ok, err := k.st.MboxProgress(k.ctx, path)
	if err != nil || !ok {
		return mailbox.Checkpoint{}, false
	}
	return mailbox.Checkpoint{Offset: off, Count: n, Check: check}, true
}

// Resumed counts the messages before a checkpoint the walk started at (one that still matched
// its mbox or IMAP mailbox) as read.
func (k *known) Resumed(_ string, cp mailbox.Checkpoint) { k.read.Add(int64(cp.Count)) }

// storeMessage turns a processed message into its database rows.
func storeMessage(it *scan.Item) store.Message {
	m := store.Message{
		Key:      it.Msg.Key,
		Position: it.Msg.Position,
		Path:     it.Msg.Path,
		Outcome:  string(it.Outcome),

		ContentKey: it.ContentKey,
	}
	if it.Err != nil {
		m.Error = it.Err.Error()
	}
	if r := it.Report; r != nil {
		m.Format, m.MessageID, m.Subject, m.From, m.Date = r.Format, r.MessageID, r.Subject, r.From, r.Date
		if m.Error == "" && len(it.Events) == 0 {
			m.Error = r.NotBounceReason
		}
	}
	m.Events = it.Events
	return m
}
