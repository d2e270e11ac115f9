package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
	"github.com/reboundhq/rebound/internal/export"
	"github.com/reboundhq/rebound/internal/policy"
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
device or a pipe (/dev/stdout) is written to, and - is standard output. A summary line goes to
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
	return c
}

// exportFilter selects rows.
type exportFilter struct {
	states    []bounce.State
	types     []string
	providers []string
	since     time.Time

	aside  string // a type the format cannot hold (complaints in Mailgun's bounces list)
	asideN int    // rows of that type left out
}

func (f *exportFilter) match(r *store.StateRow, eff bounce.State) bool {
	if !slices.Contains(f.states, eff) ||
		(len(f.providers) > 0 && !slices.Contains(f.providers, r.Provider)) ||
		(!f.since.IsZero() && r.Since.Before(f.since)) {
		return false
	}
	if f.aside != "" && r.Type == f.aside {
		f.asideN++
		return false
	}
	return len(f.types) == 0 || slices.Contains(f.types, r.Type)
}

// listStates are the states an export can list: the suppression list and the review list.
var listStates = []bounce.State{bounce.StateSuppressed, bounce.StatePaused, bounce.StateReview}

func (g *globalOptions) exportFilter(o *exportOptions, now time.Time) (*exportFilter, export.Format, error) {
	format, err := export.ParseFormat(o.format)
	if err != nil {
		return nil, "", usageError("%v", err)
	}
	f := &exportFilter{states: []bounce.State{bounce.StateSuppressed}}
	if len(o.states) > 0 {
		f.states = nil
		for _, s := range o.states {
			st := bounce.State(strings.TrimSpace(s))
			if !slices.Contains(listStates, st) {
				return nil, "", usageError("unknown --state %q: want suppressed, paused or review", s)
			}
			f.states = append(f.states, st)
		}
	}
	if o.includePaused && !slices.Contains(f.states, bounce.StatePaused) {
		f.states = append(f.states, bounce.StatePaused)
	}
	if format.Permanent() {
		if i := slices.IndexFunc(f.states, func(s bounce.State) bool { return s != bounce.StateSuppressed }); i >= 0 {
			return nil, "", withHint(exitUsage, fmt.Errorf("--format %s takes permanent suppressions only, not %s addresses", format, f.states[i]),
				"a service's suppression list has no end time: a pause or a review would stay suppressed there for good; export them with --format csv or jsonl")
		}
		if o.onlyNew {
			return nil, "", withHint(exitUsage, fmt.Errorf("--new needs --format csv or jsonl"),
				"their change column says which addresses left the list; a "+string(format)+" import can only add, so export the whole list to it each time")
		}
	}
	for _, t := range o.types {
		t = strings.TrimSpace(t)
		if !slices.Contains(bounce.Types, bounce.Type(t)) {
			return nil, "", usageError("unknown --type %q: want one of %s", t, joinTypes())
		}
		f.types = append(f.types, t)
	}
	if err := f.mailgunLists(format); err != nil {
		return nil, "", err
	}
	if len(o.providers) > 0 {
		known, err := g.providerIDs()
		if err != nil {
			return nil, "", err
		}
		for _, p := range o.providers {
			p = strings.TrimSpace(p)
			if !slices.Contains(known, p) {
				return nil, "", withHint(exitUsage, fmt.Errorf("unknown --provider %q", p),
					"provider ids are the [id] sections of rules/default.providers (and of --rules), or other")
			}
			f.providers = append(f.providers, p)
		}
	}
	if o.since != "" {
		if f.since, err = parseSince(o.since, now); err != nil {
			return nil, "", err
		}
	}
	return f, format, nil
}

