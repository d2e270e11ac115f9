package report

import (
	"github.com/reboundhq/rebound/internal/stats"

	"fmt"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
	"github.com/reboundhq/rebound/internal/gen"
)

// synthetic returns n events over 30 days with a realistic spread: 12 providers, 20 reasons,
// 50 campaigns, 3 sending domains, n/4 recipients.
func synthetic(n int) ([]bounce.Event, stats.Query) {
	rng := rand.New(rand.NewPCG(1, 2))
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	providers := []string{"gmail", "microsoft", "yahoo", "apple", "aol", "gmx", "webde", "orange", "comcast", "zoho", "yandex", "other"}
	type rt struct {
		r bounce.Reason
		t bounce.Type
	}
	reasons := []rt{{"userunknown", "hard"}, {"hostunknown", "hard"}, {"mailboxfull", "soft"}, {"expired", "soft"},
		{"blocked", "block"}, {"spamdetected", "block"}, {"ratelimited", "block"}, {"authfailure", "block"},
		{"feedback", "complaint"}, {"undefined", "unknown"}, {"vacation", "autoreply"}, {"suspend", "soft"},
		{"systemerror", "soft"}, {"policyviolation", "block"}, {"requireptr", "block"}, {"badreputation", "block"},
		{"notaccept", "hard"}, {"networkerror", "soft"}, {"filtered", "soft"}, {"rejected", "block"}}
	events := make([]bounce.Event, n)
	for i := range events {
		x := reasons[rng.IntN(len(reasons))]
		events[i] = bounce.Event{
			BouncedAt:     from.Add(time.Duration(rng.Int64N(int64(30 * 24 * time.Hour)))),
			Recipient:     fmt.Sprintf("user%d@domain%d.example", rng.IntN(n/4), rng.IntN(5000)),
			Provider:      providers[rng.IntN(len(providers))],
			Type:          x.t,
			Reason:        x.r,
			Status:        "5.1.1",
			ReplyCode:     "550",
			Diagnostic:    fmt.Sprintf("550 5.1.1 mailbox %d unavailable", rng.IntN(100)),
			Confidence:    rng.Float64(),
			Campaign:      fmt.Sprintf("campaign-%d", rng.IntN(50)),
			SendingDomain: fmt.Sprintf("news%d.example.com", rng.IntN(3)),
		}
	}
	return events, stats.Query{Period: stats.Period{From: from, To: from.AddDate(0, 0, 30)}}
}

// storeLike returns n events over a year with the diagnostics of the store's BenchmarkStats1M:
// most name the recipient (n/3 of them, at 2,000 domains), so nearly every diagnostic row is
// distinct, while some are shared by every recipient (a block list, a rejection).
func storeLike(n int) ([]bounce.Event, stats.Query) {
	rng := rand.New(rand.NewPCG(3, 4))
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	events := make([]bounce.Event, n)
	for i := range events {
		k := gen.Kinds[rng.IntN(len(gen.Kinds))]
		rcpt := fmt.Sprintf("user%d@example%d.org", rng.IntN(n/3), rng.IntN(2000))
		campaign := i * 212 / n
		events[i] = bounce.Event{
			BouncedAt: from.Add(time.Duration(i) * (365 * 24 * time.Hour / time.Duration(n))),
			Recipient: rcpt, Provider: gen.Providers[rng.IntN(len(gen.Providers))],
			Type: bounce.Type(k.Type), Reason: bounce.Reason(k.Reason), Status: k.Status,
			ReplyCode: k.ReplyCode, Diagnostic: k.DiagnosticFor(rcpt),
			Confidence:    []float64{0.4, 0.7, 0.9, 0.95, 1}[rng.IntN(5)],
			Campaign:      fmt.Sprintf("camp-%d", campaign),
			SendingDomain: []string{"shop.example", "news.shop.example", "mail.example.com"}[campaign%3],
		}
	}
	return events, stats.Query{Period: stats.Period{From: from, To: from.AddDate(1, 0, 0)}}
}

// The tables of a million events come from a few thousand rows, and every event is counted in
// them. The time it takes is logged, not asserted (a shared machine's wall clock says little);
// the in-memory Aggregate is timed by BenchmarkAggregate1M.
func TestMillionEventsFromRows(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	events, q := synthetic(1_000_000)
	ds := stats.Aggregate(events, q)
	start := time.Now()
	s := Build(ds)
	if err := Render(io.Discard, s, "", FormatTable, Options{}); err != nil {
		t.Fatal(err)
	}
	Recommend(ds)
	took := time.Since(start)
	t.Logf("%d count rows, %d campaign rows, %d diagnostic rows: %v", len(ds.Counts), len(ds.Campaigns), len(ds.Diagnostics), took)
	if s.Total.Bounces+s.AutoReplies != len(events) {
		t.Errorf("counted %d of %d", s.Total.Bounces+s.AutoReplies, len(events))
	}
}

func BenchmarkAggregate1M(b *testing.B) { benchAggregate(b, synthetic) }

// BenchmarkAggregate1MStoreLike aggregates events whose diagnostics name the recipient, as
// the store does for `rebound recommend` (BenchmarkStats1M/year-detail).
func BenchmarkAggregate1MStoreLike(b *testing.B) { benchAggregate(b, storeLike) }

func benchAggregate(b *testing.B, events func(int) ([]bounce.Event, stats.Query)) {
	evs, q := events(1_000_000)
	b.ResetTimer()
	for range b.N {
		stats.Aggregate(evs, q)
	}
}

func BenchmarkBuildRender(b *testing.B) {
	events, q := synthetic(1_000_000)
	ds := stats.Aggregate(events, q)
	b.ResetTimer()
	for range b.N {
		s := Build(ds)
		if err := Render(io.Discard, s, "", FormatTable, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRecommend(b *testing.B) { benchRecommend(b, synthetic) }

// BenchmarkRecommendStoreLike judges the half a million diagnostic rows of storeLike.
func BenchmarkRecommendStoreLike(b *testing.B) { benchRecommend(b, storeLike) }

func benchRecommend(b *testing.B, events func(int) ([]bounce.Event, stats.Query)) {
	ds := stats.Aggregate(events(1_000_000))
	b.ResetTimer()
	for range b.N {
		Recommend(ds)
	}
}
