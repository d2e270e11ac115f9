package dsn

import (
	"bytes"
	"strings"
)

// Sendmail's text part lists the addresses under "----- The following addresses had permanent
// fatal errors -----", each followed by "(reason: ...)", and then the SMTP transcript:
//
//	... while talking to mx.example.org.:
//	>>> RCPT To:<user@example.org>
//	<<< 550 5.1.1 <user@example.org>... User unknown
//	550 5.1.1 <user@example.org>... User unknown

var sendmailDetector = detector{name: "sendmail", match: matchSendmail, decode: decodeSendmail}

func matchSendmail(m *message) bool {
	return m.hasLine("----- Transcript of session follows -----") && !m.hasLine("----- Unsent message follows -----") ||
		m.hasLine("----- The following addresses had permanent fatal errors") ||
		m.hasLine("----- The following addresses had transient non-fatal errors")
}

func decodeSendmail(m *message) []Recipient {
	text := m.bounceText()
	var rs []Recipient
	for _, sec := range []struct{ start, action string }{
		{"The following addresses had permanent fatal errors", "failed"},
		{"The following addresses had transient non-fatal errors", "delayed"},
	} {
		if bytes.Contains(text, []byte(sec.start)) {
			rs = append(rs, sendmailAddresses(section(text, sec.start, "-----"), sec.action)...)
		}
	}
	trText := section(text, "----- Transcript of session follows -----", "----- Original message", "----- Unsent message")
	tr := sendmailTranscript(trText)
	if len(rs) == 0 {
		return tr
	}
	if len(rs) == 1 && len(tr) == 0 {
		// A local delivery error ("554 5.3.0 unknown mailer error 255") names no address.
		if line := lastErrorLine(trText); line != "" {
			rs[0] = mergeNew(rs[0], newRecipient(rs[0].Recipient, line, rs[0].Action))
		}
	}
	for i := range rs {
		if t := matchRecipient(tr, rs[i].Recipient); t != nil {
			rs[i] = mergeNew(rs[i], *t)
			if rs[i].Action == "" {
				rs[i].Action = "failed"
			}
		} else if len(rs) == 1 && len(tr) == 1 {
			rs[i] = mergeNew(rs[i], tr[0])
		}
		if rs[i].Action == "" {
			rs[i].Action = "failed"
		}
		if rs[i].Command == "" && rcptRefused(trText, rs[i].Recipient) {
			rs[i].Command = "RCPT"
		}
	}
	return rs
}

// rcptRefused reports whether a transcript shows ">>> RCPT TO:<addr>" answered by an error
// reply ("<<< 553 ..."), even when no "NNN <addr>... text" line follows.
func rcptRefused(tr []byte, addr string) bool {
	var asked, refused bool
	lines(tr, func(line []byte) bool {
		s := strings.TrimSpace(string(line))
		switch {
		case strings.HasPrefix(s, ">>> "):
			c := s[4:]
			asked = len(c) > 8 && strings.EqualFold(c[:8], "RCPT TO:") && strings.EqualFold(cleanAddress(c[8:]), addr)
		case asked && strings.HasPrefix(s, "<<< "):
			code := leadingReplyCode(s[4:])
			refused = code != "" && (code[0] == '4' || code[0] == '5')
			return !refused
		}
		return true
	})
	return refused
}

// sendmailAddresses reads "<addr>" lines and their "(reason: ...)" lines.
func sendmailAddresses(sec []byte, action string) []Recipient {
	var rs []Recipient
	lines(sec, func(line []byte) bool {
		t := strings.TrimSpace(string(line))
		switch {
		case t == "":
		case strings.HasPrefix(t, "(reason:") && len(rs) > 0:
			r := &rs[len(rs)-1]
			*r = mergeNew(*r, newRecipient(r.Recipient, strings.TrimSuffix(t[8:], ")"), action))
		case strings.HasPrefix(t, "(expanded from:") && len(rs) > 0:
			r := &rs[len(rs)-1]
			r.OriginalRecipient = cleanAddress(strings.TrimSuffix(t[15:], ")"))
			if !isAddress(r.Recipient) {
				// A pipe or file ("|/usr/bin/prog") expanded from an address.
				r.Recipient = r.OriginalRecipient
			}
		case indent(line) == 0:
			if a := cleanAddress(t); isAddress(a) || strings.HasPrefix(t, "\"|") || strings.HasPrefix(t, "|") {
				rs = append(rs, Recipient{Recipient: a, Action: action})
			}
		}
		return len(rs) < maxRecipients
	})
	return rs
}

