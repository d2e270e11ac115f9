package classify

import (
	"regexp"
	"regexp/syntax"
	"sort"
	"strings"
	"unicode/utf8"
)

// regexPlan is what the classifier learns about a rule's regex at load time so as to run the
// regex engine as little as possible without changing what it matches. Go's engine has no
// fast search for a set of leading words: an unanchored `\b(a|b|c)\b.{0,40}\b(d|e)\b` restarts
// the backtracker at every byte of the text. When every match must begin with one of a few
// strings (prefixes), the phrase automaton finds where those occur and the expression runs
// only on a window around each place, no longer than the longest match.
type regexPlan struct {
	re *regexp.Regexp

	// unanchored expressions whose every match begins with one of prefixes (nil otherwise)
	prefixes   []string
	prefixIDs  []int32    // prefixes as phrase ids, filled by compile
	prefixBits []uint64   // the same as a set of phrase ids
	required   [][]uint64 // the literal sets of regexLiterals as sets of phrase ids: a match holds one of each
	maxRunes   int        // the longest match in runes, -1 when unbounded
	toStart    bool       // the expression tests for the start of the text or of a line: windows run from it
	toEnd      bool       // the expression tests for the end of the text or of a line: windows run to it

	// expressions anchored at the start of the text (^...)
	anchored bool
	first    [4]uint64 // bytes a match can begin with; all of them when firstAny
	firstAny bool
	whole    bool // anchored at both ends with a bounded width: the text is at most that long
}

// maxPrefixes bounds the prefix set of one expression.
const maxPrefixes = 32

// minPrefixLen is the shortest prefix worth finding with the phrase automaton.
const minPrefixLen = 3

// newRegexPlan analyses a compiled rule regex. Only case-sensitive expressions get prefixes:
// with (?i) a literal also matches rare non-ASCII folds ("ſ" for s) that lower-casing keeps.
func newRegexPlan(re *regexp.Regexp) *regexPlan {
	p := &regexPlan{re: re, maxRunes: -1, firstAny: true}
	tree, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return p
	}
	p.maxRunes = maxRunes(tree)
	p.toStart = hasAssertion(tree, syntax.OpBeginText, syntax.OpBeginLine)
	p.toEnd = hasAssertion(tree, syntax.OpEndText, syntax.OpEndLine)
	if tree.Op == syntax.OpBeginText || tree.Op == syntax.OpConcat && tree.Sub[0].Op == syntax.OpBeginText {
		p.anchored = true
		if tree.Op == syntax.OpConcat {
			rest := &syntax.Regexp{Op: syntax.OpConcat, Sub: tree.Sub[1:]}
			if set, ok := firstBytes(rest); ok {
				p.first, p.firstAny = set, false
			}
			p.whole = tree.Sub[len(tree.Sub)-1].Op == syntax.OpEndText && p.maxRunes >= 0
		}
		return p
	}
	pre, ok := prefixStrings(tree)
	if !ok {
		return p
	}
	pre = shortestPrefixes(pre)
	for _, s := range pre {
		if len(s) < minPrefixLen || s[0] >= utf8.RuneSelf {
			return p
		}
	}
	p.prefixes = pre
	return p
}

