package dsn

// MailMarshal (Trustwave SEG) writes "Your message: From: ... Subject: ...", "Could not be
// delivered because of" and the reply, then "The following recipients were affected:" and the
// addresses, and "Additional Information" with Remote-MTA and Reporting-MTA lines.

var mailmarshalDetector = detector{name: "mailmarshal", match: matchMailMarshal, decode: decodeMailMarshal}

func matchMailMarshal(m *message) bool {
	return m.hasText("The following recipients were affected:")
}

func decodeMailMarshal(m *message) []Recipient {
	text := m.bounceText()
	diag := joinLines(section(text, "Could not be delivered because of", "The following recipients were affected:"))
	rs := listRecipients(section(text, "The following recipients were affected:", "Additional Information", "======"), "failed")
	for i := range rs {
		rs[i] = mergeNew(rs[i], newRecipient(rs[i].Recipient, diag, "failed"))
	}
	return rs
}
