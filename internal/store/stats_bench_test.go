package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
	"github.com/reboundhq/rebound/internal/cputime"
	"github.com/reboundhq/rebound/internal/gen"
	"github.com/reboundhq/rebound/internal/pgtest"
	"github.com/reboundhq/rebound/internal/report"
	"github.com/reboundhq/rebound/internal/stats"
)

// statsBenchEvents is the size of the database of BenchmarkStats1M: `rebound stats` must answer
// within 2 seconds over a million events (docs/stats.md, "Cost").
const statsBenchEvents = 1_000_000

// statsBenchBatch makes n messages from message number first on, one event each (every fifth
// message has two), spread over the year before end in the order nightly scans store them (by
// bounce time, give or take a few hours): about 2,700 events a day, 300,000 recipients at 2,000
// domains, campaigns of a week (four at a time, 212 in the year), each sent from one of three
// domains, and every confidence band.
func statsBenchBatch(first, n int, end time.Time) (msgs []Message, events int) {
	const year = 365 * 24 * time.Hour
	step := year / (statsBenchEvents * 5 / 6)
	msgs = make([]Message, n)
	for i := range msgs {
		k := first + i
		h := uint64(k)*0x9e3779b97f4a7c15 + 1 // a cheap, fixed scramble of k
		h ^= h >> 29
		at := end.Add(-year + time.Duration(k)*step - time.Duration(h%(6*3600))*time.Second).Truncate(time.Second)
		week := int(at.Sub(end.Add(-year)) / (7 * 24 * time.Hour))
		campaign := week*4 + int(h>>23)%4
		m := Message{Key: "k" + strconv.Itoa(k), Position: "/var/mail/bounces/new/" + strconv.Itoa(k),
			Path: "/var/mail/bounces/new/" + strconv.Itoa(k), Outcome: "bounce", Format: "rfc3464",
			MessageID: "<" + strconv.Itoa(k) + "@mx.example.net>", Subject: "Undelivered Mail Returned to Sender",
			From: "MAILER-DAEMON@mx.example.net", Date: at}
		for j := range 1 + min(1, k%5/4) {
			kind := gen.Kinds[(h>>7+uint64(j))%uint64(len(gen.Kinds))]
			rcpt := fmt.Sprintf("user%d@example%d.org", (h>>11+uint64(j))%300000, (h>>13)%2000)
			m.Events = append(m.Events, bounce.Event{
				Recipient: rcpt, Action: "failed", Status: kind.Status, ReplyCode: kind.ReplyCode,
				Diagnostic: kind.DiagnosticFor(rcpt), RemoteMTA: "mx.example.org", ReportingMTA: "mx.example.net",
				Reason: bounce.Reason(kind.Reason), Type: bounce.Type(kind.Type), Hard: kind.Type == "hard",
				Provider: gen.Providers[(h>>17)%uint64(len(gen.Providers))], Rule: "bench",
				Confidence: []float64{0.4, 0.7, 0.9, 0.95, 1}[(h>>19)%5], BouncedAt: at,
				Sender: "news@shop.example", Subject: "Your offers",
				OriginalMessageID: "<o" + strconv.Itoa(k) + "@shop.example>",
				Campaign:          "camp-" + strconv.Itoa(campaign),
				SendingDomain:     []string{"shop.example", "news.shop.example", "mail.example.com"}[campaign%3]})
		}
		events += len(m.Events)
		msgs[i] = m
	}
	return msgs, events
}