// match reports whether the expression matches text, with the same result as p.re.Match(text).
// occ lists where the tracked phrases occur in text; ascii says that text is all ASCII.
//
// A window starts and ends next to an ASCII byte that is not a word character (or at an end
// of the text), so that \b and \B inside it see what they would see in the whole text: every
// match in the window is a match in the text, and a match that begins at a place of a prefix
// lies in the window of that place.
func (p *regexPlan) match(text []byte, occ []occurrence, ascii bool) bool {
	if p.anchored {
		if len(text) == 0 && !p.firstAny {
			return false
		}
		if !p.firstAny && p.first[text[0]>>6]&(1<<(text[0]&63)) == 0 {
			return false
		}
		if p.whole && len(text) > p.maxBytes(ascii) {
			return false
		}
		return p.re.Match(text)
	}
	if p.prefixes == nil {
		return p.re.Match(text)
	}
	width := -1
	if p.maxRunes >= 0 && !p.toEnd {
		width = p.maxBytes(ascii)
	}
	lastS, lastE := -1, -1
	for _, o := range occ {
		if !hasBit(p.prefixBits, o.id) {
			continue
		}
		s, e := int(o.start), len(text)
		if p.toStart {
			s = 0
		}
		for s > 0 && (text[s-1] >= utf8.RuneSelf || isWordByte(text[s-1])) {
			s--
		}
		if width >= 0 && int(o.start)+width < e {
			e = int(o.start) + width
			for e < len(text) && (text[e] >= utf8.RuneSelf || isWordByte(text[e])) {
				e++
			}
		}
		if s >= lastS && e <= lastE {
			continue // inside the window just run
		}
		limit := len(text)
		if width >= 0 {
			limit = min(limit, int(o.start)+width)
		}
		if !p.requiredWithin(occ, o.start, int32(limit)) {
			continue
		}
		if p.re.Match(text[s:e]) {
			return true
		}
		lastS, lastE = s, e
	}
	return false
}

// requiredWithin reports whether every required literal set has a phrase that occurs within
// text[start:limit], where a match that begins at start must hold it.
func (p *regexPlan) requiredWithin(occ []occurrence, start, limit int32) bool {
	for _, set := range p.required {
		found := false
		for _, o := range occ {
			if o.start >= start && o.end <= limit && hasBit(set, o.id) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// maxBytes is the longest match in bytes.
func (p *regexPlan) maxBytes(ascii bool) int {
	if ascii {
		return p.maxRunes
	}
	return p.maxRunes * utf8.UTFMax
}

// isWordByte is regexp's \w for ASCII.
func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// isASCIIBytes reports whether b has no byte above 0x7f.
func isASCIIBytes(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// zeroWidth reports whether op matches without consuming text.
func zeroWidth(op syntax.Op) bool {
	switch op {
	case syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary, syntax.OpEmptyMatch:
		return true
	}
	return false
}

// exactStrings returns every string re matches, when that is a small set and re has no case
// folding. Assertions count as the empty string: the set may be larger than what re matches,
// which is all that prefixes need.
func exactStrings(re *syntax.Regexp) ([]string, bool) {
	if zeroWidth(re.Op) {
		return []string{""}, true
	}
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return nil, false
		}
		return []string{string(re.Rune)}, true
	case syntax.OpCharClass:
		var out []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			if hi >= utf8.RuneSelf || int(hi-lo)+1+len(out) > 10 {
				return nil, false
			}
			for r := lo; r <= hi; r++ {
				out = append(out, string(r))
			}
		}
		return out, len(out) > 0
	case syntax.OpCapture:
		return exactStrings(re.Sub[0])
	case syntax.OpQuest:
		sub, ok := exactStrings(re.Sub[0])
		if !ok || len(sub)+1 > maxPrefixes {
			return nil, false
		}
		return append([]string{""}, sub...), true
	case syntax.OpAlternate:
		var out []string
		for _, s := range re.Sub {
			sub, ok := exactStrings(s)
			if !ok || len(out)+len(sub) > maxPrefixes {
				return nil, false
			}
			out = append(out, sub...)
		}
		return out, true
	case syntax.OpConcat:
		out := []string{""}
		for _, s := range re.Sub {
			sub, ok := exactStrings(s)
			if !ok || len(out)*len(sub) > maxPrefixes {
				return nil, false
			}
			out = cross(out, sub)
		}
		return out, true
	}
	return nil, false
}

// prefixStrings returns strings such that every match of re begins with one of them.
func prefixStrings(re *syntax.Regexp) ([]string, bool) {
	switch re.Op {
	case syntax.OpCapture, syntax.OpPlus:
		return prefixStrings(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return prefixStrings(re.Sub[0])
		}
		return nil, false
	case syntax.OpAlternate:
		var out []string
		for _, s := range re.Sub {
			sub, ok := prefixStrings(s)
			if !ok || len(out)+len(sub) > maxPrefixes {
				return nil, false
			}
			out = append(out, sub...)
		}
		return out, true
	case syntax.OpConcat:
		acc := []string{""}
		for _, s := range re.Sub {
			if zeroWidth(s.Op) || maxRunes(s) == 0 {
				continue // an assertion consumes nothing: what follows starts at the same place
			}
			if ex, ok := exactStrings(s); ok && len(acc)*len(ex) <= maxPrefixes {
				acc = cross(acc, ex)
				continue
			}
			if pre, ok := prefixStrings(s); ok && len(acc)*len(pre) <= maxPrefixes {
				acc = cross(acc, pre)
			}
			break
		}
		return acc, true
	}
	return exactStrings(re)
}

func cross(a, b []string) []string {
	out := make([]string, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			out = append(out, x+y)
		}
	}
	return out
}

