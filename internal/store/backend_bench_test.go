package store

import (
	"context"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
	"github.com/reboundhq/rebound/internal/report"
	"github.com/reboundhq/rebound/internal/stats"
)

// BenchmarkBackends1M measures, on the backend under test ($REBOUND_TEST_BACKEND: SQLite, or
// PostgreSQL: `make bench` runs it on both), what stats and export do over the database of
// BenchmarkStats1M (a million events over a year, 300,000 recipients): the year's Dataset with
// its tables and findings (`rebound stats`), and the listing of every suppressed, paused and
// review address (`rebound export` to a file, without recording it). The database is built
// once with SaveBatch and evaluated with the default policy; the time that took is logged.
func BenchmarkBackends1M(b *testing.B) {
	ctx := context.Background()
	end := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	start := time.Now()
	s := statsBenchStore(b, end)
	defer s.Close()
	built := time.Since(start)
	start = time.Now()
	ev := defaultEvaluator(b, "2026-11-30T00:00:00Z")
	sum, err := s.EvaluatePending(ctx, ev)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: built in %v, evaluated %d addresses in %v", s.db.d.name, built.Round(time.Second),
		sum.Addresses, time.Since(start).Round(time.Second))
	now := end.Add(-7*time.Hour - 13*time.Minute)
	b.Run("stats-year", func(b *testing.B) {
		q := stats.Query{Period: stats.Period{From: now.Add(-366 * 24 * time.Hour), To: now}}
		for b.Loop() {
			ds, _, err := s.Dataset(ctx, q, StatsOptions{DetailLimit: DefaultDetailLimit})
			if err != nil {
				b.Fatal(err)
			}
			report.Build(ds)
			report.Recommend(ds)
		}
	})
	b.Run("export", func(b *testing.B) {
		rows := 0
		for b.Loop() {
			rows = 0
			_, err := s.Export(ctx, ev.Now, []bounce.State{bounce.StateSuppressed, bounce.StatePaused, bounce.StateReview}, Baseline{}, nil,
				func(l *Lister) error {
					return deliverAll(l, func(*Listed) string { rows++; return "x" })
				})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(rows), "rows")
	})
}
