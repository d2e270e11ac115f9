package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/reboundhq/rebound/internal/classify"
	"github.com/reboundhq/rebound/internal/dsn"
	"github.com/reboundhq/rebound/internal/scan"
	"github.com/spf13/cobra"
)

// explainOptions are the flags of `rebound explain`.
type explainOptions struct {
	diagnostic string // classify this text instead of reading files
	status     string
	recipient  string
	remoteMTA  string
	json       bool
}

func newExplainCmd(g *globalOptions) *cobra.Command {
	o := &explainOptions{}
	c := &cobra.Command{
		Use:   "explain [FILE...]",
		Short: "Show, per recipient, the decision, the rule that fired and the evidence",
		Long: `explain decodes bounce files (or one diagnostic given with --diagnostic) and shows for
each recipient what rebound decided and why: the rule that fired, its stage and the evidence.

  rebound explain bounce.eml
  rebound explain --diagnostic "550 5.1.1 <bob@example.com>: user unknown"`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.diagnostic == "" && len(args) == 0 {
				return usageError("explain needs a FILE or --diagnostic TEXT")
			}
			if o.diagnostic != "" && len(args) > 0 {
				return usageError("give either FILEs or --diagnostic, not both")
			}
			return runExplain(g, o, args)
		},
	}
	f := c.Flags()
	addIMAPFlags(f, &g.imap)
	f.StringVar(&o.diagnostic, "diagnostic", "", "classify this diagnostic `text` (an SMTP reply or an MTA's error)")
	f.StringVar(&o.status, "status", "", "with --diagnostic: the enhanced status `code` (5.1.1), if known")
	f.StringVar(&o.recipient, "recipient", "", "with --diagnostic: the recipient `address`, for the provider")
	f.StringVar(&o.remoteMTA, "remote-mta", "", "with --diagnostic: the remote MTA `host`, for the provider")
	f.BoolVar(&o.json, "json", false, "print one JSON object per recipient")
	return c
}

// explanation is one recipient's decision with its evidence.
type explanation struct {
	Position   string   `json:"position,omitempty"`
	Recipient  string   `json:"recipient"`
	Status     string   `json:"status"`
	ReplyCode  string   `json:"reply_code"`
	Diagnostic string   `json:"diagnostic"`
	Reason     string   `json:"reason"`
	Type       string   `json:"type"`
	Action     string   `json:"action"`
	Provider   string   `json:"provider"`
	Rule       string   `json:"rule"`
	Confidence float64  `json:"confidence"`
	Evidence   []string `json:"evidence"`
	Format     string   `json:"format,omitempty"`
	// Bounce lists the signs that made the message a bounce when it was read by structure
	// (format "structural"): no known format, so the evidence decided.
	Bounce []string `json:"bounce_evidence,omitempty"`
}

func runExplain(g *globalOptions, o *explainOptions, files []string) error {
	cl, err := g.classifier()
	if err != nil {
		return err
	}
	// Each message is explained as it is read, so that the output follows the mailbox's order.
	enc := json.NewEncoder(g.stdout)
	enc.SetEscapeHTML(false)
	emit := func(e explanation) error {
		if o.json {
			return enc.Encode(e)
		}
		printExplanation(g.stdout, e)
		return nil
	}
	if o.diagnostic != "" {
		in := classify.Input{Recipient: o.recipient, Status: o.status, Diagnostic: o.diagnostic,
			RemoteMTA: o.remoteMTA, Kind: string(dsn.KindBounce)}
		return emit(explain(cl.Classify(in), "", in))
	}
	bad, read, decoded := 0, 0, 0
	err = scan.Run(g.source(files, nil, 0), &scan.Options{Classifier: cl}, func(it *scan.Item) error {
		switch {
		case it.Msg.Key == "" && it.Err != nil:
			bad++
			g.warnf("%v", it.Err)
			return nil
		case it.Msg.Checkpoint != nil:
			return nil
		}
		read++
		switch {
		case it.Err != nil:
			g.warnf("%s: %s: %v", it.Msg.Position, it.Outcome, it.Err)
		case it.Report == nil:
		case len(it.Report.Recipients) == 0:
			decoded++
			fmt.Fprintf(g.stdout, "%s: %s: %s\n\n", it.Msg.Position, it.Outcome, it.Why())
		default:
			decoded++
			for i := range it.Report.Recipients {
				in := scan.Input(it.Report, &it.Report.Recipients[i])
				e := explain(cl.Classify(in), it.Msg.Position, in)
				e.Format, e.Bounce = it.Report.Format, it.Report.Evidence
				if err := emit(e); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	switch {
	case bad > 0:
		return errPartial // some paths could not be read (they were named on stderr)
	case decoded == 0:
		return withHint(exitFailure, fmt.Errorf("nothing could be decoded: %s read", plural(read, "message")),
			"the messages above say why; 'rebound parse --all' lists every message with its outcome")
	}
	return nil
}

func explain(res classify.Result, pos string, in classify.Input) explanation {
	return explanation{
		Position: pos, Recipient: in.Recipient, Status: res.Status, ReplyCode: res.ReplyCode,
		Diagnostic: in.Diagnostic, Reason: string(res.Reason), Type: string(res.Type),
		Action: string(res.Action), Provider: res.Provider, Rule: res.Rule,
		Confidence: res.Confidence, Evidence: res.Evidence,
	}
}

func printExplanation(w io.Writer, e explanation) {
	if e.Position != "" {
		fmt.Fprintf(w, "%s\n", printable(e.Position))
	}
	fmt.Fprintf(w, "  recipient   %s\n", orDash(printable(e.Recipient)))
	if e.Format != "" {
		fmt.Fprintf(w, "  format      %s\n", e.Format)
	}
	for _, b := range e.Bounce {
		fmt.Fprintf(w, "  bounce      %s\n", printable(b))
	}
	fmt.Fprintf(w, "  status      %s   reply %s\n", orDash(e.Status), orDash(e.ReplyCode))
	fmt.Fprintf(w, "  diagnostic  %s\n", orDash(printable(e.Diagnostic)))
	fmt.Fprintf(w, "  decision    reason %s, type %s, action %s, provider %s\n", e.Reason, e.Type, e.Action, e.Provider)
	fmt.Fprintf(w, "  rule        %s (confidence %.2f)\n", e.Rule, e.Confidence)
	for _, ev := range e.Evidence {
		fmt.Fprintf(w, "  evidence    %s\n", printable(ev))
	}
	fmt.Fprintln(w)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
