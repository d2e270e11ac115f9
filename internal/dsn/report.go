// Package dsn decodes bounce messages into delivery reports.
//
// Decode reads one message and says what it is: a bounce (KindBounce), a complaint
// (KindFeedback), an automatic reply (KindAutoReply) or none of these (KindNotBounce), with one
// Recipient per failed (or delayed, delivered, ...) address and the headers of the returned
// message.
//
// Standards implemented:
//
//   - RFC 6522 (multipart/report, section 3) and RFC 3464 (message/delivery-status): the
//     per-message fields of section 2.2 (Reporting-MTA, Arrival-Date) and the per-recipient
//     fields of section 2.3 (Original-Recipient, Final-Recipient, Action, Status, Remote-MTA,
//     Diagnostic-Code, Last-Attempt-Date, Will-Retry-Until), also when an MTA writes them in a
//     text part or with another content type, and RFC 6533 message/global-delivery-status.
//   - RFC 3463 enhanced status codes and RFC 5321 section 4.2 reply codes, taken from the Status
//     field and from the diagnostic text. When both carry a code and they differ, Status holds
//     the diagnostic's (the remote server's own answer; reporting MTAs often generalise it to
//     "5.0.0" or replace it with "4.4.7" once they give up), unless the diagnostic's code only
//     generalises the field's; FieldStatus and DiagnosticStatus keep both.
//   - RFC 5965 feedback reports (multipart/report; report-type=feedback-report, section 3),
//     plus Hotmail-style complaints and Apple Mail unsubscribe requests, and Amazon SES JSON
//     notifications.
//   - RFC 3834 automatic replies (section 5: Auto-Submitted: auto-replied; and the vacation
//     programs' X-Autoreply, Precedence: auto_reply, out-of-office subjects).
//   - RFC 5322 header fields (folding, section 2.2.3; dates, section 3.3), RFC 2045/2046 MIME
//     (transfer encodings, multipart) and RFC 2047 encoded words.
//
// MTAs that do not write RFC 3464 reports are recognised by detectors (lhost_*.go), one per
// format, tried in order: Postfix, Exim, Sendmail, qmail, Exchange and Office 365, Gmail, and
// the long tail (Lotus Notes, Domino, DragonFly, OpenSMTPD, Japanese carriers, ...). Bounces in
// no known format are read by structure (structural.go): the signs of a bounce are weighed, and
// the addresses that stand where failed recipients stand in the text are taken. A detector's match looks only at header fields and at
// fixed sentences near the start of the bounce text (most through an index of line starts, see
// hasLine); its decoder runs only when it matches.
//
// Decoding is lenient and bounded: any line ending is accepted (CR, LF, CRLF), malformed MIME is
// read as well as it can be, and a message of any size decodes in linear time with bounded
// memory beyond its own size (see Decode for the limits).
//
// Charsets: UTF-8, ASCII, ISO-8859-1/15, Windows-1252, UTF-7, ISO-2022-JP, Shift_JIS and EUC-JP
// are converted by this package; others through go-message's message.CharsetReader when a
// program links github.com/emersion/go-message/charset.
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
	Kind Kind
	// Format names the decoder that recognised the message: "rfc3464" (a delivery-status
	// report from an MTA no detector knows), "arf", "rfc3834", "amazonses", "hotmail-fbl",
	// "apple-unsubscribe", "structural" (a bounce in no known format, read by the structure of its
	// text), a provider or mail store that writes its own notices ("mdaemon", "groupwise", "aol",
	// "netease", "qq", "sina", "mailru", "yandex"), or an MTA detector ("postfix", "exim", "sendmail",
	// "qmail", "office365", "gmail", ...; see detectors in detect.go).
	Format string

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

	// Evidence lists, for a report decoded by structure (Format "structural"), the signs that
	// made the message a bounce and their weights, for `rebound explain`.
	Evidence []string
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
