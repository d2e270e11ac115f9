package bounce

import (
	"strconv"
	"strings"
	"time"
)

// Event is one classified recipient of one bounce, as stored by the scan.
type Event struct {
	ID           string // stable: message key + "#" + index (see EventID)
	Recipient    string // normalised address (internal/address)
	Type         Type
	Reason       Reason
	Provider     string
	Status       string // RFC 3463 enhanced status code
	ReplyCode    string // RFC 5321 reply code
	Rule         string // id of the classification rule that decided
	Diagnostic   string
	FeedbackType string // ARF Feedback-Type, for complaints
	BouncedAt    time.Time
	Position     string // where the message is (file, mbox offset), for people
}

// EventID returns the stable id of the idx-th recipient of the message with the given key.
func EventID(messageKey string, idx int) string { return messageKey + "#" + strconv.Itoa(idx) }

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
