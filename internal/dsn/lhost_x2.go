package dsn

// X2 is an unidentified qmail-derived MTA (seen at several web mail providers): "Unable to
// deliver message to the following address(es).", then "<user@example.org>:" and the reason,
// often ending with "[#102]" or "(#4.4.1)", and "--- Original message follows.".

var x2Detector = detector{name: "x2", match: matchX2, decode: decodeX2}

func matchX2(m *message) bool {
	return m.hasLine("Unable to deliver message to the following address(es).")
}

func decodeX2(m *message) []Recipient {
	body := section(m.bounceText(), "Unable to deliver message to the following address(es).", "--- Original message follows.")
	rs := listRecipients(body, "failed")
	for i := range rs {
		qmailDetails(&rs[i])
	}
	return rs
}
