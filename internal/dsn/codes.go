package dsn

import "strings"

// findStatusNot returns the status code of s that findStatus would, unless it equals not: then
// the first other code, or "".
func findStatusNot(s, not string) string {
	if c := findStatus(s); c != not {
		return c
	}
	for {
		c := firstStatus(s)
		if c == "" || c != not {
			return c
		}
		i := strings.Index(s, c)
		s = s[i+len(c):]
	}
}

// refineStatus returns the status code to report, given the current one (usually the DSN
// Status field, written by the reporting MTA) and a code found in the diagnostic (the remote
// server's or the MTA's own words). The diagnostic's code wins, because reporting MTAs often
// generalise ("5.0.0") or replace ("4.4.7" once they gave up retrying) what the remote server
// said, unless it is only a generalisation of the current code ("5.0.0" against "5.1.1").
func refineStatus(cur, found string) string {
	if found == "" || found == cur {
		return cur
	}
	if cur == "" || !moreSpecific(found, cur) {
		return found
	}
	return cur
}

// findStatus returns the RFC 3463 enhanced status code ("class.subject.detail", class 2, 4 or 5,
// subject and detail of one to three digits) in s, or "". A code that follows an SMTP reply
// code ("550 5.1.1", "550-5.7.1", "550-'5.2.2") is the remote server's and is preferred;
// otherwise the first code is returned. A code must stand alone: digits or dots around it (IP
// addresses, version numbers) disqualify it.
func findStatus(s string) string {
	if c := statusAfterReply(s); c != "" {
		return c
	}
	return firstStatus(s)
}

// statusAfterReply returns the first status code written right after a reply code.
func statusAfterReply(s string) string {
	for i := 0; i+9 <= len(s); i++ {
		if replyCodeAt(s, i) == "" {
			continue
		}
		j := i + 3
		if s[j] != ' ' && s[j] != '-' {
			continue
		}
		j++
		if s[j] == '\'' || s[j] == '"' {
			j++
		}
		if j+5 <= len(s) && (s[j] == '2' || s[j] == '4' || s[j] == '5') && s[j+1] == '.' {
			if n := statusLen(s[j:]); n > 0 {
				return s[j : j+n]
			}
		}
	}
	return ""
}

// firstStatus returns the first status code in s, or "".
func firstStatus(s string) string {
	for i := 0; i+5 <= len(s); i++ {
		c := s[i]
		if c != '2' && c != '4' && c != '5' || s[i+1] != '.' {
			continue
		}
		if i > 0 && (isDigit(s[i-1]) || s[i-1] == '.') {
			continue
		}
		if n := statusLen(s[i:]); n > 0 {
			return s[i : i+n]
		}
	}
	return ""
}

// statusLen returns the length of the status code at the start of s, or 0.
func statusLen(s string) int {
	j := 2
	k := digits(s[j:], 3)
	if k == 0 || j+k >= len(s) || s[j+k] != '.' {
		return 0
	}
	j += k + 1
	k = digits(s[j:], 3)
	if k == 0 {
		return 0
	}
	j += k
	if j < len(s) && (isAlnum(s[j]) || s[j] == '.' && j+1 < len(s) && isDigit(s[j+1])) {
		return 0
	}
	return j
}

// digits counts the leading digits of s, up to limit+1 (so that callers can reject longer runs).
func digits(s string, limit int) int {
	n := 0
	for n < len(s) && isDigit(s[n]) {
		n++
		if n > limit {
			return 0
		}
	}
	return n
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// validStatus returns s as a status code when all of it is one (after trimming), or "".
func validStatus(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, " \t("); i > 0 {
		s = s[:i]
	}
	if len(s) < 5 || s[0] != '2' && s[0] != '4' && s[0] != '5' || s[1] != '.' {
		return ""
	}
	if statusLen(s) != len(s) {
		return ""
	}
	return s
}

// findReplyCode returns the first SMTP reply code (RFC 5321 section 4.2: three digits, the first
// 2, 4 or 5 and the second 0 to 5) in s that stands as a word, or "".
func findReplyCode(s string) string {
	for i := 0; i+3 <= len(s); i++ {
		if code := replyCodeAt(s, i); code != "" {
			return code
		}
	}
	return ""
}

// replyCodeAt returns the reply code starting at s[i], or "".
func replyCodeAt(s string, i int) string {
	c := s[i]
	if c != '2' && c != '4' && c != '5' || !isDigit(s[i+1]) || s[i+1] > '5' || !isDigit(s[i+2]) {
		return ""
	}
	if i > 0 && !strings.ContainsRune(" \t(:<[\"'#", rune(s[i-1])) {
		return ""
	}
	if j := i + 3; j < len(s) && !strings.ContainsRune(" \t-:),;]\n", rune(s[j])) {
		return ""
	}
	return s[i : i+3]
}

// leadingReplyCode returns the reply code that starts s (after white space), or "".
func leadingReplyCode(s string) string {
	s = strings.TrimLeft(s, " \t")
	if len(s) < 3 {
		return ""
	}
	return replyCodeAt(s, 0)
}

// moreSpecific reports whether status b refines status a: same class, a has a zero subject or
// detail where b has not. "5.0.0" is refined by "5.1.1", "4.4.0" by "4.4.7".
func moreSpecific(a, b string) bool {
	if a == "" {
		return b != ""
	}
	if b == "" || a[0] != b[0] || a == b {
		return false
	}
	as, ad, _ := strings.Cut(a[2:], ".")
	bs, bd, _ := strings.Cut(b[2:], ".")
	if as == "0" {
		return bs != "0" || bd != "0"
	}
	return as == bs && ad == "0" && bd != "0"
}
