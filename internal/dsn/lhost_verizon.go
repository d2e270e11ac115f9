package dsn

import (
	"bytes"
	"strings"
)

// Verizon Wireless's MMS gateway (vzwpix.com, vtext.com) answers "Message could not be delivered
// to mobile." with an "Error:" line; the recipient is in the "To:" line of the summary of the
// original that follows "Original Message:".

var verizonDetector = detector{name: "verizon", match: matchVerizon, decode: decodeVerizon}

func matchVerizon(m *message) bool {
	return m.hasText("Message could not be delivered to mobile") || m.fromHas("@vtext.com") && m.hasText("Error:")
}

func decodeVerizon(m *message) []Recipient {
	text := m.bounceText()
	var diag string
	var to string
	lines(text, func(line []byte) bool {
		s := strings.TrimSpace(string(line))
		switch {
		case strings.HasPrefix(s, "Error:") && diag == "":
			diag = strings.TrimSpace(s[6:])
		case strings.HasPrefix(s, "To:") && to == "" && bytes.Contains(text, []byte("Original Message:")):
			to = findAddress(s[3:])
		}
		return true
	})
	if to == "" {
		to = originalTo(m)
	}
	if to == "" {
		return nil
	}
	return []Recipient{newRecipient(to, diag, "failed")}
}
