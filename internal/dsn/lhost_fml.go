package dsn

import (
	"strings"
)

// fml, a Japanese mailing list manager, answers posts it refuses (not a member, loop detected,
// ...) from LIST-admin@ with X-MLServer: fml. The failed recipient is the list address, written
// in angle brackets in the first line of the explanation.

var fmlDetector = detector{name: "fml", match: matchFML, decode: decodeFML}

func matchFML(m *message) bool {
	return strings.HasPrefix(strings.ToLower(m.hdr.get("X-MLServer")), "fml") && m.fromHas("-admin@")
}

func decodeFML(m *message) []Recipient {
	body := section(m.bounceText(), "", "Original mail as follows:")
	var rs []Recipient
	lines(body, func(line []byte) bool {
		if a := angleAddress(string(line)); a != "" {
			r := newRecipient(a, joinLines(body), "failed")
			r.Hint = "rejected"
			rs = append(rs, r)
			return false
		}
		return true
	})
	return rs
}
