package store

import (
	"github.com/reboundhq/rebound/internal/stats"

	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
	"github.com/reboundhq/rebound/internal/report"
)

// statsKinds are the types and reasons of the composed events of the stats tests.
var statsKinds = []struct {
	typ                 bounce.Type
	reason              bounce.Reason
	status, reply, diag string
}{
	{"hard", "userunknown", "5.1.1", "550", "550 5.1.1 user unknown"},
	{"soft", "mailboxfull", "4.2.2", "452", "452 4.2.2 mailbox full"},
	{"block", "blocked", "5.7.1", "554", "554 5.7.1 client host [192.0.2.9] blocked using zen.spamhaus.org"},
	{"block", "authfailure", "5.7.26", "550", "550 5.7.26 unauthenticated email: DMARC policy"},
	{"soft", "ratelimited", "4.7.28", "421", "421 4.7.28 try again later"},
	{"complaint", "feedback", "", "", ""},
	{"autoreply", "vacation", "", "", ""},
	{"unknown", "undefined", "", "", "something odd"},
	{"delivered", "delivered", "2.0.0", "250", ""},
}

// statsEvents composes n events over ten days from start, at every hour and minute, across
// providers (one of them unknown), recipients (some at a typo domain), campaigns and sending
// domains (some unknown), confidences in every band, and a few of unknown time.
func statsEvents(n int, start time.Time) []bounce.Event {
	providers := []string{"gmail", "microsoft", "yahoo", "", "other"}
	campaigns := []string{"spring", "summer", "", "weekly-1"}
	domains := []string{"shop.example", "", "news.example"}
	rdomains := []string{"example.org", "gamil.com", "example.net"}
	out := make([]bounce.Event, n)
	for i := range out {
		k := statsKinds[(i*7)%len(statsKinds)]
		e := bounce.Event{
			Recipient: fmt.Sprintf("user%d@%s", (i*13)%97, rdomains[i%len(rdomains)]), Action: "failed",
			Status: k.status, ReplyCode: k.reply, Diagnostic: k.diag, Reason: k.reason, Type: k.typ,
			Hard: k.typ == "hard", Provider: providers[(i/3)%len(providers)], Rule: "test",
			Confidence: []float64{0.3, 0.5, 0.79, 0.8, 1}[i%5], Campaign: campaigns[(i/2)%len(campaigns)],
			SendingDomain: domains[(i/5)%len(domains)],
			BouncedAt:     start.Add(time.Duration(i*37) * time.Minute),
		}
		if i%23 == 0 {
			e.BouncedAt = time.Time{}
		}
		out[i] = e
	}
	return out
}

// saveEvents stores events in messages of up to three events, batch events at a time.
func saveEvents(t testing.TB, s *Store, events []bounce.Event, batch int) {
	t.Helper()
	var msgs []Message
	for i := 0; i < len(events); i += 3 {
		m := msg(fmt.Sprintf("m%d", i), "bounce", events[i:min(i+3, len(events))]...)
		msgs = append(msgs, m)
	}
	for i := 0; i < len(msgs); i += batch {
		if _, err := s.SaveBatch(context.Background(), msgs[i:min(i+batch, len(msgs))], nil); err != nil {
			t.Fatal(err)
		}
	}
}

// toReport is the events as the store reads them back for the statistics: the recipient as
// stored.
func toReport(events []bounce.Event) []bounce.Event {
	out := slices.Clone(events)
	for i := range out {
		out[i].Recipient = NormalizeRecipient(out[i].Recipient)
	}
	return out
}

// normalize sums the rows of one key and sorts them, so that two datasets with the same
// content compare equal whatever their rows' order and split.
func normalize(ds *stats.Dataset) *stats.Dataset {
	out := *ds
	counts := map[stats.CountRow]int{}
	for _, c := range ds.Counts {
		n := c.Count
		c.Count = 0
		counts[c] += n
	}
	out.Counts = nil
	for c, n := range counts {
		c.Count = n
		out.Counts = append(out.Counts, c)
	}
	slices.SortFunc(out.Counts, func(a, b stats.CountRow) int {
		return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
	})
	camps := map[stats.CampaignRow]int{}
	for _, c := range ds.Campaigns {
		n := c.Count
		c.Count = 0
		camps[c] += n
	}
	out.Campaigns = nil
	for c, n := range camps {
		c.Count = n
		out.Campaigns = append(out.Campaigns, c)
	}
	slices.SortFunc(out.Campaigns, func(a, b stats.CampaignRow) int {
		return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
	})
	return &out
}

