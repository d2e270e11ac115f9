package dsn

// KDDI's older mail service (dion.ne.jp and its mobile gateways) writes "Your mail sent on: DATE"
// then "Could not be delivered to: <user@example.org>" and the reason on the next line.

var kddiDetector = detector{name: "kddi", match: matchKDDI, decode: decodeKDDI}

func matchKDDI(m *message) bool {
	return m.hasText("Could not be delivered to: <")
}

func decodeKDDI(m *message) []Recipient {
	body := section(m.bounceText(), "Your mail sent on", "----------")
	if len(body) == 0 {
		body = m.bounceText()
	}
	return listRecipients(body, "failed", "Could not be delivered to:")
}
