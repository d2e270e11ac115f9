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

func decodeIMail(m *message) []Recipient {
	body := section(m.bounceText(), "", "Original message follows.")
	var rs []Recipient
	lines(body, func(line []byte) bool {
		// "Unknown user: user@example.org", "undeliverable to user@example.org",
		// "Delivery failed 20 attempts: user@example.org": a reason, then the address last.
		t := strings.TrimSpace(string(line))
		f := strings.Fields(t)
		if len(f) < 2 || len(rs) >= maxRecipients {
			return true
		}
		last := cleanAddress(f[len(f)-1])
		prefix := strings.Join(f[:len(f)-1], " ")
		header := prefix == "To:" || prefix == "CC:" || prefix == "Cc:" || prefix == "From:"
		if isAddress(last) && !header && (strings.HasSuffix(prefix, ":") || strings.HasSuffix(strings.ToLower(prefix), " to")) {
			r := newRecipient(last, strings.TrimSuffix(prefix, ":"), "failed")
			if strings.HasPrefix(prefix, "Delivery failed") && strings.Contains(prefix, "attempts") {
				r.Hint = "expired"
			}
			rs = append(rs, r)
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
