package main

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/reboundhq/rebound/internal/dsn"
	"io"
	"os"
	"sort"
	"sync/atomic"
	"time"

	"github.com/reboundhq/rebound/internal/mailbox"
	"github.com/reboundhq/rebound/internal/scan"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// scanOptions are the flags of `rebound scan`.
type scanOptions struct {
	json      bool // print the run summary as JSON on stdout
	quiet     bool // print nothing but errors
	batch     int  // messages per database transaction
	workers   int
	noProgess bool
	redact    bool     // --redact-diagnostics
	maxSize   sizeFlag // --max-message-size
	limits    dsn.Limits
}

func newScanCmd(g *globalOptions) *cobra.Command {
	o := &scanOptions{}
	c := &cobra.Command{
		Use:   "scan PATH...",
		Short: "Read bounce mailboxes into the database (safe to rerun: known messages are skipped)",
		Long: `scan reads maildirs, mbox files, folders of messages, single message files (any of them
gzip, bzip2, xz or zstd compressed), standard input ("-") or IMAP mailboxes
(imaps://USER@HOST[:PORT]/MAILBOX, or imap:// with STARTTLS), decodes and classifies every
bounce and stores the results. Every message is recorded with its outcome, so a second run adds
nothing and reads only what is new. The IMAP password comes from --password-file, else
$REBOUND_IMAP_PASSWORD, else ~/.netrc; never from the command line.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScan(cmd.Context(), g, o, args)
		},
	}
	f := c.Flags()
	f.BoolVar(&o.json, "json", false, "print the run summary as one JSON object on stdout")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "print nothing but errors")
	f.IntVar(&o.batch, "batch", 1000, "messages per database `transaction`")
	f.IntVar(&o.workers, "workers", 0, "decoding `workers` (default: one per CPU)")
	f.BoolVar(&o.noProgess, "no-progress", false, "never show a progress bar")
	f.BoolVar(&o.redact, "redact-diagnostics", false, "remove each recipient's address and local part from the diagnostics stored (docs/privacy.md)")
	addMaxSizeFlag(f, &o.maxSize)
	addIMAPFlags(f, &g.imap)
	addLimitFlags(f, &o.limits)
	return c
}

// scanSummary is what a scan did; printed to stderr, or as JSON on stdout with --json.
type scanSummary struct {
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

func runScan(ctx context.Context, g *globalOptions, o *scanOptions, paths []string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if o.batch < 1 {
		return usageError("--batch must be at least 1")
	}
	cl, err := g.classifier()
	if err != nil {
		return err
	}
	evaluate, err := g.scanPolicy() // the policy is checked first; evaluate runs as batches are stored and after the last
	if err != nil {
		return err
	}
	st, err := g.createStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()

	start := time.Now()
	sum := &scanSummary{Bounces: map[string]int{}}
	var prog *progress
	if !o.quiet && !o.json && !o.noProgess && isTerminal(g.stderr) {
		prog = newProgress(g.stderr)
	}
	known := &knownCounter{ctx: ctx, st: st}
	w := newScanWriter(ctx, st, sum, o.batch, func(s *scanSummary) {
		prog.update(s.Read+int(known.read.Load()), s.New)
	}, g, o.quiet)
	w.evaluate = evaluate
	w.redact = o.redact
	opt := &scan.Options{Classifier: cl, Attributor: g.attributor(), Workers: o.workers, Limits: o.limits,
		ContentKeys: true}
	err = scan.Run(g.source(paths, known, o.maxSize), opt, w.add)
	if werr := w.close(); err == nil {
		err = werr
	}
	if err == nil {
		err = evaluate(ctx, st)
	}
	prog.done()
	sum.Read += int(known.read.Load())
	sum.Seen += int(known.read.Load())
	sum.Elapsed = time.Since(start).Seconds()
	if sum.Elapsed > 0 {
		sum.Rate = float64(sum.Read) / sum.Elapsed
	}
	if err != nil {
		return err
	}
	if err := st.RecordScan(ctx, store.ScanRun{Started: start, Finished: time.Now(), Duration: time.Since(start),
		Read: sum.Read, New: sum.New}); err != nil {
		return err
	}
	switch {
	case o.json:
		enc := json.NewEncoder(g.stdout)
		if err := enc.Encode(sum); err != nil {
			return err
		}
	case !o.quiet:
		printSummary(g.stderr, sum)
	}
	if sum.BadPaths > 0 {
		return errPartial
	}
	return nil
}

// scanWriter stores processed messages. The scan's sink (add) fills batches in message order
// and hands each full batch to a writer goroutine, which stores it in one transaction while
// the workers go on decoding. Only the writer goroutine touches the database, the summary and
// stderr, so warnings come out in message order.
type scanWriter struct {
	ctx   context.Context
	st    *store.Store
	sum   *scanSummary
	size  int                // messages per batch
	cur   *scanBatch         // being filled by add
	full  chan *scanBatch    // to the writer goroutine
	free  chan *scanBatch    // emptied batches, for reuse
	fail  chan struct{}      // closed when the writer stopped on an error
	done  chan struct{}      // closed when the writer goroutine returned
	err   error              // the writer's error; read after fail or done is closed
	prog  func(*scanSummary) // progress display, called by the writer after each batch
	g     *globalOptions
	quiet bool

	// redact removes each recipient's address from the diagnostics of its records.
	redact bool

	// evaluate, when set, brings the policy states up to date with the stored events. The
	// writer calls it every evaluateEvery new messages, so that the addresses evaluated at
	// once, and the memory and transaction they take, stay bounded on a large mailbox; the
	// caller evaluates the rest after close.
	evaluate    func(context.Context, *store.Store) error
	unevaluated int // messages stored since the last evaluation

}

// scanBatch is what one transaction stores: messages and mbox checkpoints, in input order.
type scanBatch struct {
	msgs  []store.Message
	cps   []store.Checkpoint
	types []string // record types of all messages, msgs[i] having ntype[i] of them
	ntype []int
	notes []scanNote // path errors and unreadable messages, with their place among msgs
}

// scanNote is a warning about the message (or path) that came before msgs[at].
type scanNote struct {
	at      int
	badPath bool
	text    string
}

// evaluateEvery is how many new messages the writer stores between two policy evaluations.
// Evaluating all the addresses of a large first scan at once held them all in memory: a 1 GB
// mbox of 610,000 messages peaked at 149 MB RSS, 43 MB before the evaluation, and 55 MB when
// evaluated every 50,000 messages. An evaluation holds the events stored since the last one
// (store.EvaluatePending): on a 50,000-message maildir every 20,000 messages peaked at 84-90 MB
// RSS, every 10,000 at 73-75 MB, for the same CPU time within noise. The final states are the
// same whatever the interval.
var evaluateEvery = 10000 // a variable for tests

// batchesInFlight bounds the batches held at once: one being filled, up to three queued, one
// being stored. Memory stays flat whatever the size of the mailbox. The queue lets the decoders
// go on while the writer commits or evaluates the policy (store.EvaluatePending, every
// evaluateEvery messages): on the 50,000-message maildir a queue of one batch took 2.88-3.01 s
// and 77 MB RSS, three batches 2.70-2.77 s and 85 MB, six batches 2.63-2.70 s and 99 MB.
const batchesInFlight = 5

func newScanWriter(ctx context.Context, st *store.Store, sum *scanSummary, size int,
	prog func(*scanSummary), g *globalOptions, quiet bool) *scanWriter {
	w := &scanWriter{ctx: ctx, st: st, sum: sum, size: size, prog: prog, g: g, quiet: quiet,
		full: make(chan *scanBatch, batchesInFlight-2), free: make(chan *scanBatch, batchesInFlight),
		fail: make(chan struct{}), done: make(chan struct{})}
	for range batchesInFlight - 1 {
		w.free <- &scanBatch{}
	}
	w.cur = &scanBatch{}
	go w.run()
	return w
}

// add is the sink of scan.Run: it records one processed message in the current batch.
func (w *scanWriter) add(it *scan.Item) error {
	b := w.cur
	if it.Msg.Checkpoint != nil {
		b.cps = append(b.cps, store.Checkpoint{Path: it.Msg.Path, Offset: it.Msg.Checkpoint.Offset,
			Count: it.Msg.Checkpoint.Count, Check: it.Msg.Checkpoint.Check})
		return nil
	}
	if it.Msg.Key == "" {
		// A path that could not be read at all: nothing to record, the run goes on.
		b.notes = append(b.notes, scanNote{at: len(b.msgs), badPath: true, text: fmt.Sprint(it.Err)})
		return nil
	}
	if it.Outcome == scan.OutcomeUnreadable {
		b.notes = append(b.notes, scanNote{at: len(b.msgs), text: it.Msg.Position + ": " + it.Err.Error()})
	}
	if w.redact {
		redactRecords(it.Records)
	}
	b.msgs = append(b.msgs, toStoreMessage(it))
	for _, r := range it.Records {
		b.types = append(b.types, r.Type)
	}
	b.ntype = append(b.ntype, len(it.Records))
	if len(b.msgs) >= w.size {
		return w.send()
	}
	return nil
}

// send hands the current batch to the writer goroutine and takes an empty one.
func (w *scanWriter) send() error {
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
func (w *scanWriter) close() error {
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
func (w *scanWriter) run() {
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

// write stores one batch and, every evaluateEvery new messages, evaluates the policy.
func (w *scanWriter) write(b *scanBatch) error {
	if err := w.store(b); err != nil {
		return err
	}
	if w.evaluate != nil && w.unevaluated >= evaluateEvery {
		if err := w.evaluate(w.ctx, w.st); err != nil {
			return err
		}
		w.unevaluated = 0
	}
	w.prog(w.sum)
	return nil
}

// store saves one batch and adds it to the summary. Messages reaching here were not known
// when the walk listed them, except plain files (keyed by content), rewritten mboxes and those
// another run stored meanwhile: SaveBatch tells which it stored, and only those are counted.
func (w *scanWriter) store(b *scanBatch) error {
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
				w.g.warnf("%s: undecodable: %s", m.Position, m.Error)
			}
		}
		for _, t := range mt {
			s.Bounces[t]++
		}
	}
	return nil
}

// note prints a warning about a path or a message that could not be read, and counts it.
func (w *scanWriter) note(n scanNote) {
	if n.badPath {
		w.sum.BadPaths++
	} else {
		w.sum.Unreadable++
	}
	w.g.warnf("%s", n.text)
}

// knownCounter lets the mailbox reader skip messages the database already has, and counts
// the known ones, and the messages before a checkpoint a walk resumed at (Resumed). The
// reader calls it from its own goroutine, hence the atomic counter.
type knownCounter struct {
	ctx  context.Context
	st   *store.Store
	read atomic.Int64 // messages skipped because their keys are known
}

func (k *knownCounter) Known(keys []string) (map[string]bool, error) {
	m, err := k.st.Known(k.ctx, keys)
	if err == nil {
		k.read.Add(int64(len(m)))
	}
	return m, err
}

func (k *knownCounter) Resume(path string) (mailbox.Checkpoint, bool) {
	off, n, check, ok, err := k.st.MboxProgress(k.ctx, path)
	if err != nil || !ok {
		return mailbox.Checkpoint{}, false
	}
	return mailbox.Checkpoint{Offset: off, Count: n, Check: check}, true
}

// Resumed counts the messages before a checkpoint the walk started at (one that still matched
// its mbox or IMAP mailbox) as read.
func (k *knownCounter) Resumed(_ string, cp mailbox.Checkpoint) { k.read.Add(int64(cp.Count)) }

func printSummary(w io.Writer, s *scanSummary) {
	fmt.Fprintf(w, "messages read %d, new %d, already seen %d", s.Read, s.New, s.Seen)
	if s.Duplicates > 0 {
		fmt.Fprintf(w, ", copies of stored messages %d (counted once)", s.Duplicates)
	}
	fmt.Fprintln(w)
	types := make([]string, 0, len(s.Bounces))
	total := 0
	for t, n := range s.Bounces {
		types = append(types, t)
		total += n
	}
	sort.Strings(types)
	fmt.Fprintf(w, "bounced recipients %d", total)
	for i, t := range types {
		sep := ", "
		if i == 0 {
			sep = ": "
		}
		fmt.Fprintf(w, "%s%s %d", sep, t, s.Bounces[t])
	}
	fmt.Fprintf(w, "\nnot bounces %d, undecodable %d, unreadable %d, paths not read %d\n", s.NotBounces, s.Undecodable, s.Unreadable, s.BadPaths)
	fmt.Fprintf(w, "elapsed %.2fs, %.0f messages/s\n", s.Elapsed, s.Rate)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
