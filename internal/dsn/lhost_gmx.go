package dsn

import "strings"

// GMX, web.de, mail.com and 1&1 (EinsUndEins) use an Exim-like text whose address lines are not
// indented: `"user@example.org":` or a bare address after "The following address failed:",
// followed by "SMTP error from remote server after RCPT command:", "host: mx.example.org" and
// the reply, or "For the following reason:". The original's header follows "--- The header of
// the original message is following. ---".

var gmxDetector = detector{name: "gmx", match: matchGMX, decode: decodeGMX}

func matchGMX(m *message) bool {
	return m.hasLine("--- The header of the original message is following. ---")
}

func decodeGMX(m *message) []Recipient {
	text := m.bounceText()
	start := "address failed:"
	if !m.hasText(start) {
		start = "The following address"
	}
	body := section(text, start, "--- The header of the original message is following. ---")
	rs := listRecipients(body, "failed")
	for i := range rs {
		d := rs[i].Diagnostic
		if j := strings.Index(d, "host: "); j >= 0 {
			rs[i].RemoteMTA = strings.Fields(d[j+6:] + " x")[0]
		}
		if j := strings.Index(d, "For the following reason:"); j >= 0 {
			rs[i].Diagnostic = strings.TrimSpace(d[j+25:])
		}
	}
	if len(rs) == 0 {
		rs = failedRecipients(m, joinLines(body))
	}
	return rs
}
