package report

import (
	"github.com/reboundhq/rebound/internal/stats"

	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/bounce"
)

// trow is a test row: a count of events, with a campaign when rates are tested.
type trow struct {
	provider string
	typ      bounce.Type
	reason   bounce.Reason
	n        int
	campaign string
	conf     stats.ConfBucket
}

func cnt(provider string, typ bounce.Type, reason bounce.Reason, n int) trow {
	return trow{provider: provider, typ: typ, reason: reason, n: n, conf: stats.ConfHigh}
}

func camp(r trow, campaign string) trow { r.campaign = campaign; return r }

// rows builds a Dataset over the test period, with the count and campaign rows of each trow.
func rows(ts ...trow) *stats.Dataset {
	ds := &stats.Dataset{Query: stats.Query{Period: period}}
	for _, r := range ts {
		ds.Counts = append(ds.Counts, stats.CountRow{Provider: r.provider, Type: r.typ, Reason: r.reason,
			Day: "2026-01-05", Confidence: r.conf, Count: r.n})
		ds.Campaigns = append(ds.Campaigns, stats.CampaignRow{Campaign: r.campaign, Provider: r.provider,
			Type: r.typ, Reason: r.reason, Count: r.n})
	}
	return ds
}

func diag(provider string, typ bounce.Type, reason bounce.Reason, status, reply, text string, n int) stats.DiagnosticRow {
	return stats.DiagnosticRow{Provider: provider, Type: typ, Reason: reason, Status: status, ReplyCode: reply, Diagnostic: text, Count: n}
}

// withDiags adds diagnostic rows and the count rows that go with them.
func withDiags(ds *stats.Dataset, diags ...stats.DiagnosticRow) *stats.Dataset {
	for _, d := range diags {
		ds.Diagnostics = append(ds.Diagnostics, d)
		more := rows(cnt(d.Provider, d.Type, d.Reason, d.Count))
		ds.Counts = append(ds.Counts, more.Counts...)
		ds.Campaigns = append(ds.Campaigns, more.Campaigns...)
	}
	return ds
}

func findings(ds *stats.Dataset, kind Kind) []Finding {
	var out []Finding
	for _, f := range Recommend(ds) {
		if f.Kind == kind {
			out = append(out, f)
		}
	}
	return out
}

// threshold checks that a kind of finding is absent below its threshold and present at or above
// it, with the severity and provider given.
func threshold(t *testing.T, kind Kind, below, above *stats.Dataset, sev Severity, provider string) Finding {
	t.Helper()
	if fs := findings(below, kind); len(fs) != 0 {
		t.Errorf("%s fired below its threshold: %+v", kind, fs)
	}
	fs := findings(above, kind)
	if len(fs) != 1 {
		t.Fatalf("%s: %d findings above its threshold, want 1: %+v", kind, len(fs), fs)
	}
	f := fs[0]
	if f.Severity != sev || f.Provider != provider || f.Action == "" || len(f.Evidence) == 0 || f.Title == "" {
		t.Errorf("%s: %+v", kind, f)
	}
	return f
}

func TestHardShare(t *testing.T) {
	mk := func(hard, soft int) *stats.Dataset {
		return withDiags(rows(cnt("gmail", "soft", "mailboxfull", soft)),
			diag("gmail", "hard", "userunknown", "5.1.1", "550", "550 5.1.1 no such user here", hard))
	}
	f := threshold(t, KindHardBounces, mk(10, 10), mk(11, 9), Warning, "")
	if f.Count != 11 || f.Value != 0.55 || len(f.Examples) != 1 || !strings.Contains(f.Examples[0], "no such user") {
		t.Errorf("evidence %+v", f)
	}
	// Too few bounces to judge a share.
	if fs := findings(mk(19, 0), KindHardBounces); len(fs) != 0 {
		t.Errorf("fired on 19 bounces: %+v", fs)
	}
}

