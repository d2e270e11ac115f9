package dsn

import (
	"bytes"
	"html"
)

// htmlToText turns an HTML bounce body into plain text: tags are dropped, block-level tags become
// line breaks, style and script contents are skipped and character references are decoded.
// It is linear in the input.
func htmlToText(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		i := bytes.IndexByte(b, '<')
		if i < 0 {
			out = append(out, b...)
			break
		}
		out = append(out, b[:i]...)
		b = b[i+1:]
		j := bytes.IndexByte(b, '>')
		if j < 0 {
			break
		}
		tag := tagName(b[:j])
		b = b[j+1:]
		switch tag {
		case "":
		case "style", "script", "head", "title":
			// Skip to the end tag; without one, the rest is the element's content.
			k := indexFold(b, "</"+tag)
			if k < 0 {
				k = len(b)
			}
			b = b[k:]
		case "br", "p", "/p", "div", "/div", "tr", "/tr", "li", "/li", "/h1", "/h2", "/h3", "/h4", "table", "/table", "pre", "/pre", "blockquote", "/blockquote", "hr":
			out = append(out, '\n')
		case "td", "/td", "th":
			out = append(out, ' ')
		}
	}
	if bytes.IndexByte(out, '&') >= 0 {
		out = []byte(html.UnescapeString(string(out)))
	}
	return out
}

// htmlTags are the tag names htmlToText acts on.
var htmlTags = []string{
	"style", "script", "head", "title", "br", "p", "/p", "div", "/div", "tr", "/tr", "li", "/li",
	"/h1", "/h2", "/h3", "/h4", "table", "/table", "pre", "/pre", "blockquote", "/blockquote",
	"hr", "td", "/td", "th",
}

// tagName returns the lower-case name of a tag from the text between '<' and '>', with a leading
// '/' for end tags, when it is one of htmlTags; "" otherwise.
func tagName(t []byte) string {
	n := 0
	if len(t) > 0 && t[0] == '/' {
		n = 1
	}
	for n < len(t) && (isAlnum(t[n])) {
		n++
	}
	for _, tag := range htmlTags {
		if len(tag) == n && equalFoldASCII(t[:n], tag) {
			return tag
		}
	}
	return ""
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// indexFold is a case-insensitive bytes.Index for an ASCII needle.
func indexFold(b []byte, needle string) int {
	n := len(needle)
	if n == 0 {
		return 0
	}
	for i := 0; i+n <= len(b); i++ {
		if equalFoldASCII(b[i:i+n], needle) {
			return i
		}
	}
	return -1
}

func equalFoldASCII(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c, d := b[i], s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if d >= 'A' && d <= 'Z' {
			d += 'a' - 'A'
		}
		if c != d {
			return false
		}
	}
	return true
}
