package dsn

import "strings"

// AOL's old notices ("Mail Delivery Problem" from MAILER-DAEMON@aol.com) name the recipients by
// their AOL screen names, indented under "Your mail to the following recipients could not be
// delivered because ...:": a name without a domain is NAME@aol.com.

var aolDetector = detector{name: "aol", match: matchAOL, decode: decodeAOL}

func matchAOL(m *message) bool {
	return m.fromHas("@aol.com") && isSystemSender(m.from) && m.hasText("following recipient")
}

func decodeAOL(m *message) []Recipient {
	var rs []Recipient
	intro := ""
	state := 0 // 0 before the introduction, 1 in it, 2 in the list of names
	for _, line := range m.failure().lines {
		t := strings.TrimSpace(line)
		switch {
		case state == 0 && strings.Contains(t, "following recipient"):
			intro, state = t, 1
			if strings.HasSuffix(t, ":") {
				state = 2
			}
		case state == 1 && t != "":
			intro += " " + t // the introduction goes on to the line that ends with a colon
			if strings.HasSuffix(t, ":") {
				state = 2
			}
		case state == 2 && t != "" && !strings.Contains(t, " "):
			a := cleanAddress(t)
			if !strings.Contains(a, "@") {
				a += "@aol.com"
			}
			if isAddress(a) && matchRecipient(rs, a) == nil {
				rs = append(rs, newRecipient(a, intro, "failed"))
			}
		case state == 2 && len(rs) > 0:
			return rs
		}
	}
	return rs
}
