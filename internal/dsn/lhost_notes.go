package dsn

// Lotus Notes (its SMTP MTA) returns "Undeliverable message" with a "------- Failure Reasons
// --------" section, the reason first and the address after it, then "------- Returned Message
// --------".

var notesDetector = detector{name: "notes", match: matchNotes, decode: decodeNotes}

func matchNotes(m *message) bool {
	return m.hasLine("------- Failure Reasons ")
}

func decodeNotes(m *message) []Recipient {
	body := section(m.bounceText(), "------- Failure Reasons ", "------- Returned Message")
	return listRecipients(body, "failed")
}
