package report

import (
	"github.com/reboundhq/rebound/internal/stats"

	"fmt"
	"slices"
	"strings"

	"github.com/reboundhq/rebound/internal/bounce"
)

// Thresholds of the recommendations (docs/recommend.md). Min* fire at the value or above, *Over
// fire above the value; the rate targets of rates.go fire when reached.
const (
	MinEventsForShare     = 20    // bounces needed before a share is judged
	HardShareOver         = 0.50  // hard bounces / bounces, when no sent volume is known
	ComplaintRateCritical = 0.003 // complaints / sent: the mailbox providers' hard limit
	MinComplaints         = 10    // complaints, when no sent volume is known
	MinAuthFailures       = 3     // authentication failures at one provider
	MinBlocklistEvents    = 1     // rejections naming one block list
	MinRateLimited        = 10    // rate-limit or greylisting deferrals at one provider
	MinPTRHelo            = 3     // PTR or HELO rejections
	MinTLSFailures        = 3     // TLS failures
	ProviderShareOver     = 0.30  // one provider's share of all bounces
	ProviderEventsOver    = 50    // and its bounces
	MinSoftToHard         = 10    // recipients whose soft bounces turned hard
	MinSoftSuppressions   = 50    // suppressions by the soft-bounce threshold
	LowConfidenceOver     = 0.20  // share of bounces classified with confidence below 0.5
	MinUndecodable        = 1     // messages that could not be decoded
	MinTypoEvents         = 1     // bounces at typo domains
	maxExamples           = 2     // example diagnostics per finding
	maxExampleLen         = 200   // bytes of an example diagnostic shown in text, table and Markdown (JSON and CSV have it whole)
)

// Severity says how urgent a finding is.
type Severity string

// Severities, most urgent first.
const (
	Critical Severity = "critical"
	Warning  Severity = "warning"
	Info     Severity = "info"
)

var severityRank = map[Severity]int{Critical: 0, Warning: 1, Info: 2}

// Kind names a recommendation.
type Kind string

// Kinds of findings.
const (
	KindHardBounces           Kind = "hard_bounces"
	KindBounceRate            Kind = "bounce_rate"
	KindComplaints            Kind = "complaints"
	KindBlocklist             Kind = "blocklist"
	KindAuthFailure           Kind = "auth_failure"
	KindPTRHelo               Kind = "ptr_helo"
	KindTLS                   Kind = "tls"
	KindRateLimited           Kind = "rate_limited"
	KindSoftTurningHard       Kind = "soft_turning_hard"
	KindTypoDomains           Kind = "typo_domains"
	KindProviderConcentration Kind = "provider_concentration"
	KindLowConfidence         Kind = "low_confidence"
	KindUndecodable           Kind = "undecodable"
)

// Kinds lists every Kind in the order findings of equal severity are shown.
var Kinds = []Kind{KindHardBounces, KindBounceRate, KindComplaints, KindBlocklist, KindAuthFailure,
	KindPTRHelo, KindTLS, KindRateLimited, KindSoftTurningHard, KindTypoDomains,
	KindProviderConcentration, KindLowConfidence, KindUndecodable}

// Finding is one recommendation: what was seen, the numbers behind it and what to do.
type Finding struct {
	Severity    Severity     `json:"severity"`
	Kind        Kind         `json:"kind"`
	Provider    string       `json:"provider,omitempty"`
	Subject     string       `json:"subject,omitempty"` // campaign, block list, ...
	Title       string       `json:"title"`
	Evidence    []string     `json:"evidence"`
	Examples    []string     `json:"examples,omitempty"` // diagnostics
	Codes       []string     `json:"codes,omitempty"`    // status and reply codes seen
	Action      string       `json:"action"`
	Count       int          `json:"count"`               // events (or recipients) behind it
	Value       float64      `json:"value,omitempty"`     // the rate or share judged
	Threshold   float64      `json:"threshold,omitempty"` // what it was judged against
	Suggestions []Suggestion `json:"suggestions,omitempty"`
}

// Suggestion is a typo domain and its probable correction.
type Suggestion struct {
	Domain     string `json:"domain"`
	Suggested  string `json:"suggested"`
	Events     int    `json:"events"`
	Recipients int    `json:"recipients"`
}

