package dsn

import (
	"bytes"
	"strings"
)

// Postfix writes, in the text part of its bounces, one paragraph per recipient:
//
//	<user@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1 <user@example.org>:
//	    Recipient address rejected: User unknown (in reply to RCPT TO command)
//
// and usually a message/delivery-status part as well, with Postfix's own X-Postfix-Queue-ID
// field: by that field the format is recognised when the introduction is translated or
// rewritten (bounce.cf templates). Its SMTP server also mails "errors from" session transcripts
// (" In:  RCPT TO:<...>" / " Out: 550 ...").

var (
	postfixDetector = detector{name: "postfix", match: matchPostfix, decode: decodePostfix}
	// postfixSubjectDetector recognises Postfix by its subjects alone; other MTAs copied them,
	// so it comes after the other detectors.
	postfixSubjectDetector = detector{name: "postfix", match: matchPostfixSubject, decode: decodePostfix}
)

func matchPostfix(m *message) bool {
	return m.subjectHas("Postfix SMTP server: errors from") ||
		m.hasLine("This is the mail system at host") || m.hasLine("This is the Postfix program at host") ||
		m.statusHas("X-Postfix-Queue-ID:")
}

// statusHas reports whether a delivery-status part of m contains s, as written.
func (m *message) statusHas(s string) bool {
	for i := range m.parts {
		if p := &m.parts[i]; p.mtype == "message/delivery-status" && bytes.Contains(p.body, []byte(s)) {
			return true
		}
	}
	return false
}

func matchPostfixSubject(m *message) bool {
	return m.subjectHas("Undelivered Mail Returned to Sender") || m.subjectHas("Delayed Mail (still being retried)")
}

func decodePostfix(m *message) []Recipient {
	text := m.bounceText()
	if m.subjectHas("Postfix SMTP server: errors from") {
		return sessionTranscript(text, " In:  ", " Out: ")
	}
	body := section(text, "", "--- Delivery report unavailable ---")
	for _, marker := range []string{"The mail system", "The Postfix program"} {
		if i := bytes.Index(body, []byte(marker)); i >= 0 {
			body = body[i:]
			break
		}
	}
	action := "failed"
	if m.subjectHas("Delayed Mail") {
		action = "delayed"
	}
	rs := angleBlocks(body, action)
	if len(rs) == 0 && m.originalPart() != nil && m.hasText("Delivery report unavailable") {
		if a := originalTo(m); a != "" {
			rs = append(rs, Recipient{Recipient: a, Action: action})
		}
	}
	return rs
}

// angleBlocks reads paragraphs that start with "<address>" and continue with indented lines or
// until a blank line, as Postfix and qmail write them. What follows the address (after ":") is
// the diagnostic. "(expanded from <alias>)" gives the original recipient.
func angleBlocks(body []byte, action string) []Recipient {
	var rs []Recipient
	var diag []byte
	flush := func() {
		if n := len(rs); n > 0 {
			setAngleDiag(&rs[n-1], diag)
		}
		diag = diag[:0]
	}
	open := false
	lines(body, func(line []byte) bool {
		t := bytes.TrimSpace(line)
		switch {
		case len(t) == 0:
			open = false
		case t[0] == '<' && indent(line) == 0:
			a := angleAddress(string(t))
			if a == "" {
				if open {
					diag = append(append(diag, t...), '\n')
				}
				return true
			}
			flush()
			rs = append(rs, Recipient{Recipient: a, Action: action})
			open = true
			end := bytes.IndexByte(t, '>')
			diag = append(append(diag, t[end+1:]...), '\n')
		case open && len(rs) > 0:
			diag = append(append(diag, t...), '\n')
		}
		return len(rs) < maxRecipients
	})
	flush()
	return rs
}

// setAngleDiag sets the diagnostic of r from the text after its address.
func setAngleDiag(r *Recipient, diag []byte) {
	s := joinLines(diag)
	if strings.HasPrefix(s, "(expanded from") {
		if ex := angleAddress(s); ex != "" {
			r.OriginalRecipient = ex
		}
		if j := strings.Index(s, ")"); j >= 0 {
			s = s[j+1:]
		}
	}
	s = strings.TrimSpace(strings.TrimLeft(s, ":"))
	*r = mergeNew(*r, newRecipient(r.Recipient, s, r.Action))
	if i := strings.Index(s, "host "); i >= 0 && i < 8 {
		if h := firstWord(s[i+5:]); h != "" {
			if j := strings.IndexByte(h, '['); j > 0 {
				h = h[:j]
			}
			r.RemoteMTA = strings.TrimSuffix(h, ":")
		}
	}
	if i := strings.Index(s, " said: "); i >= 0 {
		reply := s[i+7:]
		if c := leadingReplyCode(reply); c != "" {
			r.ReplyCode = c
		}
	}
}

// mergeNew returns n with the address fields (Recipient, OriginalRecipient) of r.
func mergeNew(r, n Recipient) Recipient {
	n.Recipient = r.Recipient
	n.OriginalRecipient = r.OriginalRecipient
	return n
}

// sessionTranscript reads an SMTP session transcript where client lines start with in and
// server lines with out: the recipient is the last RCPT TO before the error reply.
func sessionTranscript(text []byte, in, out string) []Recipient {
	var rcpt, cmd string
	var rs []Recipient
	lines(text, func(line []byte) bool {
		s := string(line)
		switch {
		case strings.HasPrefix(s, in):
			c := strings.TrimSpace(s[len(in):])
			cmd = strings.ToUpper(strings.Fields(c + " x")[0])
			if strings.HasPrefix(strings.ToUpper(c), "RCPT TO:") {
				rcpt = cleanAddress(c[8:])
			}
		case strings.HasPrefix(s, out):
			reply := strings.TrimSpace(s[len(out):])
			code := leadingReplyCode(reply)
			if code != "" && (code[0] == '4' || code[0] == '5') && rcpt != "" && cmd != "QUIT" {
				r := newRecipient(rcpt, reply, "failed")
				r.Command = cmd
				rs = append(rs, r)
			}
		}
		return true
	})
	return rs
}
