package address

// IDNA conversion of domains to their ASCII (A-label) form: RFC 5891 section 5 lookup with the
// UTS #46 full-stop mapping, and the Punycode algorithm of RFC 3492.
//
// golang.org/x/net/idna is the intended implementation but needs golang.org/x/text, which
// go.mod does not list yet; until it does, this file carries the subset rebound needs:
// lower-casing, label checks (letters, digits, combining marks and hyphens; no leading or
// trailing hyphen; "--" in positions 3-4 only for xn-- labels), Punycode encoding of U-labels
// and validation of existing xn-- labels by decoding them. Unicode normalisation (NFC) is not
// applied: input is taken to be NFC, as mail software produces it.

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

const acePrefix = "xn--"

// toASCII converts a domain to lower-case ASCII, encoding non-ASCII labels with Punycode.
func toASCII(domain string) (string, error) {
	domain = strings.NewReplacer("\u3002", ".", "\uff0e", ".", "\uff61", ".").Replace(domain)
	labels := strings.Split(domain, ".")
	for i, l := range labels {
		a, err := labelToASCII(l)
		if err != nil {
			return "", err
		}
		labels[i] = a
	}
	return strings.Join(labels, "."), nil
}

func labelToASCII(l string) (string, error) {
	if l == "" {
		return "", errors.New("empty label in domain")
	}
	if isASCII(l) {
		l = strings.ToLower(l)
		if strings.HasPrefix(l, acePrefix) {
			return l, checkALabel(l)
		}
		return l, checkLDH(l)
	}
	l = strings.ToLower(l)
	if err := checkULabel(l); err != nil {
		return "", err
	}
	enc, err := punyEncode(l)
	if err != nil {
		return "", err
	}
	return acePrefix + enc, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// checkLDH checks a lower-case ASCII label: letters, digits, hyphens (RFC 5891 section 4.2.3.1).
func checkLDH(l string) error {
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return fmt.Errorf("character %q not allowed in a domain", c)
		}
	}
	if l[0] == '-' || l[len(l)-1] == '-' {
		return fmt.Errorf("label %q starts or ends with a hyphen", l)
	}
	if len(l) >= 4 && l[2:4] == "--" {
		return fmt.Errorf("label %q has hyphens in positions 3 and 4", l)
	}
	return nil
}

// checkULabel checks the code points of a non-ASCII label.
func checkULabel(l string) error {
	for i, r := range l {
		switch {
		case unicode.IsMark(r) && i == 0:
			return fmt.Errorf("label %q starts with a combining mark", l)
		case unicode.IsLetter(r), unicode.IsDigit(r), unicode.IsMark(r), r == '-':
		default:
			return fmt.Errorf("character %q not allowed in a domain", r)
		}
	}
	if l[0] == '-' || l[len(l)-1] == '-' {
		return fmt.Errorf("label %q starts or ends with a hyphen", l)
	}
	return nil
}

// checkALabel checks that an xn-- label decodes to a valid lower-case U-label that encodes
// back to the same text.
func checkALabel(l string) error {
	u, err := punyDecode(l[len(acePrefix):])
	if err != nil {
		return fmt.Errorf("label %q: %v", l, err)
	}
	if isASCII(u) || u != strings.ToLower(u) {
		return fmt.Errorf("label %q is not a valid a-label", l)
	}
	if err := checkULabel(u); err != nil {
		return err
	}
	if enc, err := punyEncode(u); err != nil || acePrefix+enc != l {
		return fmt.Errorf("label %q is not a valid a-label", l)
	}
	return nil
}

// Punycode parameters, RFC 3492 section 5.
const (
	base        = 36
	tmin        = 1
	tmax        = 26
	skew        = 38
	damp        = 700
	initialBias = 72
	initialN    = 128
	maxCode     = 1<<31 - 1
)

func adapt(delta, numPoints int32, first bool) int32 {
	if first {
		delta /= damp
	} else {
		delta /= 2
	}
	delta += delta / numPoints
	k := int32(0)
	for delta > ((base-tmin)*tmax)/2 {
		delta /= base - tmin
		k += base
	}
	return k + (base-tmin+1)*delta/(delta+skew)
}

func threshold(k, bias int32) int32 {
	switch {
	case k <= bias:
		return tmin
	case k >= bias+tmax:
		return tmax
	}
	return k - bias
}

func encodeDigit(d int32) byte {
	if d < 26 {
		return byte('a' + d)
	}
	return byte('0' + d - 26)
}

func decodeDigit(c byte) (int32, bool) {
	switch {
	case c >= 'a' && c <= 'z':
		return int32(c - 'a'), true
	case c >= 'A' && c <= 'Z':
		return int32(c - 'A'), true
	case c >= '0' && c <= '9':
		return int32(c-'0') + 26, true
	}
	return 0, false
}

var errOverflow = errors.New("punycode overflow")

// punyEncode implements RFC 3492 section 6.3.
func punyEncode(s string) (string, error) {
	in := []rune(s)
	var out []byte
	for _, r := range in {
		if r < 0x80 {
			out = append(out, byte(r))
		}
	}
	b := int32(len(out))
	h := b
	if b > 0 {
		out = append(out, '-')
	}
	n, delta, bias := int32(initialN), int32(0), int32(initialBias)
	for h < int32(len(in)) {
		m := int32(maxCode)
		for _, r := range in {
			if r >= n && r < m {
				m = r
			}
		}
		if (m - n) > (maxCode-delta)/(h+1) {
			return "", errOverflow
		}
		delta += (m - n) * (h + 1)
		n = m
		for _, r := range in {
			if r < n {
				delta++
				if delta < 0 {
					return "", errOverflow
				}
			}
			if r != n {
				continue
			}
			q := delta
			for k := int32(base); ; k += base {
				t := threshold(k, bias)
				if q < t {
					break
				}
				out = append(out, encodeDigit(t+(q-t)%(base-t)))
				q = (q - t) / (base - t)
			}
			out = append(out, encodeDigit(q))
			bias = adapt(delta, h+1, h == b)
			delta = 0
			h++
		}
		delta++
		n++
	}
	return string(out), nil
}

// punyDecode implements RFC 3492 section 6.2.
func punyDecode(s string) (string, error) {
	var out []rune
	pos := 0
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		for j := 0; j < i; j++ {
			out = append(out, rune(s[j]))
		}
		pos = i + 1
	}
	n, idx, bias := int32(initialN), int32(0), int32(initialBias)
	for pos < len(s) {
		oldIdx, w := idx, int32(1)
		for k := int32(base); ; k += base {
			if pos >= len(s) {
				return "", errors.New("truncated punycode")
			}
			d, ok := decodeDigit(s[pos])
			pos++
			if !ok {
				return "", errors.New("bad punycode digit")
			}
			if d > (maxCode-idx)/w {
				return "", errOverflow
			}
			idx += d * w
			t := threshold(k, bias)
			if d < t {
				break
			}
			if w > maxCode/(base-t) {
				return "", errOverflow
			}
			w *= base - t
		}
		l := int32(len(out) + 1)
		bias = adapt(idx-oldIdx, l, oldIdx == 0)
		if idx/l > maxCode-n {
			return "", errOverflow
		}
		n += idx / l
		idx %= l
		if n > unicode.MaxRune || (n >= 0xd800 && n <= 0xdfff) {
			return "", errors.New("bad code point in punycode")
		}
		out = append(out, 0)
		copy(out[idx+1:], out[idx:])
		out[idx] = n
		idx++
	}
	return string(out), nil
}