// Recommend judges a Dataset and returns its findings, most urgent first (then by kind,
// provider and subject).
func Recommend(ds *stats.Dataset) []Finding {
	r := &recommender{ds: ds, s: Build(ds)}
	r.rows, r.seen = markRows(ds)
	var out []Finding
	for _, rule := range rules {
		out = append(out, rule(r)...)
	}
	sortFindings(out)
	return out
}

type recommender struct {
	ds   *stats.Dataset
	s    *Stats
	rows []markedRow // the diagnostic rows of the query, with their signals
	seen uint64      // every mark of rows
}

// rules are applied in turn; each returns its findings.
var rules = []func(*recommender) []Finding{
	(*recommender).hardBounces, (*recommender).bounceRate, (*recommender).complaints,
	(*recommender).blocklists, (*recommender).authFailures, (*recommender).ptrHelo,
	(*recommender).tls, (*recommender).rateLimited, (*recommender).softTurningHard,
	(*recommender).typoDomains, (*recommender).providerConcentration, (*recommender).lowConfidence,
	(*recommender).undecodable,
}

func sortFindings(fs []Finding) {
	rank := map[Kind]int{}
	for i, k := range Kinds {
		rank[k] = i
	}
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if c := severityRank[a.Severity] - severityRank[b.Severity]; c != 0 {
			return c
		}
		if c := rank[a.Kind] - rank[b.Kind]; c != 0 {
			return c
		}
		return stats.CompareStrings([]string{a.Provider, a.Subject}, []string{b.Provider, b.Subject}, 0)
	})
}

// rated is a group with rates: a campaign or a provider.
type rated struct {
	g        *Group
	provider string
	campaign string
}

func (r *recommender) rated() []rated {
	var out []rated
	for i := range r.s.Campaigns {
		if g := &r.s.Campaigns[i]; g.Rates != nil {
			out = append(out, rated{g: g, campaign: g.Key})
		}
	}
	for i := range r.s.Providers {
		if g := &r.s.Providers[i]; g.Rates != nil {
			out = append(out, rated{g: g, provider: g.Key})
		}
	}
	return out
}

func (x rated) name() string {
	if x.campaign != "" {
		return "campaign " + x.campaign
	}
	return "provider " + x.provider
}

func (r *recommender) hardBounces() []Finding {
	const action = "Validate addresses at sign-up (syntax, domain with MX, double opt-in), " +
		"suppress the hard bounces now (rebound export), and stop mailing old or bought lists."
	if r.s.Total.Rates != nil {
		var out []Finding
		for _, x := range r.rated() {
			rt := x.g.Rates
			if !rt.IsOver(OverHard) {
				continue
			}
			out = append(out, Finding{Severity: Critical, Kind: KindHardBounces, Provider: x.provider,
				Subject: x.campaign, Count: rt.HardCount, Value: rt.Hard, Threshold: TargetHardRate,
				Title: fmt.Sprintf("Hard bounce rate %s for %s (target below %s)", ratePct(rt.Hard).text,
					x.name(), ratePct(TargetHardRate).text),
				Evidence: []string{fmt.Sprintf("%s hard bounces for %s sent; top reason %s",
					thousands(rt.HardCount), thousands(rt.Sent), topReason(x.g).text)},
				Examples: r.examples(func(d *markedRow) bool { return d.Type == bounce.TypeHard && x.has(d) }),
				Action:   action})
		}
		return out
	}
	t := &r.s.Total
	if t.Bounces < MinEventsForShare || t.HardShare <= HardShareOver {
		return nil
	}
	return []Finding{{Severity: Warning, Kind: KindHardBounces, Count: t.Hard, Value: t.HardShare,
		Threshold: HardShareOver,
		Title:     fmt.Sprintf("Hard bounces are %s of all bounces", pct(t.HardShare).text),
		Evidence: []string{fmt.Sprintf("%s hard of %s; top hard reasons: %s", thousands(t.Hard),
			Plural(t.Bounces, "bounce", "bounces"), r.topHardReasons()), "no sent volume known: import it (rebound sent import) to get rates"},
		Examples: r.examples(func(d *markedRow) bool { return d.Type == bounce.TypeHard }),
		Action:   action}}
}