// statsBenchStore opens the database of BenchmarkStats1M, building it with SaveBatch (which
// keeps the per-day counts) when needed. $REBOUND_STATS_BENCH_DB names a file (or a PostgreSQL
// database) to keep it in between runs; otherwise it is built in a temporary folder. With
// $REBOUND_TEST_BACKEND=postgres and no PostgreSQL database named, the SQLite database is built
// (or taken from $REBOUND_STATS_BENCH_DB), evaluated there by the default policy at end, and
// copied into a new database of internal/pgtest with CopyTo (PostgreSQL's COPY): evaluating a
// million events on PostgreSQL, whose evaluation writes a row per statement, did not end within
// 15 minutes (docs/performance.md).
func statsBenchStore(b *testing.B, end time.Time) *Store {
	path := os.Getenv("REBOUND_STATS_BENCH_DB")
	if path == "" {
		path = filepath.Join(b.TempDir(), "stats1m.db")
	}
	if testBackend != "postgres" || IsPostgres(path) {
		return statsBenchBuild(b, path, end)
	}
	src := statsBenchBuild(b, path, end)
	defer src.Close()
	ctx := context.Background()
	start := time.Now()
	sum, err := src.EvaluatePending(ctx, defaultEvaluator(b, end.Format(time.RFC3339)))
	if err != nil {
		b.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "evaluated %d addresses of %s in %v\n", sum.Addresses, src.Path(), time.Since(start).Round(time.Second))
	dst, err := Open(pgtest.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	start = time.Now()
	if _, err := src.CopyTo(ctx, dst); err != nil {
		b.Fatal(err)
	}
	if _, err := dst.db.ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "copied %s into %s: %d events in %v\n", src.Path(), dst.Path(), count(b, dst, "events"),
		time.Since(start).Round(time.Second))
	return dst
}

// statsBenchBuild opens the database at path, building the database of BenchmarkStats1M in it
// when it has fewer events.
func statsBenchBuild(b *testing.B, path string, end time.Time) *Store {
	ctx := context.Background()
	s, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	if have := count(b, s, "events"); have >= statsBenchEvents {
		fmt.Fprintf(os.Stderr, "using %s: %d events\n", s.Path(), have)
		return s
	}
	start := time.Now()
	for n, events := 0, 0; events < statsBenchEvents; {
		batch, e := statsBenchBatch(n, min(1000, (statsBenchEvents-events)*5/6+1), end)
		if _, err := s.SaveBatch(ctx, batch, nil); err != nil {
			b.Fatal(err)
		}
		n += len(batch)
		events += e
	}
	if _, err := s.db.ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "built %s: %d events in %v; %d event_counts rows, %d campaign_counts rows\n", s.Path(),
		count(b, s, "events"), time.Since(start).Round(time.Second), count(b, s, "event_counts"),
		count(b, s, "campaign_counts"))
	return s
}

// BenchmarkStats1M measures what `rebound stats` and `rebound recommend` do over a database of
// a million events spread over a year: reading the Dataset, building the tables and judging the
// findings. Each case logs the bounces in its period and whether the events were read one by
// one (DefaultDetailLimit).
func BenchmarkStats1M(b *testing.B) {
	ctx := context.Background()
	end := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	s := statsBenchStore(b, end)
	defer s.Close()
	now := end.Add(-7*time.Hour - 13*time.Minute) // the ends of the period are parts of days
	month := stats.Period{From: now.Add(-stats.DefaultSince), To: now}
	year := stats.Period{From: now.Add(-366 * 24 * time.Hour), To: now}
	cases := []struct {
		name  string
		q     stats.Query
		limit int
	}{
		{"30d", stats.Query{Period: month}, DefaultDetailLimit},
		{"30d-gmail", stats.Query{Period: month, Provider: "gmail"}, DefaultDetailLimit},
		{"year", stats.Query{Period: year}, DefaultDetailLimit},
		{"year-gmail", stats.Query{Period: year, Provider: "gmail"}, DefaultDetailLimit},
		{"year-detail", stats.Query{Period: year}, 0}, // rebound recommend, or stats --detail
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var info StatsInfo
			findings := 0
			cpu := cputime.Process()
			for b.Loop() {
				ds, in, err := s.Dataset(ctx, c.q, StatsOptions{DetailLimit: c.limit})
				if err != nil {
					b.Fatal(err)
				}
				report.Build(ds)
				findings = len(report.Recommend(ds))
				info = in
			}
			b.ReportMetric(float64(info.Bounces), "bounces")
			b.ReportMetric((cputime.Process()-cpu).Seconds()/float64(b.N), "cpu-s/op")
			b.Logf("%s: %d bounces, detailed %v, %d findings", c.name, info.Bounces, info.Detailed, findings)
		})
	}
}
