package classify

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// normalize appends to dst the form of s that phrases and regexes are matched against:
// lower case, every run of white space turned into one space, no leading or trailing space.
func normalize(dst []byte, s string) []byte {
	start := len(dst)
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
		if space && len(dst) > start {
			dst = append(dst, ' ')
		}
		space = false
		dst = append(dst, c)
	}
	return stripContinuations(dst, start)
}

// stripContinuations removes, from text[start:], the reply codes that begin the continuation
// lines of a multi-line SMTP reply (RFC 5321 section 4.2.1): "550-5.7.1 ", "550-" and, once
// such a line was seen, the "550 5.7.1 " of the last line. Joined into one line they would
// otherwise split phrases ("this message is 550-5.7.1 likely unsolicited mail"). The first
// code of the text is kept.
func stripContinuations(b []byte, start int) []byte {
	w := start
	multi := false
	if _, hyphen := replyPrefix(b[start:]); hyphen {
		multi = true
	}
	for r := start; r < len(b); {
		if r > start && b[r-1] == ' ' {
			if n, hyphen := replyPrefix(b[r:]); n > 0 && (hyphen || multi) {
				multi = true
				r += n
				continue
			}
		}
		b[w] = b[r]
		w++
		r++
	}
	return b[:w]
}

// replyPrefix matches "ddd-", "ddd-d.d.d " or "ddd d.d.d " at the start of b and returns its
// length including the following space, and whether it had a hyphen.
func replyPrefix(b []byte) (n int, hyphen bool) {
	if len(b) < 4 || b[0] < '2' || b[0] > '5' || !isDigit(b[1]) || !isDigit(b[2]) || b[3] != '-' && b[3] != ' ' {
		return 0, false
	}
	hyphen = b[3] == '-'
	n = 4
	if m := statusPrefix(b[4:]); m > 0 {
		n += m
		if n < len(b) && b[n] == ' ' {
			n++
		} else if n < len(b) {
			return 0, false
		}
	} else if !hyphen {
		return 0, false
	}
	return n, hyphen
}

// statusPrefix returns the length of an enhanced status code "d.ddd.ddd" at the start of b.
func statusPrefix(b []byte) int {
	if len(b) < 5 || b[0] < '2' || b[0] > '5' || b[1] != '.' {
		return 0
	}
	i := 2
	for j := 0; j < 2; j++ {
		k := i
		for i < len(b) && isDigit(b[i]) && i-k < 3 {
			i++
		}
		if i == k {
			return 0
		}
		if j == 0 {
			if i >= len(b) || b[i] != '.' {
				return 0
			}
			i++
		}
	}
	if i < len(b) && isDigit(b[i]) {
		return 0
	}
	return i
}

// normalizeString is normalize for load time.
func normalizeString(s string) string { return string(normalize(nil, s)) }

// matcher finds, in one pass over a text, every phrase of a fixed set that occurs in it
// (Aho-Corasick). The states nearest the root, where a scan spends most of its time, have a
// dense transition row so that a byte costs one table look-up; deeper states keep only their
// trie edges and fall back along failure links. This keeps the hot part of the automaton small
// enough to stay in cache with a thousand phrases or more.
type matcher struct {
	class  [256]uint16 // byte -> alphabet class; 0 for bytes in no phrase
	width  int         // number of classes
	nDense int32       // states [0, nDense) have a dense row
	dense  []int32     // state*width + class -> next state, for dense states
	fail   []int32     // failure link of every state
	// trie edges of the sparse states: edges of s are [edgeStart[s], edgeStart[s+1])
	edgeStart  []int32
	edgeClass  []uint16
	edgeTarget []int32
	// phrases ending at each state (through failure links too): outIDs[outStart[s]:outStart[s+1]]
	outStart []int32
	outIDs   []int32
}

// denseStates is how many of the shallowest states get a dense row.
const denseStates = 768

