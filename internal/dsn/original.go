package dsn

import (
	"bytes"
	"strings"
)

// campaignHeaders are the headers of the original message copied into Original.Headers, by the
// canonical name used as the map key. List-Unsubscribe is kept so that callers can tell whether
// the original was bulk mail.
var campaignHeaders = []string{
	"X-Campaign-ID", "X-Campaign", "X-CampaignID", "List-ID", "X-Mailgun-Tag", "X-Mailgun-Variables",
	"X-SES-CONFIGURATION-SET", "X-SES-Message-Tags", "Feedback-ID", "X-Mailer", "User-Agent", "Precedence",
	"List-Unsubscribe", "X-PM-Tag", "X-MC-Tags", "X-SMTPAPI", "X-Newsletter", "X-Job", "X-Mailin-Campaign",
	"X-Campaign-Name", "X-MSFBL", "X-Report-Abuse",
}

// maxHeaderValue bounds a copied header value.
const maxHeaderValue = 1024

// campaignIndex maps the lower-case names of campaignHeaders to their canonical spelling.
var campaignIndex = func() map[string]string {
	idx := make(map[string]string, len(campaignHeaders))
	for _, n := range campaignHeaders {
		idx[strings.ToLower(n)] = n
	}
	return idx
}()

// originalFromHeader fills o from the header of the returned message, in one pass over its
// fields (the first occurrence of each field wins).
func originalFromHeader(h header, o *Original) {
	var buf [64]byte
	for _, f := range h.fields {
		if len(f.name) > len(buf) {
			continue
		}
		name := buf[:len(f.name)]
		for i, c := range f.name {
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			name[i] = c
		}
		switch string(name) {
		case "message-id":
			setOnce(&o.MessageID, strings.Trim(unfold(f.value), "<> \t"))
		case "from":
			setOnce(&o.From, decodeWords(unfold(f.value)))
		case "to":
			setOnce(&o.To, decodeWords(unfold(f.value)))
		case "subject":
			setOnce(&o.Subject, decodeWords(unfold(f.value)))
		case "date":
			if o.Date.IsZero() {
				o.Date = parseDate(unfold(f.value))
			}
		case "return-path":
			setOnce(&o.ReturnPath, strings.Trim(unfold(f.value), "<> \t"))
		default:
			canon, ok := campaignIndex[string(name)]
			if !ok {
				continue
			}
			if o.Headers == nil {
				o.Headers = make(map[string]string, 4)
			}
			if _, dup := o.Headers[canon]; dup {
				continue
			}
			v := unfold(f.value)
			if len(v) > maxHeaderValue {
				v = v[:maxHeaderValue]
			}
			o.Headers[canon] = decodeWords(v)
		}
	}
}

// setOnce sets *dst to v unless it is set already.
func setOnce(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

// findOriginal locates the returned message: an attached message/rfc822 (or headers-only) part,
// else a copy inlined in the bounce text after a marker line. It returns the header of the
// original and whether one was found.
func findOriginal(m *message) (header, bool) {
	if m.origDone {
		return m.orig, len(m.orig.fields) > 0
	}
	m.origDone = true
	if p := m.originalPart(); p != nil {
		h, _ := readHeader(p.headContent(), true, true, &m.fields)
		if len(h.fields) > 0 {
			m.orig = h
			return h, true
		}
	}
	m.orig, _ = inlineOriginal(m.bounceText())
	return m.orig, len(m.orig.fields) > 0
}

// inlineOriginal finds a copy of the original message in text, after a marker line such as
// "----- Original message -----" or qmail's "--- Below this line is a copy of the message.".
func inlineOriginal(text []byte) (header, bool) {
	if at := originalMarker(text); at >= 0 {
		rest := text[at:]
		for line, after := cutLine(rest); len(line) > 0 && isRule(line); line, after = cutLine(after) {
			rest = after
		}
		h := parseOriginalHeader(rest)
		return h, len(h.fields) > 0
	}
	return headerRun(text)
}

// originalStarts are the fields a returned message's header usually starts with.
var originalStarts = []string{"received:", "return-path:", "message-id:", "date:", "from:", "to:", "subject:", "mime-version:", "delivered-to:"}

// headerRun finds a copy of the original header that no marker line introduces: the first run of
// at least three header fields, starting with a usual first field, that has a Message-ID, From
// or Subject field.
func headerRun(text []byte) (header, bool) {
	for off := 0; off < len(text); {
		line, _ := cutLine(text[off:])
		if startsOriginal(line) {
			h := parseOriginalHeader(text[off:])
			if len(h.fields) >= 3 && (h.has("Message-ID") || h.has("From") || h.has("Subject")) {
				return h, true
			}
		}
		off += len(line) + 1
	}
	return header{}, false
}

// isRule reports whether a line is only a rule of dashes, equal signs, stars or underscores.
func isRule(line []byte) bool {
	t := bytes.TrimSpace(line)
	for _, c := range t {
		if c != '-' && c != '=' && c != '*' && c != '_' {
			return false
		}
	}
	return len(t) > 0
}

// startsOriginal reports whether a line (at the left margin) is a usual first header field.
func startsOriginal(line []byte) bool {
	if len(line) < 3 || line[0] == ' ' || line[0] == '\t' {
		return false
	}
	for _, s := range originalStarts {
		if len(line) >= len(s) && equalFoldASCII(line[:len(s)], s) {
			return true
		}
	}
	return false
}

// originalMarkers are lower-case phrases that, on a line of their own (usually between dashes),
// introduce an inlined copy of the returned message.
var originalMarkers = []string{
	"original message", "copy of the message", "returned message", "unsent message",
	"message follows", "original mail", "copy of your message", "message header",
	"headers of the original", "undelivered message", "rejected message", "message text follows",
	"your message reads", "original message headers", "content-type: message/rfc822", "old message",
}

// exactMarkers are whole lines (lower-case, trimmed) that introduce the inlined original.
var exactMarkers = []string{
	"original message follows.", "message headers follow.", "original message follows:",
	"the original message was:", "your message was:", "original message:", "message header follows:",
}

// originalMarker returns the offset just after the marker line, or -1.
func originalMarker(text []byte) int {
	off := 0
	for b := text; len(b) > 0; {
		line, rest := cutLine(b)
		off += len(line) + 1
		b = rest
		if len(line) < 10 || len(line) > 200 {
			continue
		}
		if isMarkerLine(line) {
			return min(off, len(text))
		}
	}
	return -1
}

// isMarkerLine reports whether a line introduces the inlined original: a marker phrase on a line
// that starts with a run of dashes (or "=", "*", "_"), or on a short line ending with ":".
func isMarkerLine(line []byte) bool {
	t := bytes.TrimSpace(line)
	if len(t) < 2 {
		return false
	}
	for _, mk := range exactMarkers {
		if equalFoldASCII(t, mk) {
			return true
		}
	}
	ruled := strings.IndexByte("-=*_", t[0]) >= 0 && t[1] == t[0] || t[0] == '[' && t[len(t)-1] == ']'
	if !ruled && !(t[len(t)-1] == ':' && len(t) < 80) {
		return false
	}
	s := string(t)
	for _, mk := range originalMarkers {
		if containsFold(s, mk) {
			return true
		}
	}
	return false
}
