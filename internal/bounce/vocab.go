package bounce

import (
	"slices"
	"strings"
)

// Reason is why a delivery failed, in Sisimai's vocabulary so that users can compare results.
type Reason string

// Type is the kind of failure, which drives the suppression policy.
type Type string

// Type values.
const (
	TypeHard      Type = "hard"      // the address is permanently undeliverable
	TypeSoft      Type = "soft"      // a temporary problem with the recipient's mailbox or server
	TypeBlock     Type = "block"     // the receiver refused the sender (reputation, auth, policy, content, rate)
	TypeComplaint Type = "complaint" // the recipient reported the message (ARF)
	TypeAutoReply Type = "autoreply" // vacation or other automatic reply
	TypeDelivered Type = "delivered" // a success notice
	TypeUnknown   Type = "unknown"   // not enough evidence
)

// Types lists every Type.
var Types = []Type{TypeHard, TypeSoft, TypeBlock, TypeComplaint, TypeAutoReply, TypeDelivered, TypeUnknown}

// Action is what a sender should do about a result.
type Action string

// Action values.
const (
	ActionSuppress              Action = "suppress"
	ActionRetry                 Action = "retry"
	ActionInvestigateReputation Action = "investigate_reputation"
	ActionFixTechnical          Action = "fix_technical"
	ActionReviewContent         Action = "review_content"
	ActionManualReview          Action = "manual_review"
	ActionIgnore                Action = "ignore"
)

// Actions lists every Action.
var Actions = []Action{ActionSuppress, ActionRetry, ActionInvestigateReputation, ActionFixTechnical,
	ActionReviewContent, ActionManualReview, ActionIgnore}

// Reason values: Sisimai's names, with the modern ratelimited and emailtoolarge in place of
// toomanyconn/speeding and mesgtoobig/exceedlimit.
const (
	ReasonAuthFailure     Reason = "authfailure"
	ReasonBadReputation   Reason = "badreputation"
	ReasonBlocked         Reason = "blocked"
	ReasonContentError    Reason = "contenterror"
	ReasonDelivered       Reason = "delivered"
	ReasonEmailTooLarge   Reason = "emailtoolarge"
	ReasonExpired         Reason = "expired"
	ReasonFailedSTARTTLS  Reason = "failedstarttls"
	ReasonFeedback        Reason = "feedback"
	ReasonFiltered        Reason = "filtered"
	ReasonHasMoved        Reason = "hasmoved"
	ReasonHostUnknown     Reason = "hostunknown"
	ReasonMailboxFull     Reason = "mailboxfull"
	ReasonMailerError     Reason = "mailererror"
	ReasonNetworkError    Reason = "networkerror"
	ReasonNoRelaying      Reason = "norelaying"
	ReasonNotAccept       Reason = "notaccept"
	ReasonNotCompliantRFC Reason = "notcompliantrfc"
	ReasonOnHold          Reason = "onhold"
	ReasonPolicyViolation Reason = "policyviolation"
	ReasonRateLimited     Reason = "ratelimited"
	ReasonRejected        Reason = "rejected"
	ReasonRequirePTR      Reason = "requireptr"
	ReasonSecurityError   Reason = "securityerror"
	ReasonSpamDetected    Reason = "spamdetected"
	ReasonSuspend         Reason = "suspend"
	ReasonSyntaxError     Reason = "syntaxerror"
	ReasonSystemError     Reason = "systemerror"
	ReasonSystemFull      Reason = "systemfull"
	ReasonUndefined       Reason = "undefined"
	ReasonUserUnknown     Reason = "userunknown"
	ReasonVacation        Reason = "vacation"
	ReasonVirusDetected   Reason = "virusdetected"
)

// ReasonInfo describes one Reason: what it means and what it implies by default.
type ReasonInfo struct {
	Reason  Reason
	Meaning string   // one sentence
	Type    Type     // default type (notaccept is hard only with a 5xx/5.x.x code)
	Action  Action   // default action
	Codes   []string // typical enhanced status and reply codes
}