func TestHardRate(t *testing.T) {
	mk := func(hard int) *stats.Dataset {
		ds := rows(camp(cnt("gmail", "hard", "userunknown", hard), "spring"))
		ds.Sent = []stats.SentRow{{Campaign: "spring", Count: 1000}}
		return ds
	}
	f := threshold(t, KindHardBounces, mk(19), mk(20), Critical, "")
	if f.Subject != "spring" || f.Value != 0.02 || f.Threshold != TargetHardRate {
		t.Errorf("finding %+v", f)
	}
	// Volumes per provider give provider findings too.
	ds := rows(camp(cnt("gmail", "hard", "userunknown", 3), "spring"), camp(cnt("yahoo", "soft", "mailboxfull", 50), "spring"))
	ds.Sent = []stats.SentRow{{Campaign: "spring", Provider: "gmail", Count: 100}, {Campaign: "spring", Provider: "yahoo", Count: 900}}
	fs := findings(ds, KindHardBounces)
	if len(fs) != 1 || fs[0].Provider != "gmail" || fs[0].Value != 0.03 {
		t.Errorf("provider hard rate: %+v", fs)
	}
}

func TestBounceRate(t *testing.T) {
	mk := func(soft int) *stats.Dataset {
		ds := rows(camp(cnt("gmail", "soft", "mailboxfull", soft), "spring"),
			camp(cnt("gmail", "complaint", "feedback", 1), "spring")) // complaints are not bounces here
		ds.Sent = []stats.SentRow{{Campaign: "spring", Count: 100}}
		return ds
	}
	f := threshold(t, KindBounceRate, mk(4), mk(5), Warning, "")
	if f.Subject != "spring" || f.Count != 5 {
		t.Errorf("finding %+v", f)
	}
}

func TestComplaints(t *testing.T) {
	mk := func(n int) *stats.Dataset { return rows(cnt("yahoo", "complaint", "feedback", n)) }
	threshold(t, KindComplaints, mk(MinComplaints-1), mk(MinComplaints), Warning, "")

	rated := func(n, sent int) *stats.Dataset {
		ds := rows(camp(cnt("yahoo", "complaint", "feedback", n), "spring"))
		ds.Sent = []stats.SentRow{{Campaign: "spring", Count: sent}}
		return ds
	}
	threshold(t, KindComplaints, rated(1, 1001), rated(1, 1000), Warning, "") // 0.0999%, 0.1%
	threshold(t, KindComplaints, rated(0, 1000), rated(2, 1000), Warning, "")
	f := threshold(t, KindComplaints, rated(0, 1000), rated(3, 1000), Critical, "") // 0.3%
	if f.Subject != "spring" || f.Count != 3 {
		t.Errorf("finding %+v", f)
	}
	// Under the critical rate: a warning.
	if fs := findings(rated(29, 10001), KindComplaints); len(fs) != 1 || fs[0].Severity != Warning {
		t.Errorf("0.29%%: %+v", fs)
	}
}

func TestBlocklist(t *testing.T) {
	spamhaus := "554 5.7.1 Service unavailable; Client host [192.0.2.9] blocked using zen.spamhaus.org"
	below := withDiags(rows(), diag("gmail", "hard", "userunknown", "5.1.1", "550", spamhaus, 5)) // hard rows carry no signal
	above := withDiags(rows(), diag("gmail", "block", "blocked", "5.7.1", "554", spamhaus, 1))
	f := threshold(t, KindBlocklist, below, above, Critical, "")
	if f.Subject != "Spamhaus" || f.Count != 1 || len(f.Codes) != 1 || f.Codes[0] != "554 5.7.1" ||
		!strings.Contains(f.Action, "https://check.spamhaus.org/") || f.Examples[0] != spamhaus {
		t.Errorf("finding %+v", f)
	}
}

