package dsn

// au by KDDI (ezweb.ne.jp) returns "Mail System Error - Returned Mail" from Postmaster@ezweb.ne.jp
// with a Japanese and English explanation, then the addresses as "<user@ezweb.ne.jp>" or
// "Recipient: <user@example.org>" followed, when a remote server refused, by the SMTP exchange
// (">>> RCPT TO:<...>" / "<<< 550 ...").

var ezwebDetector = detector{name: "ezweb", match: matchEZweb, decode: decodeEZweb}

func matchEZweb(m *message) bool {
	return m.fromHas("@ezweb.ne.jp") && (m.subjectHas("Mail System Error") || m.hasText("ezweb")) ||
		m.hasText("Each of the following recipients was rejected by a remote mail server") ||
		m.hasText("The user(s) account is disabled.")
}

func decodeEZweb(m *message) []Recipient {
	body := section(m.bounceText(), "", "----------------------------------------")
	rs := listRecipients(body, "failed")
	for i := range rs {
		if c := commandOf(rs[i].Diagnostic); c != "" && rs[i].Command == "" {
			rs[i].Command = c
		}
	}
	return rs
}
