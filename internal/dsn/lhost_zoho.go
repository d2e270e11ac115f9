package dsn

// Zoho Mail writes an Exim-like introduction, then one line per recipient:
// "user@example.org Invalid Address, ERROR_CODE :550, ERROR_CODE :5.1.1 ..." and the original's
// header right after ("Received:from ...", without a space).

var zohoDetector = detector{name: "zoho", match: matchZoho, decode: decodeZoho}

func matchZoho(m *message) bool {
	return m.fromHas("@mail.zoho") || m.hasText("ERROR_CODE :")
}

func decodeZoho(m *message) []Recipient {
	body := section(m.bounceText(), "This is a permanent error.", "Received:", "Message-ID:")
	return listRecipients(body, "failed")
}