// has reports whether a diagnostic row belongs to a rated provider (rows carry no campaign, so
// every row matches a campaign).
func (x rated) has(d *markedRow) bool {
	return x.provider == "" || d.Provider == x.provider
}

func (r *recommender) topHardReasons() string {
	var parts []string
	for _, g := range r.s.Reasons {
		if g.Type == bounce.TypeHard && len(parts) < 3 {
			parts = append(parts, fmt.Sprintf("%s %s", g.Key, thousands(g.Bounces)))
		}
	}
	return strings.Join(parts, ", ")
}

func (r *recommender) bounceRate() []Finding {
	var out []Finding
	for _, x := range r.rated() {
		rt := x.g.Rates
		if !rt.IsOver(OverBounce) {
			continue
		}
		out = append(out, Finding{Severity: Warning, Kind: KindBounceRate, Provider: x.provider,
			Subject: x.campaign, Count: rt.BounceCount, Value: rt.Bounce, Threshold: TargetBounceRate,
			Title: fmt.Sprintf("Bounce rate %s for %s (target below %s)", ratePct(rt.Bounce).text, x.name(),
				ratePct(TargetBounceRate).text),
			Evidence: []string{fmt.Sprintf("%s for %s sent: %s hard, %s soft, %s block",
				Plural(rt.BounceCount, "bounce", "bounces"), thousands(rt.Sent), thousands(rt.HardCount),
				thousands(rt.SoftCount), thousands(rt.BlockCount))},
			Action: "Remove addresses that have not engaged for months, re-confirm old segments, and " +
				"act on the block findings: blocks count as bounces."})
	}
	return out
}

func (r *recommender) complaints() []Finding {
	const action = "Review consent: confirm opt-in, make unsubscribing one click (RFC 8058 " +
		"List-Unsubscribe-Post), send only what people signed up for, and stop mailing complainers."
	if r.s.Total.Rates != nil {
		var out []Finding
		for _, x := range r.rated() {
			rt := x.g.Rates
			if !rt.IsOver(OverComplaint) {
				continue
			}
			sev := Warning
			if rt.Complaint >= ComplaintRateCritical {
				sev = Critical
			}
			out = append(out, Finding{Severity: sev, Kind: KindComplaints, Provider: x.provider,
				Subject: x.campaign, Count: rt.Complaints, Value: rt.Complaint, Threshold: TargetComplaintRate,
				Title: fmt.Sprintf("Complaint rate %s for %s (target below %s)", ratePct(rt.Complaint).text,
					x.name(), ratePct(TargetComplaintRate).text),
				Evidence: []string{fmt.Sprintf("%s for %s sent; mailbox providers start "+
					"rejecting above %s", Plural(rt.Complaints, "complaint", "complaints"), thousands(rt.Sent),
					ratePct(ComplaintRateCritical).text)},
				Action: action})
		}
		return out
	}
	t := &r.s.Total
	if t.Complaints < MinComplaints {
		return nil
	}
	return []Finding{{Severity: Warning, Kind: KindComplaints, Count: t.Complaints, Threshold: MinComplaints,
		Title:    fmt.Sprintf("%s (no sent volume known to compute a rate)", Plural(t.Complaints, "complaint", "complaints")),
		Evidence: []string{fmt.Sprintf("%s (by provider: %s)", Plural(t.Complaints, "complaint", "complaints"), r.complaintsByProvider())},
		Action:   action + " Import sent volumes (rebound sent import) to compare with the 0.1% target."}}
}

func (r *recommender) complaintsByProvider() string {
	var parts []string
	for _, g := range r.s.Providers {
		if g.Complaints > 0 {
			parts = append(parts, fmt.Sprintf("%s %s", keyCell(g.Key).text, thousands(g.Complaints)))
		}
	}
	return strings.Join(parts, ", ")
}

