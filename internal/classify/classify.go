// Package classify decides, for one bounced recipient, why the delivery failed (reason), what
// kind of failure it is (type), what a sender should do (action) and which mailbox provider is
// involved. Decisions are driven by data in rules/ (see docs/rules.md for the format and the
// order of decision, docs/reasons.md for the vocabulary).
//
// It reads the fields a decoder extracted: the enhanced status code of RFC 3463 section 2
// (class.subject.detail, with the registry additions of RFC 5248, 7372 and 7505), the reply
// code of RFC 5321 section 4.2 (and the continuation lines of section 4.2.1, stripped before
// matching), the Action and Diagnostic-Code fields of RFC 3464 sections 2.3.3 and 2.3.6, the
// report kind (RFC 6522 delivery reports, RFC 5965 feedback reports, RFC 3834 auto-replies).
package classify

import "github.com/reboundhq/rebound/internal/bounce"

// Input is what the classifier looks at for one recipient.
type Input struct {
	Recipient  string // bare address
	Status     string // RFC 3463 enhanced status code, or ""
	ReplyCode  string // RFC 5321 reply code, or ""
	Diagnostic string // diagnostic text
	// DiagnosticType is the RFC 3464 Diagnostic-Code type (smtp, x-unix, ...), or "". A
	// diagnostic that is not an SMTP reply (a local program's output) is always read for
	// phrases, even when the status code is specific.
	DiagnosticType string
	Action         string // DSN Action field (failed, delayed, delivered, relayed, expanded), or ""
	RemoteMTA      string
	ReportingMTA   string
	Command        string // SMTP command, or ""
	Hint           string // reason suggested by the decoder, or ""
	Kind           string // dsn.Kind of the report: bounce, feedback, autoreply
	FeedbackType   string // ARF Feedback-Type, for Kind feedback
	Format         string // decoder that read the message
	// NoEvidence leaves Result.Evidence empty, for a caller that keeps no evidence (scan,
	// parse): describing the deciding rule and quoting what it matched cost a tenth of the
	// classifier's allocations. The decision is the same.
	NoEvidence bool
}

// Result is the classifier's decision for one recipient.
type Result struct {
	Reason     bounce.Reason
	Type       bounce.Type
	Action     bounce.Action
	Provider   string  // provider id from rules/providers, or "other"
	Rule       string  // id of the rule that decided
	Confidence float64 // 0..1
	Status     string  // status code, derived from the reply code or reason when the input had none
	ReplyCode  string
	Evidence   []string // human-readable lines: what matched, for `rebound explain`
}

// Hard reports whether the result is a permanent failure of the address.
func (r Result) Hard() bool { return r.Type == bounce.TypeHard }