// Reasons lists every Reason with its meaning, default type and action, and typical codes.
// It is the one list that rules and tests are checked against.
var Reasons = []ReasonInfo{
	{ReasonUserUnknown, "The recipient's mailbox does not exist at the destination.", TypeHard, ActionSuppress, []string{"5.1.1", "5.1.0", "550", "551", "553"}},
	{ReasonHostUnknown, "The recipient's domain does not exist or has no usable mail server.", TypeHard, ActionSuppress, []string{"5.1.2", "5.4.4", "550"}},
	{ReasonHasMoved, "The recipient's mailbox has moved; mail to the old address no longer arrives.", TypeHard, ActionSuppress, []string{"5.1.6", "551"}},
	{ReasonNotAccept, "The destination does not accept mail at all (null MX, no MX, 521).", TypeHard, ActionSuppress, []string{"5.1.10", "5.3.2", "521", "556"}},
	{ReasonMailboxFull, "The recipient's mailbox is over its quota.", TypeSoft, ActionRetry, []string{"5.2.2", "4.2.2", "552", "452"}},
	{ReasonExpired, "Delivery kept failing until the message expired from the sending queue.", TypeSoft, ActionRetry, []string{"4.4.7", "5.4.7"}},
	{ReasonSuspend, "The recipient's mailbox exists but is disabled, suspended or inactive.", TypeSoft, ActionRetry, []string{"5.2.1", "4.2.1", "550"}},
	{ReasonSystemError, "The destination server had an internal error or misconfiguration.", TypeSoft, ActionRetry, []string{"5.3.0", "4.3.0", "5.3.5", "4.4.3", "451"}},
	{ReasonSystemFull, "The destination server's disk or spool is full.", TypeSoft, ActionRetry, []string{"4.3.1", "5.3.1", "452"}},
	{ReasonNetworkError, "A network or DNS problem prevented reaching the destination.", TypeSoft, ActionRetry, []string{"4.4.1", "4.4.2", "5.4.6", "4.4.0"}},
	{ReasonMailerError, "A local delivery program (pipe, procmail, LDA) failed at the destination.", TypeSoft, ActionRetry, []string{"5.3.0", "4.3.0"}},
	{ReasonEmailTooLarge, "The message is larger than the destination accepts.", TypeSoft, ActionRetry, []string{"5.3.4", "5.2.3", "552"}},
	{ReasonOnHold, "The message bounced but the bounce says too little to tell why.", TypeSoft, ActionRetry, []string{"5.0.0", "4.0.0"}},
	{ReasonFiltered, "The recipient's own filter or the mailbox configuration refused the message.", TypeSoft, ActionRetry, []string{"5.2.0", "5.2.1", "550"}},
	{ReasonSyntaxError, "The SMTP conversation failed on a syntax or sequence error.", TypeSoft, ActionRetry, []string{"5.5.2", "5.5.1", "500", "501", "503"}},
	{ReasonBlocked, "The receiver refused the sending IP address or host (blocklist, reputation of the IP).", TypeBlock, ActionInvestigateReputation, []string{"5.7.1", "5.7.606", "554", "550"}},
	{ReasonBadReputation, "The receiver throttled or refused mail because of the sender's poor reputation.", TypeBlock, ActionInvestigateReputation, []string{"4.7.650", "4.7.0", "421", "550"}},
	{ReasonSpamDetected, "The receiver judged the message to be spam.", TypeBlock, ActionInvestigateReputation, []string{"5.7.1", "5.7.0", "550", "554"}},
	{ReasonRateLimited, "The sender sent too many messages or connections too fast.", TypeBlock, ActionInvestigateReputation, []string{"4.7.28", "4.7.0", "4.3.2", "421", "451"}},
	{ReasonRejected, "The receiver refused the envelope sender (MAIL FROM) address or domain.", TypeBlock, ActionInvestigateReputation, []string{"5.1.8", "5.7.1", "550", "553"}},
	{ReasonAuthFailure, "The message failed SPF, DKIM or DMARC checks.", TypeBlock, ActionFixTechnical, []string{"5.7.26", "5.7.27", "5.7.515", "5.7.23", "5.7.25"}},
	{ReasonRequirePTR, "The sending IP has no valid reverse DNS (PTR) record.", TypeBlock, ActionFixTechnical, []string{"5.7.25", "5.7.1", "550"}},
	{ReasonSecurityError, "A security requirement (authentication, certificate, encryption) was not met.", TypeBlock, ActionFixTechnical, []string{"5.7.0", "5.7.8", "5.7.9", "535"}},
	{ReasonFailedSTARTTLS, "The TLS negotiation required by either side failed.", TypeBlock, ActionFixTechnical, []string{"5.7.10", "5.7.11", "4.7.5", "454", "530"}},
	{ReasonNotCompliantRFC, "The message does not conform to the RFCs (headers, line length, encoding).", TypeBlock, ActionFixTechnical, []string{"5.6.0", "5.7.1", "550", "554"}},
	{ReasonNoRelaying, "The server refused to relay for the sender (relay access denied).", TypeBlock, ActionFixTechnical, []string{"5.7.1", "5.4.6", "550", "554"}},
	{ReasonPolicyViolation, "The message or sender violates the receiver's local policy.", TypeBlock, ActionReviewContent, []string{"5.7.1", "5.7.0", "550", "554"}},
	{ReasonContentError, "The message content or format was refused (bad attachment, encoding, header).", TypeBlock, ActionReviewContent, []string{"5.6.0", "5.6.1", "554"}},
	{ReasonVirusDetected, "The receiver found a virus or malware in the message.", TypeBlock, ActionReviewContent, []string{"5.7.1", "5.7.0", "554"}},
	{ReasonFeedback, "The recipient reported the message as spam or abuse (ARF complaint).", TypeComplaint, ActionSuppress, nil},
	{ReasonVacation, "An automatic reply such as an out-of-office notice.", TypeAutoReply, ActionIgnore, nil},
	{ReasonDelivered, "The message was delivered, relayed or expanded (success notice).", TypeDelivered, ActionIgnore, []string{"2.0.0", "2.1.5", "250"}},
	{ReasonUndefined, "Nothing in the bounce identified a reason.", TypeUnknown, ActionManualReview, nil},
}

