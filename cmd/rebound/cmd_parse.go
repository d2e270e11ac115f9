package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"github.com/reboundhq/rebound/internal/dsn"
	"strconv"

	"github.com/reboundhq/rebound/internal/scan"
	"github.com/spf13/cobra"
)

// parseOptions are the flags of `rebound parse`.
type parseOptions struct {
	format  string   // jsonl or table
	all     bool     // also list messages that gave no recipient, with why
	maxSize sizeFlag // --max-message-size
	limits  dsn.Limits
}

func newParseCmd(g *globalOptions) *cobra.Command {
	o := &parseOptions{}
	c := &cobra.Command{
		Use:   "parse PATH...",
		Short: "Decode and classify bounces and print them, without storing anything",
		Long: `parse reads maildirs, mbox files, folders of messages, single message files or
standard input ("-") and prints one record per bounced recipient. Nothing is stored.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runParse(g, o, args)
		},
	}
	c.Flags().StringVar(&o.format, "format", "table", "output `format`: jsonl or table")
	c.Flags().BoolVar(&o.all, "all", false, "also list messages that are not bounces or could not be decoded, with why")
	addMaxSizeFlag(c.Flags(), &o.maxSize)
	addIMAPFlags(c.Flags(), &g.imap)
	addLimitFlags(c.Flags(), &o.limits)
	return c
}

func runParse(g *globalOptions, o *parseOptions, paths []string) error {
	if o.format != "jsonl" && o.format != "table" {
		return usageError("unknown --format %q (want jsonl or table)", o.format)
	}
	cl, err := g.classifier()
	if err != nil {
		return err
	}
	out := bufio.NewWriterSize(g.stdout, 64<<10)
	defer out.Flush()
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	var rows [][]string
	var line []byte // reused for each JSON line
	unreadable := 0
	sink := func(it *scan.Item) error {
		if it.Msg.Key == "" {
			if it.Err != nil { // a path that could not be read at all
				unreadable++
				g.warnf("%v", it.Err)
			}
			return nil // or an mbox checkpoint marker
		}
		if it.Outcome == scan.OutcomeUnreadable {
			g.warnf("%s: %v", it.Msg.Position, it.Err)
		}
		if len(it.Records) == 0 {
			if !o.all {
				return nil
			}
			if o.format == "jsonl" {
				return enc.Encode(skipped{File: it.Msg.Path, Position: it.Msg.Position, Outcome: string(it.Outcome), Why: it.Why()})
			}
			rows = append(rows, []string{it.Msg.Position, "", string(it.Outcome), "", "", "", "", it.Why()})
			return nil
		}
		for i := range it.Records {
			r := &it.Records[i]
			if o.format == "jsonl" {
				// AppendJSON writes the record's compact JSON itself; json.Encoder would
				// parse and compact it again on this single output goroutine.
				line = append(r.AppendJSON(line[:0]), '\n')
				if _, err := out.Write(line); err != nil {
					return err
				}
				continue
			}
			rows = append(rows, []string{r.Position, r.Recipient, r.Type, r.Reason, r.Status,
				r.ReplyCode, r.Provider, strconv.FormatFloat(r.Confidence, 'f', 2, 64)})
		}
		return nil
	}
	opt := &scan.Options{Classifier: cl, Attributor: g.attributor(), Limits: o.limits}
	if err := scan.Run(g.source(paths, nil, o.maxSize), opt, sink); err != nil {
		return err
	}
	if o.format == "table" {
		renderTable(out, []string{"position", "recipient", "type", "reason", "status", "reply", "provider", "confidence"}, rows)
	}
	if err := out.Flush(); err != nil { // a full disk or a closed pipe: the output is incomplete
		return fmt.Errorf("write output: %w", err)
	}
	if unreadable > 0 {
		return errPartial
	}
	return nil
}

// skipped is the `parse --all --format jsonl` line for a message without recipients.
type skipped struct {
	File     string `json:"file"`
	Position string `json:"position"`
	Outcome  string `json:"outcome"`
	Why      string `json:"why"`
}

func (g *globalOptions) warnf(format string, args ...any) {
	fmt.Fprintf(g.stderr, "rebound: "+format+"\n", args...)
}