func newMatcher(phrases []string) *matcher {
	m := &matcher{width: 1}
	for _, p := range phrases {
		for i := 0; i < len(p); i++ {
			if m.class[p[i]] == 0 {
				m.class[p[i]] = uint16(m.width)
				m.width++
			}
		}
	}
	// the trie in flat arrays while building: each state's edges are a list through next,
	// in the order they were added, and its own phrases a list through nextOut (a phrase ends
	// in one state). A trie has at most one state per phrase byte, so nothing grows.
	size := 1
	for _, p := range phrases {
		size += len(p)
	}
	type edge struct {
		class  uint16
		target int32
		next   int32 // the state's next edge, -1 after its last
	}
	edges := make([]edge, 0, size-1)
	first := make([]int32, 1, size) // a state's first edge, -1 when it has none
	last := make([]int32, 1, size)  // a state's last edge
	own := make([]int32, 1, size)   // a state's first own phrase, -1 when none
	nextOut := make([]int32, len(phrases))
	first[0], last[0], own[0] = -1, -1, -1
	find := func(s int32, c uint16) int32 {
		for k := first[s]; k >= 0; k = edges[k].next {
			if edges[k].class == c {
				return edges[k].target
			}
		}
		return -1
	}
	for id, p := range phrases {
		s := int32(0)
		for i := 0; i < len(p); i++ {
			c := m.class[p[i]]
			t := find(s, c)
			if t < 0 {
				t = int32(len(first))
				first, last, own = append(first, -1), append(last, -1), append(own, -1)
				k := int32(len(edges))
				edges = append(edges, edge{c, t, -1})
				if last[s] < 0 {
					first[s] = k
				} else {
					edges[last[s]].next = k
				}
				last[s] = k
			}
			s = t
		}
		nextOut[id], own[s] = own[s], int32(id)
	}
	// breadth-first order: failure links, and renumbering so that shallow states come first
	n := len(first)
	order := make([]int32, 0, n)
	order = append(order, 0)
	fail := make([]int32, n)
	for q := 0; q < len(order); q++ {
		s := order[q]
		for k := first[s]; k >= 0; k = edges[k].next {
			t := edges[k].target
			if s != 0 {
				f := fail[s]
				for f != 0 && find(f, edges[k].class) < 0 {
					f = fail[f]
				}
				if g := find(f, edges[k].class); g >= 0 && g != t {
					fail[t] = g
				}
			}
			order = append(order, t)
		}
	}
	newID := make([]int32, n)
	for i, s := range order {
		newID[s] = int32(i)
	}
	m.fail = make([]int32, n)
	m.edgeStart = make([]int32, n+1)
	m.outStart = make([]int32, n+1)
	m.edgeClass = make([]uint16, 0, len(edges))
	m.edgeTarget = make([]int32, 0, len(edges))
	var ids []int32
	for i, s := range order {
		m.fail[i] = newID[fail[s]]
		m.edgeStart[i] = int32(len(m.edgeClass))
		for k := first[s]; k >= 0; k = edges[k].next {
			m.edgeClass = append(m.edgeClass, edges[k].class)
			m.edgeTarget = append(m.edgeTarget, newID[edges[k].target])
		}
		// a state's phrases: its own, in the order they were added, then its failure
		// state's, which is shallower and so already laid out
		m.outStart[i] = int32(len(m.outIDs))
		ids = ids[:0]
		for id := own[s]; id >= 0; id = nextOut[id] {
			ids = append(ids, id)
		}
		slices.Reverse(ids)
		m.outIDs = append(m.outIDs, ids...)
		if i > 0 {
			f := m.fail[i]
			m.outIDs = append(m.outIDs, m.outIDs[m.outStart[f]:m.outStart[f+1]]...)
		}
	}
	m.edgeStart[n] = int32(len(m.edgeClass))
	m.outStart[n] = int32(len(m.outIDs))
	// dense rows: a state's row is its own edges over its failure state's row, which is
	// shallower and so already complete
	m.nDense = int32(min(n, denseStates))
	m.dense = make([]int32, int(m.nDense)*m.width)
	for s := int32(0); s < m.nDense; s++ {
		row := m.dense[int(s)*m.width : int(s+1)*m.width]
		if s != 0 {
			copy(row, m.dense[int(m.fail[s])*m.width:int(m.fail[s]+1)*m.width])
		}
		for k := m.edgeStart[s]; k < m.edgeStart[s+1]; k++ {
			row[m.edgeClass[k]] = m.edgeTarget[k]
		}
	}
	return m
}

// step returns the state after reading a byte of class c in state s.
func (m *matcher) step(s int32, c uint16) int32 {
	for {
		if s < m.nDense {
			return m.dense[int(s)*m.width+int(c)]
		}
		for k := m.edgeStart[s]; k < m.edgeStart[s+1]; k++ {
			if m.edgeClass[k] == c {
				return m.edgeTarget[k]
			}
		}
		s = m.fail[s]
	}
}

// scan sets in hits the bit of every phrase that occurs in text and appends to found the id
// of each phrase the first time it is seen.
func (m *matcher) scan(text []byte, hits []uint64, found []int32) []int32 {
	s := int32(0)
	for _, b := range text {
		s = m.step(s, m.class[b])
		for _, id := range m.outIDs[m.outStart[s]:m.outStart[s+1]] {
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
