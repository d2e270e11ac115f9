package report

import (
	"strings"
	"testing"
	"time"
)

// TestWritePrometheus checks the exposition format: a HELP and a TYPE line before the samples of
// each metric, sorted and stable samples, label values escaped (a campaign is written by
// strangers), states and severities written even at zero, the rates only with sent volumes.
func TestWritePrometheus(t *testing.T) {
	m := &Metrics{
		Bounces: []BounceTotal{{"gmail", "hard", "userunknown", 3}, {"", "soft", "mailboxfull", 2}, {"gmx", "autoreply", "vacation", 1}},
		States:  map[string]int{"suppressed": 4, "active": 1},
		LastScan: &ScanMetrics{Finished: time.Unix(1793696400, 0), Duration: 1500 * time.Millisecond,
			Read: 28, New: 2},
		Findings: []Finding{{Severity: Critical}, {Severity: Info}, {Severity: Critical}},
		Stats: &Stats{Total: Group{Rates: newRates(1000, 3, 5, 2)},
			Campaigns: []Group{{Key: "spring \"big\" \\ sale\nx\xff", Rates: newRates(1000, 3, 5, 2)}, {Key: "no-volume"}}},
	}
	var b strings.Builder
	if err := WritePrometheus(&b, m); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"# HELP rebound_bounces_total Bounced recipients and complaints stored",
		"# TYPE rebound_bounces_total counter\n" +
			`rebound_bounces_total{provider="gmail",type="hard",reason="userunknown"} 3` + "\n" +
			`rebound_bounces_total{provider="unknown",type="soft",reason="mailboxfull"} 2` + "\n",
		"# TYPE rebound_undecodable_messages_total counter\nrebound_undecodable_messages_total 0\n",
		`rebound_addresses{state="active"} 1` + "\n" + `rebound_addresses{state="soft"} 0` + "\n" +
			`rebound_addresses{state="paused"} 0` + "\n" + `rebound_addresses{state="suppressed"} 4` + "\n" +
			`rebound_addresses{state="review"} 0` + "\n",
		"rebound_last_scan_timestamp_seconds 1793696400\n",
		"rebound_last_scan_duration_seconds 1.5\n",
		"rebound_last_scan_messages_read 28\n",
		`rebound_findings{severity="critical"} 2` + "\n" + `rebound_findings{severity="warning"} 0` + "\n" +
			`rebound_findings{severity="info"} 1` + "\n",
		`rebound_rate_target{rate="hard_bounce"} 0.02` + "\n",
		"rebound_sent_messages 1000\n",
		`rebound_rate{rate="hard_bounce"} 0.003` + "\n",
		`rebound_campaign_rate{campaign="spring \"big\" \\ sale\nx` + "\uFFFD" + `",rate="complaint"} 0.002` + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "no-volume") || strings.Contains(out, "vacation") || strings.Contains(out, "rebound_provider_rate") {
		t.Errorf("rates without a sent volume:\n%s", out)
	}
	// Every metric has its HELP and TYPE lines, once, before its samples.
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if f := strings.Fields(line); f[0] == "#" {
			if f[1] == "TYPE" {
				seen[f[2]] = true
			}
			continue
		}
		name, _, _ := strings.Cut(strings.Fields(line)[0], "{")
		if !seen[name] {
			t.Errorf("sample before its TYPE line: %s", line)
		}
	}
	t.Run("promtool", func(t *testing.T) { PromtoolCheck(t, out) })
	// Without a scan, sent volumes or findings: no scan metrics, no rates, zero findings.
	b.Reset()
	if err := WritePrometheus(&b, &Metrics{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "last_scan") || strings.Contains(b.String(), "rebound_rate{") ||
		!strings.Contains(b.String(), `rebound_findings{severity="critical"} 0`) {
		t.Errorf("empty metrics:\n%s", b.String())
	}
}