func (r *recommender) blocklists() []Finding {
	var out []Finding
	for i := range blocklists {
		bl := &blocklists[i]
		if r.seen&blocklistMark(i) == 0 {
			continue
		}
		m := r.match(marked(blocklistMark(i)))
		if m.total < MinBlocklistEvents {
			continue
		}
		out = append(out, Finding{Severity: Critical, Kind: KindBlocklist, Subject: bl.name, Count: m.total,
			Title:    fmt.Sprintf("Rejections naming the %s block list", bl.name),
			Evidence: []string{fmt.Sprintf("%s %s (%s)", Plural(m.total, "rejection names", "rejections name"), bl.name, m.byProvider())},
			Examples: m.examples, Codes: m.codes,
			Action: fmt.Sprintf("Find and stop the cause (compromised account, bad list, spam trap hits), "+
				"then %s.", bl.delist)})
	}
	return out
}

func (r *recommender) authFailures() []Finding {
	m := r.match(marked(markAuth))
	var out []Finding
	for _, p := range m.providers() {
		n := m.perProvider[p]
		if n < MinAuthFailures {
			continue
		}
		pm := r.match(func(d *markedRow) bool { return d.Provider == p && d.marks&markAuth != 0 })
		out = append(out, Finding{Severity: Critical, Kind: KindAuthFailure, Provider: p, Count: n,
			Threshold: MinAuthFailures,
			Title:     fmt.Sprintf("Authentication failures at %s", keyCell(p).text),
			Evidence:  []string{fmt.Sprintf("%s for SPF, DKIM or DMARC at %s", Plural(n, "rejection", "rejections"), keyCell(p).text)},
			Examples:  pm.examples, Codes: pm.codes,
			Action: "Fix alignment: publish SPF for the envelope (Return-Path) domain, sign with DKIM " +
				"using the From domain (d=), and publish DMARC for it; check a sample with the provider's " +
				"header analyser."})
	}
	return out
}

func (r *recommender) ptrHelo() []Finding {
	m := r.match(marked(markPTR))
	if m.total < MinPTRHelo {
		return nil
	}
	return []Finding{{Severity: Warning, Kind: KindPTRHelo, Count: m.total, Threshold: MinPTRHelo,
		Title:    "Rejections for reverse DNS (PTR) or HELO",
		Evidence: []string{fmt.Sprintf("%s (%s)", Plural(m.total, "rejection", "rejections"), m.byProvider())},
		Examples: m.examples, Codes: m.codes,
		Action: "Fix DNS: give every sending IP a PTR record whose name resolves back to the IP " +
			"(forward-confirmed), and make the MTA say that name in HELO/EHLO."}}
}

func (r *recommender) tls() []Finding {
	m := r.match(marked(markTLS))
	if m.total < MinTLSFailures {
		return nil
	}
	return []Finding{{Severity: Warning, Kind: KindTLS, Count: m.total, Threshold: MinTLSFailures,
		Title:    "TLS failures",
		Evidence: []string{fmt.Sprintf("%s (%s)", Plural(m.total, "failure", "failures"), m.byProvider())},
		Examples: m.examples, Codes: m.codes,
		Action: "Fix TLS: offer STARTTLS with TLS 1.2 or later, keep the certificate valid and " +
			"matching the HELO name, and check MTA-STS or DANE policies of the receivers."}}
}

func (r *recommender) rateLimited() []Finding {
	m := r.match(marked(markRate))
	var out []Finding
	for _, p := range m.providers() {
		n := m.perProvider[p]
		if n < MinRateLimited {
			continue
		}
		pm := r.match(func(d *markedRow) bool { return d.Provider == p && d.marks&markRate != 0 })
		out = append(out, Finding{Severity: Warning, Kind: KindRateLimited, Provider: p, Count: n,
			Threshold: MinRateLimited,
			Title:     fmt.Sprintf("Rate limiting or greylisting at %s", keyCell(p).text),
			Evidence:  []string{fmt.Sprintf("%s for rate at %s", Plural(n, "deferral or rejection", "deferrals or rejections"), keyCell(p).text)},
			Examples:  pm.examples, Codes: pm.codes,
			Action: "Lower concurrency: fewer connections and messages per connection to this " +
				"provider, back off exponentially on 421/4.7.x, spread large sends over hours, and " +
				"warm up new IPs gradually."})
	}
	return out
}

