package dsn

import (
	"strings"
)

// Sendmail version 5 (and other old sendmails) return a plain text message: the session
// transcript between "----- Transcript of session follows -----" and
// "----- Unsent message follows -----", then the original message.

var v5sendmailDetector = detector{name: "v5sendmail", match: matchV5Sendmail, decode: decodeV5Sendmail}

func matchV5Sendmail(m *message) bool {
	return m.hasLine("----- Transcript of session follows -----") && m.hasLine("----- Unsent message follows -----")
}

func decodeV5Sendmail(m *message) []Recipient {
	tr := section(m.bounceText(), "----- Transcript of session follows -----", "----- Unsent message follows -----")
	rs := sendmailTranscript(tr)
	if len(rs) > 0 {
		return rs
	}
	// Only a host is named ("421 example.com (smtp)... Deferred: ..."): the recipient is the
	// returned message's.
	var diag string
	lines(tr, func(line []byte) bool {
		s := strings.TrimSpace(string(line))
		if leadingReplyCode(s) != "" && strings.Contains(s, "... ") {
			diag = s
			return false
		}
		return true
	})
	if a := originalTo(m); a != "" && diag != "" {
		r := newRecipient(a, diag, "failed")
		rs = append(rs, r)
	}
	return rs
}
