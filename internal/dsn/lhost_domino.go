package dsn

// IBM (Lotus) Domino writes "Your message ... was not delivered to:" followed by the indented
// address and "because:" with the reason.

var dominoDetector = detector{name: "domino", match: matchDomino, decode: decodeDomino}

func matchDomino(m *message) bool {
	return m.hasText("was not delivered to:") && m.hasText("because:")
}

func decodeDomino(m *message) []Recipient {
	text := m.bounceText()
	rs := listRecipients(section(text, "was not delivered to:", "because:"), "failed")
	diag := joinLines(section(text, "because:", "-----"))
	for i := range rs {
		rs[i] = mergeNew(rs[i], newRecipient(rs[i].Recipient, diag, "failed"))
	}
	return rs
}
