package dsn

import "strings"

// MailFoundry writes "Unable to deliver message to: <user@example.org>" and "Delivery failed for
// the following reason:" followed by the remote server's answer.

var mailfoundryDetector = detector{name: "mailfoundry", match: matchMailFoundry, decode: decodeMailFoundry}

func matchMailFoundry(m *message) bool {
	return m.hasText("Unable to deliver message to: <") && m.hasText("Delivery failed for the following reason:")
}

func decodeMailFoundry(m *message) []Recipient {
	text := m.bounceText()
	rs := listRecipients(section(text, "", "Delivery failed for the following reason:"), "failed", "Unable to deliver message to:")
	diag := joinLines(section(text, "Delivery failed for the following reason:", "This has been a permanent failure"))
	for i := range rs {
		rs[i] = mergeNew(rs[i], newRecipient(rs[i].Recipient, diag, "failed"))
		if j := strings.Index(diag, "Server "); j >= 0 {
			h := strings.Fields(diag[j+7:] + " x")[0]
			if k := strings.IndexByte(h, '['); k > 0 {
				h = h[:k]
			}
			rs[i].RemoteMTA = h
		}
	}
	return rs
}
