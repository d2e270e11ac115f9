package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
	"github.com/reboundhq/rebound/internal/config"
	"github.com/reboundhq/rebound/internal/export"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/spf13/cobra"
)

// exportOptions are the flags of `rebound export`.
type exportOptions struct {
	out             string
	format          string
	since           string
	states          []string
	types           []string
	providers       []string
	onlyNew         bool
	sync            string
	dryRun          bool
	includePaused   bool
	spreadsheetSafe bool
	mode            string
	quiet           bool
	replace         bool
}

func newExportCmd(g *globalOptions) *cobra.Command {
	o := &exportOptions{}
	c := &cobra.Command{
		Use:   "export",
		Short: "Write the suppression list for a CRM or a sending service",
		Long: `export writes one row per address the policy has suppressed for good, sorted by address, as
CSV (RFC 4180, with a header row), JSON Lines, or the suppression import of a service (--format
mailchimp, hubspot, sendgrid, mailgun, mailgun-complaints, ses). --include-paused adds the addresses paused for a
while, with the end of the pause (CSV and JSON Lines only: the services' lists have no end time,
and would keep a paused address suppressed for good). The columns and formats are described in
docs/export.md. Mailgun keeps complaints in a list of their own: --format mailgun writes the
bounces, --format mailgun-complaints the complaints.

It reads the stored states: they are evaluated after every scan (docs/policy.md), and a pause
that has ended by now is left out. An export to --out FILE is recorded as delivered to that
file (unless --dry-run); --sync NAME records it under a name instead (for a file whose name
changes each run, or standard output). --new writes only the rows that are new or changed since
the last export delivered to the same file or name, and the addresses that left the list since
(change column: added, changed, removed); to standard output it needs --sync. A look at standard
output records nothing. --out replaces FILE atomically, keeping its owner, group and mode; a
device or a pipe (/dev/stdout) is written to, and - is standard output. A file that no export of
this database was delivered to is not replaced with fewer rows than it has (another tool's
list, or another database's: exit status 1); --replace replaces it. A summary line goes to
stderr.`,
		Example: `  rebound export --out /srv/crm/suppressions.csv
  rebound export --new --out /srv/crm/changes.csv
  rebound export --new --sync crm --out /srv/crm/changes-$(date +%F).csv
  rebound export --include-paused --format jsonl
  rebound export --format mailgun --out bounces-import.csv
  rebound export --format mailgun-complaints --out complaints-import.csv
  rebound export --since 7d --type hard,complaint`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runExport(cmd.Context(), g, o)
		},
	}
	f := c.Flags()
	f.StringVarP(&o.out, "out", "o", "", "write to `file`, atomically (- is standard output, the default)")
	f.StringVar(&o.format, "format", "csv", "output `format`: csv, jsonl, mailchimp, hubspot, sendgrid, mailgun, mailgun-complaints or ses")
	f.StringVar(&o.since, "since", "", "only addresses that entered their state since `when`: a duration (7d, 72h) or a date (2026-03-01, RFC 3339)")
	f.StringSliceVar(&o.states, "state", nil, "only these `states`: suppressed, paused, review (default suppressed)")
	f.StringSliceVar(&o.types, "type", nil, "only these `types` of the deciding bounce: hard, soft, complaint, ...")
	f.StringSliceVar(&o.providers, "provider", nil, "only these `providers` (provider ids: gmail, microsoft, other, ...)")
	f.BoolVar(&o.onlyNew, "new", false, "only rows new or changed since the last export delivered to the same file or --sync name, and those that left the list")
	f.StringVar(&o.sync, "sync", "", "record the export as delivered to the sync `name` (letters, digits, . _ -), not to the --out file")
	f.BoolVar(&o.dryRun, "dry-run", false, "write as usual but do not record the export as delivered")
	f.BoolVar(&o.includePaused, "include-paused", false, "add the paused addresses (temporary suppressions, with their end time)")
	f.BoolVar(&o.spreadsheetSafe, "spreadsheet-safe", false, "neutralise the email column too, for a file opened in a spreadsheet")
	f.StringVar(&o.mode, "mode", "", "file `mode` of the file written, in octal (default: the replaced file's, else 0640)")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "print nothing but errors and warnings: no summary, no notes")
	f.BoolVar(&o.replace, "replace", false, "replace the --out file even if no export of this database was delivered to it and it has more rows (a list of another tool)")
	return c
}

// exportRequest reads the flags into an export: format, filters, file and baseline.
func (g *globalOptions) exportRequest(o *exportOptions, now time.Time) (export.Request, error) {
	req := export.Request{Changes: o.onlyNew, SpreadsheetSafe: o.spreadsheetSafe, Out: o.out, Stdout: g.stdout,
		Replace: o.replace}
	var err error
	if req.Format, err = export.ParseFormat(o.format); err != nil {
		return req, usageError("%v", err)
	}
	if req.Filter, err = g.exportFilter(o, req.Format, now); err != nil {
		return req, err
	}
	if req.File.Perm, err = o.fileMode(); err != nil {
		return req, err
	}
	if o.out != "" && o.out != "-" {
		if err := checkOutPath(o.out); err != nil {
			return req, err
		}
	}
	req.Baseline, err = export.BaselineOf(o.out, o.sync)
	if errors.Is(err, export.ErrSyncName) {
		return req, usageError("bad --sync %q: %v", o.sync, err)
	} else if err != nil {
		return req, err
	}
	if o.onlyNew && req.Baseline.Name == "" {
		return req, withHint(exitUsage, fmt.Errorf("--new to %s needs --sync NAME", targetName(o.out)),
			"--new writes what changed since the last export delivered to the same target: a file is a target of its own; name the target of standard output, a pipe or a device with --sync (such as --sync crm), the same name each run")
	}
	return req, nil
}

