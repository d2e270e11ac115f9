package main

import (
	"github.com/reboundhq/rebound/internal/stats"

	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/reboundhq/rebound/internal/export"

	"github.com/reboundhq/rebound/internal/report"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/spf13/cobra"
)

// statsOptions are the flags of `rebound stats`.
type statsOptions struct {
	period periodFlags
	by     string
	format string
	detail bool
	wide   bool
	outDir string
	out    string
	failOn failOnFlag
}

func newStatsCmd(g *globalOptions) *cobra.Command {
	o := &statsOptions{}
	c := &cobra.Command{
		Use:   "stats",
		Short: "Per-provider KPI tables of a period: bounces, types, reasons, trend, campaigns, rates",
		Long: `stats shows the bounces of a period (the last 30 days by default) in tables: per provider,
reason, type, day, week, campaign and sending domain, with the share of each (or, once sent
volumes are known, the hard bounce, bounce and complaint rates against their targets), the
classification confidence and the undecodable messages. Table and Markdown output end with the
recommendations of 'rebound recommend'. docs/stats.md describes every column.

Distinct recipients and the recommendations read from diagnostics need the events one by one:
they are left out, and said so, when the period has more than 75,000 bounces, unless --detail.`,
		Example: `  rebound stats
  rebound stats --since 7d --by provider
  rebound stats --from 2026-03-01 --to 2026-03-31 --provider gmail --by reason
  rebound stats --by week --format csv > weeks.csv
  rebound stats --format csv --out-dir /srv/reports/2026-03
  rebound stats --since 1d --fail-on warning
  rebound stats --format prometheus --out /var/lib/node_exporter/textfile/rebound.prom`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStats(cmd.Context(), g, o)
		},
	}
	f := c.Flags()
	o.period.register(f)
	o.failOn.register(f)
	f.StringVar(&o.by, "by", "", "show one `TABLE`: provider, reason, type, day, week, campaign or domain; all shows every table (default all)")
	f.StringVar(&o.format, "format", "table", "output `format`: table, json, csv, markdown or prometheus (docs/metrics.md)")
	f.StringVar(&o.out, "out", "", "with --format prometheus: write the metrics to `file`, replaced atomically (node_exporter's textfile collector)")
	f.BoolVar(&o.detail, "detail", false, "read every event of the period for recipients and recommendations, however many")
	f.StringVar(&o.outDir, "out-dir", "", "with --format csv: write each table to `dir`/TABLE.csv (provider.csv, ..., confidence.csv) instead of standard output")
	f.BoolVar(&o.wide, "wide", false, "every column and the whole text, however wide (default: fit the terminal, 80 columns when not one)")
	return c
}

func runStats(ctx context.Context, g *globalOptions, o *statsOptions) error {
	prom := o.format == formatPrometheus
	format, err := report.ParseFormat(o.format)
	if (err != nil || format == report.FormatText) && !prom {
		return withHint(exitUsage, fmt.Errorf("unknown --format %q", o.format), "stats writes table, json, csv, markdown or prometheus")
	}
	if o.out != "" && !prom {
		return withHint(exitUsage, fmt.Errorf("--out writes the metrics"), "add --format prometheus (CSV tables: --out-dir)")
	}
	if prom && (o.by != "" || o.outDir != "") {
		return withHint(exitUsage, fmt.Errorf("--format prometheus writes every metric"), "leave out --by and --out-dir")
	}
	if o.by == byAll {
		o.by = ""
	}
	if err := report.CheckBy(o.by); err != nil {
		return usageError("%v", err)
	}
	if o.outDir != "" && format != report.FormatCSV {
		return withHint(exitUsage, fmt.Errorf("--out-dir writes CSV files"), "add --format csv")
	}
	level, err := o.failOn.level()
	if err != nil {
		return err
	}
	q, err := o.period.query(g)
	if err != nil {
		return err
	}
	ds, info, err := g.readDataset(ctx, q, o.limit())
	if err != nil {
		return err
	}
	if format != report.FormatJSON {
		sanitizeDataset(ds)
	}
	opts := report.Options{Color: format == report.FormatTable && g.color(), Width: g.termWidth(o.wide)}
	var fs []report.Finding
	withFindings := o.outDir == "" && o.by == "" && (format == report.FormatTable || format == report.FormatMarkdown)
	if level != "" || withFindings || prom {
		fs = report.Recommend(ds)
	}
	if prom {
		err = g.writePrometheus(ctx, o, ds, fs)
	} else {
		err = o.write(g, ds, info, fs, withFindings, format, opts)
	}
	if err != nil {
		return err
	}
	return o.failOn.check(level, fs)
}