func TestBlocklistNames(t *testing.T) {
	tests := []struct{ text, list string }{
		{"blocked using zen.spamhaus.org", "Spamhaus"},
		{"rejected: listed at b.barracudacentral.org", "Barracuda"},
		{"Blocked - see http://www.spamcop.net/bl.shtml?192.0.2.1", "SpamCop"},
		{"client listed in dnsbl.sorbs.net", "SORBS"},
		{"IP listed by UCEPROTECT Level 1", "UCEPROTECT"},
		{"part of their network is on our block list (S3150)", "Microsoft (Outlook.com)"},
		{"messages from [192.0.2.1] weren't sent (S3115)", "Microsoft (Outlook.com)"},
		{"5.7.606 Access denied, banned sending IP [192.0.2.1]", "Microsoft 365"},
		{"see https://ipcheck.proofpoint.com/?ip=192.0.2.1", "Proofpoint"},
		{"listed on combined.mail.abusix.zone", "Abusix"},
		{"Rejected by Mailspike", "Mailspike"},
		{"listed in dyna.spamrats.com", "Spamrats"},
		{"listed on psbl.surriel.com", "PSBL"},
		{"listed in the invaluement ivmSIP", "Invaluement"},
		{"rejected by Cloudmark CSI", "Cloudmark"},
		{"a URL in the message is listed by SURBL", "SURBL"},
		{"a URL in the message is listed in URIBL black", "URIBL"},
	}
	for _, tt := range tests {
		var names []string
		row := diag("x", "block", "blocked", "", "", tt.text, 1)
		marks := markRow(&row)
		for i := range blocklists {
			if marks&blocklistMark(i) != 0 {
				names = append(names, blocklists[i].name)
			}
		}
		if len(names) != 1 || names[0] != tt.list {
			t.Errorf("%q names %v, want %s", tt.text, names, tt.list)
		}
	}
	clean := diag("x", "block", "blocked", "", "", "550 5.7.1 message rejected as spam by content filter", 1)
	if m := markRow(&clean); m != 0 {
		t.Errorf("marks %b on a diagnostic that names no list", m)
	}
}

func TestAuthFailure(t *testing.T) {
	mk := func(n int) *stats.Dataset {
		ds := withDiags(rows(),
			diag("yahoo", "block", "blocked", "5.7.1", "550", "550 5.7.1 Email rejected per DMARC policy for example.com", 1),
			diag("yahoo", "block", "authfailure", "", "550", "550 message not accepted", 1),
			// Other providers and mailbox reasons do not count for yahoo.
			diag("gmail", "block", "authfailure", "5.7.26", "550", "550 5.7.26 unauthenticated email", 2),
			diag("yahoo", "soft", "mailboxfull", "4.2.2", "452", "mailbox full (SPF record ok)", 9))
		if n > 2 {
			withDiags(ds, diag("yahoo", "block", "policyviolation", "5.7.26", "550", "550 5.7.26 policy", n-2))
		}
		return ds
	}
	f := threshold(t, KindAuthFailure, mk(2), mk(3), Critical, "yahoo")
	if f.Count != 3 || len(f.Examples) != 2 {
		t.Errorf("finding %+v", f)
	}
}

// The authentication codes count when only the text names them; other 5.7.x codes do not.
func TestAuthCodesInText(t *testing.T) {
	for text, want := range map[string]bool{
		"550 5.7.1 message rejected (5.7.26)":       true,
		"554 5.7.509 access denied":                 true,
		"550 5.7.515 access denied":                 true,
		"550 5.7.23 the message was rejected":       true,
		"550 5.7.25 reverse dns required":           false,
		"550 5.7.1 message rejected as spam":        false,
		"550 5.7.260 not a code of the list":        false,
		"550 5.7.1 rejected by sender policy rules": false,
	} {
		row := diag("x", "block", "blocked", "", "550", text, 1)
		if got := markRow(&row)&markAuth != 0; got != want {
			t.Errorf("%q: auth %v, want %v", text, got, want)
		}
	}
}

func TestPTRHelo(t *testing.T) {
	base := func() *stats.Dataset {
		return withDiags(rows(),
			diag("gmail", "block", "requireptr", "", "550", "550 no PTR record", 1),
			diag("microsoft", "block", "blocked", "", "504", "504 5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname", 1),
			// "in reply to HELO" says when, not why: not a HELO problem.
			diag("other", "block", "blocked", "", "554", "554 rejected (in reply to HELO command)", 5))
	}
	above := withDiags(base(), diag("other", "unknown", "undefined", "5.7.25", "550", "550 5.7.25 reverse DNS required", 1))
	f := threshold(t, KindPTRHelo, base(), above, Warning, "")
	if f.Count != 3 {
		t.Errorf("finding %+v", f)
	}
}

