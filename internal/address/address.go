// Package address normalises e-mail addresses found in bounces so that every stage of rebound
// (events, suppression state, exports) agrees on one spelling per mailbox.
//
// The accepted syntax is RFC 5321 section 4.1.2 (Mailbox = Local-part "@" Domain, where the
// local part is a Dot-string or a Quoted-string), with UTF-8 allowed in the local part as in
// RFC 6531 section 3.3. Limits are those of RFC 5321 section 4.5.3.1 (local part 64 octets,
// domain 255 octets, label 63 octets) and the 254-octet path limit of RFC 3696 errata 1690.
// Domains are converted to ASCII with IDNA 2008 (RFC 5891 section 5, with the UTS #46 mapping:
// the Lookup profile of golang.org/x/net/idna), so that bücher.example and xn--bcher-kva.example
// are one domain. Address literals ([192.0.2.1]) are rejected: rebound never needs
// to suppress one.
package address

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Length limits in octets.
const (
	MaxLength      = 254 // whole address, RFC 3696 errata 1690
	MaxLocalLength = 64  // RFC 5321 section 4.5.3.1.1
	maxLabelLength = 63  // RFC 1035 section 2.3.4
)

// Normalize returns the canonical form of an address as it appears in a bounce: surrounding
// spaces, angle brackets and an RFC 3464 "rfc822;" address-type prefix are removed, the local
// part is lower-cased (see docs/export.md: providers treat it case-insensitively) and the
// domain is lower-cased and converted to IDNA ASCII (xn--) form. Malformed input gives an
// error that says what is wrong.
func Normalize(s string) (string, error) {
	a, err := unwrap(s)
	if err != nil {
		return "", err
	}
	at := strings.LastIndexByte(a, '@')
	if at < 0 {
		return "", fmt.Errorf("address %q: no @", clip(s))
	}
	local, err := normalizeLocal(a[:at])
	if err != nil {
		return "", fmt.Errorf("address %q: %w", clip(s), err)
	}
	domain, err := normalizeDomain(a[at+1:])
	if err != nil {
		return "", fmt.Errorf("address %q: %w", clip(s), err)
	}
	out := local + "@" + domain
	if len(out) > MaxLength {
		return "", fmt.Errorf("address %q: longer than %d bytes", clip(s), MaxLength)
	}
	return out, nil
}

// Stored is the form a recipient is stored and looked up in as written in the bounce:
// lower-case, without surrounding space. Normalize(Stored(r)) is the address the store maps
// a stored recipient to.
func Stored(r string) string {
	return strings.ToLower(strings.TrimSpace(r))
}

// Domain returns the domain of an address (the text after the last @), or "" when there is
// none. It does not normalise: pass it the output of Normalize.
func Domain(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return ""
	}
	return addr[at+1:]
}

// unwrap strips spaces, an "rfc822;" prefix and angle brackets, and rejects control
// characters and invalid UTF-8 anywhere in the input.
func unwrap(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("address %q: invalid utf-8", clip(s))
	}
	a := strings.TrimSpace(s)
	if len(a) >= 7 && strings.EqualFold(a[:7], "rfc822;") {
		a = strings.TrimSpace(a[7:])
	}
	open, closed := strings.HasPrefix(a, "<"), strings.HasSuffix(a, ">")
	if open != closed {
		return "", fmt.Errorf("address %q: unbalanced angle brackets", clip(s))
	}
	if open {
		a = strings.TrimSpace(a[1 : len(a)-1])
	}
	if a == "" {
		return "", errors.New("empty address")
	}
	if len(a) > 4*MaxLength { // no mapping shrinks it enough: spare IDNA the work
		return "", fmt.Errorf("address %q: longer than %d bytes", clip(s), MaxLength)
	}
	for _, r := range a {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return "", fmt.Errorf("address %q: control character %U", clip(s), r)
		}
	}
	return a, nil
}

// normalizeLocal checks a Dot-string or Quoted-string local part and lower-cases it.
func normalizeLocal(l string) (string, error) {
	l = strings.ToLower(l)
	switch {
	case l == "":
		return "", errors.New("empty local part")
	case len(l) > MaxLocalLength:
		return "", fmt.Errorf("local part longer than %d bytes", MaxLocalLength)
	case l[0] == '"':
		if err := checkQuoted(l); err != nil {
			return "", err
		}
	default:
		if err := checkDotString(l); err != nil {
			return "", err
		}
	}
	return l, nil
}

// checkDotString: Atom *("." Atom), atext of RFC 5322 section 3.2.3 plus UTF-8.
func checkDotString(l string) error {
	for _, atom := range strings.Split(l, ".") {
		if atom == "" {
			return errors.New("empty atom in local part (leading, trailing or double dot)")
		}
		for _, r := range atom {
			if !isAtext(r) {
				return fmt.Errorf("character %q not allowed in an unquoted local part", r)
			}
		}
	}
	return nil
}

func isAtext(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r >= 0x80:
		return true
	}
	return strings.ContainsRune("!#$%&'*+-/=?^_`{|}~", r)
}

// checkQuoted: DQUOTE *(qtextSMTP / quoted-pairSMTP) DQUOTE.
func checkQuoted(l string) error {
	if len(l) < 2 || l[len(l)-1] != '"' {
		return errors.New("unterminated quoted local part")
	}
	body := l[1 : len(l)-1]
	for i := 0; i < len(body); i++ {
		switch body[i] {
		case '\\':
			i++
			if i == len(body) {
				return errors.New("dangling backslash in quoted local part")
			}
		case '"':
			return errors.New("unescaped quote in quoted local part")
		}
	}
	return nil
}

// normalizeDomain lower-cases a domain and converts it to IDNA ASCII form.
func normalizeDomain(d string) (string, error) {
	d = strings.TrimSuffix(d, ".")
	switch {
	case d == "":
		return "", errors.New("empty domain")
	case strings.HasPrefix(d, "["):
		return "", errors.New("address literal domains are not supported")
	}
	ascii, err := idna.Lookup.ToASCII(d)
	if err != nil {
		return "", fmt.Errorf("bad domain: %v", err)
	}
	ascii = strings.ToLower(ascii)
	for _, label := range strings.Split(ascii, ".") {
		if label == "" {
			return "", errors.New("bad domain: empty label")
		}
		if len(label) > maxLabelLength {
			return "", fmt.Errorf("domain label longer than %d bytes", maxLabelLength)
		}
	}
	return ascii, nil
}

// clip shortens input quoted in error messages.
func clip(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	for i := max; i > 0; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i] + "..."
		}
	}
	return s[:max] + "..."
}
