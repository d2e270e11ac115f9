package dsn

import "strings"

// Yahoo! Mail (and Yahoo! JAPAN) bounces are qmail-like: "Sorry, we were unable to deliver your
// message to the following address.", then "<user@example.org>:" and the remote server's reply,
// which may end with the SMTP stage in brackets ("[RCPT_TO]").

var yahooDetector = detector{name: "yahoo", match: matchYahoo, decode: decodeYahoo}

func matchYahoo(m *message) bool {
	return m.hasLine("Sorry, we were unable to deliver your message to the following address")
}

func decodeYahoo(m *message) []Recipient {
	body := section(m.bounceText(), "Sorry, we were unable to deliver your message", "--- Below this line is a copy of the message")
	rs := listRecipients(body, "failed")
	for i := range rs {
		qmailDetails(&rs[i])
		d := rs[i].Diagnostic
		switch {
		case strings.Contains(d, "[RCPT_TO]"):
			rs[i].Command = "RCPT"
		case strings.Contains(d, "[MAIL_FROM]"):
			rs[i].Command = "MAIL"
		case strings.Contains(d, "[DATA]"):
			rs[i].Command = "DATA"
		}
		if strings.Contains(d, "after multiple retries, giving up") {
			rs[i].Hint = "expired"
		}
	}
	return rs
}
