package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
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
	maxSize   sizeFlag // --max-message-size
}

func newScanCmd(g *globalOptions) *cobra.Command {
	o := &scanOptions{}
	c := &cobra.Command{
		Use:   "scan PATH...",
		Short: "Read bounce mailboxes into the database (safe to rerun: known messages are skipped)",
		Long: `scan reads maildirs, mbox files, folders of messages, single message files or standard
input ("-"), decodes and classifies every bounce and stores the results. Every message is
recorded with its outcome, so a second run adds nothing and reads only what is new.`,
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
	addMaxSizeFlag(f, &o.maxSize)
	return c
}

// scanSummary is what a scan did; printed to stderr, or as JSON on stdout with --json.
type scanSummary struct {
	Read        int            `json:"read"`         // messages found in the mailboxes
	New         int            `json:"new"`          // messages stored by this run
	Seen        int            `json:"already_seen"` // messages already in the database
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
	st, err := g.openStore(ctx)
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
	w := &scanWriter{ctx: ctx, st: st, sum: sum, batch: o.batch, prog: prog, g: g, quiet: o.quiet}
	known := &knownCounter{ctx: ctx, st: st, sum: sum}
	opt := &scan.Options{Classifier: cl, Attributor: g.attributor(), Workers: o.workers}
	err = scan.Run(g.source(paths, known, o.maxSize), opt, w.add)
	if err == nil {
		err = w.flush()
	}
	prog.done()
	sum.Elapsed = time.Since(start).Seconds()
	if sum.Elapsed > 0 {
		sum.Rate = float64(sum.Read) / sum.Elapsed
	}
	if err != nil {
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

// scanWriter batches processed messages into database transactions.
type scanWriter struct {
	ctx     context.Context
	st      *store.Store
	sum     *scanSummary
	batch   int
	pending []store.Message
	cps     []store.Checkpoint
	types   [][]string // record types of each pending message, for the summary
	prog    *progress
	g       *globalOptions
	quiet   bool
}

func (w *scanWriter) add(it *scan.Item) error {
	if it.Msg.Checkpoint != nil {
		w.cps = append(w.cps, store.Checkpoint{Path: it.Msg.Path, Offset: it.Msg.Checkpoint.Offset,
			Count: it.Msg.Checkpoint.Count, Check: it.Msg.Checkpoint.Check})
		return nil
	}
	if it.Msg.Key == "" {
		// A path that could not be read at all: nothing to record, the run goes on.
		w.sum.BadPaths++
		w.g.warnf("%v", it.Err)
		return nil
	}
	if it.Outcome == scan.OutcomeUnreadable {
		w.sum.Unreadable++
		w.g.warnf("%s: %v", it.Msg.Position, it.Err)
	}
	w.sum.Read++
	w.pending = append(w.pending, toStoreMessage(it))
	types := make([]string, len(it.Records))
	for i, r := range it.Records {
		types[i] = r.Type
	}
	w.types = append(w.types, types)
	if len(w.pending) >= w.batch {
		return w.flush()
	}
	return nil
}

func (w *scanWriter) flush() error {
	if len(w.pending) == 0 && len(w.cps) == 0 {
		return nil
	}
	// Messages reaching here were not known when the walk listed them, except plain files
	// (keyed by content) and rewritten mboxes; ask again so the summary counts only new ones.
	keys := make([]string, len(w.pending))
	for i, m := range w.pending {
		keys[i] = m.Key
	}
	known, err := w.st.Known(w.ctx, keys)
	if err != nil {
		return err
	}
	inserted, err := w.st.SaveBatch(w.ctx, w.pending, w.cps)
	if err != nil {
		return err
	}
	w.sum.New += inserted
	w.sum.Seen += len(w.pending) - inserted
	for i, m := range w.pending {
		if known[m.Key] {
			continue
		}
		switch m.Outcome {
		case string(scan.OutcomeNotBounce):
			w.sum.NotBounces++
		case string(scan.OutcomeUndecodable):
			w.sum.Undecodable++
			if !w.quiet {
				w.g.warnf("%s: undecodable: %s", m.Position, m.Error)
			}
		}
		for _, t := range w.types[i] {
			w.sum.Bounces[t]++
		}
	}
	w.prog.update(w.sum.Read, w.sum.New)
	w.pending, w.cps, w.types = w.pending[:0], w.cps[:0], w.types[:0]
	return nil
}

// knownCounter lets the mailbox reader skip messages the database already has, and counts them.
type knownCounter struct {
	ctx context.Context
	st  *store.Store
	sum *scanSummary
}

func (k *knownCounter) Known(keys []string) (map[string]bool, error) {
	m, err := k.st.Known(k.ctx, keys)
	if err == nil {
		k.sum.Read += len(m)
		k.sum.Seen += len(m)
	}
	return m, err
}

func (k *knownCounter) Resume(path string) (mailbox.Checkpoint, bool) {
	off, n, check, ok, err := k.st.MboxProgress(k.ctx, path)
	if err != nil || !ok {
		return mailbox.Checkpoint{}, false
	}
	k.sum.Read += n
	k.sum.Seen += n
	return mailbox.Checkpoint{Offset: off, Count: n, Check: check}, true
}

func printSummary(w io.Writer, s *scanSummary) {
	fmt.Fprintf(w, "messages read %d, new %d, already seen %d\n", s.Read, s.New, s.Seen)
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
