package dsn

import "strings"

// Apache James reports "Error message below:" with the remote reply and "Message details:" with
// the envelope ("RCPT TO: user@example.org").

var jamesDetector = detector{name: "apachejames", match: matchJames, decode: decodeJames}

func matchJames(m *message) bool {
	return m.hasText("Message details:") && m.hasText("Error message below:")
}

func decodeJames(m *message) []Recipient {
	text := m.bounceText()
	diag := joinLines(section(text, "Error message below:", "Message details:"))
	var rs []Recipient
	lines(section(text, "Message details:"), func(line []byte) bool {
		s := strings.TrimSpace(string(line))
		if len(s) > 8 && strings.EqualFold(s[:8], "RCPT TO:") {
			for _, a := range strings.Fields(s[8:]) {
				if a = cleanAddress(a); isAddress(a) {
					rs = append(rs, newRecipient(a, diag, "failed"))
				}
			}
		}
		return true
	})
	return rs
}
