package dsn

import (
	"bytes"
	"strings"
)

// Exim's bounces (and its delay warnings) list each failed address indented by two spaces,
// followed by more deeply indented lines: "host NAME [IP]", "SMTP error from remote mail server
// after RCPT TO:<...>:" and the remote server's reply. X-Failed-Recipients repeats the
// addresses.
//
// The introduction is a template that providers translate and rewrite; the format is also
// recognised by its structure without it: X-Failed-Recipients, the "eximdsn" MIME boundary of
// its multipart/report, and the "------ This is a copy of the message, including all the
// headers. ------" line before the returned message.

var eximDetector = detector{name: "exim", match: matchExim, decode: decodeExim}

func matchExim(m *message) bool {
	if m.hdr.has("X-Failed-Recipients") && !m.fromHas("postmaster@") {
		return true
	}
	return m.hasLine("This message was created automatically by mail delivery software") ||
		strings.Contains(m.hdr.get("Content-Type"), "-eximdsn-") ||
		m.hasText("could not be delivered to one or more of its") && m.subjectHas("mail delivery failed") ||
		m.subjectHas("Warning: message ") && m.subjectHas(" delayed ") && m.hasText("has not yet been delivered") ||
		m.hasLine("------ This is a copy of your message, including all the headers.") ||
		m.hasLine("------ This is a copy of the message, including all the headers.")
}

// eximStarts are the lines that introduce the address list.
var eximStarts = []string{
	"address(es) failed:", "has not yet been delivered is:", "have not yet been delivered are:",
	"incorrectly constructed:", "could not be delivered to one or more of its", "not yet been delivered to",
}

func decodeExim(m *message) []Recipient {
	text := m.bounceText()
	start := 0
	for _, s := range eximStarts {
		if i := bytes.Index(text, []byte(s)); i >= 0 {
			start = i
			break
		}
	}
	_, body := cutLine(text[start:])
	body = section(body, "", "------ This is a copy", "----- This is a copy", "No action is required on your part",
		"The following text was generated during", "------ The body of the message", "--- The header of the original")
	action := "failed"
	if bytes.Contains(text, []byte("has not yet been delivered")) || bytes.Contains(text, []byte("have not yet been delivered")) {
		action = "delayed"
	}
	rs := eximBlocks(body, action)
	return eximResolve(m, rs)
}

// eximBlocks reads "  address" lines and their indented explanations.
func eximBlocks(body []byte, action string) []Recipient {
	var rs []Recipient
	var diag []byte
	flush := func() {
		if n := len(rs); n > 0 {
			setEximDiag(&rs[n-1], diag)
		}
		diag = diag[:0]
	}
	lines(body, func(line []byte) bool {
		in := indent(line)
		t := bytes.TrimSpace(line)
		switch {
		case len(t) == 0:
		case (in >= 1 && in <= 3 || in == 0 && eximBareAddress(t)) && !bytes.HasPrefix(t, []byte("(")) && eximAddressLine(t) != "":
			flush()
			rs = append(rs, Recipient{Recipient: eximAddressLine(t), Action: action})
			// "  <user@example.org>: 550 5.1.1 ..." (MXLogic) or "... malformed address: ...".
			if i := bytes.Index(t, []byte(": ")); i >= 0 && (t[0] == '<' || bytes.Contains(t, []byte("malformed"))) {
				diag = append(append(diag, t[i+2:]...), '\n')
			}
		case len(rs) > 0 && in >= 1:
			diag = append(append(diag, t...), '\n')
		}
		return len(rs) < maxRecipients
	})
	flush()
	return rs
}

// eximBareAddress reports whether a line is an address alone ("user@example.org" or
// "user@example.org:"), as some Exim templates write it at the left margin.
func eximBareAddress(t []byte) bool {
	w := strings.TrimSuffix(string(t), ":")
	return isAddress(strings.Trim(w, "<>"))
}

