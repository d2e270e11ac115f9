package dsn

import (
	"net/mail"
	"strings"
	"time"
)

// parseDate parses an RFC 5322 date-time (section 3.3) and returns the zero time when it cannot.
// The common form ("Mon, 2 Jan 2006 15:04:05 -0700 (MST)", with or without the day of the
// week, seconds or comment, or with an obsolete zone name) is read by a fast path; anything else
// goes to net/mail.ParseDate.
func parseDate(v string) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	if t, ok := fastDate(v); ok {
		return t
	}
	t, err := mail.ParseDate(v)
	if err != nil {
		if i := strings.LastIndexByte(v, '('); i > 0 {
			t, err = mail.ParseDate(strings.TrimSpace(v[:i]))
		}
		if err != nil {
			return time.Time{}
		}
	}
	return t
}

var monthNames = [12]string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

// obsoleteZones are the zone names of RFC 5322 section 4.3, in minutes east of UTC.
var obsoleteZones = map[string]int{
	"UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "EST": -300, "EDT": -240, "CST": -360, "CDT": -300,
	"MST": -420, "MDT": -360, "PST": -480, "PDT": -420, "JST": 540,
}

// fastDate reads "[Www,] D Mon YYYY hh:mm[:ss] zone [comment]" without allocating.
func fastDate(v string) (time.Time, bool) {
	var f [5]string
	n := 0
	for rest := v; n < len(f); {
		var w string
		w, rest = nextWord(rest)
		if w == "" {
			break
		}
		if n == 0 && strings.HasSuffix(w, ",") && len(w) > 1 && !isDigit(w[0]) {
			continue // day of the week
		}
		f[n] = w
		n++
	}
	if n < 5 {
		return time.Time{}, false
	}
	day, ok1 := atoiN(f[0], 1, 2)
	year, ok2 := atoiN(f[2], 4, 4)
	month := monthOf(f[1])
	hh, mm, ss, ok3 := clock(f[3])
	off, ok4 := zoneOffset(f[4])
	if !ok1 || !ok2 || !ok3 || !ok4 || month == 0 || day > 31 {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, hh, mm, ss, 0, fixedZone(off)), true
}

// nextWord returns the first space-separated word of s and what follows it.
func nextWord(s string) (w, rest string) {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	j := i
	for j < len(s) && !isSpace(s[j]) {
		j++
	}
	return s[i:j], s[j:]
}

// monthOf returns the month (1..12) of an English month name or abbreviation, or 0.
func monthOf(s string) int {
	if len(s) < 3 {
		return 0
	}
	for i, n := range monthNames {
		if equalFoldString(s[:3], n) {
			return i + 1
		}
	}
	return 0
}

// clock reads "hh:mm" or "hh:mm:ss".
func clock(s string) (hh, mm, ss int, ok bool) {
	h, rest, ok1 := strings.Cut(s, ":")
	m, sec, hasSec := strings.Cut(rest, ":")
	var ok2, ok3, ok4 bool
	hh, ok2 = atoiN(h, 1, 2)
	mm, ok3 = atoiN(m, 2, 2)
	ok4 = true
	if hasSec {
		ss, ok4 = atoiN(sec, 2, 2)
	}
	return hh, mm, ss, ok1 && ok2 && ok3 && ok4 && hh < 24 && mm < 60 && ss < 61
}

// zoneOffset reads "+hhmm", "-hhmm" or an obsolete zone name, in minutes east of UTC.
func zoneOffset(s string) (int, bool) {
	if len(s) == 5 && (s[0] == '+' || s[0] == '-') {
		h, ok1 := atoiN(s[1:3], 2, 2)
		m, ok2 := atoiN(s[3:5], 2, 2)
		if !ok1 || !ok2 || m > 59 {
			return 0, false
		}
		off := h*60 + m
		if s[0] == '-' {
			off = -off
		}
		return off, true
	}
	off, ok := obsoleteZones[strings.ToUpper(s)]
	return off, ok
}

// atoiN parses a decimal number of min to max digits.
func atoiN(s string, minLen, maxLen int) (int, bool) {
	if len(s) < minLen || len(s) > maxLen {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// zones holds one *time.Location per quarter-hour offset from -14:00 to +14:00, so that dates
// do not allocate a location each.
var zones = makeZones()

func makeZones() []*time.Location {
	z := make([]*time.Location, 113)
	for i := range z {
		z[i] = time.FixedZone("", (i-56)*15*60)
	}
	return z
}

// fixedZone returns the location for an offset in minutes.
func fixedZone(off int) *time.Location {
	if off%15 == 0 && off >= -840 && off <= 840 {
		return zones[off/15+56]
	}
	return time.FixedZone("", off*60)
}
