package report

import (
	"github.com/reboundhq/rebound/internal/stats"

	"regexp"
	"strings"

	"github.com/reboundhq/rebound/internal/bounce"
)

// mailboxReasons are about the recipient's mailbox: their diagnostics ("mailbox full, try again
// later") say nothing about the sender, so phrases and reply codes are not read in them.
var mailboxReasons = map[bounce.Reason]bool{
	bounce.ReasonUserUnknown: true, bounce.ReasonHostUnknown: true, bounce.ReasonHasMoved: true,
	bounce.ReasonNotAccept: true, bounce.ReasonMailboxFull: true, bounce.ReasonSuspend: true,
	bounce.ReasonSystemFull: true, bounce.ReasonEmailTooLarge: true, bounce.ReasonVacation: true,
	bounce.ReasonFeedback: true,
}

// signal is a kind of sender-side problem recognised in diagnostics.
type signal struct {
	reason   bounce.Reason
	statuses map[string]bool // RFC 3463 codes that mean it
	replies  map[string]bool // RFC 5321 reply codes that mean it
	keywords []string        // lower-case; a phrase matches only where one of them occurs
	phrases  *regexp.Regexp
}

// match reports whether a diagnostic row shows the signal; lower is its diagnostic in lower case.
func (sg *signal) match(r *stats.DiagnosticRow, lower string) bool {
	if !stats.SignalType(r.Type) {
		return false
	}
	if r.Reason == sg.reason || sg.statuses[r.Status] {
		return true
	}
	if mailboxReasons[r.Reason] {
		return false
	}
	return sg.replies[r.ReplyCode] || (containsAny(lower, sg.keywords) && sg.phrases.MatchString(lower))
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

var (
	authSignal = &signal{
		reason: bounce.ReasonAuthFailure,
		statuses: setOf("5.7.20", "5.7.21", "5.7.22", "5.7.23", "5.7.24", "5.7.26", "4.7.26",
			"5.7.509", "5.7.515"),
		// The codes, not "5.7.": most 5.7.x diagnostics (5.7.1 spam, block lists) are not about
		// authentication, and the phrases cost far more than the keywords.
		keywords: []string{"spf", "dkim", "dmarc", "sender policy", "domainkeys", "authenticat", "5.7.2",
			"5.7.509", "5.7.515"},
		phrases: regexp.MustCompile(`(?i)\b(?:spf|dkim|dmarc)\b|sender policy framework|domainkeys|` +
			`\bnot authenticated|\bunauthenticated (?:mail|email|message|sender)|` +
			`authentication (?:check|fail|level)|sender authentication|\b5\.7\.(?:2[0-46]|509|515)\b`),
	}
	rateSignal = &signal{
		reason:   bounce.ReasonRateLimited,
		statuses: setOf("4.7.28"),
		replies:  setOf("421"),
		keywords: []string{"again", "too many", "rate", "throttl", "list", "defer", "slow down", "ts0", "4.7.28"},
		phrases: regexp.MustCompile(`(?i)try again later|too many (?:connections|concurrent|messages|` +
			`recipients|mails|emails|sessions)|rate[- ]?limit|throttl|gr[ae]y[- ]?list|temporarily deferred|` +
			`deferred due to|slow down|unusual rate|\bts0[1-4]\b|\b4\.7\.28\b`),
	}
	ptrSignal = &signal{
		reason:   bounce.ReasonRequirePTR,
		statuses: setOf("5.7.25", "4.7.25"),
		keywords: []string{"dns", "ptr", "reverse", "hostname", "helo", "ehlo", "5.7.25"},
		phrases: regexp.MustCompile(`(?i)reverse dns|\brdns\b|\bptr\b|reverse (?:lookup|mapping|hostname)|` +
			`cannot find your (?:reverse )?hostname|(?:helo|ehlo)(?:/ehlo)? (?:command rejected|name|` +
			`hostname|host name|argument)|(?:invalid|bad|broken|forged|bogus|unqualified) (?:helo|ehlo)|` +
			`need fully-qualified hostname|\b5\.7\.25\b`),
	}
	tlsSignal = &signal{
		reason:   bounce.ReasonFailedSTARTTLS,
		keywords: []string{"tls", "ssl", "certificate", "handshake"},
		phrases:  regexp.MustCompile(`(?i)\bstarttls\b|\btls\b|\bssl\b|certificate (?:verif|expired|has expired|not trusted)|handshake fail`),
	}
)

// blocklist is a DNS block list (or a receiver's own list) that diagnostics name.
type blocklist struct {
	name    string
	pattern *regexp.Regexp
	delist  string // where to ask for removal: the end of the action's sentence, after "then"
}

// blocklists are checked in order; a diagnostic counts for every list it names.
var blocklists = []blocklist{
	{"Spamhaus", regexp.MustCompile(`(?i)spamhaus`), "check and request removal at https://check.spamhaus.org/"},
	{"Barracuda", regexp.MustCompile(`(?i)barracuda|\bbrbl\b`), "request removal at https://www.barracudacentral.org/rbl/removal-request"},
	{"SpamCop", regexp.MustCompile(`(?i)spamcop`), "SpamCop entries expire by themselves 24 hours after the last report; check at https://www.spamcop.net/bl.shtml and stop what triggers reports"},
	{"SORBS", regexp.MustCompile(`(?i)\bsorbs\b`), "ask the receiver's postmaster to stop querying SORBS, which closed in 2024"},
	{"UCEPROTECT", regexp.MustCompile(`(?i)uceprotect`), "check at https://www.uceprotect.net/en/rblcheck.php; level 2 and 3 listings cover your provider's whole network, so ask your provider"},
	{"Microsoft (Outlook.com)", regexp.MustCompile(`\bS3150\b|\bS3140\b|\bS3115\b`), "request delisting with Outlook.com sender support (https://olcsupport.office.com/) and sign up to SNDS"},
	{"Microsoft 365", regexp.MustCompile(`(?i)banned sending ip|\b5\.7\.6[0-4][0-9]\b`), "request delisting at https://sender.office.com/"},
	{"Proofpoint", regexp.MustCompile(`(?i)ipcheck\.proofpoint|proofpoint (?:dynamic )?reputation`), "request removal at https://ipcheck.proofpoint.com/"},
	{"Abusix", regexp.MustCompile(`(?i)abusix`), "check and request removal at https://lookup.abusix.com/"},
	{"Mailspike", regexp.MustCompile(`(?i)mailspike`), "look the IP up on the Mailspike site; listings age out once the traffic that caused them stops"},
	{"Spamrats", regexp.MustCompile(`(?i)spamrats`), "request removal at https://www.spamrats.com/"},
	{"PSBL", regexp.MustCompile(`(?i)\bpsbl\b|psbl\.surriel`), "remove the IP at https://psbl.org/"},
	{"Invaluement", regexp.MustCompile(`(?i)invaluement`), "request removal at https://www.invaluement.com/"},
	{"Cloudmark", regexp.MustCompile(`(?i)cloudmark`), "request a reset at https://csi.cloudmark.com/"},
	{"SURBL", regexp.MustCompile(`(?i)\bsurbl\b`), "find which domain in your content is listed at https://www.surbl.org/ and remove or replace it"},
	{"URIBL", regexp.MustCompile(`(?i)\buribl\b`), "find which domain in your content is listed at https://admin.uribl.com/ and remove or replace it"},
}

// names reports whether a diagnostic row names the list.
func (b *blocklist) names(r *stats.DiagnosticRow) bool {
	return stats.SignalType(r.Type) && b.pattern.MatchString(r.Diagnostic)
}

// blocklistWords are lower-case words one of which every list's pattern needs.
var blocklistWords = []string{"spamhaus", "barracuda", "brbl", "spamcop", "sorbs", "uceprotect", "s3150",
	"s3140", "s3115", "banned sending ip", "5.7.6", "proofpoint", "abusix", "mailspike", "spamrats",
	"psbl", "invaluement", "cloudmark", "surbl", "uribl"}

// Marks of a diagnostic row: the signals it shows and the block lists it names.
const (
	markAuth uint64 = 1 << iota
	markRate
	markPTR
	markTLS
	markFirstList // block list i is markFirstList << i
)

func blocklistMark(i int) uint64 { return markFirstList << i }

// markedRow is a diagnostic row with its marks.
type markedRow struct {
	*stats.DiagnosticRow
	marks uint64
}

func marked(m uint64) func(*markedRow) bool {
	return func(d *markedRow) bool { return d.marks&m != 0 }
}

// markRows reads every diagnostic row of the query once and returns them with their marks,
// and the union of the marks.
func markRows(ds *stats.Dataset) ([]markedRow, uint64) {
	out := make([]markedRow, 0, len(ds.Diagnostics))
	var all uint64
	for i := range ds.Diagnostics {
		d := &ds.Diagnostics[i]
		if ds.Query.Provider != "" && d.Provider != ds.Query.Provider {
			continue
		}
		m := markRow(d)
		all |= m
		out = append(out, markedRow{d, m})
	}
	return out, all
}

func markRow(d *stats.DiagnosticRow) uint64 {
	if !stats.SignalType(d.Type) {
		return 0
	}
	var m uint64
	lower := strings.ToLower(d.Diagnostic)
	for i, sg := range []*signal{authSignal, rateSignal, ptrSignal, tlsSignal} {
		if sg.match(d, lower) {
			m |= 1 << i
		}
	}
	if containsAny(lower, blocklistWords) {
		for i := range blocklists {
			if blocklists[i].names(d) {
				m |= blocklistMark(i)
			}
		}
	}
	return m
}
