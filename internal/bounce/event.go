package bounce

import (
	"strconv"
	"strings"
	"time"
)

// Event is one classified recipient of one bounce: the one record of a bounced recipient from
// decoding to export. internal/scan fills it from a decoded report (RFC 3464 section 2.3 for
// the per-recipient fields, RFC 5965 for complaints) and the classifier's result; `rebound
// parse --format jsonl` prints it (AppendJSON); internal/store saves it and reads it back;
// internal/policy evaluates it by Address; internal/stats counts it; an export row carries the
// deciding one. Strings are empty and times zero when unknown.
type Event struct {
	// Where the event comes from.
	ID       string // stable: Key + "#" + Idx (EventID); set by the store, empty before
	Key      string // the message's stable key (internal/mailbox)
	Idx      int    // the recipient's index within the message, from 1
	File     string // the file the message is in
	Position string // where the message is (file, mbox offset), for people

	// Recipient is the address as the report gives it, surrounding space removed; the store
	// keeps it lower-case (internal/address Stored). Address is its normalised form
	// (internal/address Normalize), the address the policy evaluates, or AddressError says why
	// it is malformed; both are empty when not computed.
	Recipient    string
	Address      string
	AddressError string

	Action       string  // DSN Action (failed, delayed, ...), RFC 3464 section 2.3.3; not an Action
	Status       string  // enhanced status code, RFC 3463
	ReplyCode    string  // SMTP reply code, RFC 5321 section 4.2
	Diagnostic   string  // Diagnostic-Code, RFC 3464 section 2.3.6, or the MTA's text
	RemoteMTA    string  // RFC 3464 section 2.3.5
	ReportingMTA string  // RFC 3464 section 2.2.2
	Reason       Reason  // Sisimai's vocabulary
	Type         Type    // hard, soft, ...
	Hard         bool    // a permanent failure
	Provider     string  // the provider table's id of the recipient's domain
	Rule         string  // id of the classification rule that decided
	Confidence   float64 // the rule's confidence, 0 to 1
	BouncedAt    time.Time

	// Of the original message, as the bounce quotes it.
	Sender            string // From
	Subject           string
	OriginalMessageID string // Message-ID

	Campaign      string // attribution (internal/attrib)
	SendingDomain string
	FeedbackType  string // ARF Feedback-Type, RFC 5965 section 3.1, for complaints
	Format        string // the bounce format the decoder recognised
}

// EventID returns the stable id of the idx-th recipient of the message with the given key.
func EventID(messageKey string, idx int) string { return messageKey + "#" + strconv.Itoa(idx) }

// ParseEventID splits an id made by EventID into its message key and index; ok is false when
// id is not one.
func ParseEventID(id string) (messageKey string, idx int, ok bool) {
	i := strings.LastIndexByte(id, '#')
	if i < 0 {
		return "", 0, false
	}
	idx, err := strconv.Atoi(id[i+1:])
	return id[:i], idx, err == nil
}

// Override is an operator's decision to return an address to active ("unsuppress"): events
// before At no longer count.
type Override struct {
	Recipient string
	At        time.Time
	By        string // who
	Why       string // why
}

// Transition is one step of a recipient's audit trail.
type Transition struct {
	At        time.Time // bounce time of the triggering event, pause end, window end or override time
	From, To  State
	SoftCount int      // soft bounces counted in the window after the step (soft(n)); the count that triggered a pause
	Events    []string // ids of the events that triggered it; none for pause ends and overrides
	Rule      string   // classification rule of the triggering event
	Setting   string   // policy settings that applied: "reason mailboxfull: soft_threshold=5 soft_window=72h"
	Note      string   // for people: "pause ended", "unsuppressed by alice: fixed typo"
}

// String renders a transition on one line for logs and `rebound explain`:
// "2026-03-03T23:00:00Z soft(2)->paused events=[k1#1 k2#1 k3#1] rule=quota setting=(default:
// soft_threshold=3 soft_window=72h pause=7d)". The from-count is not known to a lone
// transition, so a soft origin is written "soft".
func (t Transition) String() string {
	var b strings.Builder
	b.WriteString(t.At.UTC().Format(time.RFC3339))
	b.WriteString(" " + string(t.From) + "->" + string(t.To))
	if t.To == StateSoft {
		b.WriteString("(" + strconv.Itoa(t.SoftCount) + ")")
	}
	if len(t.Events) > 0 {
		b.WriteString(" events=[" + strings.Join(t.Events, " ") + "]")
	}
	if t.Rule != "" {
		b.WriteString(" rule=" + t.Rule)
	}
	if t.Setting != "" {
		b.WriteString(" setting=(" + t.Setting + ")")
	}
	if t.Note != "" {
		b.WriteString(" note=" + strconv.Quote(t.Note))
	}
	return b.String()
}
