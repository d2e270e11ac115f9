package classify

import (
	"strings"
	"unicode/utf8"
)

// normalize appends to dst the form of s that phrases and regexes are matched against:
// lower case, every run of white space turned into one space, no leading or trailing space.
func normalize(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			s = strings.ToLower(s) // rare: non-ASCII text, lower-case it properly
			break
		}
	}
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			space = true
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		if space && len(dst) > 0 {
			dst = append(dst, ' ')
		}
		space = false
		dst = append(dst, c)
	}
	return dst
}

// normalizeString is normalize for load time.
func normalizeString(s string) string { return string(normalize(nil, s)) }

// matcher finds, in one pass over a text, every phrase of a fixed set that occurs in it
// (Aho-Corasick, compiled to a dense automaton over the bytes that occur in the phrases).
type matcher struct {
	class  [256]uint16 // byte -> alphabet class; 0 for bytes in no phrase
	width  int         // number of classes
	next   []int32     // state*width + class -> state
	out    [][]int32   // state -> ids of the phrases that end here
	nwords int
}

func newMatcher(phrases []string) *matcher {
	m := &matcher{nwords: len(phrases)}
	m.width = 1
	for _, p := range phrases {
		for i := 0; i < len(p); i++ {
			if m.class[p[i]] == 0 {
				m.class[p[i]] = uint16(m.width)
				m.width++
			}
		}
	}
	// trie; -1 marks a missing edge until the failure links fill it in
	m.next = make([]int32, m.width)
	for i := range m.next {
		m.next[i] = -1
	}
	m.out = [][]int32{nil}
	for id, p := range phrases {
		s := int32(0)
		for i := 0; i < len(p); i++ {
			k := int(s)*m.width + int(m.class[p[i]])
			if m.next[k] < 0 {
				m.next[k] = int32(len(m.out))
				m.out = append(m.out, nil)
				for j := 0; j < m.width; j++ {
					m.next = append(m.next, -1)
				}
			}
			s = m.next[k]
		}
		m.out[s] = append(m.out[s], int32(id))
	}
	// breadth-first: failure links, then complete the transition table
	fail := make([]int32, len(m.out))
	queue := make([]int32, 0, len(m.out))
	for c := 0; c < m.width; c++ {
		if t := m.next[c]; t > 0 {
			queue = append(queue, t)
		} else {
			m.next[c] = 0
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		m.out[s] = append(m.out[s], m.out[fail[s]]...)
		for c := 0; c < m.width; c++ {
			k := int(s)*m.width + c
			f := m.next[int(fail[s])*m.width+c]
			if t := m.next[k]; t >= 0 {
				fail[t] = f
				queue = append(queue, t)
			} else {
				m.next[k] = f
			}
		}
	}
	return m
}

// scan sets in hits the bit of every phrase that occurs in text and appends to found the id
// of each phrase the first time it is seen.
func (m *matcher) scan(text []byte, hits []uint64, found []int32) []int32 {
	s := int32(0)
	for _, b := range text {
		s = m.next[int(s)*m.width+int(m.class[b])]
		for _, id := range m.out[s] {
			w, bit := id>>6, uint64(1)<<(id&63)
			if hits[w]&bit == 0 {
				hits[w] |= bit
				found = append(found, id)
			}
		}
	}
	return found
}

func hasBit(bits []uint64, i int32) bool { return bits[i>>6]&(1<<(i&63)) != 0 }
