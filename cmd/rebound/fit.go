package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
)

// fitter writes lines of text for people within a width (termWidth): the words of a line are
// wrapped under a hanging indent, and a word too long for a line of its own is shortened in the
// middle with an ellipsis (its start and its end, such as an address's domain or a path's file
// name, stay). Words are made safe for a terminal first (see printable): they hold text from
// the messages. The --json forms print the full values.
type fitter struct {
	w     io.Writer
	width int // 0: no limit
}

// words writes first followed by words separated by sep, wrapped at f.width; continuation
// lines start with cont. Empty words are left out.
func (f *fitter) words(first, sep, cont string, words ...string) {
	var b strings.Builder
	b.WriteString(first)
	n := twwidth.Width(first)
	start := true // nothing written after the indent yet
	for _, w := range words {
		if w == "" {
			continue
		}
		w = printable(w)
		if f.width > 0 {
			room := f.width - twwidth.Width(cont)
			if start {
				room = f.width - n
			}
			w = ellipsis(w, max(room, 8))
		}
		ww := twwidth.Width(w)
		switch {
		case start:
		case f.width > 0 && n+twwidth.Width(sep)+ww > f.width:
			b.WriteString("\n" + cont)
			n = twwidth.Width(cont)
		default:
			b.WriteString(sep)
			n += twwidth.Width(sep)
		}
		b.WriteString(w)
		n += ww
		start = false
	}
	fmt.Fprintln(f.w, b.String())
}

// text writes first followed by the words of s, wrapped at f.width under cont.
func (f *fitter) text(first, cont, s string) {
	f.words(first, " ", cont, strings.Fields(s)...)
}

// ellipsis shortens s to at most width display cells by replacing its middle with "…".
func ellipsis(s string, width int) string {
	if width <= 0 || twwidth.Width(s) <= width {
		return s
	}
	if width == 1 {
		return "…"
	}
	runes := []rune(s)
	room := width - 1
	headRoom := (room + 1) / 2
	var head, tail []rune
	n := 0
	for _, r := range runes {
		rw := twwidth.Width(string(r))
		if n+rw > headRoom {
			break
		}
		head = append(head, r)
		n += rw
	}
	for i := len(runes) - 1; i >= len(head); i-- {
		rw := twwidth.Width(string(runes[i]))
		if n+rw > room {
			break
		}
		tail = append(tail, runes[i])
		n += rw
	}
	for i, j := 0, len(tail)-1; i < j; i, j = i+1, j-1 {
		tail[i], tail[j] = tail[j], tail[i]
	}
	return string(head) + "…" + string(tail)
}

// addressEllipsis shortens an address to at most width display cells, keeping its domain whole
// when it can: the end of the local part gives way.
func addressEllipsis(s string, width int) string {
	at := strings.LastIndexByte(s, '@')
	if width <= 0 || twwidth.Width(s) <= width || at < 0 {
		return ellipsis(s, width)
	}
	domain := s[at:]
	room := width - twwidth.Width(domain) - 1
	if room < 4 {
		return ellipsis(s, width)
	}
	return twwidth.Truncate(s[:at], room) + "…" + domain
}
