// Package dsn decodes bounce messages into delivery reports.
//
// It implements the parts of RFC 6522 (multipart/report), RFC 3464 (message/delivery-status,
// sections 2.2 per-message and 2.3 per-recipient fields), RFC 5965 (ARF feedback reports) and
// RFC 3834 (auto-replies) that a bounce analyzer needs, and recognises the plain-text bounces of
// common MTAs that do not follow RFC 3464.
package dsn

import "time"

// Kind says what a message is, as far as bounce handling goes.
type Kind string

// Kinds of report.
const (
	KindBounce    Kind = "bounce"    // a delivery status notification or MTA bounce (RFC 3464 or text)
	KindFeedback  Kind = "feedback"  // an RFC 5965 ARF feedback report (complaint)
	KindAutoReply Kind = "autoreply" // an RFC 3834 auto-reply or vacation notice
	KindNotBounce Kind = "notbounce" // an ordinary message: nothing to record
)

// Report is what Decode found in one message.
type Report struct {
	Kind   Kind
	Format string // decoder that recognised the message: "rfc3464", "arf", "rfc3834", "postfix", "qmail", ...

	// Headers of the bounce message itself.
	MessageID string
	From      string
	Subject   string
	Date      time.Time // zero when absent or unparseable

	// RFC 3464 section 2.2 per-message fields.
	ReportingMTA string
	ArrivalDate  time.Time

	// RFC 5965 section 3.1 Feedback-Type (abuse, fraud, virus, other, not-spam, ...), lower-case.
	FeedbackType string
	// RFC 5965 section 3.2 Reported-Domain and Source-IP, when the report gives them.
	ReportedDomain string
	SourceIP       string

	Recipients []Recipient
	Original   Original

	// NotBounceReason says why a message is KindNotBounce or KindAutoReply (for `parse --all`).
	NotBounceReason string
}

// Recipient is one recipient of the returned message (RFC 3464 section 2.3).
type Recipient struct {
	Recipient         string // Final-Recipient address, bare (no "rfc822;"), as written
	OriginalRecipient string // Original-Recipient address, bare, or ""
	Action            string // failed, delayed, delivered, relayed, expanded (lower-case), or ""
	Status            string // enhanced status code "5.1.1" (RFC 3463), or "": see FieldStatus
	FieldStatus       string // the DSN Status field as written (validated), or ""
	DiagnosticStatus  string // the first status code in the diagnostic text, or ""
	ReplyCode         string // SMTP reply code "550" (RFC 5321 section 4.2), or ""
	RemoteMTA         string // host name or address of the remote MTA, without "dns;"
	DiagnosticType    string // "smtp", "x-unix", ... lower-case
	Diagnostic        string // Diagnostic-Code text or the MTA's error text, folded lines joined
	LastAttempt       time.Time
	Command           string // SMTP command the error answered (CONN, EHLO, HELO, MAIL, RCPT, DATA), or ""
	Hint              string // reason suggested by the format itself (e.g. "expired", "vacation"), or ""
}

// Original holds headers of the returned (original) message, when the bounce includes it.
type Original struct {
	MessageID  string
	From       string
	To         string
	Subject    string
	Date       time.Time
	ReturnPath string
	// Headers holds campaign and list headers, by canonical name: X-Campaign-ID, List-ID,
	// X-Mailgun-Tag, X-SES-CONFIGURATION-SET, Feedback-ID, X-Mailer, Precedence, ...
	Headers map[string]string
}
