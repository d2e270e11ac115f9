package stats

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestParseSent(t *testing.T) {
	src := "\ufeffCampaign, Count ,provider,date\r\n" +
		"spring,1000,,2026-01-05\r\n" +
		"spring,400,Gmail,2026-01-05\r\n" +
		"\"summer, 2026\",250,,\r\n" +
		"\r\n" +
		"autumn,0,,\r\n"
	got, err := ParseSent(strings.NewReader(src), "sent.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := []SentRow{
		{Campaign: "spring", Date: "2026-01-05", Count: 1000},
		{Campaign: "spring", Provider: "gmail", Date: "2026-01-05", Count: 400},
		{Campaign: "summer, 2026", Count: 250},
		{Campaign: "autumn", Count: 0},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	// Columns in another order, optional ones absent.
	got, err = ParseSent(strings.NewReader("count,campaign\n5,a\n"), "s.csv")
	if err != nil || len(got) != 1 || got[0] != (SentRow{Campaign: "a", Count: 5}) {
		t.Errorf("two columns: %+v %v", got, err)
	}
}

func TestParseSentErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"", "sent.csv: empty file"},
		{"campaign\nspring\n", "sent.csv:1: the header must name campaign and count"},
		{"campaign,count,volume\n", `sent.csv:1: unknown column "volume"`},
		{"campaign,count,count\n", `sent.csv:1: column "count" appears twice`},
		{"campaign,count\nspring,ten\n", `sent.csv:2: count "ten" is not a whole number`},
		{"campaign,count\nspring,-4\n", `sent.csv:2: count "-4"`},
		{"campaign,count\n,4\n", "sent.csv:2: empty campaign"},
		{"campaign,count,date\na,1,05/01/2026\n", `sent.csv:2: date "05/01/2026": want YYYY-MM-DD`},
		{"campaign,count\na,1,extra\n", "sent.csv:2: 3 fields, the header has 2"},
		{"campaign,count,provider\na,1,gmail\nb,2,\na,3,Gmail\n", `sent.csv:4: campaign "a" for provider gmail appears again (first on line 2)`},
		{"campaign,count\na,1\n\"b,2\n", "sent.csv:3: extraneous or missing \" in quoted-field"},
	}
	for _, tt := range tests {
		rows, err := ParseSent(strings.NewReader(tt.src), "sent.csv")
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) || rows != nil {
			t.Errorf("%q: %v, want an error starting %q", tt.src, err, tt.want)
		}
	}
	// Every bad line is reported.
	_, err := ParseSent(strings.NewReader("campaign,count\na,x\nb,2\nc,y\n"), "s.csv")
	if err == nil || !strings.Contains(err.Error(), "s.csv:2:") || !strings.Contains(err.Error(), "s.csv:4:") {
		t.Errorf("all errors: %v", err)
	}
}

// TestParseSentQuotes: a broken quoted field is reported on the line it starts, and the lines
// after that line are read and checked too, so that one run reports every problem.
func TestParseSentQuotes(t *testing.T) {
	tests := []struct{ src, want string }{
		// A quote opened and never closed: the reader gives up at the end of the file.
		{"campaign,count\na,1\n\"b,2\nc,3\nd,zz\n", `q.csv:3: extraneous or missing " in quoted-field (the field quoted on this line runs on to line 5)
q.csv:5: count "zz" is not a whole number of messages`},
		// Closed on a later line but followed by text; a bare quote; \r\n line ends.
		{"campaign,count\r\n\"a,1\r\nb,x\r\n\"c,2\r\nd,3,\r\ne\"f,4\r\ng,-1\r\n", `q.csv:2: extraneous or missing " in quoted-field (the field quoted on this line runs on to line 4)
q.csv:3: count "x" is not a whole number of messages
q.csv:4: extraneous or missing " in quoted-field (the field quoted on this line runs on to line 6)
q.csv:5: 3 fields, the header has 2
q.csv:6: bare " in non-quoted-field
q.csv:7: count "-1" is not a whole number of messages`},
		// On the last line, without a line end.
		{"campaign,count\na,1\n\"b,2", `q.csv:3: extraneous or missing " in quoted-field`},
	}
	for _, tt := range tests {
		rows, err := ParseSent(strings.NewReader(tt.src), "q.csv")
		if err == nil || err.Error() != tt.want || rows != nil {
			t.Errorf("%q:\n got %v\nwant %s", tt.src, err, tt.want)
		}
	}
}

func FuzzParseSent(f *testing.F) {
	f.Add("campaign,count,provider,date\nspring,10,gmail,2026-01-05\n")
	f.Add("count,campaign\n1,a\n")
	f.Add("campaign,count\n\"a\nb\",3\n")
	f.Add("campaign,count\na,1\n\"b,2\nc,3\nd,zz\n\"e\"x,3\r\n")
	f.Fuzz(func(t *testing.T, src string) {
		rows, err := ParseSent(strings.NewReader(src), "fuzz.csv")
		if err != nil {
			if rows != nil {
				t.Fatalf("rows with error: %v", err)
			}
			// Every problem names the file, and a line of it when it names one.
			lines := strings.Count(src, "\n") + 1
			for _, msg := range strings.Split(err.Error(), "\n") {
				rest, ok := strings.CutPrefix(msg, "fuzz.csv")
				if !ok {
					t.Fatalf("error without the file name: %q", msg)
				}
				var n int
				if _, e := fmt.Sscanf(rest, ":%d:", &n); e == nil && (n < 1 || n > lines) {
					t.Fatalf("line %d of a file of %d lines: %q", n, lines, msg)
				}
			}
			return
		}
		for _, r := range rows {
			if r.Campaign == "" || r.Count < 0 {
				t.Fatalf("bad row %+v", r)
			}
		}
	})
}

func TestParsePeriod(t *testing.T) {
	now := time.Date(2026, 3, 10, 15, 30, 0, 0, time.UTC)
	tests := []struct {
		since, from, to string
		want            Period
	}{
		{"", "", "", Period{From: now.AddDate(0, 0, -30), To: now}},
		{"7d", "", "", Period{From: now.AddDate(0, 0, -7), To: now}},
		{"12h", "", "", Period{From: now.Add(-12 * time.Hour), To: now}},
		{"2w", "", "", Period{From: now.AddDate(0, 0, -14), To: now}},
		{"90m", "", "", Period{From: now.Add(-90 * time.Minute), To: now}},
		{"", "2026-03-01", "2026-03-05", Period{From: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC)}},
		{"", "2026-03-01", "", Period{From: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), To: now}},
		{"", "2026-03-01T10:00:00+01:00", "2026-03-02T00:00:00Z", Period{From: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)}},
	}
	for _, tt := range tests {
		got, err := ParsePeriod(now, tt.since, tt.from, tt.to)
		if err != nil || !got.From.Equal(tt.want.From) || !got.To.Equal(tt.want.To) {
			t.Errorf("%q %q %q: %v %v, want %v", tt.since, tt.from, tt.to, got, err, tt.want)
		}
	}
	for _, bad := range [][3]string{
		{"7", "", ""}, {"7x", "", ""}, {"1d12h", "", ""}, {"0d", "", ""}, {"-1d", "", ""}, {"99999999w", "", ""},
		{"7d", "2026-01-01", ""}, {"", "yesterday", ""}, {"", "", "2026-13-01"},
		{"", "2026-03-05", "2026-03-01"},
	} {
		if _, err := ParsePeriod(now, bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