// TestDatasetMatchesAggregate checks the store's rows against stats.Aggregate over the same
// events, for periods of whole days, of parts of days, within one day, with sub-second bounds
// and with a provider filter: the per-day counts and the ends read from the events must add up
// to the same tables, and the detail rows must be the same.
func TestDatasetMatchesAggregate(t *testing.T) {
	s := openStore(t)
	start := mustTime("2026-03-02T05:17:00Z")
	events := statsEvents(600, start)
	saveEvents(t, s, events, 7)
	saveEvents(t, s, events[:90], 5) // stored before: counted once
	all := toReport(events)
	day := 24 * time.Hour
	queries := []stats.Query{
		{Period: stats.Period{From: mustTime("2026-03-01T00:00:00Z"), To: mustTime("2026-03-20T00:00:00Z")}},
		{Period: stats.Period{From: mustTime("2026-03-02T00:00:00Z"), To: mustTime("2026-03-05T00:00:00Z")}},
		{Period: stats.Period{From: start.Add(90 * time.Minute), To: start.Add(4*day + 7*time.Hour)}},
		{Period: stats.Period{From: start.Add(2*day + time.Hour), To: start.Add(2*day + 9*time.Hour)}},
		{Period: stats.Period{From: start.Add(20*time.Hour + 500*time.Millisecond), To: start.Add(2*day + 37*time.Minute + 1)}},
		// Bounds a fraction of a second around the times of events 20 and 100.
		{Period: stats.Period{From: start.Add(20*37*time.Minute - 500*time.Millisecond), To: start.Add(100*37*time.Minute + 1)}},
		{Period: stats.Period{From: start.Add(20*37*time.Minute + 1), To: start.Add(100 * 37 * time.Minute)}},
		{Period: stats.Period{From: start.Add(-day), To: start.Add(30 * day)}, Provider: "gmail"},
		{Period: stats.Period{From: start.Add(5 * time.Hour), To: start.Add(6 * day)}, Provider: "microsoft"},
		{Period: stats.Period{From: start.Add(40 * day), To: start.Add(41 * day)}},
	}
	for _, q := range queries {
		name := fmt.Sprintf("%s..%s/%s", q.Period.From.Format(time.RFC3339Nano), q.Period.To.Format(time.RFC3339Nano), q.Provider)
		t.Run(name, func(t *testing.T) {
			got, info, err := s.Dataset(context.Background(), q, StatsOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want := stats.Aggregate(all, q)
			if !info.Detailed {
				t.Error("not detailed without a limit")
			}
			bounces := 0
			for _, c := range want.Counts {
				if stats.Counted(c.Type) {
					bounces += c.Count
				}
			}
			if info.Bounces != bounces {
				t.Errorf("info.Bounces = %d, want %d", info.Bounces, bounces)
			}
			g, w := normalize(got), normalize(want)
			if !reflect.DeepEqual(g.Counts, w.Counts) {
				t.Errorf("counts:\n got %v\nwant %v", g.Counts, w.Counts)
			}
			if !reflect.DeepEqual(g.Campaigns, w.Campaigns) {
				t.Errorf("campaigns:\n got %v\nwant %v", g.Campaigns, w.Campaigns)
			}
			for _, f := range []string{"Distinct", "Diagnostics", "Domains", "SoftToHard"} {
				gv, wv := reflect.ValueOf(*got).FieldByName(f).Interface(), reflect.ValueOf(*want).FieldByName(f).Interface()
				if !reflect.DeepEqual(gv, wv) {
					t.Errorf("%s:\n got %v\nwant %v", f, gv, wv)
				}
			}
			// And so the tables and the findings are the same.
			gj, _ := json.Marshal(report.Build(got))
			wj, _ := json.Marshal(report.Build(want))
			if string(gj) != string(wj) {
				t.Errorf("tables differ:\n got %s\nwant %s", gj, wj)
			}
			if gf, wf := report.Recommend(got), report.Recommend(want); !reflect.DeepEqual(gf, wf) {
				t.Errorf("findings differ:\n got %+v\nwant %+v", gf, wf)
			}
		})
	}
}

// TestDatasetDetailLimit checks that the rows read event by event are left out above the limit
// (and always with a negative one), while the counts stay.
func TestDatasetDetailLimit(t *testing.T) {
	s := openStore(t)
	start := mustTime("2026-03-02T05:17:00Z")
	saveEvents(t, s, statsEvents(200, start), 50)
	q := stats.Query{Period: stats.Period{From: start.Add(-time.Hour), To: start.Add(30 * 24 * time.Hour)}}
	full, info, err := s.Dataset(context.Background(), q, StatsOptions{})
	if err != nil || !info.Detailed || len(full.Distinct) == 0 {
		t.Fatalf("no limit: detailed %v, %d distinct rows, %v", info.Detailed, len(full.Distinct), err)
	}
	for _, limit := range []int{info.Bounces, info.Bounces - 1, -1} {
		ds, in, err := s.Dataset(context.Background(), q, StatsOptions{DetailLimit: limit})
		if err != nil {
			t.Fatal(err)
		}
		want := limit >= info.Bounces
		if in.Detailed != want || (len(ds.Distinct) > 0) != want || (len(ds.Diagnostics) > 0) != want ||
			(len(ds.Domains) > 0) != want {
			t.Errorf("limit %d for %d bounces: detailed %v, %d distinct, %d diagnostics, %d domains; want detail %v",
				limit, info.Bounces, in.Detailed, len(ds.Distinct), len(ds.Diagnostics), len(ds.Domains), want)
		}
		if !reflect.DeepEqual(normalize(ds).Counts, normalize(full).Counts) || in.Bounces != info.Bounces {
			t.Errorf("limit %d: the counts changed", limit)
		}
	}
}

// aggregateTables returns the rows of the per-day count tables, for comparisons.
func aggregateTables(t *testing.T, s *Store) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		"SELECT day, provider, type, reason, band, event_count FROM event_counts ORDER BY 1, 2, 3, 4, 5",
		"SELECT day, campaign, sending_domain, provider, type, reason, event_count FROM campaign_counts ORDER BY 1, 2, 3, 4, 5, 6",
	} {
		rows, err := s.db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&b, vals...)
		}
		rows.Close()
	}
	return b.String()
}

