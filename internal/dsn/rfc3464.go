package dsn

import (
	"strings"
)

// maxRecipients bounds the recipients read from one message.
const maxRecipients = 1000

// statusFields are the groups of a delivery-status body (RFC 3464 section 2.1): the
// per-message fields and one group per recipient.
type statusFields struct {
	perMessage header
	recipients []header
}

// parseStatusBody reads a delivery-status body. It is lenient about layout: a new recipient
// group starts at a blank line or when a recipient field repeats, so that DSNs that forget the
// blank lines between groups still give one group per recipient. The fields are read into
// m's buffer (see message.parseHeader).
func parseStatusBody(m *message, b []byte) statusFields {
	var sf statusFields
	for len(b) > 0 && len(sf.recipients) < maxRecipients {
		h, rest := m.parseHeader(b, false)
		if len(h.fields) == 0 {
			_, rest = cutLine(b)
		}
		b = rest
		sf.addBlock(h)
	}
	return sf
}

// addBlock sorts the fields of one blank-line separated block into groups. A group gets room for
// the rest of the block's fields when it starts, rather than growing field by field.
func (sf *statusFields) addBlock(h header) {
	var cur *header
	newGroup := func(rest int) {
		sf.recipients = append(sf.recipients, header{fields: make([]field, 0, rest)})
		cur = &sf.recipients[len(sf.recipients)-1]
	}
	for i, f := range h.fields {
		name := dsnFieldName(f.name)
		switch {
		case name == "original-recipient" || name == "final-recipient":
			if cur == nil || cur.has(name) {
				newGroup(len(h.fields) - i)
			}
			cur.fields = append(cur.fields, f)
		case isRecipientField(name):
			if cur == nil {
				newGroup(len(h.fields) - i)
			}
			cur.fields = append(cur.fields, f)
		case isPerMessageField(name) || cur == nil:
			if sf.perMessage.fields == nil {
				sf.perMessage.fields = make([]field, 0, len(h.fields)-i)
			}
			sf.perMessage.fields = append(sf.perMessage.fields, f)
		default:
			cur.fields = append(cur.fields, f)
		}
	}
}

// dsnFields are the RFC 3464 field names, lower-case.
var dsnFields = []string{
	"original-recipient", "final-recipient", "action", "status", "remote-mta", "diagnostic-code",
	"last-attempt-date", "final-log-id", "will-retry-until", "x-actual-recipient", "reporting-mta",
	"arrival-date", "received-from-mta", "dsn-gateway", "original-envelope-id",
}

// dsnFieldName returns the lower-case name of an RFC 3464 field, or "" for another field.
func dsnFieldName(b []byte) string {
	for _, n := range dsnFields {
		if len(n) == len(b) && equalFoldASCII(b, n) {
			return n
		}
	}
	return ""
}

// isPerMessageField reports whether name is a per-message DSN field (RFC 3464 section 2.2).
func isPerMessageField(name string) bool {
	switch name {
	case "reporting-mta", "arrival-date", "received-from-mta", "dsn-gateway", "original-envelope-id":
		return true
	}
	return false
}

// isRecipientField reports whether name is a per-recipient DSN field (RFC 3464 section 2.3).
func isRecipientField(name string) bool {
	switch name {
	case "action", "status", "remote-mta", "diagnostic-code", "last-attempt-date",
		"final-log-id", "will-retry-until", "x-actual-recipient":
		return true
	}
	return false
}

// recipientFromFields builds a Recipient from one per-recipient group. It returns false when the
// group names no recipient address.
func recipientFromFields(g header) (Recipient, bool) {
	var r Recipient
	r.Recipient = cleanAddress(g.get("final-recipient"))
	r.OriginalRecipient = cleanAddress(g.get("original-recipient"))
	if !isAddress(r.Recipient) {
		// a Final-Recipient that free text would not take: a better address of the same
		// recipient first, else the field as the MTA wrote it (user@localhost, a quoted local
		// part)
		switch {
		case isAddress(cleanAddress(g.get("x-actual-recipient"))):
			r.Recipient = cleanAddress(g.get("x-actual-recipient"))
		case isAddress(r.OriginalRecipient):
			r.Recipient = r.OriginalRecipient
		case isFieldAddress(r.Recipient):
		case isFieldAddress(r.OriginalRecipient):
			r.Recipient = r.OriginalRecipient
		default:
			return r, false
		}
	}
	r.Action = normAction(g.get("action"))
	r.RemoteMTA = hostOf(stripType(g.get("remote-mta")))
	r.DiagnosticType, r.Diagnostic = splitDiagnostic(g.get("diagnostic-code"))
	r.LastAttempt = parseDate(g.get("last-attempt-date"))
	status := g.get("status")
	if r.Diagnostic == "" {
		// "Status: 4.0.0 (example.net: host name lookup failure)": without a Diagnostic-Code
		// field, the comment is all the message says about the failure
		r.Diagnostic = statusComment(status)
	}
	setCodes(&r, validStatus(status))
	return r, true
}

