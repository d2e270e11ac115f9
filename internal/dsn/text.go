package dsn

import (
	"bytes"
	"strings"
	"unicode"
)

// Helpers shared by the MTA detectors (lhost_*.go). They work on decoded bounce text with LF
// line endings and never look past maxText bytes.

// maxHead bounds the part of the bounce text that detectors search for their markers.
const maxHead = 16 << 10

// head returns the first maxHead bytes of the bounce text, as a string made once per message.
func (m *message) head() string {
	if !m.headDone {
		t := m.bounceText()
		m.headStr = string(t[:min(len(t), maxHead)])
		m.headDone = true
	}
	return m.headStr
}

// hasText reports whether the start of the bounce text (see head) contains s.
func (m *message) hasText(s string) bool {
	return strings.Contains(m.head(), s)
}

// subjectHas reports whether the subject contains s, ignoring case.
func (m *message) subjectHas(s string) bool {
	return containsFold(m.subject, s)
}

// fromHas reports whether the From field contains s, ignoring case.
func (m *message) fromHas(s string) bool {
	return containsFold(m.from, s)
}

// containsFold reports whether s contains sub, ignoring ASCII case, without allocating.
func containsFold(s, sub string) bool {
	n := len(sub)
	if n == 0 {
		return true
	}
	c0 := lowerByte(sub[0])
	for i := 0; i+n <= len(s); i++ {
		if lowerByte(s[i]) == c0 && equalFoldString(s[i:i+n], sub) {
			return true
		}
	}
	return false
}

// equalFoldString reports whether two strings of the same length are equal ignoring ASCII case.
func equalFoldString(a, b string) bool {
	for i := 0; i < len(b); i++ {
		if lowerByte(a[i]) != lowerByte(b[i]) {
			return false
		}
	}
	return true
}

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// collapseSpace trims s and replaces each run of white space with one space. It returns s
// itself when there is nothing to change.
func collapseSpace(s string) string {
	if isCollapsed(s) {
		return s
	}
	if c, ok := collapseASCII(s); ok {
		return c
	}
	return strings.Join(strings.Fields(s), " ")
}

// isCollapsed reports whether collapseSpace leaves s as it is: no space, tab, CR or LF at
// either end, and no tab, CR, LF or two spaces in a row inside.
func isCollapsed(s string) bool {
	return (len(s) == 0 || !isSpace(s[0]) && !isSpace(s[len(s)-1])) &&
		strings.IndexByte(s, '\t') < 0 && strings.IndexByte(s, '\n') < 0 && strings.IndexByte(s, '\r') < 0 &&
		!strings.Contains(s, "  ")
}

// collapseASCII returns strings.Join(strings.Fields(s), " "), made with one allocation for a short
// s. ok is false, and the caller must use strings.Fields, when s has a non-ASCII byte (Fields also
// splits at Unicode white space) or a vertical tab or form feed (white space for Fields, not for
// isCollapsed).
func collapseASCII[T string | []byte](s T) (c string, ok bool) {
	var scratch [512]byte
	out := scratch[:0]
	for i := 0; i < len(s); {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		j := i
		for j < len(s) && !isSpace(s[j]) {
			if c := s[j]; c >= 0x80 || c == '\v' || c == '\f' {
				return "", false
			}
			j++
		}
		if j > i {
			if len(out) > 0 {
				out = append(out, ' ')
			}
			out = append(out, s[i:j]...)
		}
		i = j
	}
	return string(out), true
}

// firstWord returns the first word of s as strings.Fields(s)[0] would, or "" when s has none.
func firstWord(s string) string {
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	if i := strings.IndexFunc(s, unicode.IsSpace); i >= 0 {
		return s[:i]
	}
	return s
}