// TestStatsBackfill checks that migration 0003 (run again with those after it) counts the events stored before it exactly as
// SaveBatch counts them.
func TestStatsBackfill(t *testing.T) {
	s, p := openTemp(t)
	saveEvents(t, s, statsEvents(300, mustTime("2026-03-02T05:17:00Z")), 11)
	want := aggregateTables(t, s)
	if strings.Count(want, "\n") < 50 {
		t.Fatalf("only %d aggregate rows", strings.Count(want, "\n"))
	}
	s.Close()
	downgrade(t, p, 2) // back to the schema before 0003, with the events
	s, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := aggregateTables(t, s); got != want {
		t.Errorf("backfill:\n%s\nSaveBatch:\n%s", got, want)
	}
}

// TestStatsSaveBatchFailure checks that a batch rolled back leaves no count behind.
func TestStatsSaveBatchFailure(t *testing.T) {
	s := openStore(t)
	batch := []Message{msg("a", "bounce", ev("a@example.org", "hard", "userunknown", "2026-03-01T10:00:00Z"))}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.SaveBatch(ctx, batch, nil); err == nil {
		t.Fatal("saved with a canceled context")
	}
	if n := count(t, s, "event_counts") + count(t, s, "campaign_counts"); n != 0 {
		t.Errorf("%d count rows after a failed batch", n)
	}
}