// reasonAliases maps older Sisimai names accepted in rule files to the names rebound emits.
var reasonAliases = map[string]Reason{
	"toomanyconn": ReasonRateLimited,
	"speeding":    ReasonRateLimited,
	"mesgtoobig":  ReasonEmailTooLarge,
	"exceedlimit": ReasonEmailTooLarge,
}

var reasonIndex = func() map[Reason]*ReasonInfo {
	m := make(map[Reason]*ReasonInfo, len(Reasons))
	for i := range Reasons {
		m[Reasons[i].Reason] = &Reasons[i]
	}
	return m
}()

// Info returns the ReasonInfo of r, or false for a name outside the vocabulary.
func (r Reason) Info() (ReasonInfo, bool) {
	ri, ok := reasonIndex[r]
	if !ok {
		return ReasonInfo{}, false
	}
	return *ri, true
}

// ParseReason returns the Reason named s (case-insensitive; older Sisimai aliases accepted).
func ParseReason(s string) (Reason, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if r, ok := reasonAliases[s]; ok {
		return r, true
	}
	if _, ok := reasonIndex[Reason(s)]; ok {
		return Reason(s), true
	}
	return "", false
}

// DefaultAction returns the action implied by a type when no reason-specific action applies.
func (t Type) DefaultAction() Action {
	switch t {
	case TypeHard, TypeComplaint:
		return ActionSuppress
	case TypeSoft:
		return ActionRetry
	case TypeBlock:
		return ActionInvestigateReputation
	case TypeAutoReply, TypeDelivered:
		return ActionIgnore
	}
	return ActionManualReview
}

// Valid reports whether t is in Types.
func (t Type) Valid() bool { return slices.Contains(Types, t) }

// Valid reports whether a is in Actions.
func (a Action) Valid() bool { return slices.Contains(Actions, a) }
