package dsn

import "strings"

// X6 is an unidentified MTA: "The following recipients returned permanent errors:
// user@example.org. Reason: SMTP Server <192.0.2.1> refused to accept your message (DATA), with
// the following error message ...".

var x6Detector = detector{name: "x6", match: matchX6, decode: decodeX6}

func matchX6(m *message) bool {
	return m.hasText("The following recipients returned permanent errors:")
}

func decodeX6(m *message) []Recipient {
	const lead = "The following recipients returned permanent errors:"
	var rs []Recipient
	lines(m.bounceText(), func(line []byte) bool {
		s := string(line)
		i := strings.Index(s, lead)
		if i < 0 {
			return true
		}
		rest := s[i+len(lead):]
		list, reason, _ := strings.Cut(rest, " Reason:")
		for _, a := range strings.Split(list, ",") {
			if a = strings.TrimSuffix(strings.TrimSpace(a), "."); isAddress(a) {
				r := newRecipient(a, strings.TrimSpace(reason), "failed")
				if j := strings.Index(reason, "SMTP Server <"); j >= 0 {
					r.RemoteMTA = strings.Trim(strings.Fields(reason[j+12:] + " x")[0], "<>")
				}
				rs = append(rs, r)
			}
		}
		return true
	})
	return rs
}
