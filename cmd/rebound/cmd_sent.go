package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/config"
	"github.com/reboundhq/rebound/internal/pipeline"
	"github.com/reboundhq/rebound/internal/stats"
	"github.com/spf13/cobra"
)

func newSentCmd(g *globalOptions) *cobra.Command {
	c := &cobra.Command{
		Use:   "sent",
		Short: "Record the messages sent per campaign, so that stats shows rates instead of shares",
		Long: `sent records sent volumes: how many messages a campaign sent, optionally to one provider and
on one day. With them, stats shows the hard bounce, bounce and complaint rates of campaigns and
providers against their targets (docs/stats.md, "Rates against sent volume"). A volume with the
campaign, provider and date of a recorded one replaces it; a count of 0 cancels it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return usageError("sent needs a subcommand: add, import or list")
		},
	}
	c.AddCommand(newSentAddCmd(g), newSentImportCmd(g), newSentListCmd(g))
	return c
}

// sentAddOptions are the flags of `rebound sent add`.
type sentAddOptions struct {
	campaign, provider, date string
	count                    countFlag
}

// countFlag is --count: a number that must be given (0 is a value: it cancels a recorded
// volume), so its help shows no default.
type countFlag struct {
	n   int
	set bool
}

func (c *countFlag) String() string {
	if !c.set {
		return ""
	}
	return strconv.Itoa(c.n)
}

func (c *countFlag) Set(v string) error {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 {
		return fmt.Errorf("want a number of messages, 0 or more")
	}
	c.n, c.set = n, true
	return nil
}

func (c *countFlag) Type() string { return "N" }

func newSentAddCmd(g *globalOptions) *cobra.Command {
	o := &sentAddOptions{}
	c := &cobra.Command{
		Use:     "add --campaign C --count N [--provider P] [--date YYYY-MM-DD]",
		Short:   "Record one sent volume",
		Example: "  rebound sent add --campaign spring-sale --count 120000\n  rebound sent add --campaign weekly-12 --provider gmail --date 2026-03-05 --count 40000",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSentAdd(cmd.Context(), g, o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.campaign, "campaign", "", "the `campaign` id, as attributed to its bounces (docs/attribution.md)")
	f.Var(&o.count, "count", "messages sent (`N`, 0 or more; required)")
	f.StringVar(&o.provider, "provider", "", "only the messages sent to this `provider` (a provider id; default all providers)")
	f.StringVar(&o.date, "date", "", "the `day` they were sent, YYYY-MM-DD (default: undated, counts in every period)")
	return c
}

func runSentAdd(ctx context.Context, g *globalOptions, o *sentAddOptions) error {
	row := stats.SentRow{Campaign: strings.TrimSpace(o.campaign), Count: o.count.n}
	switch {
	case row.Campaign == "":
		return withHint(exitUsage, errors.New("sent add needs --campaign"), "rebound sent add --campaign C --count N")
	case !o.count.set:
		return withHint(exitUsage, errors.New("sent add needs --count, 0 or more"), "rebound sent add --campaign C --count N")
	}
	if o.provider != "" {
		var err error
		if row.Provider, err = g.checkProvider(o.provider, "--provider"); err != nil {
			return err
		}
	}
	if o.date != "" {
		d, err := time.Parse(time.DateOnly, strings.TrimSpace(o.date))
		if err != nil {
			return usageError("--date %q: want YYYY-MM-DD", o.date)
		}
		row.Date = d.Format(time.DateOnly)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	st, err := g.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	added, err := pipeline.AddSent(ctx, st, []stats.SentRow{row})
	if err != nil {
		return err
	}
	g.noteUnattributed(&added)
	fmt.Fprintf(g.stderr, "recorded %s sent for campaign %s%s\n", thousands(row.Count), printable(row.Campaign), sentQualifier(row))
	return nil
}

func sentQualifier(r stats.SentRow) string {
	var q string
	if r.Provider != "" {
		q += " at " + r.Provider
	}
	if r.Date != "" {
		q += " on " + r.Date
	}
	return q
}

func newSentImportCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "import FILE.csv",
		Short: "Record the sent volumes of a CSV file (campaign,count[,provider][,date])",
		Long: `import reads a CSV file (RFC 4180) whose header names its columns, in any order: campaign and
count are required, provider (a provider id) and date (YYYY-MM-DD) are optional. Every bad line
is reported, every problem of every line in one run, as FILE:LINE, and nothing is recorded
until the file is clean. "-" reads standard
input.`,
		Example: "  rebound sent import volumes.csv",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSentImport(cmd.Context(), g, args[0])
		},
	}
}

func runSentImport(ctx context.Context, g *globalOptions, path string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	var data []byte
	var err error
	name := path
	if path == "-" {
		name = "standard input"
		data, err = io.ReadAll(g.stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return withHint(exitFailure, fmt.Errorf("sent volumes: %w", err), "check the path of the CSV file")
	}
	known, err := g.providerIDs()
	if err != nil {
		return err
	}
	added, err := pipeline.ImportSent(ctx, g.openStore, bytes.NewReader(data), name, known)
	var bad *pipeline.SentFileError
	if errors.As(err, &bad) {
		hint := "nothing was imported; fix every line above and import the file again"
		if strings.Contains(err.Error(), "unknown provider") {
			hint += "; " + providerHint(known)
		}
		return withHint(exitUsage, bad.Err, hint)
	} else if err != nil {
		return err
	}
	g.noteUnattributed(&added)
	fmt.Fprintf(g.stderr, "imported %s (%s) from %s\n", plural(len(added.Rows), "sent volume"), plural(added.Messages, "message"), name)
	return nil
}

// noteUnattributed notes the campaigns given a volume that no bounce was ever attributed to:
// until one is, stats leaves their volume out of the rates. A volume may well come before its
// bounces, so it is a note, not an error; a close spelling of a known campaign is suggested.
func (g *globalOptions) noteUnattributed(a *pipeline.SentAdded) {
	for _, c := range a.Unattributed {
		msg := "note: no bounce is attributed to campaign " + printable(c) + " so far"
		if m := config.DidYouMean(c, a.Campaigns); m != "" {
			msg += "; did you mean " + printable(m) + "?"
		} else {
			msg += "."
		}
		g.warnf("%s Until one is, stats leaves its volume out of the rates ('rebound stats --by campaign' lists the campaigns as attributed)", msg)
	}
}

func newSentListCmd(g *globalOptions) *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "list",
		Short: "List the recorded sent volumes",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSentList(cmd.Context(), g, format)
		},
	}
	c.Flags().StringVar(&format, "format", "table", "output `format`: table, csv (the import format) or json")
	return c
}

func runSentList(ctx context.Context, g *globalOptions, format string) error {
	if format != "table" && format != "csv" && format != "json" {
		return withHint(exitUsage, fmt.Errorf("unknown --format %q", format), "sent list writes table, csv or json")
	}
	if ctx == nil {
		ctx = context.Background()
	}
	st, err := g.openReader(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	rows, err := st.Sent(ctx)
	if err != nil {
		return err
	}
	switch format {
	case "json":
		if rows == nil {
			rows = []stats.SentRow{}
		}
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	case "csv":
		w := csv.NewWriter(g.stdout)
		_ = w.Write([]string{"campaign", "count", "provider", "date"})
		for _, r := range rows {
			_ = w.Write([]string{r.Campaign, strconv.Itoa(r.Count), r.Provider, r.Date})
		}
		w.Flush()
		return w.Error()
	}
	if len(rows) == 0 {
		fmt.Fprintln(g.stdout, "No sent volumes recorded: add them with 'rebound sent add' or 'rebound sent import'.")
		return nil
	}
	table := make([][]string, len(rows))
	for i, r := range rows {
		table[i] = []string{r.Campaign, r.Provider, r.Date, thousands(r.Count)}
	}
	return g.renderFitted([]string{"Campaign", "Provider", "Date", "Sent"}, table, false)
}
