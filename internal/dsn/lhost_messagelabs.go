package dsn

// Symantec (Broadcom) Email Security.cloud, formerly MessageLabs: "I was unable to deliver your
// message to the following addresses:", the addresses, then "Reason:" and the remote reply; a
// delivery-status part follows.

var messagelabsDetector = detector{name: "messagelabs", match: matchMessageLabs, decode: decodeMessageLabs}

func matchMessageLabs(m *message) bool {
	return m.hasLine("This is the mail delivery agent at Symantec Email Security.cloud") ||
		m.hasLine("This is the mail delivery agent at MessageLabs") ||
		m.fromHas("@messagelabs.com") && m.hasLine("I was unable to deliver your message to the following addresses:")
}

func decodeMessageLabs(m *message) []Recipient {
	body := section(m.bounceText(), "I was unable to deliver your message to the following addresses:",
		"The message subject was:", "The message date was:")
	return listRecipients(body, "failed", "Reason:")
}
