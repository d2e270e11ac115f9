package report

import (
	"github.com/reboundhq/rebound/internal/stats"

	"bytes"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
)

func day(d, h int) time.Time { return time.Date(2026, 1, d, h, 0, 0, 0, time.UTC) }

// period is 2026-01-01 (a Thursday) to 2026-01-07 (a Wednesday): ISO week 2026-W01 ends on
// Sunday 01-04 and 2026-W02 starts on Monday 01-05.
var period = stats.Period{From: day(1, 0), To: day(8, 0)}

func ev(t time.Time, rcpt, provider string, typ bounce.Type, reason bounce.Reason, campaign, domain string, conf float64) bounce.Event {
	return bounce.Event{BouncedAt: t, Recipient: rcpt, Provider: provider, Type: typ, Reason: reason,
		Campaign: campaign, SendingDomain: domain, Confidence: conf}
}

// fixture is a composed dataset whose tables are worked out by hand in the tests.
func fixture() []bounce.Event {
	const news, shop = "news.example.com", "shop.example.com"
	return []bounce.Event{
		ev(day(1, 9), "a@gmail.com", "gmail", "hard", "userunknown", "spring", news, 0.9),
		ev(day(2, 9), "b@gmail.com", "gmail", "soft", "mailboxfull", "spring", news, 0.6),
		ev(day(3, 9), "b@gmail.com", "gmail", "hard", "userunknown", "spring", news, 0.9),
		ev(day(5, 9), "c@gmail.com", "gmail", "block", "blocked", "summer", shop, 0.4),
		ev(day(5, 10), "a@gmail.com", "gmail", "hard", "userunknown", "summer", shop, 0.9),
		ev(day(4, 23), "d@outlook.com", "microsoft", "block", "blocked", "spring", news, 0.9),
		ev(day(5, 0), "e@outlook.com", "microsoft", "complaint", "feedback", "spring", news, 0.95),
		ev(day(6, 9), "d@outlook.com", "microsoft", "soft", "expired", "", "", 0.7),
		ev(day(7, 9), "f@yahoo.com", "yahoo", "hard", "hostunknown", "summer", shop, 0.9),
		ev(day(7, 23), "g@yahoo.com", "yahoo", "unknown", "undefined", "", "", 0.2),
		// not counted: an auto-reply and a delivery notice
		ev(day(3, 9), "h@example.org", "other", "autoreply", "vacation", "", "", 1),
		ev(day(2, 9), "i@example.org", "other", "delivered", "delivered", "", "", 1),
		// outside the period
		ev(day(8, 0), "j@gmail.com", "gmail", "hard", "userunknown", "spring", news, 0.9),
		ev(day(1, 0).Add(-time.Second), "k@gmail.com", "gmail", "hard", "userunknown", "spring", news, 0.9),
	}
}

func fixtureStats(t *testing.T, sent ...stats.SentRow) *Stats {
	t.Helper()
	ds := stats.Aggregate(fixture(), stats.Query{Period: period})
	ds.Undecodable = 2
	ds.Sent = sent
	return Build(ds)
}

