package main

import (
	"context"
	"fmt"

	"github.com/reboundhq/rebound/internal/report"
	"github.com/spf13/cobra"
)

// recommendOptions are the flags of `rebound recommend`.
type recommendOptions struct {
	period periodFlags
	format string
	wide   bool
	failOn failOnFlag
}

func newRecommendCmd(g *globalOptions) *cobra.Command {
	o := &recommendOptions{}
	c := &cobra.Command{
		Use:   "recommend",
		Short: "Findings and what to do: block lists, authentication, rates, typo domains, ...",
		Long: `recommend judges the bounces of a period (the last 30 days by default) and lists findings,
most urgent first: what was seen, the numbers and example diagnostics behind it, and what to do.
The findings and their thresholds are listed in docs/recommend.md. It reads every event of the
period (stats does so only up to 75,000 bounces).`,
		Example: `  rebound recommend
  rebound recommend --since 7d --provider gmail
  rebound recommend --format json
  rebound recommend --since 1d --fail-on critical`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRecommend(cmd.Context(), g, o)
		},
	}
	f := c.Flags()
	o.period.register(f)
	o.failOn.register(f)
	f.StringVar(&o.format, "format", "text", "output `format`: text, table, markdown, csv or json")
	f.BoolVar(&o.wide, "wide", false, "every column and the whole text, however wide (default: fit the terminal, 80 columns when not one)")
	return c
}

func runRecommend(ctx context.Context, g *globalOptions, o *recommendOptions) error {
	format, err := report.ParseFormat(o.format)
	if err != nil {
		return withHint(exitUsage, fmt.Errorf("unknown --format %q", o.format), "recommend writes text, table, markdown, csv or json")
	}
	level, err := o.failOn.level()
	if err != nil {
		return err
	}
	q, err := o.period.query(g)
	if err != nil {
		return err
	}
	ds, _, err := g.readDataset(ctx, q, 0)
	if err != nil {
		return err
	}
	if format != report.FormatJSON {
		sanitizeDataset(ds)
	}
	opts := report.Options{Color: (format == report.FormatText || format == report.FormatTable) && g.color(), Width: g.termWidth(o.wide)}
	fs := report.Recommend(ds)
	if err := report.RenderFindings(g.stdout, fs, format, opts); err != nil {
		return err
	}
	// No findings in a period that holds few of the bounces stored (after a backfill, say)
	// says where the others are, as stats does.
	if len(fs) == 0 && (format == report.FormatText || format == report.FormatTable) {
		if out := report.Build(ds).Outside; out != nil {
			if _, err := fmt.Fprintln(g.stdout, out); err != nil {
				return err
			}
		}
	}
	return o.failOn.check(level, fs)
}
