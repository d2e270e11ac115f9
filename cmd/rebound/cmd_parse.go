package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/reboundhq/rebound/internal/bounce"
	"github.com/reboundhq/rebound/internal/dsn"
	"github.com/reboundhq/rebound/internal/scan"
	"github.com/spf13/cobra"
)

// parseOptions are the flags of `rebound parse`.
type parseOptions struct {
	format  string   // jsonl or table
	all     bool     // --all: --include autoreply,delivered,skipped
	include []string // --include: what to print besides failed and delayed recipients and complaints
	maxSize sizeFlag // --max-message-size
	limits  dsn.Limits
}

// What `parse --include` adds to the default output (failed and delayed recipients and
// complaints, as Sisimai prints by default).
const (
	includeAutoReply = "autoreply" // auto-replies (reason vacation)
	includeDelivered = "delivered" // success notices (reason delivered)
	includeSkipped   = "skipped"   // one line per message that printed no record, with why
)

var includeKinds = []string{includeAutoReply, includeDelivered, includeSkipped}

// shows reports whether records of kind k are printed.
func (o *parseOptions) shows(k string) bool {
	return o.all || slices.Contains(o.include, k)
}

// hidden says which --include kind a record belongs to when the default output leaves it out,
// or "" when it is always printed.
func hidden(e *bounce.Event) string {
	switch e.Reason {
	case bounce.ReasonVacation:
		return includeAutoReply
	case bounce.ReasonDelivered:
		return includeDelivered
	}
	return ""
}

func newParseCmd(g *globalOptions) *cobra.Command {
	o := &parseOptions{}
	c := &cobra.Command{
		Use:   "parse PATH...",
		Short: "Decode and classify bounces and print them, without storing anything",
		Long: `parse reads maildirs, mbox files, folders of messages, single message files or
standard input ("-") and prints one record per failed or delayed recipient and per
complaint. Nothing is stored.

Auto-replies (reason vacation), success notices (reason delivered) and messages that gave
no record are left out unless asked for: --include autoreply,delivered,skipped names the
ones to add, --all adds all three. scan stores every message's outcome whatever these flags.`,
		Example: `  rebound parse bounce.eml
  rebound parse --all /var/mail/bounces
  rebound parse --format jsonl --include autoreply /var/mail/bounces > records.jsonl
  cat bounce.eml | rebound parse -`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runParse(g, o, args)
		},
	}
	c.Flags().StringVar(&o.format, "format", "table", "output `format`: jsonl or table")
	c.Flags().BoolVar(&o.all, "all", false, "also print auto-replies, success notices and the messages that gave no record, with why")
	c.Flags().StringSliceVar(&o.include, "include", nil, "also print these `kinds`: autoreply, delivered, skipped (comma-separated)")
	addMaxSizeFlag(c.Flags(), &o.maxSize)
	addIMAPFlags(c.Flags(), &g.imap)
	addLimitFlags(c.Flags(), &o.limits)
	return c
}