func TestSentVolumes(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	rows := []stats.SentRow{
		{Campaign: "spring", Count: 1000},
		{Campaign: "weekly", Provider: "gmail", Date: "2026-03-05", Count: 400},
		{Campaign: "weekly", Provider: "microsoft", Date: "2026-03-05", Count: 250},
	}
	if err := s.AddSent(ctx, rows); err != nil {
		t.Fatal(err)
	}
	// The same campaign, provider and date replaces the count; another date is another row.
	if err := s.AddSent(ctx, []stats.SentRow{{Campaign: "spring", Count: 1200},
		{Campaign: "weekly", Provider: "gmail", Date: "2026-03-06", Count: 10}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Sent(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []stats.SentRow{
		{Campaign: "spring", Count: 1200},
		{Campaign: "weekly", Provider: "gmail", Date: "2026-03-05", Count: 400},
		{Campaign: "weekly", Provider: "gmail", Date: "2026-03-06", Count: 10},
		{Campaign: "weekly", Provider: "microsoft", Date: "2026-03-05", Count: 250},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sent:\n got %v\nwant %v", got, want)
	}
	ds, _, err := s.Dataset(ctx, stats.Query{Period: stats.Period{From: mustTime("2026-03-01T00:00:00Z"),
		To: mustTime("2026-03-31T00:00:00Z")}}, StatsOptions{})
	if err != nil || !reflect.DeepEqual(ds.Sent, want) {
		t.Errorf("dataset sent: %v, %v", ds.Sent, err)
	}
	if err := s.AddSent(ctx, []stats.SentRow{{Campaign: "x", Count: 1}, {Count: 3}}); err == nil {
		t.Error("a row without a campaign was accepted")
	}
	if got, _ := s.Sent(ctx); len(got) != len(want) {
		t.Errorf("a rejected call stored rows: %v", got)
	}
}

// TestDatasetUndecodableAndSuppressions checks the two counts that do not come from events:
// undecodable messages by their date (else scan time), and soft-bounce suppressions by the
// time of the suppression.
func TestDatasetUndecodableAndSuppressions(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	in := Message{Key: "u1", Position: "box:1", Path: "box", Outcome: "undecodable", Error: "truncated",
		Date: mustTime("2026-03-03T10:00:00Z")}
	out := Message{Key: "u2", Position: "box:2", Path: "box", Outcome: "undecodable", Error: "truncated",
		Date: mustTime("2026-02-03T10:00:00Z")}
	undated := Message{Key: "u3", Position: "box:3", Path: "box", Outcome: "undecodable", Error: "binary",
		ScannedAt: mustTime("2026-03-04T10:00:00Z")}
	ok := msg("b1", "bounce", ev("a@example.org", "hard", "userunknown", "2026-03-03T10:00:00Z"))
	if _, err := s.SaveBatch(ctx, []Message{in, out, undated, ok}, nil); err != nil {
		t.Fatal(err)
	}
	for i, st := range []struct {
		state string
		soft  int
		since string
	}{{"suppressed", 3, "2026-03-02T00:00:00Z"}, {"suppressed", 0, "2026-03-02T00:00:00Z"},
		{"paused", 3, "2026-03-02T00:00:00Z"}, {"suppressed", 3, "2026-02-02T00:00:00Z"}} {
		if _, err := s.db.Exec(`INSERT INTO states (address, state, soft_count, pause_count, since, bounces,
			policy, evaluated_at) VALUES (?, ?, ?, 0, ?, 1, 'p', 0)`, fmt.Sprint("a", i, "@example.org"), st.state,
			st.soft, mustTime(st.since).Unix()); err != nil {
			t.Fatal(err)
		}
	}
	q := stats.Query{Period: stats.Period{From: mustTime("2026-03-01T00:00:00Z"), To: mustTime("2026-03-31T00:00:00Z")}}
	ds, _, err := s.Dataset(ctx, q, StatsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Undecodable != 2 || ds.SoftSuppressions != 1 {
		t.Errorf("undecodable %d, soft suppressions %d; want 2, 1", ds.Undecodable, ds.SoftSuppressions)
	}
	q.Provider = "example"
	if ds, _, _ = s.Dataset(ctx, q, StatsOptions{}); ds.SoftSuppressions != 0 {
		t.Errorf("soft suppressions under a provider filter: %d", ds.SoftSuppressions)
	}
}
