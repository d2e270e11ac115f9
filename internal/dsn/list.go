package dsn

import (
	"bytes"
	"strings"
)

// A recipient list is the common shape of plain-text bounces: a line that names an address
// ("<user@example.org>:", "user@example.org: 550 ...", "* user@example.org", "Recipient:
// <user@example.org>") followed by lines that explain the failure. listRecipients reads such a
// list; the MTA detectors choose where it starts and ends and which line prefixes introduce an
// address.

// listPrefixes are line prefixes, compared case-insensitively, that may come before the address
// on a recipient line.
var listPrefixes = []string{"* ", "- ", "recipient:", "recipients:", "to:", "address:", "rcpt to:"}

// addressLine returns the address a recipient-list line starts with and the rest of the line,
// or "" when the line does not start with an address. Extra prefixes are tried besides
// listPrefixes.
func addressLine(line string, extra []string) (addr, rest string) {
	t := strings.TrimSpace(line)
	for _, p := range append(extra, listPrefixes...) {
		if len(t) > len(p) && strings.EqualFold(t[:len(p)], p) {
			t = strings.TrimSpace(t[len(p):])
			break
		}
	}
	if t == "" {
		return "", ""
	}
	if t[0] == '<' {
		a := angleAddress(t)
		if a == "" {
			return "", ""
		}
		rest = t[strings.IndexByte(t, '>')+1:]
		return a, strings.TrimSpace(strings.TrimLeft(rest, ":, "))
	}
	w := t
	if i := strings.IndexAny(t, " \t"); i >= 0 {
		w, rest = t[:i], t[i+1:]
	}
	w = strings.Trim(strings.TrimSuffix(w, ":"), "\"'")
	w = strings.TrimSuffix(w, ":")
	if !isAddress(w) {
		return "", ""
	}
	return w, strings.TrimSpace(strings.TrimLeft(rest, ":, "))
}

// listRecipients reads a recipient list from body. Lines that do not start with an address are
// the explanation of the address before them. When a recipient has no explanation of its own,
// the text before the list (an MTA that writes the reason first) becomes its diagnostic.
func listRecipients(body []byte, action string, extra ...string) []Recipient {
	var rs []Recipient
	var diags [][]byte
	var pre []byte
	lines(body, func(line []byte) bool {
		t := bytes.TrimSpace(line)
		if len(t) == 0 {
			return true
		}
		if a, rest := addressLine(string(line), extra); a != "" {
			rs = append(rs, Recipient{Recipient: a, Action: action})
			diags = append(diags, []byte(rest+"\n"))
			return len(rs) < maxRecipients
		}
		if n := len(rs); n > 0 {
			diags[n-1] = append(append(diags[n-1], t...), '\n')
		} else {
			pre = append(append(pre, t...), '\n')
		}
		return true
	})
	for i := range rs {
		d := diags[i]
		if len(bytes.TrimSpace(d)) == 0 {
			d = pre
		}
		rs[i] = mergeNew(rs[i], newRecipient(rs[i].Recipient, joinLines(d), action))
	}
	return rs
}
