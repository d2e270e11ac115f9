package dsn

// X1 is an unidentified MTA: "---The following addresses had delivery errors---" and one
// "user@example.org [User unknown]" line per recipient.

var x1Detector = detector{name: "x1", match: matchX1, decode: decodeX1}

func matchX1(m *message) bool {
	return m.hasLine("---The following addresses had delivery errors---")
}

func decodeX1(m *message) []Recipient {
	return listRecipients(section(m.bounceText(), "---The following addresses had delivery errors---", "-----"), "failed")
}