func (r *recommender) softTurningHard() []Finding {
	n := 0
	var parts []string
	for _, row := range r.ds.SoftToHard {
		n += row.Recipients
		parts = append(parts, fmt.Sprintf("%s %s", keyCell(row.Provider).text, thousands(row.Recipients)))
	}
	if n < MinSoftToHard && r.ds.SoftSuppressions < MinSoftSuppressions {
		return nil
	}
	var ev []string
	if n > 0 {
		ev = append(ev, fmt.Sprintf("%s soft, then hard: %s", Plural(n, "recipient bounced", "recipients bounced"), strings.Join(parts, ", ")))
	}
	if r.ds.SoftSuppressions > 0 {
		ev = append(ev, fmt.Sprintf("%s after repeated soft bounces", Plural(r.ds.SoftSuppressions, "address suppressed", "addresses suppressed")))
	}
	return []Finding{{Severity: Warning, Kind: KindSoftTurningHard, Count: max(n, r.ds.SoftSuppressions),
		Title:    "Soft bounces turning into hard bounces",
		Evidence: ev,
		Action: "Tighten retry: suppress after fewer soft bounces or a shorter window, and stop " +
			"retrying addresses whose mailbox has been full or disabled for weeks."}}
}

func (r *recommender) typoDomains() []Finding {
	var sugg []Suggestion
	events := 0
	for _, d := range r.ds.Domains {
		if fix, ok := SuggestDomain(d.Domain); ok {
			sugg = append(sugg, Suggestion{Domain: d.Domain, Suggested: fix, Events: d.Events, Recipients: d.Recipients})
			events += d.Events
		}
	}
	if events < MinTypoEvents {
		return nil
	}
	slices.SortFunc(sugg, func(a, b Suggestion) int {
		if a.Events != b.Events {
			return b.Events - a.Events
		}
		return strings.Compare(a.Domain, b.Domain)
	})
	ev := make([]string, len(sugg))
	for i, s := range sugg {
		ev[i] = fmt.Sprintf("%s -> %s: %s, %s", s.Domain, s.Suggested,
			Plural(s.Events, "bounce", "bounces"), Plural(s.Recipients, "recipient", "recipients"))
	}
	return []Finding{{Severity: Warning, Kind: KindTypoDomains, Count: events, Suggestions: sugg,
		Title:    fmt.Sprintf("%d mistyped recipient domains", len(sugg)),
		Evidence: ev,
		Action: "Correct these addresses where you can confirm them, and add a \"did you mean " +
			"gmail.com?\" check to your sign-up forms."}}
}

func (r *recommender) providerConcentration() []Finding {
	if r.ds.Query.Provider != "" {
		return nil // one provider is all there is
	}
	var out []Finding
	for i := range r.s.Providers {
		g := &r.s.Providers[i]
		if g.Key == "" || g.Key == "other" || g.Share <= ProviderShareOver || g.Bounces <= ProviderEventsOver {
			continue
		}
		p := g.Key
		out = append(out, Finding{Severity: Info, Kind: KindProviderConcentration, Provider: p,
			Count: g.Bounces, Value: g.Share, Threshold: ProviderShareOver,
			Title: fmt.Sprintf("%s has %s of all bounces", p, pct(g.Share).text),
			Evidence: []string{fmt.Sprintf("%s of %s: %s hard, %s soft, %s block, %s; top reason %s",
				thousands(g.Bounces), Plural(r.s.Total.Bounces, "bounce", "bounces"), thousands(g.Hard), thousands(g.Soft),
				thousands(g.Block), Plural(g.Complaints, "complaint", "complaints"), topReason(g).text)},
			Examples: r.examples(func(d *markedRow) bool { return d.Provider == p && stats.SignalType(d.Type) }),
			Action: fmt.Sprintf("Investigate %s: compare with its share of your list, read its postmaster "+
				"tools, and look at `rebound stats --provider %s --by reason`.", p, p)})
	}
	return out
}

func (r *recommender) lowConfidence() []Finding {
	t := &r.s.Total
	low := r.s.Confidence[stats.ConfLow]
	if t.Bounces < MinEventsForShare || low.Share <= LowConfidenceOver {
		return nil
	}
	return []Finding{{Severity: Info, Kind: KindLowConfidence, Count: low.Count, Value: low.Share,
		Threshold: LowConfidenceOver,
		Title:     fmt.Sprintf("%s of bounces were classified with low confidence", pct(low.Share).text),
		Evidence: []string{fmt.Sprintf("%s of %s %s a confidence below %.1f",
			thousands(low.Count), Plural(t.Bounces, "bounce", "bounces"), map[bool]string{true: "has", false: "have"}[low.Count == 1], stats.ConfMediumFrom)},
		Action: "Review the rules: run `rebound explain` on a few of them and add rules for the " +
			"diagnostics they miss (docs/rules.md)."}}
}

