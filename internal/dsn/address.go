package dsn

import "strings"

// cleanAddress returns the bare address in a recipient field value or text fragment: the
// address type ("rfc822;", RFC 3464 section 2.3.2) is dropped, and so are angle brackets,
// comments, quotes and trailing punctuation. It returns "" when no address-like text remains.
func cleanAddress(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, ';'); i >= 0 && i < 12 && !strings.ContainsAny(s[:i], "@<\" ") {
		s = strings.TrimSpace(s[i+1:])
	}
	if i := strings.IndexByte(s, '<'); i >= 0 {
		if j := strings.IndexByte(s[i:], '>'); j > 0 {
			s = s[i+1 : i+j]
		} else {
			s = s[i+1:]
		}
	}
	s = stripComments(s)
	if q := quotedAddress(s); q != "" {
		return q // quoted local part, RFC 5321 section 4.1.2: it may hold spaces
	}
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		// "addr trailing words": keep the part with the '@'.
		for _, w := range strings.Fields(s) {
			if strings.Contains(w, "@") {
				s = w
				break
			}
		}
		if i := strings.IndexAny(s, " \t"); i >= 0 {
			s = s[:i]
		}
	}
	if strings.HasPrefix(s, "\"") && strings.Contains(s, "\"@") {
		return strings.TrimRight(s, ">]:;,.") // quoted local part, RFC 5321 section 4.1.2
	}
	s = strings.Trim(s, "\"'<>[]:;,.")
	if strings.HasPrefix(strings.ToLower(s), "mailto:") {
		s = s[7:]
	}
	return s
}

// quotedAddress returns the address at the start of s when its local part is quoted
// ("john doe"@example.org), or "".
func quotedAddress(s string) string {
	if !strings.HasPrefix(s, "\"") {
		return ""
	}
	j := strings.Index(s[1:], "\"@")
	if j < 0 {
		return ""
	}
	rest := s[j+3:]
	if k := strings.IndexAny(rest, " \t"); k >= 0 {
		rest = rest[:k]
	}
	return strings.TrimRight(s[:j+3]+rest, ">]:;,.")
}

// stripComments removes parenthesised comments (RFC 5322 section 3.2.2), not nested.
func stripComments(s string) string {
	for {
		i := strings.IndexByte(s, '(')
		if i < 0 {
			return strings.TrimSpace(s)
		}
		j := strings.IndexByte(s[i:], ')')
		if j < 0 {
			return strings.TrimSpace(s[:i])
		}
		s = s[:i] + s[i+j+1:]
	}
}

// isAddress reports whether s looks like a mailbox address: local@domain, with a dot in the
// domain or a bracketed literal, and no spaces.
func isAddress(s string) bool {
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || strings.ContainsAny(s, " \t<>()\n,;") {
		return false
	}
	d := s[at+1:]
	return strings.Contains(d, ".") || d[0] == '['
}

// isFieldAddress reports whether s, taken from a structured field (Final-Recipient,
// Original-Recipient, X-Failed-Recipients), is a mailbox address. It accepts what MTAs write
// there and isAddress, which judges free text, does not: a domain of one label (user@localhost,
// userx@domain1: a host of the local network), and a quoted local part with spaces (RFC 5321
// section 4.1.2). Internationalised domains (RFC 6531) pass both. A source route
// ("@relay:user@example.org") or a second unquoted "@" does not.
func isFieldAddress(s string) bool {
	if isAddress(s) {
		return true
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || strings.ContainsAny(s, "\r\n") {
		return false
	}
	local, domain := s[:at], s[at+1:]
	if strings.ContainsAny(domain, " \t<>()[],;:@\"\\") || domain[0] == '.' || domain[0] == '-' ||
		domain[len(domain)-1] == '-' {
		return false
	}
	if len(local) >= 2 && local[0] == '"' && local[len(local)-1] == '"' {
		return true
	}
	return !strings.ContainsAny(local, " \t<>()[],;:@\"\\") && local[0] != '.'
}

// findAddress returns the first address-like word in s, cleaned, or "".
func findAddress(s string) string {
	for i := strings.IndexByte(s, '@'); i >= 0; {
		start, end := wordAround(s, i)
		if a := strings.Trim(s[start:end], ".'\""); isAddress(a) {
			return a
		}
		j := strings.IndexByte(s[i+1:], '@')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return ""
}

// wordAround returns the bounds of the address-like word of s around the '@' at index at: the
// bytes on both sides up to white space or a delimiter (isAddrStop).
func wordAround(s string, at int) (start, end int) {
	start = at
	for start > 0 && !isAddrStop(s[start-1]) {
		start--
	}
	end = at + 1
	for end < len(s) && !isAddrStop(s[end]) {
		end++
	}
	return start, end
}

func isAddrStop(c byte) bool {
	return c <= ' ' || strings.IndexByte("<>()[],;:\"", c) >= 0
}