// mailgunLists sends each row to the Mailgun import that takes it: Mailgun keeps complaints in
// a list of their own, with its own import, so --format mailgun (the bounces import) sets them
// aside and --format mailgun-complaints holds nothing else.
func (f *exportFilter) mailgunLists(format export.Format) error {
	complaint := string(bounce.TypeComplaint)
	switch format {
	case export.Mailgun:
		if slices.Contains(f.types, complaint) {
			return withHint(exitUsage, fmt.Errorf("--format mailgun is Mailgun's bounces import: it takes no complaints"),
				"export them with --format mailgun-complaints, for Mailgun's complaints import")
		}
		f.aside = complaint
	case export.MailgunComplaints:
		if i := slices.IndexFunc(f.types, func(t string) bool { return t != complaint }); i >= 0 {
			return withHint(exitUsage, fmt.Errorf("--format mailgun-complaints is Mailgun's complaints import: it takes no %s bounces", f.types[i]),
				"export them with --format mailgun, for Mailgun's bounces import")
		}
		f.types = []string{complaint}
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
	if d, err := policy.ParseDuration(s); err == nil {
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
	filter, format, err := g.exportFilter(o, now)
	if err != nil {
		return err
	}
	perm, err := o.fileMode()
	if err != nil {
		return err
	}
	toFile := o.out != "" && o.out != "-"
	if toFile {
		if err := checkOutPath(o.out); err != nil {
			return err
		}
	}
	base, err := o.baseline()
	if err != nil {
		return err
	}
	if o.onlyNew && base.Name == "" {
		return withHint(exitUsage, fmt.Errorf("--new to %s needs --sync NAME", targetName(o.out)),
			"--new writes what changed since the last export delivered to the same target: a file is a target of its own; name the target of standard output, a pipe or a device with --sync (such as --sync crm), the same name each run")
	}
	records := base.Name != "" && !o.dryRun
	open := g.openPolicyReader // a look at the list writes nothing: any user who may read the database may look
	if records {
		open = g.openPolicyStore
	}
	st, ev, lp, err := open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	var rec *store.Export
	if records {
		rec = &store.Export{At: ev.Now, Target: o.out, Format: string(format), OnlyNew: o.onlyNew,
			Filters: o.describe(), Policy: lp.id}
		if !toFile {
			rec.Target = "-"
		}
	}
	opts := export.Options{Changes: o.onlyNew, SpreadsheetSafe: o.spreadsheetSafe}
	var sum exportSummary
	// Rows go out as they are read, in address order: memory stays flat however long the list.
	write := func(w io.Writer, lr *store.Lister) error {
		cw := &countWriter{w: w}
		defer func() { sum.bytes = cw.n }()
		ew, err := export.NewWriter(cw, format, opts)
		if err != nil {
			return err
		}
		err = lr.List(func(l *store.Listed) (string, error) {
			if !filter.match(l.State, l.State.State) {
				return "", nil
			}
			row := exportRow(l.State)
			fp := row.Fingerprint()
			if o.onlyNew {
				if fp == l.Last {
					return "", nil // delivered before, unchanged
				}
				row.Change = export.ChangeChanged
				if l.Last == "" {
					row.Change = export.ChangeAdded
				}
			}
			if err := ew.Write(row); errors.Is(err, export.ErrBadAddress) {
				sum.bad = append(sum.bad, l.State.Address)
				return "", nil
			} else if err != nil {
				return "", err
			}
			return fp, nil
		})
		if err != nil {
			return err
		}
		if o.onlyNew {
			err = lr.Left(func(addr string, st bounce.State) error {
				if st == "" {
					st = bounce.StateActive
				}
				err := ew.Write(export.Row{Email: addr, State: st, Change: export.ChangeRemoved})
				if errors.Is(err, export.ErrBadAddress) {
					sum.bad = append(sum.bad, addr)
					return nil
				}
				return err
			})
			if err != nil {
				return err
			}
		}
		return ew.Flush()
	}
	target := "standard output"
	sum.res, err = st.Export(ctx, ev.Now, listStates, base, rec, func(lr *store.Lister) error {
		if !toFile {
			return write(g.stdout, lr)
		}
		kind, err := export.WriteFile(o.out, export.FileOptions{Perm: perm}, func(w io.Writer) error { return write(w, lr) })
		target = o.out
		if kind == export.Device {
			target += " (written to, not replaced: not a regular file)"
		}
		if errors.Is(err, export.ErrOwner) {
			return withHint(exitFailure, err, "nothing was replaced: run the export as the file's owner or as root, or remove the file once so that rebound creates it")
		}
		return err
	})
	if err != nil {
		return err
	}
	if w := importLimitWarning(format, target, sum.bytes); w != "" {
		fmt.Fprintln(g.stderr, w)
	}
	if filter.asideN > 0 && !o.quiet {
		g.warnf("note: %s left out: Mailgun takes complaints in its complaints import; export them with --format mailgun-complaints",
			plural(filter.asideN, "complaint"))
	}
	if !o.quiet {
		g.printExportSummary(target, o, base, &sum)
		if err := g.noteMalformed(ctx, st); err != nil {
			return err
		}
	}
	return g.warnOtherPolicy(ctx, st, lp)
}

// exportSummary is what an export delivered, for its summary line.
type exportSummary struct {
	res   store.ExportResult
	bad   []string // listed addresses that are not valid addresses: not written
	bytes int64    // bytes written
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

// countWriter counts the bytes written to w.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// printExportSummary writes the summary line of an export to stderr: rows written, and how the
// list changed since the last delivered export.
func (g *globalOptions) printExportSummary(target string, o *exportOptions, base store.Baseline, sum *exportSummary) {
	r := sum.res
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
	if len(sum.bad) > 0 {
		g.warnf("note: %s on the list %s not a valid address and %s left out: %s", plural(len(sum.bad), "address"),
			verb(len(sum.bad), "is", "are"), verb(len(sum.bad), "was", "were"), strings.Join(sum.bad, ", "))
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

// exportRow turns a stored state into an export row: the deciding event fills type, reason,
// codes, provider, rule and diagnostic (docs/export.md). The writer cleans the diagnostic.
func exportRow(r *store.StateRow) export.Row {
	return export.Row{
		Email: r.Address, State: r.State, Type: bounce.Type(r.Type), Reason: bounce.Reason(r.Reason),
		Status: r.Status, ReplyCode: r.ReplyCode, Provider: r.Provider, FirstBounce: r.FirstBounce,
		LastBounce: r.LastBounce, Bounces: r.Bounces, WindowBounces: r.SoftCount,
		SuppressedUntil: r.SuppressedUntil, Rule: r.Rule, LastDiagnostic: r.Diagnostic,
	}
}

// baseline returns the delivery baseline of the export (docs/export.md): the --sync name, else
// the file written (absolute, cleaned); none for standard output, a device or a pipe.
func (o *exportOptions) baseline() (store.Baseline, error) {
	if o.sync != "" {
		return syncBaseline(o.sync)
	}
	if o.out == "" || o.out == "-" {
		return store.Baseline{}, nil
	}
	if fi, err := os.Stat(o.out); err == nil && !fi.Mode().IsRegular() {
		return store.Baseline{}, nil
	}
	return fileBaseline(o.out)
}

// fileBaseline is the baseline of the file at p: its absolute path. Exports recorded before
// baselines were kept apart named the file as given, or absolute.
func fileBaseline(p string) (store.Baseline, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return store.Baseline{}, fmt.Errorf("%s: %w", p, err)
	}
	b := store.Baseline{Name: abs, Targets: []string{p}}
	if abs != p {
		b.Targets = append(b.Targets, abs)
	}
	return b, nil
}

// syncBaseline reads --sync: a name of letters, digits, '.', '_' and '-', or the path of a file
// whose baseline to use (to see what --new would deliver to it, with --dry-run).
func syncBaseline(s string) (store.Baseline, error) {
	if strings.ContainsAny(s, `/\`) || filepath.IsAbs(s) {
		return fileBaseline(s)
	}
	for i, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || (i > 0 && strings.ContainsRune("._-", r))
		if !ok {
			return store.Baseline{}, usageError("bad --sync %q: want a name of letters, digits, '.', '_' and '-' (or the path of a file)", s)
		}
	}
	return store.Baseline{Name: s, Sync: true}, nil
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
