package report

import (
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/classify"
)

// synthetic returns n events over 30 days with a realistic spread: 12 providers, 20 reasons,
// 50 campaigns, 3 sending domains, n/4 recipients.
func synthetic(n int) ([]Event, Query) {
	rng := rand.New(rand.NewPCG(1, 2))
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	providers := []string{"gmail", "microsoft", "yahoo", "apple", "aol", "gmx", "webde", "orange", "comcast", "zoho", "yandex", "other"}
	type rt struct {
		r classify.Reason
		t classify.Type
	}
	reasons := []rt{{"userunknown", "hard"}, {"hostunknown", "hard"}, {"mailboxfull", "soft"}, {"expired", "soft"},
		{"blocked", "block"}, {"spamdetected", "block"}, {"ratelimited", "block"}, {"authfailure", "block"},
		{"feedback", "complaint"}, {"undefined", "unknown"}, {"vacation", "autoreply"}, {"suspend", "soft"},
		{"systemerror", "soft"}, {"policyviolation", "block"}, {"requireptr", "block"}, {"badreputation", "block"},
		{"notaccept", "hard"}, {"networkerror", "soft"}, {"filtered", "soft"}, {"rejected", "block"}}
	events := make([]Event, n)
	for i := range events {
		x := reasons[rng.IntN(len(reasons))]
		events[i] = Event{
			Time:          from.Add(time.Duration(rng.Int64N(int64(30 * 24 * time.Hour)))),
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
	return events, Query{Period: Period{From: from, To: from.AddDate(0, 0, 30)}}
}

// storeLike returns n events over a year with the diagnostics of the store's BenchmarkStats1M:
// most name the recipient (n/3 of them, at 2,000 domains), so nearly every diagnostic row is
// distinct, while some are shared by every recipient (a block list, a rejection).
func storeLike(n int) ([]Event, Query) {
	kinds := []struct {
		typ           classify.Type
		reason        classify.Reason
		status, reply string
		diag          string
	}{
		{"hard", "userunknown", "5.1.1", "550", "550 5.1.1 <%s>: Recipient address rejected: User unknown"},
		{"hard", "userunknown", "5.1.1", "550", "550-5.1.1 The email account that you tried to reach does not exist. %s - gsmtp"},
		{"hard", "hostunknown", "5.1.2", "550", "550 5.1.2 Host unknown (Name server: %s: host not found)"},
		{"soft", "mailboxfull", "4.2.2", "452", "452-4.2.2 The recipient's inbox is out of storage space. %s - gsmtp"},
		{"soft", "mailboxfull", "5.2.2", "552", "552 5.2.2 <%s>: mailbox full"},
		{"soft", "expired", "4.4.7", "", "delivery temporarily suspended: connect to mx.example.org: Connection timed out"},
		{"block", "blocked", "5.7.1", "554", "554 5.7.1 Service unavailable; client host [192.0.2.9] blocked using zen.spamhaus.org"},
		{"block", "spamdetected", "5.7.1", "550", "550 5.7.1 Message rejected as spam by Content Filtering. %s"},
		{"block", "authfailure", "5.7.26", "550", "550-5.7.26 This mail is unauthenticated. DMARC policy. %s - gsmtp"},
		{"block", "ratelimited", "4.7.28", "421", "421-4.7.28 Unusual rate of unsolicited mail originating from your IP. %s - gsmtp"},
		{"block", "policyviolation", "5.7.1", "550", "550 5.7.1 Unfortunately, messages from [192.0.2.9] weren't sent. (S3150)"},
		{"block", "rejected", "5.7.1", "550", "550 5.7.1 Rejected"},
		{"complaint", "feedback", "", "", ""},
		{"autoreply", "vacation", "", "", ""},
		{"unknown", "undefined", "", "", "something went wrong %s"},
		{"delivered", "delivered", "2.0.0", "250", ""},
	}
	providers := []string{"gmail", "gmail", "gmail", "microsoft", "microsoft", "yahoo", "apple", "gmx", "orange", "other", "other", ""}
	rng := rand.New(rand.NewPCG(3, 4))
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	events := make([]Event, n)
	for i := range events {
		k := kinds[rng.IntN(len(kinds))]
		rcpt := fmt.Sprintf("user%d@example%d.org", rng.IntN(n/3), rng.IntN(2000))
		diag := k.diag
		if strings.Contains(diag, "%s") {
			diag = fmt.Sprintf(diag, rcpt)
		}
		campaign := i * 212 / n
		events[i] = Event{
			Time:      from.Add(time.Duration(i) * (365 * 24 * time.Hour / time.Duration(n))),
			Recipient: rcpt, Provider: providers[rng.IntN(len(providers))],
			Type: k.typ, Reason: k.reason, Status: k.status, ReplyCode: k.reply, Diagnostic: diag,
			Confidence:    []float64{0.4, 0.7, 0.9, 0.95, 1}[rng.IntN(5)],
			Campaign:      fmt.Sprintf("camp-%d", campaign),
			SendingDomain: []string{"shop.example", "news.shop.example", "mail.example.com"}[campaign%3],
		}
	}
	return events, Query{Period: Period{From: from, To: from.AddDate(1, 0, 0)}}
}

// The tables of a million events come from a few thousand rows: building, rendering and
// recommending from them takes a small part of the 2 s budget, leaving the rest to the store's
// GROUP BY queries. (The in-memory Aggregate is timed by BenchmarkAggregate1M.)
func TestMillionEventsFromRows(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	events, q := synthetic(1_000_000)
	ds := Aggregate(events, q)
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
	if took > time.Second {
		t.Errorf("took %v", took)
	}
}

func BenchmarkAggregate1M(b *testing.B) {
	events, q := synthetic(1_000_000)
	b.ResetTimer()
	for range b.N {
		Aggregate(events, q)
	}
}

// BenchmarkAggregate1MStoreLike aggregates events whose diagnostics name the recipient, as
// the store does for `rebound recommend` (BenchmarkStats1M/year-detail).
func BenchmarkAggregate1MStoreLike(b *testing.B) {
	events, q := storeLike(1_000_000)
	b.ResetTimer()
	for range b.N {
		Aggregate(events, q)
	}
}

func BenchmarkBuildRender(b *testing.B) {
	events, q := synthetic(1_000_000)
	ds := Aggregate(events, q)
	b.ResetTimer()
	for range b.N {
		s := Build(ds)
		if err := Render(io.Discard, s, "", FormatTable, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRecommend(b *testing.B) {
	events, q := synthetic(1_000_000)
	ds := Aggregate(events, q)
	b.ResetTimer()
	for range b.N {
		Recommend(ds)
	}
}

// BenchmarkRecommendStoreLike judges the half a million diagnostic rows of storeLike.
func BenchmarkRecommendStoreLike(b *testing.B) {
	events, q := storeLike(1_000_000)
	ds := Aggregate(events, q)
	b.ResetTimer()
	for range b.N {
		Recommend(ds)
	}
}