func TestTLS(t *testing.T) {
	base := func() *stats.Dataset {
		return withDiags(rows(),
			diag("gmail", "block", "failedstarttls", "", "", "", 1),
			diag("other", "block", "blocked", "5.7.10", "530", "530 5.7.10 Must issue a STARTTLS command first", 1))
	}
	above := withDiags(base(), diag("other", "soft", "networkerror", "", "", "TLS is required, but was not offered by host", 1))
	threshold(t, KindTLS, base(), above, Warning, "")
}

func TestRateLimited(t *testing.T) {
	mk := func(n int) *stats.Dataset {
		return withDiags(rows(),
			diag("gmail", "soft", "ratelimited", "4.7.28", "421", "421 4.7.28 unusual rate of unsolicited mail", n-3),
			diag("gmail", "soft", "undefined", "", "450", "450 4.2.0 Greylisted, please try again later", 1),
			diag("gmail", "block", "blocked", "", "421", "421 too busy", 1),
			diag("gmail", "soft", "onhold", "", "451", "451 Temporarily deferred due to user complaints", 1),
			// A full mailbox asking to try again later is not rate limiting.
			diag("gmail", "soft", "mailboxfull", "4.2.2", "452", "452 mailbox full, try again later", 20))
	}
	f := threshold(t, KindRateLimited, mk(MinRateLimited-1), mk(MinRateLimited), Warning, "gmail")
	if f.Count != MinRateLimited {
		t.Errorf("count %d", f.Count)
	}
}

func TestSoftTurningHard(t *testing.T) {
	mk := func(rcpts, supp int) *stats.Dataset {
		ds := rows(cnt("gmail", "hard", "userunknown", rcpts))
		ds.SoftToHard = []stats.SoftHardRow{{Provider: "gmail", Recipients: rcpts}}
		ds.SoftSuppressions = supp
		return ds
	}
	threshold(t, KindSoftTurningHard, mk(MinSoftToHard-1, 0), mk(MinSoftToHard, 0), Warning, "")
	threshold(t, KindSoftTurningHard, mk(0, MinSoftSuppressions-1), mk(0, MinSoftSuppressions), Warning, "")

	// From events: soft then hard counts, hard then soft does not.
	var events []bounce.Event
	for i := range 10 {
		r := fmt.Sprintf("u%d@x.example", i)
		first, second := bounce.Type("soft"), bounce.Type("hard")
		if i == 0 {
			first, second = second, first
		}
		events = append(events, ev(day(2, 1), r, "gmail", first, "mailboxfull", "", "", 1),
			ev(day(3, 1), r, "gmail", second, "userunknown", "", "", 1))
	}
	if fs := findings(stats.Aggregate(events, stats.Query{Period: period}), KindSoftTurningHard); len(fs) != 0 {
		t.Errorf("9 recipients fired: %+v", fs)
	}
	events = append(events, ev(day(4, 1), "u0@x.example", "gmail", "hard", "userunknown", "", "", 1))
	if fs := findings(stats.Aggregate(events, stats.Query{Period: period}), KindSoftTurningHard); len(fs) != 1 || fs[0].Count != 10 {
		t.Errorf("10 recipients: %+v", fs)
	}
}