// lowerASCII returns s with ASCII letters lower-cased; s itself when it has no upper-case letter.
func lowerASCII(s string) string {
	i := 0
	for i < len(s) && (s[i] < 'A' || s[i] > 'Z') {
		i++
	}
	if i == len(s) {
		return s
	}
	var sb strings.Builder
	sb.Grow(len(s))
	sb.WriteString(s[:i])
	var chunk [64]byte
	for i < len(s) {
		n := copy(chunk[:], s[i:])
		for j, c := range chunk[:n] {
			chunk[j] = lowerByte(c)
		}
		sb.Write(chunk[:n])
		i += n
	}
	return sb.String()
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// section returns the part of text after the first line containing start (or all of text when
// start is "" or absent) and before the first following line that contains one of the stops.
func section(text []byte, start string, stops ...string) []byte {
	if start != "" {
		if i := bytes.Index(text, []byte(start)); i >= 0 {
			_, text = cutLine(text[i:])
		}
	}
	end := len(text)
	for _, s := range stops {
		if i := bytes.Index(text[:end], []byte(s)); i >= 0 {
			for i > 0 && text[i-1] != '\n' {
				i--
			}
			end = i
		}
	}
	if end := originalMarker(text[:end]); end >= 0 {
		return lastLineCut(text[:end])
	}
	return text[:end]
}

// lastLineCut drops the last line of b (a marker line included by originalMarker).
func lastLineCut(b []byte) []byte {
	b = bytes.TrimRight(b, "\n")
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		return b[:i+1]
	}
	return nil
}

// lines calls fn for each line of b (without its LF) until fn returns false.
func lines(b []byte, fn func(line []byte) bool) {
	for len(b) > 0 {
		line, rest := cutLine(b)
		if !fn(line) {
			return
		}
		b = rest
	}
}

// indent returns the number of leading spaces and tabs of a line.
func indent(line []byte) int {
	n := 0
	for n < len(line) && (line[n] == ' ' || line[n] == '\t') {
		n++
	}
	return n
}

// angleAddress returns the address in the first <...> of s when it is a mailbox, or "".
func angleAddress(s string) string {
	i := strings.IndexByte(s, '<')
	if i < 0 {
		return ""
	}
	j := strings.IndexByte(s[i:], '>')
	if j < 0 {
		return ""
	}
	a := strings.TrimSpace(s[i+1 : i+j])
	if isAddress(a) {
		return a
	}
	return ""
}

// commandOf returns the SMTP command a diagnostic answered, from wordings such as
// "(in reply to RCPT TO command)", "after MAIL FROM:", ">>> DATA" or "did not like our RCPT TO".
func commandOf(diag string) string {
	low := lowerASCII(diag)
	for _, c := range []struct{ key, cmd string }{
		{"rcpt to", "RCPT"}, {"mail from", "MAIL"}, {"end of data", "DATA"}, {"data command", "DATA"},
		{"after data", "DATA"}, {">>> data", "DATA"}, {"final data", "DATA"}, {"ehlo", "EHLO"}, {"helo", "HELO"},
		{"initial connection", "CONN"}, {"greeting", "CONN"}, {"connect to", "CONN"},
	} {
		if strings.Contains(low, c.key) {
			return c.cmd
		}
	}
	return ""
}

// joinLines joins trimmed non-empty lines with spaces: collapseSpace(string(b)).
func joinLines(b []byte) string {
	if c, ok := collapseASCII(b); ok {
		return c // the same text: the white space isCollapsed allows is only single spaces
	}
	return collapseSpace(string(b))
}

// addressesIn returns the mailbox addresses in a comma-separated header value (a structured
// field: see isFieldAddress).
func addressesIn(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if a := cleanAddress(s); isFieldAddress(a) {
			out = append(out, a)
		}
	}
	return out
}

// newRecipient builds a Recipient from an address and an MTA's error text, taking the reply
// code, status code and command from the text.
func newRecipient(addr, diag, action string) Recipient {
	diag = collapseSpace(diag)
	r := Recipient{Recipient: addr, Diagnostic: diag, Action: action}
	r.ReplyCode = replyCodeOf(diag)
	r.Status = findStatus(diag)
	r.DiagnosticStatus = r.Status
	r.Command = commandOf(diag)
	return r
}

// originalTo returns the first address in the To field of the returned message, or "". Some
// MTAs name the failed host but not the address; the original's recipient is then the best
// evidence left.
func originalTo(m *message) string {
	h, ok := findOriginal(m)
	if !ok {
		return ""
	}
	for _, name := range []string{"To", "X-Original-To", "Delivered-To"} {
		if a := findAddress(h.get(name)); a != "" {
			return a
		}
	}
	return ""
}