func render(t *testing.T, s *Stats, by string, f Format, opts Options) string {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, s, by, f, opts); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestTablesCSV(t *testing.T) {
	s := fixtureStats(t)
	tests := []struct{ by, want string }{
		{"provider", `key,bounces,recipients,hard,soft,block,complaints,share_pct,hard_pct,top_reason,top_reason_count
gmail,5,3,3,1,1,0,50.00,60.00,userunknown,3
microsoft,3,2,0,1,1,1,30.00,0.00,blocked,1
yahoo,2,2,1,0,0,0,20.00,50.00,hostunknown,1
`},
		{"reason", `reason,type,bounces,recipients,share_pct
userunknown,hard,3,2,30.00
blocked,block,2,2,20.00
expired,soft,1,1,10.00
feedback,complaint,1,1,10.00
hostunknown,hard,1,1,10.00
mailboxfull,soft,1,1,10.00
undefined,unknown,1,1,10.00
`},
		{"type", `type,bounces,recipients,share_pct
hard,4,3,40.00
block,2,2,20.00
soft,2,2,20.00
complaint,1,1,10.00
unknown,1,1,10.00
`},
		{"day", `day,weekday,bounces,recipients,hard,soft,block,complaints
2026-01-01,Thu,1,1,1,0,0,0
2026-01-02,Fri,1,1,0,1,0,0
2026-01-03,Sat,1,1,1,0,0,0
2026-01-04,Sun,1,1,0,0,1,0
2026-01-05,Mon,3,3,1,0,1,1
2026-01-06,Tue,1,1,0,1,0,0
2026-01-07,Wed,2,2,1,0,0,0
`},
		{"week", `week,from,bounces,recipients,hard,soft,block,complaints
2026-W01,2025-12-29,4,3,2,1,1,0
2026-W02,2026-01-05,6,6,2,1,1,1
`},
		{"campaign", `key,bounces,recipients,hard,soft,block,complaints,share_pct,hard_pct,top_reason,top_reason_count
spring,5,4,2,1,1,1,50.00,40.00,userunknown,2
summer,3,3,2,0,1,0,30.00,66.67,blocked,1
,2,2,0,1,0,0,20.00,0.00,expired,1
`},
		{"domain", `key,bounces,recipients,hard,soft,block,complaints,share_pct,hard_pct,top_reason,top_reason_count
news.example.com,5,4,2,1,1,1,50.00,40.00,userunknown,2
shop.example.com,3,3,2,0,1,0,30.00,66.67,blocked,1
,2,2,0,1,0,0,20.00,0.00,expired,1
`},
	}
	for _, tt := range tests {
		t.Run(tt.by, func(t *testing.T) {
			if got := render(t, s, tt.by, FormatCSV, Options{}); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
	// Without --by, every table in one file: a table column, then the union of the columns;
	// each table's rows are its own CSV's, their cells in the columns of the same name.
	all := render(t, s, "", FormatCSV, Options{})
	recs, err := csv.NewReader(strings.NewReader(all)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header := recs[0]
	if header[0] != "table" || !slices.Contains(header, "week") || !slices.Contains(header, "confidence") {
		t.Fatalf("header %v", header)
	}
	byTable := map[string][][]string{}
	for _, r := range recs[1:] {
		byTable[r[0]] = append(byTable[r[0]], r)
	}
	for _, tt := range tests {
		one, _ := csv.NewReader(strings.NewReader(tt.want)).ReadAll()
		rows := byTable[tt.by]
		if len(rows) != len(one)-1 {
			t.Errorf("%s: %d rows in the whole CSV, want %d", tt.by, len(rows), len(one)-1)
			continue
		}
		for i, r := range rows {
			for j, col := range one[0] {
				if got := r[slices.Index(header, col)]; got != one[i+1][j] {
					t.Errorf("%s row %d column %s: %q, want %q", tt.by, i, col, got, one[i+1][j])
				}
			}
		}
	}
	if len(byTable["confidence"]) != 3 {
		t.Errorf("confidence rows: %v", byTable["confidence"])
	}
	var one bytes.Buffer
	if err := CSVTable(&one, s, "week"); err != nil || one.String() != tests[4].want {
		t.Errorf("CSVTable week: %v\n%s", err, one.String())
	}
	if err := CSVTable(&one, s, "month"); err == nil {
		t.Error("CSVTable accepts an unknown table")
	}
}

func TestTotalsAndSummary(t *testing.T) {
	s := fixtureStats(t)
	tot := s.Total
	if tot.Bounces != 10 || tot.Recipients != 7 || tot.Hard != 4 || tot.Soft != 2 || tot.Block != 2 ||
		tot.Complaints != 1 || tot.Unknown != 1 || tot.TopReason != "userunknown" || tot.TopReasonCount != 3 {
		t.Errorf("total %+v", tot)
	}
	if s.AutoReplies != 1 || s.Deliveries != 1 || s.Undecodable != 2 {
		t.Errorf("autoreplies %d, deliveries %d, undecodable %d", s.AutoReplies, s.Deliveries, s.Undecodable)
	}
	wantConf := []ConfidenceRow{{"<0.5", 2, 0.2}, {"0.5-0.8", 2, 0.2}, {">=0.8", 6, 0.6}}
	for i, c := range s.Confidence {
		if c != wantConf[i] {
			t.Errorf("confidence %d: %+v, want %+v", i, c, wantConf[i])
		}
	}
	out := render(t, s, "", FormatTable, Options{})
	for _, want := range []string{
		"Period: 2026-01-01 00:00 to 2026-01-08 00:00 UTC, all providers\n",
		"Bounces: 10, 7 recipients: 4 hard, 2 soft, 2 block, 1 complaint, 1 unknown\n",
		"Not counted: 1 auto-reply, 1 delivery notice\n",
		"Undecodable messages: 2 (list them with `rebound show --undecodable`)\n",
		"By provider", "By type", "By reason", "By day", "By week", "By campaign", "By sending domain",
		"Classification confidence",
		"│ <0.5       │       2 │ 20.0% │",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table output lacks %q:\n%s", want, out)
		}
	}
}

func TestProviderTable(t *testing.T) {
	got := render(t, fixtureStats(t), "provider", FormatTable, Options{})
	want := `Period: 2026-01-01 00:00 to 2026-01-08 00:00 UTC, all providers
Bounces: 10, 7 recipients: 4 hard, 2 soft, 2 block, 1 complaint, 1 unknown
Outside the period: 2 more bounces; the bounces stored run from 2025-12-31 to 2026-01-08 (--from 2025-12-31 --to 2026-01-08 shows them all)
Not counted: 1 auto-reply, 1 delivery notice
Undecodable messages: 2 (list them with ` + "`rebound show --undecodable`" + `)

By provider
┌───────────┬─────────┬────────────┬──────┬──────┬───────┬────────────┬────────┬────────┬─────────────────┐
│ Provider  │ Bounces │ Recipients │ Hard │ Soft │ Block │ Complaints │ Share  │ Hard % │ Top reason      │
├───────────┼─────────┼────────────┼──────┼──────┼───────┼────────────┼────────┼────────┼─────────────────┤
│ gmail     │       5 │          3 │    3 │    1 │     1 │          0 │  50.0% │  60.0% │ userunknown (3) │
│ microsoft │       3 │          2 │    0 │    1 │     1 │          1 │  30.0% │   0.0% │ blocked (1)     │
│ yahoo     │       2 │          2 │    1 │    0 │     0 │          0 │  20.0% │  50.0% │ hostunknown (1) │
├───────────┼─────────┼────────────┼──────┼──────┼───────┼────────────┼────────┼────────┼─────────────────┤
│ total     │      10 │          7 │    4 │    2 │     2 │          1 │ 100.0% │  40.0% │ userunknown (3) │
└───────────┴─────────┴────────────┴──────┴──────┴───────┴────────────┴────────┴────────┴─────────────────┘
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestWeekMarkdown(t *testing.T) {
	got := render(t, fixtureStats(t), "week", FormatMarkdown, Options{BarWidth: 6})
	want := `- Period: 2026-01-01 00:00 to 2026-01-08 00:00 UTC, all providers
- Bounces: 10, 7 recipients: 4 hard, 2 soft, 2 block, 1 complaint, 1 unknown
- Outside the period: 2 more bounces; the bounces stored run from 2025-12-31 to 2026-01-08 (--from 2025-12-31 --to 2026-01-08 shows them all)
- Not counted: 1 auto-reply, 1 delivery notice
- Undecodable messages: 2 (list them with ` + "`rebound show --undecodable`" + `)

### By week

| Week     | From       | Bounces | Recipients | Hard | Soft | Block | Complaints | Trend  |
|:---------|:-----------|--------:|-----------:|-----:|-----:|------:|-----------:|:-------|
| 2026-W01 | 2025-12-29 |       4 |          3 |    2 |    1 |     1 |          0 | ████   |
| 2026-W02 | 2026-01-05 |       6 |          6 |    2 |    1 |     1 |          1 | ██████ |
| total    |            |      10 |          7 |    4 |    2 |     2 |          1 |        |
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestDayBars(t *testing.T) {
	s := fixtureStats(t)
	out := render(t, s, "day", FormatTable, Options{BarWidth: 6})
	// The busiest day (3 bounces) has the full bar; one bounce is a third of it.
	for _, want := range []string{
		"│ 2026-01-05 │ Mon     │       3 │          3 │    1 │    0 │     1 │          1 │ ██████ │",
		"│ 2026-01-07 │ Wed     │       2 │          2 │    1 │    0 │     0 │          0 │ ████   │",
		"│ 2026-01-01 │ Thu     │       1 │          1 │    1 │    0 │     0 │          0 │ ██     │",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
}

func TestBar(t *testing.T) {
	tests := []struct {
		n, max, width int
		want          string
	}{
		{0, 10, 8, ""},
		{10, 10, 8, "████████"},
		{5, 10, 8, "████"},
		{1, 3, 4, "█▍"}, // 10.67 eighths, rounded up to 11
		{1, 1000, 8, "▏"},
		{3, 0, 8, ""},
	}
	for _, tt := range tests {
		if got := bar(tt.n, tt.max, tt.width); got != tt.want {
			t.Errorf("bar(%d, %d, %d) = %q, want %q", tt.n, tt.max, tt.width, got, tt.want)
		}
	}
}

func TestEmptyDaysFilled(t *testing.T) {
	ds := stats.Aggregate([]bounce.Event{ev(day(3, 12), "a@x.example", "other", "hard", "userunknown", "", "", 1)},
		stats.Query{Period: stats.Period{From: day(1, 12), To: day(5, 12)}})
	s := Build(ds)
	var keys []string
	for _, g := range s.Days {
		keys = append(keys, g.Key)
	}
	if got := strings.Join(keys, " "); got != "2026-01-01 2026-01-02 2026-01-03 2026-01-04 2026-01-05" {
		t.Errorf("days %s", got)
	}
	if len(s.Weeks) != 2 || s.Weeks[0].Label != "2026-W01" || s.Weeks[1].Label != "2026-W02" {
		t.Errorf("weeks %+v", s.Weeks)
	}
	if s.Campaigns != nil || s.Domains != nil {
		t.Error("no campaign or domain is known: their tables must be nil")
	}
	out := render(t, s, "campaign", FormatTable, Options{})
	if !strings.Contains(out, "no campaign known in the period (see docs/attribution.md)") {
		t.Errorf("campaign table without campaigns:\n%s", out)
	}
}

func TestJSON(t *testing.T) {
	s := fixtureStats(t)
	var one struct {
		By    string  `json:"by"`
		Total Group   `json:"total"`
		Rows  []Group `json:"rows"`
	}
	if err := json.Unmarshal([]byte(render(t, s, "reason", FormatJSON, Options{})), &one); err != nil {
		t.Fatal(err)
	}
	if one.By != "reason" || len(one.Rows) != 7 || one.Rows[0].Key != "userunknown" || one.Rows[0].Bounces != 3 ||
		one.Rows[0].Recipients != 2 || one.Rows[0].Share != 0.3 || one.Rows[0].Type != "hard" || one.Total.Bounces != 10 {
		t.Errorf("reason json %+v", one)
	}
	var all Stats
	if err := json.Unmarshal([]byte(render(t, s, "", FormatJSON, Options{})), &all); err != nil {
		t.Fatal(err)
	}
	if len(all.Providers) != 3 || all.Providers[1].Key != "microsoft" || all.Providers[1].Complaints != 1 ||
		len(all.Weeks) != 2 || all.Weeks[1].Label != "2026-W02" || all.Weeks[1].Bounces != 6 ||
		all.Campaigns[1].HardShare != 2.0/3 || all.Undecodable != 2 || all.Confidence[2].Count != 6 {
		t.Errorf("full json %+v", all)
	}
}

func TestProviderFilter(t *testing.T) {
	ds := stats.Aggregate(fixture(), stats.Query{Period: period, Provider: "microsoft"})
	s := Build(ds)
	want := `key,bounces,recipients,hard,soft,block,complaints,share_pct,hard_pct,top_reason,top_reason_count
microsoft,3,2,0,1,1,1,100.00,0.00,blocked,1
`
	if got := render(t, s, "provider", FormatCSV, Options{}); got != want {
		t.Errorf("got\n%s", got)
	}
	if s.Total.Bounces != 3 || s.Total.Recipients != 2 || s.Provider != "microsoft" {
		t.Errorf("total %+v", s.Total)
	}
}

func TestColor(t *testing.T) {
	sent := []stats.SentRow{{Campaign: "spring", Count: 100}}
	s := fixtureStats(t, sent...)
	plain := render(t, s, "campaign", FormatTable, Options{})
	if strings.Contains(plain, "\x1b[") {
		t.Error("escape codes without Color")
	}
	colored := render(t, s, "campaign", FormatTable, Options{Color: true})
	if !strings.Contains(colored, ansiRed+"2.00%"+ansiReset) {
		t.Errorf("flagged rate not red:\n%s", colored)
	}
	if md := render(t, s, "campaign", FormatMarkdown, Options{Color: true}); strings.Contains(md, "\x1b[") {
		t.Error("escape codes in Markdown")
	}
}

func TestRenderErrors(t *testing.T) {
	s := fixtureStats(t)
	if err := Render(&bytes.Buffer{}, s, "month", FormatTable, Options{}); err == nil {
		t.Error("unknown --by accepted")
	}
	if err := Render(&bytes.Buffer{}, s, "", FormatText, Options{}); err == nil {
		t.Error("text format accepted for stats")
	}
	if _, err := ParseFormat("xml"); err == nil {
		t.Error("xml accepted")
	}
	if f, err := ParseFormat("md"); err != nil || f != FormatMarkdown {
		t.Errorf("md: %v %v", f, err)
	}
}

func TestRates(t *testing.T) {
	s := fixtureStats(t,
		stats.SentRow{Campaign: "spring", Count: 100},
		stats.SentRow{Campaign: "spring", Date: "2026-02-01", Count: 1000}, // after the period
		stats.SentRow{Campaign: "summer", Provider: "gmail", Date: "2026-01-05", Count: 40},
		stats.SentRow{Campaign: "summer", Provider: "yahoo", Count: 10},
	)
	want := `key,sent,bounces,recipients,hard,complaints,hard_rate_pct,bounce_rate_pct,complaint_rate_pct,over_target,top_reason,top_reason_count
spring,100,5,4,2,1,2.000,4.000,1.000,"hard, complaint",userunknown,2
summer,50,3,3,2,0,4.000,6.000,0.000,"hard, bounce",blocked,1
,,2,2,0,0,,,,,expired,1
`
	if got := render(t, s, "campaign", FormatCSV, Options{}); got != want {
		t.Errorf("campaign rates: got\n%s\nwant\n%s", got, want)
	}
	// Provider rates use the summer campaign only: its volume is split by provider.
	want = `key,sent,bounces,recipients,hard,complaints,hard_rate_pct,bounce_rate_pct,complaint_rate_pct,over_target,top_reason,top_reason_count
gmail,40,5,3,3,0,2.500,5.000,0.000,"hard, bounce",userunknown,3
microsoft,,3,2,0,1,,,,,blocked,1
yahoo,10,2,2,1,0,10.000,10.000,0.000,"hard, bounce",hostunknown,1
`
	if got := render(t, s, "provider", FormatCSV, Options{}); got != want {
		t.Errorf("provider rates: got\n%s\nwant\n%s", got, want)
	}
	r := s.Total.Rates
	if r == nil || r.Sent != 150 || r.HardCount != 4 || r.BounceCount != 7 || r.Complaints != 1 {
		t.Fatalf("total rates %+v", r)
	}
	out := render(t, s, "", FormatTable, Options{})
	if !strings.Contains(out, "Sent: 150 (campaigns spring and summer); hard rate 2.67%, bounce rate 4.67%, complaint rate 0.67%\n") {
		t.Errorf("summary lacks the total rates:\n%s", out)
	}
	if !strings.Contains(out, "Provider rates count the bounces of the campaigns whose sent volume is given per provider.") {
		t.Error("provider rates note missing")
	}
}

// TestRatesUnmatched: a sent volume whose campaign has no bounces in the period (a misspelling,
// or a campaign attributed under another name) is left out of every rate, and said so, with the
// campaign it was probably meant for.
func TestRatesUnmatched(t *testing.T) {
	s := fixtureStats(t,
		stats.SentRow{Campaign: "spring", Count: 100},
		stats.SentRow{Campaign: "Summer", Count: 5000},                   // bounces are attributed to "summer"
		stats.SentRow{Campaign: "sprng", Provider: "gmail", Count: 9000}, // a typo of spring
		stats.SentRow{Campaign: "autumn", Count: 7000},                   // no bounce, nothing close
	)
	r := s.Total.Rates
	if r == nil || r.Sent != 100 || r.HardCount != 2 || r.BounceCount != 4 || r.Complaints != 1 {
		t.Fatalf("total rates %+v: want spring's volume and bounces only", r)
	}
	want := []SentVolume{{"Summer", 5000, "summer"}, {"autumn", 7000, ""}, {"sprng", 9000, "spring"}}
	if !reflect.DeepEqual(s.SentUnmatched, want) || len(s.SentMatched) != 1 || s.SentMatched[0].Campaign != "spring" {
		t.Errorf("matched %+v, unmatched %+v; want %+v", s.SentMatched, s.SentUnmatched, want)
	}
	for i := range s.Providers {
		if s.Providers[i].Rates != nil {
			t.Errorf("provider %s has rates from a volume that matches no bounce", s.Providers[i].Key)
		}
	}
	out := render(t, s, "", FormatTable, Options{})
	for _, line := range []string{
		"Sent: 100 (campaign spring); hard rate 2.00%, bounce rate 4.00%, complaint rate 1.00%\n",
		"Left out of the rates: 5,000 sent for campaign Summer, which no bounce of the period is attributed to; did you mean summer?\n",
		"Left out of the rates: 7,000 sent for campaign autumn, which no bounce of the period is attributed to\n",
		"Left out of the rates: 9,000 sent for campaign sprng, which no bounce of the period is attributed to; did you mean spring?\n",
	} {
		if !strings.Contains(out, line) {
			t.Errorf("summary lacks %q:\n%s", line, out)
		}
	}
	js := render(t, s, "", FormatJSON, Options{})
	if !strings.Contains(js, `"sent_unmatched": [`) || !strings.Contains(js, `"did_you_mean": "summer"`) {
		t.Errorf("JSON lacks the unmatched volumes:\n%s", js)
	}
	// Nothing matched: no rates at all, shares in the tables.
	none := fixtureStats(t, stats.SentRow{Campaign: "Spring", Count: 100})
	if none.Total.Rates != nil || !none.SentKnown || len(none.SentUnmatched) != 1 {
		t.Errorf("no volume matches: %+v %+v", none.Total.Rates, none.SentUnmatched)
	}
	if out := render(t, none, "campaign", FormatCSV, Options{}); !strings.HasPrefix(out, "key,bounces,") {
		t.Errorf("campaign table with rates from an unmatched volume:\n%s", out)
	}
}

// TestRatesPartlyCovered: a campaign whose volume is given for some providers only is rated on
// its bounces at those providers, and a provider on the bounces there of the campaigns with a
// volume for it; a provider with a volume but no such bounce has a rate of zero (it panicked).
func TestRatesPartlyCovered(t *testing.T) {
	// spring: 3 bounces at gmail (2 hard, 1 soft), 2 at microsoft (a block, a complaint);
	// summer: 2 at gmail (a block, a hard), 1 at yahoo (a hard).
	s := fixtureStats(t,
		stats.SentRow{Campaign: "spring", Provider: "gmail", Count: 100},
		stats.SentRow{Campaign: "summer", Provider: "yahoo", Count: 10},
		stats.SentRow{Campaign: "summer", Provider: "microsoft", Count: 50}, // no summer bounce there
	)
	rates := map[string]*Rates{}
	for _, g := range append(append([]Group{}, s.Campaigns...), s.Providers...) {
		rates[g.Key] = g.Rates
	}
	check := func(key string, sent, hard, bounces, complaints, leftOut int, only ...string) {
		t.Helper()
		r := rates[key]
		if key == "total" {
			r = s.Total.Rates
		}
		if r == nil {
			t.Fatalf("%s: no rates", key)
		}
		if r.Sent != sent || r.HardCount != hard || r.BounceCount != bounces || r.Complaints != complaints ||
			r.LeftOut != leftOut || !slices.Equal(r.Only, only) {
			t.Errorf("%s: %+v; want sent %d, hard %d, bounces %d, complaints %d, left out %d, only %v",
				key, r, sent, hard, bounces, complaints, leftOut, only)
		}
	}
	check("spring", 100, 2, 3, 0, 2, "gmail")
	check("summer", 60, 1, 1, 0, 2, "microsoft", "yahoo")
	check("gmail", 100, 2, 3, 0, 0)    // spring's only: summer has no gmail volume
	check("microsoft", 50, 0, 0, 0, 0) // summer's, none: spring has no microsoft volume
	check("yahoo", 10, 1, 1, 0, 0)     // summer's hard bounce
	check("total", 160, 3, 4, 0, 0)    // the bounces the campaign rates count
	if r := rates["spring"]; r.Hard != 0.02 || r.Bounce != 0.03 || r.Complaint != 0 {
		t.Errorf("spring rates %+v: want its gmail bounces over its gmail volume", r)
	}
	out := render(t, s, "campaign", FormatTable, Options{Width: 200})
	for _, line := range []string{
		"Campaign spring has a sent volume for gmail only: its rates count its bounces there, leaving out 2 bounces elsewhere",
		"Campaign summer has a sent volume for microsoft and yahoo only: its rates count its bounces there, leaving out 2 bounces elsewhere",
	} {
		if !strings.Contains(out, line) {
			t.Errorf("summary lacks %q:\n%s", line, out)
		}
	}
	// A volume not given per provider covers the campaign's bounces everywhere.
	s = fixtureStats(t, stats.SentRow{Campaign: "spring", Provider: "gmail", Count: 100}, stats.SentRow{Campaign: "spring", Count: 900})
	if r := s.Campaigns[0].Rates; r == nil || r.Sent != 1000 || r.BounceCount != 4 || r.Complaints != 1 || r.LeftOut != 0 || r.Only != nil {
		t.Errorf("spring with a volume for every provider: %+v", r)
	}
	if out := render(t, s, "", FormatTable, Options{}); strings.Contains(out, "has a sent volume for") {
		t.Errorf("a fully covered campaign is said to be partly covered:\n%s", out)
	}
}

func TestRateTargets(t *testing.T) {
	tests := []struct {
		sent, hard, bounces, complaints int
		want                            string
	}{
		{1000, 19, 49, 0, ""},
		{1000, 20, 50, 1, "hard bounce complaint"},
		{1000, 20, 49, 0, "hard"},
		{1000, 0, 50, 0, "bounce"},
		{10000, 0, 0, 9, ""},
		{10000, 0, 0, 10, "complaint"},
	}
	for _, tt := range tests {
		r := newRates(tt.sent, tt.hard, tt.bounces, tt.complaints)
		if got := strings.Join(r.Over, " "); got != tt.want {
			t.Errorf("%+v: over %q, want %q", tt, got, tt.want)
		}
	}
}

func TestRatesUnderProviderFilter(t *testing.T) {
	ds := stats.Aggregate(fixture(), stats.Query{Period: period, Provider: "gmail"})
	ds.Sent = []stats.SentRow{{Campaign: "summer", Provider: "gmail", Count: 40}, {Campaign: "spring", Count: 100}}
	s := Build(ds)
	// spring has no gmail volume: no rate; summer at gmail: 1 hard of 40.
	if s.Campaigns[0].Key != "spring" || s.Campaigns[0].Rates != nil {
		t.Errorf("spring %+v", s.Campaigns[0])
	}
	if r := s.Campaigns[1].Rates; r == nil || r.Sent != 40 || r.HardCount != 1 {
		t.Errorf("summer %+v", s.Campaigns[1])
	}
}

// Build reads rows, not events: rows written as a SQL GROUP BY would return them give the same
// tables as the in-memory aggregation.
func TestBuildFromSQLShapedRows(t *testing.T) {
	ds := &stats.Dataset{
		Query: stats.Query{Period: period},
		Counts: []stats.CountRow{
			{Provider: "gmail", Type: "hard", Reason: "userunknown", Day: "2026-01-04", Confidence: stats.ConfHigh, Count: 7},
			{Provider: "gmail", Type: "hard", Reason: "userunknown", Day: "2026-01-05", Confidence: stats.ConfHigh, Count: 3},
			{Provider: "gmail", Type: "soft", Reason: "mailboxfull", Day: "2026-01-05", Confidence: stats.ConfMedium, Count: 5},
			{Provider: "other", Type: "autoreply", Reason: "vacation", Day: "2026-01-05", Confidence: stats.ConfHigh, Count: 4},
		},
		Distinct: []stats.DistinctRow{
			{Dim: stats.DimAll, Key: "", Recipients: 12}, {Dim: stats.DimProvider, Key: "gmail", Recipients: 12}, {Dim: stats.DimWeek, Key: "2025-12-29", Recipients: 7}, {Dim: stats.DimWeek, Key: "2026-01-05", Recipients: 6},
		},
	}
	// Per-day pre-aggregates come as several rows of one key: they add up.
	ds.Campaigns = []stats.CampaignRow{
		{Campaign: "c1", Provider: "gmail", Type: "hard", Reason: "userunknown", Count: 7},
		{Campaign: "c1", Provider: "gmail", Type: "hard", Reason: "userunknown", Count: 3},
		{Campaign: "c1", Provider: "gmail", Type: "soft", Reason: "mailboxfull", Count: 5},
	}
	s := Build(ds)
	if len(s.Campaigns) != 1 || s.Campaigns[0].Bounces != 15 || s.Campaigns[0].Hard != 10 || s.Campaigns[0].TopReasonCount != 10 {
		t.Errorf("campaigns %+v", s.Campaigns)
	}
	if s.Total.Bounces != 15 || s.Total.Recipients != 12 || s.AutoReplies != 4 {
		t.Errorf("total %+v", s.Total)
	}
	if len(s.Weeks) != 2 || s.Weeks[0].Bounces != 7 || s.Weeks[1].Bounces != 8 || s.Weeks[1].Recipients != 6 {
		t.Errorf("weeks %+v", s.Weeks)
	}
	if !s.HasRecipients(stats.DimWeek) || s.HasRecipients(stats.DimReason) {
		t.Error("recipients known only for the dimensions given")
	}
	if csv := render(t, s, "reason", FormatCSV, Options{}); csv != "reason,type,bounces,share_pct\nuserunknown,hard,10,66.67\nmailboxfull,soft,5,33.33\n" {
		t.Errorf("reason table without distinct rows:\n%s", csv)
	}
}

func TestAggregateRows(t *testing.T) {
	events := []bounce.Event{
		ev(day(2, 1), "a@x.example", "gmail", "soft", "mailboxfull", "c1", "d.example", 0.7),
		ev(day(2, 2), "a@x.example", "gmail", "soft", "mailboxfull", "c1", "d.example", 0.7),
		ev(day(3, 1), "a@x.example", "gmail", "hard", "userunknown", "c1", "d.example", 0.9),
		ev(day(3, 2), "b@x.example", "yahoo", "hard", "userunknown", "c1", "d.example", 0.9),
		ev(day(4, 2), "b@x.example", "yahoo", "soft", "mailboxfull", "c1", "d.example", 0.9), // soft after hard
		ev(day(4, 3), "c@x.example", "yahoo", "autoreply", "vacation", "", "", 1),
	}
	ds := stats.Aggregate(events, stats.Query{Period: period})
	wantCounts := []stats.CountRow{
		{Provider: "gmail", Type: "soft", Reason: "mailboxfull", Day: "2026-01-02", Confidence: stats.ConfMedium, Count: 2},
		{Provider: "gmail", Type: "hard", Reason: "userunknown", Day: "2026-01-03", Confidence: stats.ConfHigh, Count: 1},
		{Provider: "yahoo", Type: "hard", Reason: "userunknown", Day: "2026-01-03", Confidence: stats.ConfHigh, Count: 1},
		{Provider: "yahoo", Type: "autoreply", Reason: "vacation", Day: "2026-01-04", Confidence: stats.ConfHigh, Count: 1},
		{Provider: "yahoo", Type: "soft", Reason: "mailboxfull", Day: "2026-01-04", Confidence: stats.ConfHigh, Count: 1},
	}
	if len(ds.Counts) != len(wantCounts) {
		t.Fatalf("counts %+v", ds.Counts)
	}
	for i := range wantCounts {
		if ds.Counts[i] != wantCounts[i] {
			t.Errorf("count %d: %+v, want %+v", i, ds.Counts[i], wantCounts[i])
		}
	}
	wantCampaigns := []stats.CampaignRow{
		{Campaign: "", SendingDomain: "", Provider: "yahoo", Type: "autoreply", Reason: "vacation", Count: 1},
		{Campaign: "c1", SendingDomain: "d.example", Provider: "gmail", Type: "hard", Reason: "userunknown", Count: 1},
		{Campaign: "c1", SendingDomain: "d.example", Provider: "gmail", Type: "soft", Reason: "mailboxfull", Count: 2},
		{Campaign: "c1", SendingDomain: "d.example", Provider: "yahoo", Type: "hard", Reason: "userunknown", Count: 1},
		{Campaign: "c1", SendingDomain: "d.example", Provider: "yahoo", Type: "soft", Reason: "mailboxfull", Count: 1},
	}
	if len(ds.Campaigns) != len(wantCampaigns) {
		t.Fatalf("campaigns %+v", ds.Campaigns)
	}
	for i := range wantCampaigns {
		if ds.Campaigns[i] != wantCampaigns[i] {
			t.Errorf("campaign %d: %+v, want %+v", i, ds.Campaigns[i], wantCampaigns[i])
		}
	}
	distinct := map[string]int{}
	for _, r := range ds.Distinct {
		distinct[string(r.Dim)+"/"+r.Key] = r.Recipients
	}
	for k, want := range map[string]int{"all/": 2, "provider/gmail": 1, "provider/yahoo": 1,
		"type/soft": 2, "type/hard": 2, "day/2026-01-02": 1, "day/2026-01-03": 2, "week/2025-12-29": 2,
		"campaign/c1": 2, "domain/d.example": 2, "reason/mailboxfull": 2} {
		if distinct[k] != want {
			t.Errorf("distinct %s = %d, want %d", k, distinct[k], want)
		}
	}
	if len(ds.SoftToHard) != 1 || ds.SoftToHard[0] != (stats.SoftHardRow{Provider: "gmail", Recipients: 1}) {
		t.Errorf("soft then hard %+v", ds.SoftToHard)
	}
	if len(ds.Domains) != 1 || ds.Domains[0] != (stats.DomainRow{Domain: "x.example", Events: 5, Recipients: 2}) {
		t.Errorf("domains %+v", ds.Domains)
	}
}

// TestRenderWidth: at any width from 60 columns, every line of the tables and the findings
// fits; the table keeps its key and the numbers that matter, and wraps rather than cuts text.
func TestRenderWidth(t *testing.T) {
	s := fixtureStats(t, stats.SentRow{Campaign: "spring", Count: 100})
	wide := render(t, s, "", FormatTable, Options{})
	if maxLine(wide) <= 80 {
		t.Fatalf("the fixture is too narrow to test with (%d columns)", maxLine(wide))
	}
	for _, width := range []int{60, 72, 80, 100, 120} {
		out := render(t, s, "", FormatTable, Options{Width: width})
		if n := maxLine(out); n > width {
			t.Errorf("width %d: a line of %d columns:\n%s", width, n, out)
		}
		for _, want := range []string{"│ Provider", "│ Campaign", "│ Hard ", "│ Day", "│ Reason"} {
			if !strings.Contains(out, want) {
				t.Errorf("width %d: %q missing", width, want)
			}
		}
		var buf bytes.Buffer
		if err := RenderFindings(&buf, Recommend(stats.Aggregate(fixture(), stats.Query{Period: period})), FormatText, Options{Width: width}); err != nil {
			t.Fatal(err)
		}
		if n := maxLine(buf.String()); n > width {
			t.Errorf("findings at width %d: a line of %d columns:\n%s", width, n, buf.String())
		}
	}
	if got := wrapText("a-long-word-that-is-longer-than-ten and more", 10); got != "a-long-wor\nd-that-is-\nlonger-tha\nn-ten and\nmore" {
		t.Errorf("wrapText: %q", got)
	}
}

// maxLine is the display width of the longest line of s.
func maxLine(s string) int {
	n := 0
	for _, l := range strings.Split(s, "\n") {
		n = max(n, textWidth(l))
	}
	return n
}