func TestTypoDomainsFinding(t *testing.T) {
	below := rows(cnt("gmail", "hard", "userunknown", 5))
	below.Domains = []stats.DomainRow{{Domain: "gmail.com", Events: 3, Recipients: 3}, {Domain: "mail.com", Events: 2, Recipients: 2}}
	above := rows(cnt("gmail", "hard", "userunknown", 9))
	above.Domains = []stats.DomainRow{{Domain: "gmail.com", Events: 3, Recipients: 3}, {Domain: "gamil.com", Events: 1, Recipients: 1}, {Domain: "hotmial.com", Events: 4, Recipients: 3}, {Domain: "yaho.com", Events: 1, Recipients: 1}}
	f := threshold(t, KindTypoDomains, below, above, Warning, "")
	want := []Suggestion{{"hotmial.com", "hotmail.com", 4, 3}, {"gamil.com", "gmail.com", 1, 1}, {"yaho.com", "yahoo.com", 1, 1}}
	if f.Count != 6 || len(f.Suggestions) != 3 {
		t.Fatalf("finding %+v", f)
	}
	for i := range want {
		if f.Suggestions[i] != want[i] {
			t.Errorf("suggestion %d: %+v, want %+v", i, f.Suggestions[i], want[i])
		}
	}
	if f.Evidence[0] != "hotmial.com -> hotmail.com: 4 bounces, 3 recipients" {
		t.Errorf("evidence %q", f.Evidence[0])
	}
}

func TestProviderConcentration(t *testing.T) {
	mk := func(gmail, rest int) *stats.Dataset {
		return rows(cnt("gmail", "hard", "userunknown", gmail), cnt("other", "hard", "userunknown", rest))
	}
	threshold(t, KindProviderConcentration, mk(60, 140), mk(51, 113), Info, "gmail") // 30% exactly; 31.1%
	if fs := findings(mk(50, 100), KindProviderConcentration); len(fs) != 0 {
		t.Errorf("fired on 50 bounces: %+v", fs)
	}
	if fs := findings(rows(cnt("other", "hard", "userunknown", 100)), KindProviderConcentration); len(fs) != 0 {
		t.Errorf("fired on other: %+v", fs)
	}
	filtered := mk(60, 0)
	filtered.Query.Provider = "gmail"
	if fs := findings(filtered, KindProviderConcentration); len(fs) != 0 {
		t.Errorf("fired under a provider filter: %+v", fs)
	}
}

func TestLowConfidence(t *testing.T) {
	mk := func(low, high int) *stats.Dataset {
		lo := cnt("gmail", "unknown", "undefined", low)
		lo.conf = stats.ConfLow
		return rows(lo, cnt("gmail", "hard", "userunknown", high))
	}
	threshold(t, KindLowConfidence, mk(4, 16), mk(5, 15), Info, "")
	if fs := findings(mk(19, 0), KindLowConfidence); len(fs) != 0 {
		t.Errorf("fired on 19 bounces: %+v", fs)
	}
}

func TestUndecodable(t *testing.T) {
	below, above := rows(), rows()
	above.Undecodable = MinUndecodable
	f := threshold(t, KindUndecodable, below, above, Info, "")
	if !strings.Contains(f.Action, "rebound show --undecodable") {
		t.Errorf("action %q", f.Action)
	}
}

// A clean dataset has no findings at all.
func TestNoFindings(t *testing.T) {
	ds := rows(cnt("gmail", "hard", "userunknown", 5), cnt("yahoo", "soft", "mailboxfull", 15))
	ds.Domains = []stats.DomainRow{{Domain: "gmail.com", Events: 5, Recipients: 5}, {Domain: "ymail.com", Events: 15, Recipients: 15}}
	if fs := Recommend(ds); len(fs) != 0 {
		t.Errorf("findings %+v", fs)
	}
	var b bytes.Buffer
	if err := RenderFindings(&b, nil, FormatJSON, Options{}); err != nil || strings.TrimSpace(b.String()) != "[]" {
		t.Errorf("empty json %q %v", b.String(), err)
	}
}

func TestFindingsOrder(t *testing.T) {
	ds := withDiags(rows(cnt("gmail", "hard", "userunknown", 60), cnt("yahoo", "hard", "userunknown", 3)),
		diag("yahoo", "block", "authfailure", "5.7.26", "550", "dmarc", 3),
		diag("gmail", "block", "authfailure", "5.7.26", "550", "dmarc", 3),
		diag("gmail", "block", "blocked", "", "554", "blocked using zen.spamhaus.org", 1))
	ds.Undecodable = 4
	var got []string
	for _, f := range Recommend(ds) {
		got = append(got, fmt.Sprintf("%s/%s/%s", f.Severity, f.Kind, f.Provider))
	}
	want := "critical/blocklist/ critical/auth_failure/gmail critical/auth_failure/yahoo " +
		"warning/hard_bounces/ info/provider_concentration/gmail info/undecodable/"
	if strings.Join(got, " ") != want {
		t.Errorf("order\n%s\nwant\n%s", strings.Join(got, " "), want)
	}
}

