package dsn

import "strings"

// isFeedback reports whether m is an RFC 5965 feedback report: a multipart/report with
// report-type=feedback-report (RFC 5965 section 2) or any message/feedback-report part.
func isFeedback(m *message) bool {
	if m.reportType == "feedback-report" {
		return true
	}
	for i := range m.parts {
		p := &m.parts[i]
		if p.mtype == "message/feedback-report" {
			return true
		}
	}
	return false
}

// decodeARF reads an RFC 5965 feedback report into r. The complaining recipient is taken from
// Original-Rcpt-To (section 3.2, may repeat), else from the To of the reported message. It
// reports whether the message was read as a feedback report.
func decodeARF(m *message, r *Report) bool {
	var fr header
	for i := range m.parts {
		p := &m.parts[i]
		if p.mtype == "message/feedback-report" {
			fr, _ = parseHeader(p.content(), false)
			break
		}
	}
	if len(fr.fields) == 0 {
		// Some reporters put the fields in a text part of a feedback-report multipart.
		fr = feedbackFieldsInText(m)
	}
	r.Kind = KindFeedback
	r.Format = "arf"
	r.FeedbackType = strings.ToLower(strings.TrimSpace(fr.get("Feedback-Type")))
	if r.FeedbackType == "" {
		r.FeedbackType = "abuse"
	}
	r.ReportingMTA = stripType(fr.get("Reporting-MTA"))
	r.ArrivalDate = parseDate(fr.get("Arrival-Date"))
	if r.ArrivalDate.IsZero() {
		r.ArrivalDate = parseDate(fr.get("Received-Date"))
	}
	r.ReportedDomain = fr.get("Reported-Domain")
	r.SourceIP = fr.get("Source-IP")
	for _, f := range fr.fields {
		if strings.EqualFold(string(f.name), "Original-Rcpt-To") {
			addFeedbackRecipient(r, cleanAddress(unfold(f.value)))
		}
	}
	if len(r.Recipients) == 0 {
		if h, ok := findOriginal(m); ok {
			for _, name := range []string{"X-HmXmrOriginalRecipient", "To", "X-Original-To", "Delivered-To"} {
				if a := findAddress(h.get(name)); a != "" {
					addFeedbackRecipient(r, a)
					break
				}
			}
		}
	}
	return true
}

// addFeedbackRecipient appends a complaining recipient.
func addFeedbackRecipient(r *Report, addr string) {
	if addr == "" || len(r.Recipients) >= maxRecipients {
		return
	}
	r.Recipients = append(r.Recipients, Recipient{Recipient: addr, Action: "", Hint: "feedback"})
}

// feedbackFieldsInText finds "Feedback-Type:" in a text part and reads the fields from there.
func feedbackFieldsInText(m *message) header {
	for i := range m.parts {
		p := &m.parts[i]
		if !strings.HasPrefix(p.mtype, "text/plain") {
			continue
		}
		c := p.content()
		if i := indexFold(c, "feedback-type:"); i >= 0 {
			start := i
			for start > 0 && c[start-1] != '\n' {
				start--
			}
			h, _ := parseHeader(c[start:], false)
			return h
		}
	}
	return header{}
}

// decodeLooseFeedback recognises complaint formats that are not ARF: a Hotmail-style report
// (from staff@hotmail.com, the complained-about message attached with an
// X-HmXmrOriginalRecipient header) and Apple Mail's unsubscribe request (X-Apple-Unsubscribe:
// true, an "opt-out" report from the recipient itself).
func decodeLooseFeedback(m *message, r *Report) bool {
	if strings.EqualFold(m.hdr.get("X-Apple-Unsubscribe"), "true") {
		if a := findAddress(m.from); a != "" {
			r.Kind, r.Format, r.FeedbackType = KindFeedback, "apple-unsubscribe", "opt-out"
			addFeedbackRecipient(r, a)
			return true
		}
	}
	if !strings.Contains(strings.ToLower(m.from), "staff@hotmail.com") {
		return false
	}
	h, ok := findOriginal(m)
	if !ok {
		return false
	}
	a := findAddress(h.get("X-HmXmrOriginalRecipient"))
	if a == "" {
		return false
	}
	r.Kind, r.Format, r.FeedbackType = KindFeedback, "hotmail-fbl", "abuse"
	addFeedbackRecipient(r, a)
	return true
}
