// Package pseudo pseudonymises recipients: a keyed hash (HMAC-SHA-256, RFC 2104, with a secret
// of the database) replaces an address in stored history, so that counts, windows and `show`
// by pseudonym still work and the address cannot be read back without the secret; and it
// removes a recipient's address and local part from texts such as diagnostics.
// docs/privacy.md says where the secret is kept and what that means for backups.
package pseudo

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
)

// Prefix starts the local part of every pseudonym.
const Prefix = "pseudo."

// hexLen is the length of the hash in a pseudonym: 128 bits of HMAC-SHA-256, in hex, so that
// the local part stays within RFC 5321's 64 octets.
const hexLen = 32

// secretLen is the length of a new secret in bytes.
const secretLen = 32

// NewSecret returns a new random secret, in hex.
func NewSecret() (string, error) {
	b := make([]byte, secretLen)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("new pseudonymisation secret: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// Keyer makes the pseudonyms of one database.
type Keyer struct{ secret []byte }

// NewKeyer returns the Keyer of a secret (as NewSecret makes it).
func NewKeyer(secretHex string) (*Keyer, error) {
	b, err := hex.DecodeString(secretHex)
	if err != nil || len(b) < 16 {
		return nil, fmt.Errorf("the pseudonymisation secret is damaged (want at least 16 bytes in hex)")
	}
	return &Keyer{secret: b}, nil
}

// Of returns the pseudonym of a normalised address: "pseudo." and the hash, at the address's
// domain, which is kept (providers, typo domains and the KPIs per domain read it). A recipient
// without a domain (malformed) gets the hash alone, which stays malformed.
func (k *Keyer) Of(addr string) string {
	m := hmac.New(sha256.New, k.secret)
	m.Write([]byte(addr))
	local := Prefix + hex.EncodeToString(m.Sum(nil))[:hexLen]
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return local + addr[i:]
	}
	return local
}

var pseudonymRE = regexp.MustCompile(`^` + regexp.QuoteMeta(Prefix) + `[0-9a-f]{32}(@|$)`)

// Is reports whether addr is a pseudonym.
func Is(addr string) bool { return pseudonymRE.MatchString(addr) }

// Redacted replaces the address in texts.
const Redacted = "[recipient]"

// minLocal is the shortest local part removed on its own: shorter ones ("a", "jo") are
// fragments of ordinary words.
const minLocal = 3

// Redact returns text without addr (compared without case) and without its local part where it
// stands as a word of its own (not inside a longer word), such as "jane.doe... does not exist"
// or "mailbox jane.doe is full"; both become "[recipient]". NewRedactor does the same for many
// texts of one address.
func Redact(text, addr string) string { return NewRedactor(addr)(text) }

// NewRedactor returns Redact for one address, its expressions compiled once.
func NewRedactor(addr string) func(string) string {
	if addr == "" {
		return func(s string) string { return s }
	}
	local := addr
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		local = addr[:i]
	}
	var re *regexp.Regexp
	if len(local) >= minLocal {
		re = regexp.MustCompile(`(?i)(^|[^\pL\pN._%+\-])` + regexp.QuoteMeta(local) + `($|[^\pL\pN_%+\-]|\.[^\pL\pN])`)
	}
	lowerLocal := strings.ToLower(local)
	return func(text string) string {
		if text == "" {
			return text
		}
		text = replaceFold(text, addr)
		if re == nil || !strings.Contains(strings.ToLower(text), lowerLocal) {
			return text
		}
		// Each match takes its delimiters; run it again for adjacent repeats.
		for i := 0; i < 4 && re.MatchString(text); i++ {
			text = re.ReplaceAllString(text, "${1}"+Redacted+"${2}")
		}
		return text
	}
}

// replaceFold replaces every occurrence of old in s, compared without case, by Redacted.
func replaceFold(s, old string) string {
	if !strings.Contains(strings.ToLower(s), strings.ToLower(old)) {
		return s // the usual case, without a regular expression
	}
	return regexp.MustCompile(`(?i)`+regexp.QuoteMeta(old)).ReplaceAllLiteralString(s, Redacted)
}

// addressRE finds the address-like words of a text: a local part, '@', a domain.
var addressRE = regexp.MustCompile(`[\pL\pN._%+\-!#$&*/=?^{|}~']+@[\pL\pN.\-]*[\pL\pN]`)

// NewSetRedactor returns a function that replaces, in any text, each of addrs (normalised, lower
// case) standing as an address of its own by "[recipient]": for the texts of other rows that
// quote a pseudonymised address (another recipient's diagnostic, an auto-reply's sender).
func NewSetRedactor(addrs []string) func(string) string {
	set := make(map[string]bool, len(addrs))
	for _, a := range addrs {
		set[strings.ToLower(a)] = true
	}
	return func(s string) string {
		if len(set) == 0 || !strings.Contains(s, "@") {
			return s
		}
		return addressRE.ReplaceAllStringFunc(s, func(w string) string {
			if set[strings.ToLower(w)] {
				return Redacted
			}
			return w
		})
	}
}