// shortestPrefixes drops duplicates and every string that another one of the set begins with:
// a match that begins with "mail from" also begins with "mail".
func shortestPrefixes(ss []string) []string {
	ss = append([]string(nil), ss...)
	sort.Strings(ss)
	var out []string
	for _, s := range ss {
		if n := len(out); n > 0 && strings.HasPrefix(s, out[n-1]) {
			continue
		}
		out = append(out, s)
	}
	return out
}

// maxRunes returns the longest match of re in runes, or -1 when it is unbounded.
func maxRunes(re *syntax.Regexp) int {
	switch re.Op {
	case syntax.OpLiteral:
		return len(re.Rune)
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return 1
	case syntax.OpCapture, syntax.OpQuest:
		return maxRunes(re.Sub[0])
	case syntax.OpStar, syntax.OpPlus:
		if maxRunes(re.Sub[0]) == 0 {
			return 0
		}
		return -1
	case syntax.OpRepeat:
		n := maxRunes(re.Sub[0])
		if n < 0 || re.Max < 0 && n > 0 {
			return -1
		}
		return n * max(re.Max, 0)
	case syntax.OpConcat, syntax.OpAlternate:
		total := 0
		for _, s := range re.Sub {
			n := maxRunes(s)
			if n < 0 {
				return -1
			}
			if re.Op == syntax.OpConcat {
				total += n
			} else {
				total = max(total, n)
			}
		}
		return total
	}
	if zeroWidth(re.Op) || re.Op == syntax.OpNoMatch {
		return 0
	}
	return -1
}

// hasAssertion reports whether re has one of the assertions a or b anywhere.
func hasAssertion(re *syntax.Regexp, a, b syntax.Op) bool {
	if re.Op == a || re.Op == b {
		return true
	}
	for _, s := range re.Sub {
		if hasAssertion(s, a, b) {
			return true
		}
	}
	return false
}

// firstBytes returns the set of bytes that every match of re begins with; ok is false when
// re may match the empty string or the set is not known.
func firstBytes(re *syntax.Regexp) (set [4]uint64, ok bool) {
	add := func(c byte) { set[c>>6] |= 1 << (c & 63) }
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 || len(re.Rune) == 0 {
			return set, false
		}
		var buf [utf8.UTFMax]byte
		utf8.EncodeRune(buf[:], re.Rune[0])
		add(buf[0])
		return set, true
	case syntax.OpCharClass:
		for i := 0; i+1 < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			if hi >= utf8.RuneSelf {
				return set, false
			}
			for r := lo; r <= hi; r++ {
				add(byte(r))
			}
		}
		return set, true
	case syntax.OpCapture, syntax.OpPlus:
		return firstBytes(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return firstBytes(re.Sub[0])
		}
	case syntax.OpAlternate:
		for _, s := range re.Sub {
			sub, ok := firstBytes(s)
			if !ok {
				return set, false
			}
			for i := range set {
				set[i] |= sub[i]
			}
		}
		return set, true
	case syntax.OpConcat:
		for _, s := range re.Sub {
			if zeroWidth(s.Op) {
				continue
			}
			return firstBytes(s)
		}
	}
	return set, false
}
