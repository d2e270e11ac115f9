package dsn

import (
	"bytes"
	"strings"
)

// qmail (and netqmail, indimail, notqmail) start with "Hi. This is the qmail-send program at
// HOST." and list each address as "<user@example.org>:" followed by the reason lines, which end
// with a "(#5.1.1)" style status when qmail produced the error itself. The copy of the message
// follows "--- Below this line is a copy of the message." (or "--- Enclosed are the original
// headers of the message.").
//
// Providers that run qmail rewrite the introduction (in their own words and languages), but
// keep its structure: the "<address>:" paragraphs and the copy marker, and qmail's trace
// field "Received: (qmail NNN invoked for bounce)". Either marker recognises the format.

var qmailDetector = detector{name: "qmail", match: matchQmail, decode: decodeQmail}

// qmailMarkers are the lines qmail writes before the returned message.
var qmailMarkers = []string{
	"--- Below this line is a copy of the message", "--- Enclosed are the original headers",
	"--- Enclosed is a copy of the message", "--- Below this line is the original message",
}

func matchQmail(m *message) bool {
	if m.hasLine("Hi. This is the qmail-send program") {
		return true
	}
	for _, mk := range qmailMarkers {
		if m.hasLine(mk) {
			return true
		}
	}
	return qmailBounceTrace(m) && m.hasText(">:")
}

// qmailBounceTrace reports whether qmail-send injected m as a bounce: a "Received: (qmail NNN
// invoked for bounce)" trace field.
func qmailBounceTrace(m *message) bool {
	for _, f := range m.hdr.fields {
		if len(f.name) == 8 && equalFoldASCII(f.name, "received") && bytes.Contains(f.value, []byte("invoked for bounce")) {
			return true
		}
	}
	return false
}

func decodeQmail(m *message) []Recipient {
	body := section(m.bounceText(), "", qmailMarkers...)
	if i := bytes.Index(body, []byte("qmail-send program")); i >= 0 {
		_, body = cutLine(body[i:])
	}
	rs := angleBlocks(body, "failed")
	intro := ""
	if i := bytes.Index(body, []byte("\n<")); i >= 0 {
		intro = joinLines(body[:i])
	}
	for i := range rs {
		if rs[i].Diagnostic == "" && intro != "" {
			// "<user@example.org>:" with nothing under it: the provider's introduction above
			// the list is all the bounce says
			rs[i] = mergeNew(rs[i], newRecipient(rs[i].Recipient, intro, rs[i].Action))
		}
		qmailDetails(&rs[i])
	}
	return rs
}

// qmailDetails reads qmail's own status "(#5.1.1)", the remote host ("remote host 192.0.2.1
// said:", "192.0.2.1 does not like recipient.") and the command from qmail's wording.
func qmailDetails(r *Recipient) {
	d := r.Diagnostic
	if i := strings.Index(d, "(#"); i >= 0 {
		if s := validStatus(strings.TrimRight(d[i+2:min(len(d), i+12)], ")")); s != "" && r.Status == "" {
			r.Status = s
		}
		if j := strings.IndexByte(d[i:], ')'); j > 0 {
			if s := validStatus(d[i+2 : i+j]); s != "" {
				r.Status = s
				if r.DiagnosticStatus == "" {
					r.DiagnosticStatus = s
				}
			}
		}
	}
	if i := strings.Index(d, "Remote host said: "); i >= 0 {
		if c := leadingReplyCode(d[i+18:]); c != "" {
			r.ReplyCode = c
		}
		if s := findStatus(d[i+18:]); s != "" {
			r.Status = s
		}
	}
	low := strings.ToLower(d)
	switch {
	case strings.Contains(low, "does not like recipient"):
		r.Command = "RCPT"
	case strings.Contains(low, "sender was rejected"):
		r.Command = "MAIL"
	case strings.Contains(low, "failed on data command"), strings.Contains(low, "failed after i sent the message"):
		r.Command = "DATA"
	case strings.Contains(low, "my name was rejected"):
		r.Command = "HELO"
	}
	if strings.Contains(low, "in the queue too long") && strings.HasPrefix(low, "i'm not going to try again") {
		r.Hint = "expired"
	}
}