// exportFilter reads the filters: --state (with --include-paused), --type, --provider and --since.
func (g *globalOptions) exportFilter(o *exportOptions, format export.Format, now time.Time) (export.Filter, error) {
	f := export.Filter{States: []bounce.State{bounce.StateSuppressed}}
	if len(o.states) > 0 {
		f.States = nil
		for _, s := range o.states {
			st := bounce.State(strings.TrimSpace(s))
			if !slices.Contains(export.ListStates, st) {
				return f, usageError("unknown --state %q: want suppressed, paused or review", s)
			}
			f.States = append(f.States, st)
		}
	}
	if o.includePaused && !slices.Contains(f.States, bounce.StatePaused) {
		f.States = append(f.States, bounce.StatePaused)
	}
	if format.Permanent() {
		if i := slices.IndexFunc(f.States, func(s bounce.State) bool { return s != bounce.StateSuppressed }); i >= 0 {
			return f, withHint(exitUsage, fmt.Errorf("--format %s takes permanent suppressions only, not %s addresses", format, f.States[i]),
				"a service's suppression list has no end time: a pause or a review would stay suppressed there for good; export them with --format csv or jsonl")
		}
		if o.onlyNew {
			return f, withHint(exitUsage, fmt.Errorf("--new needs --format csv or jsonl"),
				"their change column says which addresses left the list; a "+string(format)+" import can only add, so export the whole list to it each time")
		}
	}
	for _, t := range o.types {
		t = strings.TrimSpace(t)
		if !slices.Contains(bounce.Types, bounce.Type(t)) {
			return f, usageError("unknown --type %q: want one of %s", t, joinTypes())
		}
		f.Types = append(f.Types, t)
	}
	if err := mailgunTypes(format, f.Types); err != nil {
		return f, err
	}
	if len(o.providers) > 0 {
		known, err := g.providerIDs()
		if err != nil {
			return f, err
		}
		for _, p := range o.providers {
			p = strings.TrimSpace(p)
			if !slices.Contains(known, p) {
				return f, unknownProvider("--provider", p, known)
			}
			f.Providers = append(f.Providers, p)
		}
	}
	if o.since != "" {
		var err error
		if f.Since, err = parseSince(o.since, now); err != nil {
			return f, err
		}
	}
	return f, nil
}

// mailgunTypes refuses a --type that the Mailgun import of format does not take: Mailgun keeps
// complaints in a list of their own, with its own import (export.Deliver sends each row to its
// list).
func mailgunTypes(format export.Format, types []string) error {
	complaint := string(bounce.TypeComplaint)
	switch format {
	case export.Mailgun:
		if slices.Contains(types, complaint) {
			return withHint(exitUsage, fmt.Errorf("--format mailgun is Mailgun's bounces import: it takes no complaints"),
				"export them with --format mailgun-complaints, for Mailgun's complaints import")
		}
	case export.MailgunComplaints:
		if i := slices.IndexFunc(types, func(t string) bool { return t != complaint }); i >= 0 {
			return withHint(exitUsage, fmt.Errorf("--format mailgun-complaints is Mailgun's complaints import: it takes no %s bounces", types[i]),
				"export them with --format mailgun, for Mailgun's bounces import")
		}
	}
	return nil
}

// fileMode reads --mode: an octal permission such as 640 or 0640; 0 when not given.
func (o *exportOptions) fileMode() (fs.FileMode, error) {
	if o.mode == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(strings.TrimPrefix(o.mode, "0o"), 8, 32)
	if err != nil || n == 0 || n > 0o777 {
		return 0, usageError("bad --mode %q: want an octal permission such as 0640", o.mode)
	}
	return fs.FileMode(n), nil
}