// eximAddressLine returns the failed address on an address line, or "". A line such as
// "pipe to |/usr/bin/x user@example.org" or "save to /path" is returned as written; "an
// undisclosed address" (a recipient Exim does not name) is kept, to be replaced by the address
// it was generated from.
func eximAddressLine(t []byte) string {
	s := string(t)
	if strings.HasPrefix(s, "an undisclosed address") {
		return s
	}
	if a := angleAddress(s); a != "" && strings.Contains(s, "malformed address") {
		return a
	}
	w := strings.TrimSuffix(strings.Fields(s)[0], ":")
	w = strings.Trim(w, "<>")
	if isAddress(w) || strings.HasPrefix(s, "pipe to ") || strings.HasPrefix(s, "save to ") {
		if !isAddress(w) {
			return s
		}
		return w
	}
	if !strings.ContainsAny(w, "@/|") && len(strings.Fields(s)) == 1 && !strings.Contains(w, ".") {
		return w // local part only: resolved with X-Failed-Recipients
	}
	if len(strings.Fields(s)) == 1 && isFieldAddress(w) {
		return w // a one-label domain (user@localhost): Exim lists it as X-Failed-Recipients does
	}
	return ""
}

// setEximDiag parses the indented lines under an address.
func setEximDiag(r *Recipient, diag []byte) {
	var text []string
	lines(diag, func(line []byte) bool {
		s := string(line)
		switch {
		case strings.HasPrefix(s, "host ") && (strings.HasSuffix(s, "]") || strings.Contains(s, "]:")):
			r.RemoteMTA = strings.Fields(s)[1]
			if i := strings.Index(s, "]:"); i >= 0 {
				text = append(text, strings.TrimSpace(s[i+2:]))
			}
		case strings.HasPrefix(s, "(ultimately generated from ") || strings.HasPrefix(s, "(generated from "):
			r.OriginalRecipient = cleanAddress(strings.TrimSuffix(s[strings.Index(s, "from ")+5:], ")"))
		case strings.HasPrefix(s, "generated by "):
			if strings.HasPrefix(r.Recipient, "pipe to ") && r.Hint == "" {
				// a delivery to a program that an address generated failed: the program did
				r.Hint = "mailererror"
			}
			if !isAddress(r.Recipient) {
				r.Recipient = cleanAddress(s[len("generated by "):])
			}
		case strings.HasPrefix(s, "SMTP error from remote ") || strings.HasPrefix(s, "Delay reason: SMTP error from"):
			r.Command = commandOf(s)
			if i := strings.Index(s, "]: "); i >= 0 {
				text = append(text, s[i+3:])
			}
		default:
			text = append(text, s)
		}
		return true
	})
	reply := strings.Join(text, " ")
	full := joinLines(diag)
	r.Diagnostic = full
	r.ReplyCode = leadingReplyCode(reply)
	if r.ReplyCode == "" {
		r.ReplyCode = findReplyCode(reply)
	}
	r.Status = findStatus(reply)
	r.DiagnosticStatus = r.Status
	if strings.Contains(full, "retry timeout exceeded") || strings.Contains(full, "all hosts have been failing for a long time") ||
		strings.Contains(full, "retry time not reached for any host after a long failure period") {
		r.Hint = "expired"
	}
}

// eximResolve completes addresses without a domain from X-Failed-Recipients, and falls back to
// that header when the body listed no address.
func eximResolve(m *message, rs []Recipient) []Recipient {
	failed := addressesIn(m.hdr.get("X-Failed-Recipients"))
	for i := range rs {
		if isFieldAddress(rs[i].Recipient) {
			continue
		}
		if isAddress(rs[i].OriginalRecipient) && strings.HasPrefix(rs[i].Recipient, "an undisclosed address") {
			rs[i].Recipient = rs[i].OriginalRecipient
			continue
		}
		for _, a := range failed {
			if local, _, _ := strings.Cut(a, "@"); strings.EqualFold(local, rs[i].Recipient) || len(failed) == 1 {
				rs[i].Recipient = a
				break
			}
		}
	}
	out := rs[:0]
	for _, r := range rs {
		if isFieldAddress(r.Recipient) {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		for _, a := range failed {
			out = append(out, Recipient{Recipient: a, Action: "failed"})
		}
	}
	return out
}
