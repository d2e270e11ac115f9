package main

import (
	"context"
	"fmt"
	"io"

	"github.com/reboundhq/rebound/internal/export"
	"github.com/reboundhq/rebound/internal/report"
	"github.com/reboundhq/rebound/internal/stats"
)

// formatPrometheus is stats --format prometheus: the metrics of docs/metrics.md.
const formatPrometheus = "prometheus"

// writePrometheus writes the metrics: the all-time totals of the store, and the rates and the
// findings of the period read into ds, to stdout or, with --out, to a file replaced atomically
// (for node_exporter's textfile collector).
func (g *globalOptions) writePrometheus(ctx context.Context, o *statsOptions, ds *stats.Dataset, fs []report.Finding) error {
	now, err := g.now()
	if err != nil {
		return err
	}
	st, err := g.openReader(ctx)
	if err != nil {
		return err
	}
	t, err := st.Totals(ctx, now)
	st.Close()
	if err != nil {
		return err
	}
	m := &report.Metrics{States: t.States, Undecodable: t.Undecodable, Stats: report.Build(ds), Findings: fs}
	for _, b := range t.Bounces {
		m.Bounces = append(m.Bounces, report.BounceTotal{Provider: b.Provider, Type: b.Type, Reason: b.Reason, Count: b.Count})
	}
	if r := t.LastScan; !r.Finished.IsZero() {
		m.LastScan = &report.ScanMetrics{Finished: r.Finished, Duration: r.Duration, Read: r.Read, New: r.New}
	}
	if o.out == "" {
		return report.WritePrometheus(g.stdout, m)
	}
	// The textfile collector reads every *.prom file of its folder: a reader sees the old file
	// or the new one, never a part.
	_, err = export.WriteFile(o.out, export.FileOptions{}, func(w io.Writer) error { return report.WritePrometheus(w, m) })
	if err != nil {
		return withHint(exitFailure, fmt.Errorf("--out: %w", err), "give a file this user may write, in a folder it may write")
	}
	return nil
}