func joinTypes() string {
	s := make([]string, len(bounce.Types))
	for i, t := range bounce.Types {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// parseSince reads --since: a policy duration before now (90m, 72h, 7d, 2w), a date
// (2006-01-02, midnight UTC) or an RFC 3339 time.
func parseSince(s string, now time.Time) (time.Time, error) {
	if d, err := config.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, usageError("bad --since %q: want a duration (7d, 72h) or a date (2026-03-01 or 2026-03-01T08:00:00Z)", s)
}

func runExport(ctx context.Context, g *globalOptions, o *exportOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	now, err := g.now()
	if err != nil {
		return err
	}
	req, err := g.exportRequest(o, now)
	if err != nil {
		return err
	}
	records := req.Baseline.Name != "" && !o.dryRun
	open := g.openPolicyReader // a look at the list writes nothing: any user who may read the database may look
	if records {
		open = g.openPolicyStore
	}
	st, ev, lp, err := open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	req.Now = ev.Now
	if records {
		req.Record = &store.Export{At: ev.Now, Target: o.out, Format: string(req.Format), OnlyNew: o.onlyNew,
			Filters: o.describe(), Policy: lp.id}
		if o.out == "" {
			req.Record.Target = "-"
		}
	}
	d, err := export.Deliver(ctx, st, req)
	var shrink *export.ShrinkError
	if errors.As(err, &shrink) {
		return withHint(exitFailure, err, "check that --db (or REBOUND_DB) names the database whose exports this file receives; to replace another tool's list with this one, give --replace once")
	} else if errors.Is(err, export.ErrOwner) {
		return withHint(exitFailure, err, "nothing was replaced: run the export as the file's owner or as root, or remove the file once so that rebound creates it")
	} else if err != nil {
		return err
	}
	if w := importLimitWarning(req.Format, d.Target, d.Bytes); w != "" {
		fmt.Fprintln(g.stderr, w)
	}
	if d.Aside > 0 && !o.quiet {
		g.warnf("note: %s left out: Mailgun takes complaints in its complaints import; export them with --format mailgun-complaints",
			plural(d.Aside, "complaint"))
	}
	if !o.quiet {
		g.printExportSummary(o, req.Baseline, &d)
		if err := g.noteMalformed(ctx, st); err != nil {
			return err
		}
	}
	return g.warnOtherPolicy(ctx, st, lp)
}

// checkOutPath refuses an --out that names a directory, or a file in a directory that does not
// exist, before anything is read: the export is a file written in place of FILE.
func checkOutPath(out string) error {
	if fi, err := os.Stat(out); err == nil && fi.IsDir() {
		return withHint(exitUsage, fmt.Errorf("--out %s is a directory", out),
			"give the path of a file to write, such as "+filepath.Join(out, "suppressions.csv"))
	}
	dir := filepath.Dir(out)
	if fi, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) || (err == nil && !fi.IsDir()) {
		return withHint(exitUsage, fmt.Errorf("--out %s: no directory %s", out, dir),
			"create the directory first, or give the path of a file in one that exists")
	}
	return nil
}

// importLimitWarning returns the warning for an export of n bytes in a service's format that
// is over the size its import takes, "" when it is not.
func importLimitWarning(format export.Format, target string, n int64) string {
	limit := format.ImportLimit()
	if limit == 0 || n <= limit {
		return ""
	}
	return fmt.Sprintf("rebound: warning: %s is %s bytes, over the %s bytes of the largest file the %s import takes\n"+
		"hint: split the list with --provider or --since, one file per import", target, thousands(int(n)), thousands(int(limit)), format)
}

// printExportSummary writes the summary line of an export to stderr: rows written, and how the
// list changed since the last delivered export.
func (g *globalOptions) printExportSummary(o *exportOptions, base store.Baseline, d *export.Delivered) {
	r, target := d.ExportResult, d.Target
	rows := r.Rows
	if o.onlyNew {
		rows += r.Left
	}
	line := fmt.Sprintf("exported %s to %s (not recorded as delivered)", plural(rows, "row"), target)
	if base.Name != "" {
		line = fmt.Sprintf("exported %s to %s: %s added, %s changed, %s removed since the last delivered export",
			plural(rows, "row"), target, thousands(r.New), thousands(r.Changed), thousands(r.Left))
		if o.sync != "" {
			line += " of --sync " + o.sync
		}
		if o.dryRun {
			line += " (dry run: not recorded)"
		}
	}
	fmt.Fprintln(g.stderr, line)
	if len(d.Bad) > 0 {
		g.warnf("note: %s on the list %s not a valid address and %s left out: %s", plural(len(d.Bad), "address"),
			verb(len(d.Bad), "is", "are"), verb(len(d.Bad), "was", "were"), strings.Join(d.Bad, ", "))
	}
}

// noteMalformed says once how many stored recipients cannot be exported, and where to see them.
func (g *globalOptions) noteMalformed(ctx context.Context, st *store.Store) error {
	n, err := st.Malformed(ctx)
	if err != nil || n == 0 {
		return err
	}
	g.warnf("note: %s with a malformed address %s not exported; 'rebound show --malformed' lists them",
		plural(n, "recipient"), verb(n, "is", "are"))
	return nil
}

// targetName names the target of an export for a message.
func targetName(out string) string {
	if out == "" || out == "-" {
		return "standard output"
	}
	return out
}

// describe renders the filters for the export record.
func (o *exportOptions) describe() string {
	var parts []string
	add := func(name string, vals []string) {
		if len(vals) > 0 {
			parts = append(parts, name+"="+strings.Join(vals, ","))
		}
	}
	add("state", o.states)
	add("type", o.types)
	add("provider", o.providers)
	if o.since != "" {
		parts = append(parts, "since="+o.since)
	}
	return strings.Join(parts, " ")
}