// sendmailTranscript reads a sendmail session transcript. Each "NNN <addr>... text" line names
// a failed recipient; the "<<< " server reply that follows a ">>> RCPT To:<addr>" (or a
// ">>> DATA" for every recipient) is the remote server's own words and is preferred.
func sendmailTranscript(tr []byte) []Recipient {
	var rs []Recipient
	var host, cmd, rcpt, reply string
	replies := map[string]string{}
	var dataReply, local string
	lines(tr, func(line []byte) bool {
		s := strings.TrimSpace(string(line))
		switch {
		case containsFold(s, "while talking to "):
			host = strings.TrimRight(strings.Fields(s[indexFold([]byte(s), "while talking to ")+17:] + " x")[0], ".:")
			dataReply = ""
		case strings.HasPrefix(s, ">>> "):
			c := s[4:]
			cmd = strings.ToUpper(strings.Fields(c + " x")[0])
			rcpt = ""
			if strings.HasPrefix(strings.ToUpper(c), "RCPT TO:") {
				rcpt = cleanAddress(c[8:])
			}
		case strings.HasPrefix(s, "<<< "):
			reply = s[4:]
			if a := angleAddress(reply); a != "" && cmd == "DATA" {
				replies[strings.ToLower(a)] = reply
			} else if rcpt != "" {
				replies[strings.ToLower(rcpt)] = reply
			} else if cmd == "DATA" || cmd == "MAIL" {
				dataReply = reply
			}
		default:
			r, ok := sendmailErrorLine(s)
			if !ok {
				if isLocalAgentLine(s) {
					local = s
				}
				return true
			}
			if rep, ok := replies[strings.ToLower(r.Recipient)]; ok {
				r = mergeNew(r, newRecipient(r.Recipient, rep, "failed"))
			} else if dataReply != "" && r.Status == "" {
				r = mergeNew(r, newRecipient(r.Recipient, dataReply, "failed"))
				dataReply = ""
			} else if local != "" {
				// "mail.local: unknown user: x" before "554 <x@...>... Service unavailable":
				// the local delivery agent said what went wrong, sendmail's line does not
				r.Diagnostic = local + " " + r.Diagnostic
			}
			local = ""
			r.RemoteMTA = host
			if c := commandOfTranscript(cmd); c != "" {
				r.Command = c
			}
			if matchRecipient(rs, r.Recipient) == nil {
				rs = append(rs, r)
			}
		}
		return len(rs) < maxRecipients
	})
	return rs
}

// isLocalAgentLine reports whether a transcript line is a local delivery agent's message,
// "mail.local: unknown user: x" or "procmail: ...": a program name, a colon and text.
func isLocalAgentLine(s string) bool {
	name, rest, ok := strings.Cut(s, ": ")
	if !ok || name == "" || strings.TrimSpace(rest) == "" || leadingReplyCode(s) != "" {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// sendmailErrorLine parses "550 5.1.1 <addr>... User unknown".
func sendmailErrorLine(s string) (Recipient, bool) {
	code := leadingReplyCode(s)
	i := strings.Index(s, "... ")
	if code == "" || i < 0 || code[0] == '2' {
		return Recipient{}, false
	}
	words := strings.Fields(s[:i])
	a := cleanAddress(words[len(words)-1])
	if !isAddress(a) {
		return Recipient{}, false
	}
	r := newRecipient(a, s, "failed")
	if c := leadingReplyCode(s[i+4:]); c != "" {
		r.ReplyCode = c
	}
	return r, true
}

// lastErrorLine returns the last line of a transcript that starts with a 4xx or 5xx reply code.
func lastErrorLine(tr []byte) string {
	var last string
	lines(tr, func(line []byte) bool {
		s := strings.TrimSpace(string(line))
		if c := leadingReplyCode(s); c != "" && c[0] != '2' {
			last = s
		}
		return true
	})
	return last
}

func commandOfTranscript(cmd string) string {
	switch cmd {
	case "RCPT", "MAIL", "DATA", "EHLO", "HELO":
		return cmd
	}
	return ""
}
