package dsn

// OpenSMTPD writes "An error has occurred while attempting to deliver a message for the
// following list of recipients:" and one "user@example.org: 550 5.1.1 ..." line per recipient,
// then "Below is a copy of the original message:". Newer versions add a delivery-status part.

var opensmtpdDetector = detector{name: "opensmtpd", match: matchOpenSMTPD, decode: decodeOpenSMTPD}

func matchOpenSMTPD(m *message) bool {
	return m.hasLine("This is the MAILER-DAEMON, please DO NOT REPLY to this") ||
		m.hasText("following list of recipients:") && m.hasText("Below is a copy of the original message")
}

func decodeOpenSMTPD(m *message) []Recipient {
	text := m.bounceText()
	start := "following list of recipients:"
	if !m.hasText(start) {
		start = "DO NOT REPLY"
	}
	body := section(text, start, "Below is a copy of the original message", "Below is a copy of the original headers")
	action := "failed"
	if m.subjectHas("delay") || m.hasText("has not been delivered yet") {
		action = "delayed"
	}
	return listRecipients(body, action)
}
