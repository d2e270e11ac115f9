package dsn

import "strings"

// m-FILTER (Digital Arts) writes, in Japanese, the failed address on a line of its own and then
// "-------server message" (the remote reply), "-------SMTP command" and "-------original mail
// info" (or "-------original message").

var mfilterDetector = detector{name: "mfilter", match: matchMFilter, decode: decodeMFilter}

func matchMFilter(m *message) bool {
	return m.hasLine("-------server message") || m.hasText("m-FILTER") && m.hasLine("-------original m")
}

func decodeMFilter(m *message) []Recipient {
	text := m.bounceText()
	addrs := section(text, "", "-------server message", "-------SMTP command", "-------original m")
	reply := joinLines(section(text, "-------server message", "-------SMTP command", "-------original m"))
	cmd := strings.TrimSpace(string(section(text, "-------SMTP command", "-------original m")))
	var rs []Recipient
	lines(addrs, func(line []byte) bool {
		if a := strings.TrimSpace(string(line)); isAddress(a) && len(rs) < maxRecipients {
			r := newRecipient(a, reply, "failed")
			if c := commandOfTranscript(strings.ToUpper(strings.Fields(cmd + " x")[0])); c != "" {
				r.Command = c
			}
			rs = append(rs, r)
		}
		return true
	})
	return rs
}
