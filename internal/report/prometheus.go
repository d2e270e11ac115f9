package report

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
	"github.com/reboundhq/rebound/internal/stats"
)

// Metrics is what `rebound stats --format prometheus` exposes: all-time counters from the
// store, the state of the addresses, the last scan, and the rates and findings of a period.
// docs/metrics.md lists every metric.
type Metrics struct {
	Bounces     []BounceTotal  // every bounce with a known time, per provider, type and reason
	States      map[string]int // addresses per policy state
	Undecodable int            // messages recorded as undecodable, ever
	LastScan    *ScanMetrics   // nil when no scan was recorded
	Stats       *Stats         // the period: its rates when sent volumes are known
	Findings    []Finding      // the period's findings
}

// BounceTotal is the all-time count of one provider ("" when unknown), type and reason.
type BounceTotal struct {
	Provider, Type, Reason string
	Count                  int
}

// ScanMetrics is what the last scan did.
type ScanMetrics struct {
	Finished time.Time
	Duration time.Duration
	Read     int
	New      int
}

// MetricStates are the values of the state label, each written even when no address has it
// (the states of docs/policy.md).
var MetricStates = []string{"active", "soft", "paused", "suppressed", "review"}

// WritePrometheus writes m in the Prometheus text exposition format (version 0.0.4), as
// node_exporter's textfile collector reads it: a HELP and a TYPE line per metric, samples
// without timestamps, label values escaped.
func WritePrometheus(w io.Writer, m *Metrics) error {
	p := &promWriter{w: bufio.NewWriter(w)}

	p.family("rebound_bounces_total", "counter", "Bounced recipients and complaints stored (events with a known time), since the database was created, by provider, type and reason; prune does not lower it.")
	bs := slices.Clone(m.Bounces)
	slices.SortFunc(bs, func(a, b BounceTotal) int {
		return strings.Compare(orUnknown(a.Provider)+"\x00"+a.Type+"\x00"+a.Reason, orUnknown(b.Provider)+"\x00"+b.Type+"\x00"+b.Reason)
	})
	for _, b := range bs {
		if !stats.Counted(bounce.Type(b.Type)) {
			continue // auto-replies and delivery notices are not bounces, as in the tables
		}
		p.sample("rebound_bounces_total", float64(b.Count), "provider", orUnknown(b.Provider), "type", b.Type, "reason", b.Reason)
	}

	p.family("rebound_undecodable_messages_total", "counter", "Messages recorded as undecodable, since the database was created.")
	p.sample("rebound_undecodable_messages_total", float64(m.Undecodable))

	p.family("rebound_addresses", "gauge", "Addresses by policy state (an ended pause or soft window counts as active).")
	for _, st := range MetricStates {
		p.sample("rebound_addresses", float64(m.States[st]), "state", st)
	}

	if s := m.LastScan; s != nil {
		p.family("rebound_last_scan_timestamp_seconds", "gauge", "When the last scan finished, in unix seconds.")
		p.sample("rebound_last_scan_timestamp_seconds", float64(s.Finished.Unix()))
		p.family("rebound_last_scan_duration_seconds", "gauge", "How long the last scan took.")
		p.sample("rebound_last_scan_duration_seconds", s.Duration.Seconds())
		p.family("rebound_last_scan_messages_read", "gauge", "Messages the last scan found in its mailboxes, those already stored included.")
		p.sample("rebound_last_scan_messages_read", float64(s.Read))
		p.family("rebound_last_scan_messages_new", "gauge", "Messages the last scan stored.")
		p.sample("rebound_last_scan_messages_new", float64(s.New))
	}

	p.family("rebound_findings", "gauge", "Findings of 'rebound recommend' for the period, by severity.")
	counts := map[Severity]int{}
	for _, f := range m.Findings {
		counts[f.Severity]++
	}
	for _, sev := range []Severity{Critical, Warning, Info} {
		p.sample("rebound_findings", float64(counts[sev]), "severity", string(sev))
	}

	p.family("rebound_rate_target", "gauge", "The target of each rate over sent volume: a healthy sender stays below it.")
	for _, r := range rateNames {
		p.sample("rebound_rate_target", r.target, "rate", r.name)
	}
	if s := m.Stats; s != nil && s.Total.Rates != nil {
		p.family("rebound_sent_messages", "gauge", "Messages sent in the period whose campaigns have bounces in it (rebound sent): the denominator of the rates.")
		p.sample("rebound_sent_messages", float64(s.Total.Rates.Sent))
		p.rates("rebound_rate", "Rates over sent volume in the period, for all campaigns with a sent volume.", []Group{s.Total}, "")
		p.rates("rebound_provider_rate", "Rates over sent volume in the period, by provider.", s.Providers, "provider")
		p.rates("rebound_campaign_rate", "Rates over sent volume in the period, by campaign.", s.Campaigns, "campaign")
	}
	if p.err != nil {
		return p.err
	}
	return p.w.Flush()
}

var rateNames = []struct {
	name   string
	target float64
	value  func(*Rates) float64
}{
	{"hard_bounce", TargetHardRate, func(r *Rates) float64 { return r.Hard }},
	{"bounce", TargetBounceRate, func(r *Rates) float64 { return r.Bounce }},
	{"complaint", TargetComplaintRate, func(r *Rates) float64 { return r.Complaint }},
}

// rates writes the rates of the groups that have them; label names the group's key ("" for
// none). The family is left out when no group has rates.
func (p *promWriter) rates(name, help string, gs []Group, label string) {
	started := false
	for _, g := range gs {
		if g.Rates == nil || g.Rates.Sent == 0 {
			continue
		}
		if !started {
			p.family(name, "gauge", help)
			started = true
		}
		for _, r := range rateNames {
			if label == "" {
				p.sample(name, r.value(g.Rates), "rate", r.name)
			} else {
				p.sample(name, r.value(g.Rates), label, orUnknown(g.Key), "rate", r.name)
			}
		}
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// promWriter writes the exposition format, keeping the first error.
type promWriter struct {
	w   *bufio.Writer
	err error
}

func (p *promWriter) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

// family writes the HELP and TYPE lines of a metric.
func (p *promWriter) family(name, typ, help string) {
	p.printf("# HELP %s %s\n# TYPE %s %s\n", name, helpEscaper.Replace(help), name, typ)
}

// sample writes one sample; labels are name, value pairs.
func (p *promWriter) sample(name string, v float64, labels ...string) {
	var b strings.Builder
	b.WriteString(name)
	for i := 0; i+1 < len(labels); i += 2 {
		if i == 0 {
			b.WriteByte('{')
		} else {
			b.WriteByte(',')
		}
		b.WriteString(labels[i])
		b.WriteString(`="`)
		b.WriteString(labelEscaper.Replace(strings.ToValidUTF8(labels[i+1], "\uFFFD")))
		b.WriteByte('"')
	}
	if len(labels) > 0 {
		b.WriteByte('}')
	}
	p.printf("%s %s\n", b.String(), promFloat(v))
}

// The escapes of the exposition format: in HELP text a backslash and a line feed; in a label
// value also the double quote.
var (
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
	labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
)

func promFloat(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}