// statusComment returns the text of a comment after the code in a Status field value, or "".
func statusComment(s string) string {
	i := strings.IndexByte(s, '(')
	j := strings.LastIndexByte(s, ')')
	if i < 0 || j < i || validStatus(s[:i]) == "" {
		return ""
	}
	return strings.TrimSpace(s[i+1 : j])
}

// setCodes sets Status and ReplyCode from the Status field value and the diagnostic. Both codes
// are recorded (FieldStatus, DiagnosticStatus); Status is chosen by refineStatus: when the
// diagnostic carries another code than the field (the field says "5.0.0" or "4.4.7" and the
// diagnostic "550 5.1.1 ..." or "450 4.7.1 ..."), Status takes the diagnostic's code, which is
// the remote server's own answer, unless it merely generalises the field's.
func setCodes(r *Recipient, fieldStatus string) {
	r.FieldStatus = fieldStatus
	r.DiagnosticStatus = findStatusNot(r.Diagnostic, fieldStatus)
	if r.DiagnosticStatus == "" {
		r.DiagnosticStatus = findStatus(r.Diagnostic)
	}
	r.Status = refineStatus(fieldStatus, r.DiagnosticStatus)
	if r.ReplyCode == "" {
		r.ReplyCode = replyCodeOf(r.Diagnostic)
	}
}

// replyCodeOf returns the SMTP reply code in a diagnostic text: the leading one, else the first
// one that stands as a word.
func replyCodeOf(diag string) string {
	if c := leadingReplyCode(diag); c != "" {
		return c
	}
	return findReplyCode(diag)
}

// splitDiagnostic splits a Diagnostic-Code value "smtp; 550 ..." into its type and text.
func splitDiagnostic(v string) (typ, text string) {
	if i := strings.IndexByte(v, ';'); i > 0 && i < 16 && !strings.ContainsAny(v[:i], " @<") {
		return strings.ToLower(strings.TrimSpace(v[:i])), strings.TrimSpace(v[i+1:])
	}
	return "", strings.TrimSpace(v)
}

// stripType removes an RFC 3464 type prefix ("dns;", "rfc822;") from a field value.
func stripType(v string) string {
	if i := strings.IndexByte(v, ';'); i >= 0 && i < 16 {
		v = v[i+1:]
	}
	return strings.TrimSpace(v)
}

// hostOf returns the first word of a Remote-MTA value, without a comment or a trailing dot.
func hostOf(v string) string {
	if i := strings.IndexAny(v, " \t("); i >= 0 {
		v = v[:i]
	}
	if len(v) > 1 {
		v = strings.TrimSuffix(v, ".")
	}
	return v
}

// normAction returns the first word of an Action field, lower-case (RFC 3464 section 2.3.3).
func normAction(v string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	if i := strings.IndexAny(v, " \t("); i >= 0 {
		v = v[:i]
	}
	switch v {
	case "failure", "fail":
		return "failed"
	case "delay":
		return "delayed"
	}
	return v
}

// decodeStatusParts reads every delivery-status part of m into r. It returns the number of
// recipients found.
func decodeStatusParts(m *message, r *Report) int {
	n := 0
	for _, p := range m.statusParts() {
		sf := parseStatusBody(m, p.content())
		if r.ReportingMTA == "" {
			r.ReportingMTA = stripType(sf.perMessage.get("reporting-mta"))
		}
		if r.ArrivalDate.IsZero() {
			r.ArrivalDate = parseDate(sf.perMessage.get("arrival-date"))
		}
		for _, g := range sf.recipients {
			if rc, ok := recipientFromFields(g); ok && len(r.Recipients) < maxRecipients {
				r.Recipients = append(r.Recipients, rc)
				n++
			}
		}
	}
	return n
}
