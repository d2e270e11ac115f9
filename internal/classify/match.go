package classify

import (
	"errors"
	"strconv"
	"strings"
)

// status is an RFC 3463 enhanced status code, class.subject.detail (section 2).
type status struct {
	class, subject, detail int
}

// parseStatus reads "5.1.1"; ok is false for anything else.
func parseStatus(s string) (st status, ok bool) {
	a, rest, ok1 := strings.Cut(s, ".")
	b, c, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 {
		return status{}, false
	}
	var err error
	if st.class, err = smallInt(a, 1); err != nil || (st.class != 2 && st.class != 4 && st.class != 5) {
		return status{}, false
	}
	if st.subject, err = smallInt(b, 3); err != nil {
		return status{}, false
	}
	if st.detail, err = smallInt(c, 3); err != nil {
		return status{}, false
	}
	return st, true
}

func (s status) String() string {
	return strconv.Itoa(s.class) + "." + strconv.Itoa(s.subject) + "." + strconv.Itoa(s.detail)
}

// generic reports whether s is an X.0.0 code: a class with no detail at all.
func (s status) generic() bool { return s.subject == 0 && s.detail == 0 }

var errNumber = errors.New("not a number")

// smallInt parses 1..max decimal digits.
func smallInt(s string, max int) (int, error) {
	if len(s) == 0 || len(s) > max {
		return 0, errNumber
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errNumber
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, nil
}

// numRange is one component of a status pattern: an inclusive range, * being 0..999.
type numRange struct{ lo, hi int }

func (r numRange) has(n int) bool { return n >= r.lo && n <= r.hi }

// statusPattern matches enhanced status codes: each component is a number, a range "606-608"
// or "*", e.g. "5.1.1", "5.7.*", "4.*.*", "5.7.606-608". The pattern "none" matches a bounce
// that has no status code at all (none given and none found in the diagnostic).
type statusPattern struct {
	text  string
	parts [3]numRange
	none  bool
}

func parseStatusPattern(s string) (statusPattern, error) {
	p := statusPattern{text: s}
	if strings.EqualFold(s, "none") {
		p.text, p.none = "none", true
		return p, nil
	}
	comps := strings.Split(s, ".")
	if len(comps) != 3 {
		return p, errors.New("bad status pattern " + strconv.Quote(s) + ": want class.subject.detail such as 5.1.1, 5.7.* or 5.7.606-608")
	}
	for i, c := range comps {
		max := 3
		if i == 0 {
			max = 1
		}
		if c == "*" {
			p.parts[i] = numRange{0, 999}
			continue
		}
		lo, hi, isRange := strings.Cut(c, "-")
		a, err := smallInt(lo, max)
		b := a
		if err == nil && isRange {
			b, err = smallInt(hi, max)
		}
		if err != nil || b < a {
			return p, errors.New("bad status pattern " + strconv.Quote(s) + ": component " + strconv.Quote(c) + " is not a number, a range a-b or *")
		}
		if i == 0 && (a != 2 && a != 4 && a != 5 || b != a) {
			return p, errors.New("bad status pattern " + strconv.Quote(s) + ": class must be 2, 4, 5 or *")
		}
		p.parts[i] = numRange{a, b}
	}
	return p, nil
}

func (p statusPattern) match(s status) bool {
	if p.none {
		return false
	}
	return p.parts[0].has(s.class) && p.parts[1].has(s.subject) && p.parts[2].has(s.detail)
}

// replyPattern matches RFC 5321 reply codes: three characters, each a digit or x ("550", "5xx", "55x").
type replyPattern struct {
	text string
}

func parseReplyPattern(s string) (replyPattern, error) {
	s = strings.ToLower(s)
	bad := errors.New("bad reply pattern " + strconv.Quote(s) + ": want three digits or x, such as 550, 55x or 5xx")
	if len(s) != 3 {
		return replyPattern{}, bad
	}
	for i := 0; i < 3; i++ {
		c := s[i]
		if c != 'x' && (c < '0' || c > '9') {
			return replyPattern{}, bad
		}
	}
	if c := s[0]; c != 'x' && (c < '2' || c > '5') {
		return replyPattern{}, bad
	}
	return replyPattern{text: s}, nil
}

func (p replyPattern) match(code string) bool {
	if len(code) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if p.text[i] != 'x' && p.text[i] != code[i] {
			return false
		}
	}
	return true
}

// validReply reports whether s is a three-digit reply code 2xx..5xx.
func validReply(s string) bool {
	return len(s) == 3 && s[0] >= '2' && s[0] <= '5' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9'
}

// globMatch reports whether name matches pattern, where * matches any run of characters
// (including none). Both are expected in lower case.
func globMatch(pattern, name string) bool {
	px, nx := 0, 0
	nextPx, nextNx := -1, -1
	for px < len(pattern) || nx < len(name) {
		if px < len(pattern) {
			c := pattern[px]
			if c == '*' {
				nextPx, nextNx = px, nx+1
				px++
				continue
			}
			if nx < len(name) && name[nx] == c {
				px++
				nx++
				continue
			}
		}
		if nextPx >= 0 && nextNx <= len(name) {
			px, nx = nextPx, nextNx
			continue
		}
		return false
	}
	return true
}

// hostName normalises a host as found in Remote-MTA or Reporting-MTA: lower case, first word,
// no brackets, no trailing dot. "mx.Google.com [1.2.3.4]" gives "mx.google.com".
func hostName(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, " \t;("); i >= 0 {
		s = s[:i]
	}
	s = strings.Trim(s, "[]<>")
	s = strings.TrimSuffix(s, ".")
	return strings.ToLower(s)
}

// domainOf returns the lower-case domain of an address, or "".
func domainOf(addr string) string {
	addr = strings.Trim(strings.TrimSpace(addr), "<>")
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return ""
	}
	return strings.TrimSuffix(strings.ToLower(addr[i+1:]), ".")
}