func runParse(g *globalOptions, o *parseOptions, paths []string) error {
	if o.format != "jsonl" && o.format != "table" {
		return usageError("unknown --format %q (want jsonl or table)", o.format)
	}
	for _, k := range o.include {
		if !slices.Contains(includeKinds, k) {
			return usageError("unknown --include kind %q (want %s)", k, strings.Join(includeKinds, ", "))
		}
	}
	// Set before the classifier loads: the rules' few megabytes of garbage then cost no
	// collection at start.
	defer setGCPercent(parseGCPercent)()
	// A deeper queue than scan's: parse keeps nothing, so reading ahead costs no collections
	// (scan.Options.QueuePerWorker).
	opt := &scan.Options{Attributor: g.attributor(), Limits: o.limits, QueuePerWorker: 16}
	if err := g.scanClassifier(opt); err != nil {
		return err
	}
	out := bufio.NewWriterSize(g.stdout, 64<<10)
	defer out.Flush()
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	var rows, skips [][]string
	var line []byte // reused for each JSON line
	unreadable, read, decoded := 0, 0, 0
	sink := func(it *scan.Item) error {
		if it.Msg.Key == "" {
			if it.Err != nil { // a path that could not be read at all
				unreadable++
				g.warnf("%v", it.Err)
			}
			return nil // or an mbox checkpoint marker
		}
		read++
		switch {
		case it.Err == nil:
			decoded++
		case it.Outcome == scan.OutcomeUnreadable || !o.shows(includeSkipped):
			// An undecodable message listed with --include skipped says why there.
			g.warnf("%s: %s: %v", it.Msg.Position, it.Outcome, it.Err)
		}
		printed := 0
		for i := range it.Events {
			r := &it.Events[i]
			if k := hidden(r); k != "" && !o.shows(k) {
				continue
			}
			printed++
			if o.format == "jsonl" {
				// AppendJSON writes the record's compact JSON itself; json.Encoder would
				// parse and compact it again on this single output goroutine.
				line = append(r.AppendJSON(line[:0]), '\n')
				if _, err := out.Write(line); err != nil {
					return err
				}
				continue
			}
			rows = append(rows, []string{r.Position, r.Recipient, string(r.Type), string(r.Reason), r.Status,
				r.ReplyCode, r.Provider, strconv.FormatFloat(r.Confidence, 'f', 2, 64)})
		}
		if printed > 0 || !o.shows(includeSkipped) {
			return nil
		}
		why := skipWhy(it)
		if o.format == "jsonl" {
			return enc.Encode(skipped{File: it.Msg.Path, Position: it.Msg.Position, Outcome: string(it.Outcome), Why: why})
		}
		skips = append(skips, []string{it.Msg.Position, string(it.Outcome), why})
		return nil
	}
	if err := scan.Run(g.source(paths, nil, o.maxSize), opt, sink); err != nil {
		return err
	}
	if o.format == "table" {
		if err := g.parseTables(out, o, rows, skips, read); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
	}
	if err := out.Flush(); err != nil { // a full disk or a closed pipe: the output is incomplete
		return fmt.Errorf("write output: %w", err)
	}
	switch {
	case unreadable > 0:
		return errPartial
	case read > 0 && decoded == 0:
		hint := "the messages above say why; 'rebound parse --all' lists every message with its outcome"
		if o.shows(includeSkipped) {
			hint = "the output says why"
		}
		return withHint(exitFailure, fmt.Errorf("nothing could be decoded: %s read", plural(read, "message")), hint)
	}
	return nil
}

// parseTables writes parse's table output: the records, then with --include skipped the
// messages that printed none, each table fitted to the output's width like the other
// commands' tables: confidence, then the reply code, then the provider are left out when the
// table cannot fit otherwise (--format jsonl has every field).
func (g *globalOptions) parseTables(w io.Writer, o *parseOptions, rows, skips [][]string, read int) error {
	if len(rows) == 0 {
		what := "No failed or delayed recipient and no complaint"
		if o.shows(includeAutoReply) || o.shows(includeDelivered) {
			what = "No record"
		}
		if _, err := fmt.Fprintf(w, "%s in %s.\n", what, plural(read, "message")); err != nil {
			return err
		}
	} else if err := g.renderFittedTo(w, []string{"Position", "Recipient", "Type", "Reason", "Status", "Reply",
		"Provider", "Confidence"}, []int{0, 0, 0, 0, 0, 2, 1, 3}, rows, false); err != nil {
		return err
	}
	if len(skips) == 0 {
		return nil
	}
	if _, err := fmt.Fprintf(w, "\nMessages without a record\n"); err != nil {
		return err
	}
	return g.renderFittedTo(w, []string{"Position", "Outcome", "Why"}, nil, skips, false)
}

// skipWhy says why a message printed no record: why it gave none, or which kinds of record it
// gave that --include leaves out.
func skipWhy(it *scan.Item) string {
	if w := it.Why(); w != "" {
		return w
	}
	var kinds []string
	for i := range it.Events {
		if k := hidden(&it.Events[i]); k != "" && !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	return "only " + strings.Join(kinds, " and ") + " records, left out without --include " + strings.Join(kinds, ",")
}

// skipped is the `parse --include skipped --format jsonl` line for a message that printed no
// record.
type skipped struct {
	File     string `json:"file"`
	Position string `json:"position"`
	Outcome  string `json:"outcome"`
	Why      string `json:"why"`
}

// warnf prints a warning as "rebound: ..."; a hint the message carries ("...; hint: ...", as
// the mailbox and IMAP errors write them) goes on its own "hint:" line.
func (g *globalOptions) warnf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if i := strings.Index(msg, "; hint: "); i >= 0 {
		msg = msg[:i] + "\nhint: " + msg[i+len("; hint: "):]
	}
	fmt.Fprintf(g.stderr, "rebound: %s\n", msg)
}
