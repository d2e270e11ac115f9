package dsn

import (
	"strings"
)

// Detectors mostly look for a sentence that starts a line ("This is the mail system at host",
// "Generating server:"). A lineIndex records the first eight bytes of every line of the bounce
// text head (white space trimmed), so that such a marker costs one hash lookup instead of a scan
// of the text; a hit is then confirmed with a real search.

// lineIndexSize is the number of slots of a lineIndex (open addressing, a power of two).
const lineIndexSize = 256

type lineIndex struct {
	keys [lineIndexSize]uint64
	full bool // more distinct line starts than slots: lookups answer "maybe"
}

// key8 packs the first eight bytes of s (which must have at least eight).
func key8(s string) uint64 {
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

func slot(k uint64) int {
	return int((k * 0x9E3779B97F4A7C15) >> 55 & (lineIndexSize - 1))
}

// add records k; it marks the index full when there is no free slot left.
func (li *lineIndex) add(k uint64) {
	if k == 0 || li.full {
		return
	}
	for i, n := slot(k), 0; n < lineIndexSize; i, n = (i+1)&(lineIndexSize-1), n+1 {
		switch li.keys[i] {
		case k:
			return
		case 0:
			if n > lineIndexSize/2 {
				li.full = true
			}
			li.keys[i] = k
			return
		}
	}
	li.full = true
}

// has reports whether k may have been added.
func (li *lineIndex) has(k uint64) bool {
	if li.full {
		return true
	}
	for i, n := slot(k), 0; n < lineIndexSize; i, n = (i+1)&(lineIndexSize-1), n+1 {
		switch li.keys[i] {
		case k:
			return true
		case 0:
			return false
		}
	}
	return false
}

// build indexes the line starts of text.
func (li *lineIndex) build(text string) {
	for len(text) > 0 {
		line := text
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = ""
		}
		line = strings.TrimLeft(line, " \t")
		if len(line) >= 8 {
			li.add(key8(line))
		}
	}
}

// hasLine reports whether a line of the bounce text head starts (after white space) with p.
// Markers shorter than eight bytes are searched anywhere in the head.
func (m *message) hasLine(p string) bool {
	if len(p) < 8 {
		return m.hasText(p)
	}
	if !m.linesDone {
		m.lines.build(m.head())
		m.linesDone = true
	}
	if !m.lines.has(key8(p)) {
		return false
	}
	h := m.head()
	for i := strings.Index(h, p); i >= 0; {
		j := i
		for j > 0 && (h[j-1] == ' ' || h[j-1] == '\t') {
			j--
		}
		if j == 0 || h[j-1] == '\n' {
			return true
		}
		k := strings.Index(h[i+1:], p)
		if k < 0 {
			break
		}
		i += 1 + k
	}
	return false
}
