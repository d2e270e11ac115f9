package dsn

import (
	"bytes"
	"strings"
)

// Ipswitch IMail Server sends "Undeliverable Mail" from Postmaster with a line such as
// "Unknown user: user@example.org" or "undeliverable to user@example.org", optionally followed by
// "Body of message generated response:" and the remote server's reply, then "Original message
// follows.".

var imailDetector = detector{name: "imailserver", match: matchIMail, decode: decodeIMail}

func matchIMail(m *message) bool {
	return m.subjectHas("Undeliverable Mail") && m.fromHas("postmaster") &&
		(m.hasText("Original message follows.") || m.hasText("Body of message generated response:"))
}

// imailReasons are the line prefixes IMail puts before the failed address.
var imailReasons = []string{
	"Unknown user:", "undeliverable to", "Mailbox full:", "Mail Quota Exceeded:", "Host unknown:",
	"Requested action not taken:", "Delivery failed:", "SMTP error from", "Invalid address:",
}

func decodeIMail(m *message) []Recipient {
	body := section(m.bounceText(), "", "Original message follows.")
	var rs []Recipient
	lines(body, func(line []byte) bool {
		t := strings.TrimSpace(string(line))
		for _, p := range imailReasons {
			if len(t) > len(p) && strings.EqualFold(t[:len(p)], p) {
				if a := findAddress(t[len(p):]); a != "" {
					rs = append(rs, newRecipient(a, t, "failed"))
				}
				break
			}
		}
		return true
	})
	if i := bytes.Index(body, []byte("Body of message generated response:")); i >= 0 && len(rs) > 0 {
		reply := joinLines(body[i+36:])
		for j := range rs {
			rs[j] = mergeNew(rs[j], newRecipient(rs[j].Recipient, reply, "failed"))
		}
	}
	return rs
}
