package dsn

import "strings"

// Trend Micro InterScan (IMSS, MSS) notifications either show the SMTP exchange ("Sent <<< RCPT
// TO:<user@example.org>" / "Received >>> 550 ...") or say "Unable to deliver message to
// <user@example.org>".

var trendmicroDetector = detector{name: "trendmicro", match: matchTrendMicro, decode: decodeTrendMicro}

func matchTrendMicro(m *message) bool {
	return m.fromHas("InterScan") || m.hasText("InterScan Messaging Security") || m.hasText("Sent <<< RCPT TO:")
}

func decodeTrendMicro(m *message) []Recipient {
	text := m.bounceText()
	var rs []Recipient
	var rcpt string
	lines(text, func(line []byte) bool {
		s := strings.TrimSpace(string(line))
		switch {
		case strings.HasPrefix(s, "Sent <<< RCPT TO:"):
			rcpt = cleanAddress(s[17:])
		case strings.HasPrefix(s, "Received >>> ") && rcpt != "":
			r := newRecipient(rcpt, s[13:], "failed")
			r.Command = "RCPT"
			rs = append(rs, r)
			rcpt = ""
		case strings.Contains(s, "Unable to deliver message to <"):
			if a := angleAddress(s[strings.Index(s, "Unable to deliver message to <"):]); a != "" && matchRecipient(rs, a) == nil {
				rs = append(rs, newRecipient(a, s, "failed"))
			}
		}
		return len(rs) < maxRecipients
	})
	return rs
}