// write writes the tables of stats (and the findings fs when withFindings) to stdout or --out-dir.
func (o *statsOptions) write(g *globalOptions, ds *stats.Dataset, info store.StatsInfo, fs []report.Finding, withFindings bool, format report.Format, opts report.Options) error {
	s := report.Build(ds)
	if o.outDir != "" {
		return g.writeCSVTables(o, s)
	}
	if err := report.Render(g.stdout, s, o.by, format, opts); err != nil {
		return err
	}
	if format != report.FormatTable && format != report.FormatMarkdown {
		return nil
	}
	if !info.Detailed && info.Bounces > 0 {
		writeSkipped(g.stdout, format, info, o.limit(), opts.Width)
	}
	if !withFindings {
		return nil
	}
	return writeFindingsSection(g.stdout, fs, format, opts)
}

// byAll is the --by value that shows every table, as when --by is not given.
const byAll = "all"

// limit is the most bounces read one by one.
func (o *statsOptions) limit() int {
	if o.detail {
		return 0
	}
	return detailLimit
}

// writeCSVTables writes every table of s (or the --by one) to its own CSV file in --out-dir,
// each replaced atomically.
func (g *globalOptions) writeCSVTables(o *statsOptions, s *report.Stats) error {
	names := report.CSVTables
	if o.by != "" {
		names = []string{o.by}
	}
	if err := os.MkdirAll(o.outDir, 0o755); err != nil {
		return withHint(exitFailure, fmt.Errorf("--out-dir: %w", err), "give a folder this user may write")
	}
	files := make([]string, len(names))
	for i, name := range names {
		files[i] = name + ".csv"
		_, err := export.WriteFile(filepath.Join(o.outDir, files[i]), export.FileOptions{},
			func(w io.Writer) error { return report.CSVTable(w, s, name) })
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(g.stderr, "wrote %s to %s: %s\n", plural(len(files), "table"), o.outDir, strings.Join(files, ", "))
	return nil
}

// detailLimit is the most bounces stats reads one by one without --detail (a variable for the
// tests).
var detailLimit = store.DefaultDetailLimit

// writeSkipped says that the recipients and the recommendations read from diagnostics were
// left out, and how to get them.
func writeSkipped(w io.Writer, format report.Format, info store.StatsInfo, limit, width int) {
	bullet := ""
	if format == report.FormatMarkdown {
		bullet, width = "- ", 0
	}
	fmt.Fprintf(w, "\n%s\n", report.Wrap(fmt.Sprintf("%sRecipients and the recommendations read from diagnostics are left out: %s bounces "+
		"in the period, more than the %s read one by one; --detail reads them all (several seconds per million).",
		bullet, thousands(info.Bounces), thousands(limit)), width))
}

// writeFindingsSection ends the table and Markdown output of stats with the recommendations.
func writeFindingsSection(w io.Writer, fs []report.Finding, format report.Format, opts report.Options) error {
	if format == report.FormatMarkdown {
		if _, err := fmt.Fprintf(w, "\n### Recommendations\n\n"); err != nil {
			return err
		}
		return report.RenderFindings(w, fs, report.FormatMarkdown, opts)
	}
	if _, err := fmt.Fprintf(w, "\nRecommendations\n"); err != nil {
		return err
	}
	return report.RenderFindings(w, fs, report.FormatText, opts)
}