func (r *recommender) undecodable() []Finding {
	n := r.ds.Undecodable
	if n < MinUndecodable {
		return nil
	}
	return []Finding{{Severity: Info, Kind: KindUndecodable, Count: n, Threshold: MinUndecodable,
		Title:    fmt.Sprintf("%s not be decoded", Plural(n, "message could", "messages could")),
		Evidence: []string{fmt.Sprintf("%s in the period %s recorded as undecodable", Plural(n, "message", "messages"), map[bool]string{true: "was", false: "were"}[n == 1])},
		Action: "Check them: `rebound show --undecodable` lists them, where each is and why; " +
			"`rebound parse --all FILE` reads one again; report samples that are real bounces."}}
}

// matched sums the diagnostic rows that show something.
type matched struct {
	total       int
	perProvider map[string]int
	examples    []string
	codes       []string
}

func (r *recommender) match(pred func(*markedRow) bool) *matched {
	m := &matched{perProvider: map[string]int{}}
	codes := map[string]int{}
	for i := range r.rows {
		d := &r.rows[i]
		if !pred(d) {
			continue
		}
		m.total += d.Count
		m.perProvider[d.Provider] += d.Count
		if c := strings.TrimSpace(d.ReplyCode + " " + d.Status); c != "" {
			codes[c] += d.Count
		}
	}
	m.codes = topKeys(codes, 5)
	m.examples = r.examples(pred)
	return m
}

// providers returns the providers in order of name.
func (m *matched) providers() []string {
	ps := make([]string, 0, len(m.perProvider))
	for p := range m.perProvider {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	return ps
}

// byProvider is "by provider: gmail 40, microsoft 17": most first.
func (m *matched) byProvider() string {
	keys := topKeys(m.perProvider, len(m.perProvider))
	parts := make([]string, len(keys))
	for i, p := range keys {
		parts[i] = fmt.Sprintf("%s %s", keyCell(p).text, thousands(m.perProvider[p]))
	}
	return "by provider: " + strings.Join(parts, ", ")
}

// examples returns the most frequent distinct diagnostics of the rows pred accepts.
func (r *recommender) examples(pred func(*markedRow) bool) []string {
	counts := map[string]int{}
	for i := range r.rows {
		d := &r.rows[i]
		if d.Diagnostic != "" && pred(d) {
			counts[d.Diagnostic] += d.Count
		}
	}
	var out []string
	for _, e := range topKeys(counts, 2*maxExamples) { // texts differing in spaces only are one
		if e = strings.Join(strings.Fields(e), " "); !slices.Contains(out, e) && len(out) < maxExamples {
			out = append(out, e)
		}
	}
	return out
}

// shorten cuts an example diagnostic to maxExampleLen bytes, for the outputs read in a terminal.
func shorten(s string) string {
	if len(s) <= maxExampleLen {
		return s
	}
	cut := maxExampleLen
	for cut > 0 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
		cut--
	}
	return s[:cut] + "..."
}

// topKeys returns up to n keys, largest count first, then by key.
func topKeys(m map[string]int, n int) []string {
	type counted struct {
		key   string
		count int
	}
	before := func(a, b counted) int {
		if a.count != b.count {
			return b.count - a.count
		}
		return strings.Compare(a.key, b.key)
	}
	// Keep the first n seen so far in order: examples want a few of many thousand texts.
	top := make([]counted, 0, min(n, len(m)))
	for k, c := range m {
		x := counted{k, c}
		if len(top) == n && (n == 0 || before(x, top[n-1]) > 0) {
			continue
		}
		i, _ := slices.BinarySearchFunc(top, x, before)
		if len(top) == n {
			top = top[:n-1]
		}
		top = slices.Insert(top, i, x)
	}
	keys := make([]string, len(top))
	for i, x := range top {
		keys[i] = x.key
	}
	return keys
}
