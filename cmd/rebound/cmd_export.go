package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/classify"
	"github.com/reboundhq/rebound/internal/export"
	"github.com/reboundhq/rebound/internal/policy"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/spf13/cobra"
)

// exportOptions are the flags of `rebound export`.
type exportOptions struct {
	out       string
	format    string
	since     string
	states    []string
	types     []string
	providers []string
	onlyNew   bool
	dryRun    bool
}

// exportPerm is the mode of an exported file: it lists e-mail addresses.
const exportPerm = 0o640

func newExportCmd(g *globalOptions) *cobra.Command {
	o := &exportOptions{}
	c := &cobra.Command{
		Use:   "export",
		Short: "Write the suppression list (CSV or JSON Lines) for a CRM",
		Long: `export writes one row per address the policy has suppressed or paused, sorted by address,
as CSV (RFC 4180, with a header row) or JSON Lines. The columns are described in docs/export.md.

It reads the stored states: they are evaluated after every scan (docs/policy.md), and a pause
that has ended by now is left out. --new writes only the rows that are new or changed since the
last export that was delivered; an export with --out or --new is recorded as delivered
(unless --dry-run).`,
		Example: `  rebound export --out /srv/crm/suppressions.csv
  rebound export --new --format jsonl
  rebound export --since 7d --type hard,complaint`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runExport(cmd.Context(), g, o)
		},
	}
	f := c.Flags()
	f.StringVarP(&o.out, "out", "o", "", "write to `file`, atomically, instead of standard output")
	f.StringVar(&o.format, "format", "csv", "output `format`: csv or jsonl")
	f.StringVar(&o.since, "since", "", "only addresses that entered their state since `when`: a duration (7d, 72h) or a date (2026-03-01, RFC 3339)")
	f.StringSliceVar(&o.states, "state", nil, "only these `states`: suppressed, paused, review (default suppressed,paused)")
	f.StringSliceVar(&o.types, "type", nil, "only these `types` of the deciding bounce: hard, soft, complaint, ...")
	f.StringSliceVar(&o.providers, "provider", nil, "only these `providers` (provider ids: gmail, microsoft, other, ...)")
	f.BoolVar(&o.onlyNew, "new", false, "only rows new or changed since the last delivered export")
	f.BoolVar(&o.dryRun, "dry-run", false, "write as usual but do not record the export as delivered")
	return c
}

// exportFilter selects rows.
type exportFilter struct {
	states    []policy.State
	types     []string
	providers []string
	since     time.Time
}

func (f *exportFilter) match(r *store.StateRow, eff policy.State) bool {
	return slices.Contains(f.states, eff) &&
		(len(f.types) == 0 || slices.Contains(f.types, r.Type)) &&
		(len(f.providers) == 0 || slices.Contains(f.providers, r.Provider)) &&
		(f.since.IsZero() || !r.Since.Before(f.since))
}

// listStates are the states an export can list: the suppression list and the review list.
var listStates = []policy.State{policy.StateSuppressed, policy.StatePaused, policy.StateReview}

func (g *globalOptions) exportFilter(o *exportOptions, now time.Time) (*exportFilter, export.Format, error) {
	format, err := export.ParseFormat(o.format)
	if err != nil {
		return nil, "", usageError("%v", err)
	}
	f := &exportFilter{states: []policy.State{policy.StateSuppressed, policy.StatePaused}}
	if len(o.states) > 0 {
		f.states = nil
		for _, s := range o.states {
			st := policy.State(strings.TrimSpace(s))
			if !slices.Contains(listStates, st) {
				return nil, "", usageError("unknown --state %q: want suppressed, paused or review", s)
			}
			f.states = append(f.states, st)
		}
	}
	for _, t := range o.types {
		t = strings.TrimSpace(t)
		if !slices.Contains(classify.Types, classify.Type(t)) {
			return nil, "", usageError("unknown --type %q: want one of %s", t, joinTypes())
		}
		f.types = append(f.types, t)
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

func joinTypes() string {
	s := make([]string, len(classify.Types))
	for i, t := range classify.Types {
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
	records := (o.out != "" || o.onlyNew) && !o.dryRun
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
		if rec.Target == "" {
			rec.Target = "-"
		}
	}
	// Rows go out as they are read, in address order: memory stays flat however long the list.
	write := func(w io.Writer, list func(store.ListFunc) error) error {
		ew, err := export.NewWriter(w, format)
		if err != nil {
			return err
		}
		err = list(func(l *store.Listed) (string, error) {
			if !filter.match(l.State, l.State.State) {
				return "", nil
			}
			row := exportRow(l.State)
			fp := row.Fingerprint()
			if o.onlyNew && fp == l.Last {
				return "", nil // delivered before, unchanged
			}
			return fp, ew.Write(row)
		})
		if err != nil {
			return err
		}
		return ew.Flush()
	}
	_, err = st.Export(ctx, ev.Now, listStates, rec, func(list func(store.ListFunc) error) error {
		if o.out == "" {
			return write(g.stdout, list)
		}
		return export.WriteFile(o.out, exportPerm, func(w io.Writer) error { return write(w, list) })
	})
	if err != nil {
		return err
	}
	if n, err := st.Malformed(ctx); err != nil {
		return err
	} else if n > 0 {
		g.warnf("note: %d recipients with a malformed address are not exported; 'rebound show ADDRESS' says why", n)
	}
	return g.warnOtherPolicy(ctx, st, lp)
}

// exportRow turns a stored state into an export row: the deciding event fills type, reason,
// codes, provider, rule and diagnostic (docs/export.md). The writer cleans the diagnostic.
func exportRow(r *store.StateRow) export.Row {
	return export.Row{
		Email: r.Address, State: r.State, Type: classify.Type(r.Type), Reason: classify.Reason(r.Reason),
		Status: r.Status, ReplyCode: r.ReplyCode, Provider: r.Provider, FirstBounce: r.FirstBounce,
		LastBounce: r.LastBounce, Bounces: r.Bounces, WindowBounces: r.SoftCount,
		SuppressedUntil: r.SuppressedUntil, Rule: r.Rule, LastDiagnostic: r.Diagnostic,
	}
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
