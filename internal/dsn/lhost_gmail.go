package dsn

import (
	"bytes"
	"strings"
)

// Gmail's older bounces are plain text: "Delivery to the following recipient failed
// permanently:" (or "has been delayed:"), the indented addresses, then "Technical details of
// permanent failure:" with the remote server's reply, and "----- Original message -----".
// Newer ones are RFC 3464 reports; this detector then only names the format.

var gmailDetector = detector{name: "gmail", match: matchGmail, decode: decodeGmail}

func matchGmail(m *message) bool {
	f := strings.ToLower(m.from)
	if !strings.Contains(f, "mailer-daemon@googlemail.com") && !strings.Contains(f, "mailer-daemon@google.com") &&
		!(strings.Contains(f, "mailer-daemon@") && m.hasText("Delivery to the following recipient")) {
		return false
	}
	return true
}

func decodeGmail(m *message) []Recipient {
	text := m.bounceText()
	action := "failed"
	start := bytes.Index(text, []byte("Delivery to the following recipient"))
	if start < 0 {
		return decodeGmailNew(m, text)
	}
	if bytes.Contains(text[start:min(len(text), start+80)], []byte("delayed")) {
		action = "delayed"
	}
	body := section(text[start:], "", "----- Original message -----", "----- Message header follows -----")
	_, body = cutLine(body)
	var addrs []string
	var details []byte
	inDetails := false
	lines(body, func(line []byte) bool {
		t := bytes.TrimSpace(line)
		switch {
		case bytes.HasPrefix(t, []byte("Technical details of")):
			inDetails = true
			details = append(details, t[bytes.IndexByte(t, ':')+1:]...)
			details = append(details, '\n')
		case inDetails:
			details = append(append(details, t...), '\n')
		case indent(line) > 0 && isAddress(string(t)):
			addrs = append(addrs, string(t))
		}
		return true
	})
	diag := joinLines(details)
	reply := diag
	const replyIntro = "The error that the other server returned was:"
	if i := strings.Index(diag, replyIntro); i >= 0 {
		reply = strings.TrimSpace(diag[i+len(replyIntro):])
	}
	var rs []Recipient
	for _, a := range addrs {
		r := newRecipient(a, diag, action)
		r.ReplyCode = replyCodeOf(reply)
		if s := findStatus(reply); s != "" {
			r.Status, r.DiagnosticStatus = s, s
		}
		if i := strings.LastIndex(diag, " by "); i >= 0 && strings.Contains(diag, "rejected by the server for the recipient domain") {
			r.RemoteMTA = strings.TrimSuffix(strings.Fields(diag[i+4:] + " x")[0], ".")
		}
		rs = append(rs, r)
	}
	return rs
}

// failedRecipients returns the addresses of the X-Failed-Recipients field (set by Exim and
// Google), with diag as their diagnostic.
func failedRecipients(m *message, diag string) []Recipient {
	var rs []Recipient
	for _, a := range addressesIn(m.hdr.get("X-Failed-Recipients")) {
		rs = append(rs, newRecipient(a, diag, "failed"))
	}
	return rs
}

// decodeGmailNew reads Gmail's current text ("** Address not found **", "Your message wasn't
// delivered to user@example.org because ...", "The response from the remote server was:"). The
// recipients are those of X-Failed-Recipients, else the addresses named in the explanation.
func decodeGmailNew(m *message, text []byte) []Recipient {
	body := section(text, "", "----- Original message -----", "----- Message header follows -----")
	var expl, resp []byte
	inResp := false
	lines(body, func(line []byte) bool {
		t := bytes.TrimSpace(line)
		switch {
		case bytes.HasPrefix(t, []byte("The response")) && bytes.HasSuffix(t, []byte("was:")):
			inResp = true
		case inResp:
			resp = append(append(resp, t...), '\n')
		case len(t) > 0 && !bytes.HasPrefix(t, []byte("**")) && !bytes.HasPrefix(t, []byte("Learn more")):
			expl = append(append(expl, t...), '\n')
		}
		return true
	})
	reply := joinLines(resp)
	diag := joinLines(expl)
	if reply != "" {
		diag = reply
	}
	rs := failedRecipients(m, diag)
	if len(rs) == 0 {
		for _, a := range addressesOnLine(string(expl)) {
			if matchRecipient(rs, a) == nil {
				rs = append(rs, newRecipient(a, diag, "failed"))
			}
		}
	}
	for i := range rs {
		if reply != "" && joinLines(expl) != "" {
			rs[i].Diagnostic = reply + " (" + firstWords(expl, 200) + ")"
		}
	}
	return rs
}