func TestRenderFindings(t *testing.T) {
	ds := withDiags(rows(), diag("gmail", "block", "blocked", "5.7.1", "554", "554 5.7.1 blocked using zen.spamhaus.org", 2))
	ds.Undecodable = 1
	fs := Recommend(ds)
	var b bytes.Buffer
	if err := RenderFindings(&b, fs, FormatText, Options{}); err != nil {
		t.Fatal(err)
	}
	want := `CRITICAL  blocklist  Rejections naming the Spamhaus block list (554 5.7.1)
  evidence  2 rejections name Spamhaus (by provider: gmail 2)
  example   554 5.7.1 blocked using zen.spamhaus.org
  action    Find and stop the cause (compromised account, bad list, spam trap hits), then check and request removal at https://check.spamhaus.org/.

INFO  undecodable  1 message could not be decoded
  evidence  1 message in the period was recorded as undecodable
  action    Check them: ` + "`rebound show --undecodable`" + ` lists them, where each is and why; ` + "`rebound parse --all FILE`" + ` reads one again; report samples that are real bounces.
`
	if b.String() != want {
		t.Errorf("text:\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	if err := RenderFindings(&b, fs, FormatText, Options{Color: true}); err != nil || !strings.HasPrefix(b.String(), ansiBold+ansiRed+"CRITICAL"+ansiReset) {
		t.Errorf("colour: %q %v", b.String(), err)
	}
	b.Reset()
	if err := RenderFindings(&b, fs, FormatJSON, Options{}); err != nil {
		t.Fatal(err)
	}
	var back []Finding
	if err := json.Unmarshal(b.Bytes(), &back); err != nil || len(back) != 2 || back[0].Subject != "Spamhaus" || back[0].Count != 2 {
		t.Errorf("json %v %+v", err, back)
	}
	b.Reset()
	if err := RenderFindings(&b, fs, FormatCSV, Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "severity,kind,provider,finding,evidence,action\ncritical,blocklist,,Rejections naming the Spamhaus block list (554 5.7.1),") {
		t.Errorf("csv:\n%s", b.String())
	}
	b.Reset()
	if err := RenderFindings(&b, fs, FormatTable, Options{}); err != nil || !strings.Contains(b.String(), "│ critical │ blocklist") {
		t.Errorf("table:\n%s %v", b.String(), err)
	}
}

// TestExamplesWhole: JSON and CSV carry an example diagnostic whole, however long (a URL at its
// end included); text, table and Markdown, read in a terminal, cut it at maxExampleLen.
func TestExamplesWhole(t *testing.T) {
	long := "554 5.7.1 Service unavailable; client host [192.0.2.9] blocked using zen.spamhaus.org; " +
		strings.Repeat("see the policy of this server, ", 6) + "https://www.spamhaus.org/query/ip/192.0.2.9"
	fs := Recommend(withDiags(rows(), diag("gmail", "block", "blocked", "5.7.1", "554", long, 2)))
	for _, format := range []Format{FormatJSON, FormatCSV, FormatText, FormatTable, FormatMarkdown} {
		var b bytes.Buffer
		if err := RenderFindings(&b, fs, format, Options{}); err != nil {
			t.Fatal(err)
		}
		whole := strings.Contains(strings.Join(strings.Fields(b.String()), " "), "https://www.spamhaus.org/query/ip/192.0.2.9")
		if want := format == FormatJSON || format == FormatCSV; whole != want {
			t.Errorf("%s: whole example %v, want %v:\n%s", format, whole, want, b.String())
		}
	}
}
