package dsn

import (
	"bytes"
	"encoding/base64"
	"strings"
)

// Limits bound the MIME structure (RFC 2045, RFC 2046) read of one message. Deeper nesting is
// read as an opaque part; parts beyond MaxParts are ignored. Zero fields take the defaults.
type Limits struct {
	MaxDepth int // nesting of multipart entities (default 20)
	MaxParts int // leaf parts kept per message (default 1000)
}

// DefaultLimits are the limits Decode applies.
var DefaultLimits = Limits{MaxDepth: 20, MaxParts: 1000}

// orDefault fills zero fields from DefaultLimits.
func (l Limits) orDefault() Limits {
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultLimits.MaxDepth
	}
	if l.MaxParts <= 0 {
		l.MaxParts = DefaultLimits.MaxParts
	}
	return l
}

// part is one leaf entity of the MIME tree.
type part struct {
	hdr    header
	mtype  string // media type, lower-case; "text/plain" when absent
	params params
	body   []byte // as written (transfer-encoded)
	depth  int

	decoded []byte // transfer- and charset-decoded body, filled by content()
	done    bool
}

// contentType parses a Content-Type value leniently (RFC 2045 section 5.1): the media type is
// lower-cased, parameter names are lower-cased, quotes are removed. Malformed parameters are
// skipped rather than failing the whole field.
func contentType(v string) (string, params) {
	mt, rest, _ := strings.Cut(v, ";")
	mt = strings.TrimSpace(mt)
	if i := strings.IndexAny(mt, " \t"); i > 0 {
		// A missing ";" before the first parameter ("text/plain charset=...").
		rest = mt[i+1:] + ";" + rest
		mt = mt[:i]
	}
	mt = strings.ToLower(mt)
	if mt == "" {
		mt = "text/plain"
	}
	var ps params
	if n := strings.Count(rest, "="); n > 0 {
		ps = make(params, 0, 2*n)
	}
	for rest != "" {
		var p string
		p, rest = cutParam(rest)
		k, val, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		k = strings.TrimSuffix(k, "*") // RFC 2231 extended value, read as written
		val = strings.TrimSpace(val)
		if len(val) >= 2 && val[0] == '"' {
			val = strings.TrimSuffix(val[1:], `"`)
		}
		if ps.get(k) == "" {
			ps = append(ps, k, val)
		}
	}
	return mt, ps
}

// params are the parameters of a Content-Type field: name, value, name, value, ... Names are
// lower-case; the first occurrence of a name wins.
type params []string

// get returns the value of the named parameter, or "".
func (ps params) get(name string) string {
	for i := 0; i+1 < len(ps); i += 2 {
		if ps[i] == name {
			return ps[i+1]
		}
	}
	return ""
}

// cutParam returns the text up to the next ';' outside quotes.
func cutParam(s string) (p, rest string) {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case ';':
			if !quoted {
				return s[:i], s[i+1:]
			}
		}
	}
	return s, ""
}

// content returns the part's body with its Content-Transfer-Encoding undone and, for text
// parts, converted to UTF-8 with LF line endings. Of a text part only the first 4*maxText bytes
// are decoded: nothing reads further.
func (p *part) content() []byte {
	if p.done {
		return p.decoded
	}
	p.done = true
	text := strings.HasPrefix(p.mtype, "text/") || p.mtype == "message/delivery-status" ||
		p.mtype == "message/global-delivery-status"
	raw := p.body
	if text && len(raw) > 4*maxText {
		raw = raw[:4*maxText]
	}
	b := decodeTransfer(p.hdr.get("Content-Transfer-Encoding"), raw)
	if text {
		b = decodeCharset(p.params.get("charset"), b)
		b = normalizeEOL(b)
	}
	if p.mtype == "text/html" {
		b = htmlToText(b)
	}
	p.decoded = b
	return b
}

// maxOriginalRaw bounds the bytes of a returned message decoded to read its header.
const maxOriginalRaw = 1 << 20

// headContent returns the start of the part's decoded body, enough to read a header from: a
// large base64 or quoted-printable attachment is not decoded whole.
func (p *part) headContent() []byte {
	if p.done || len(p.body) <= maxOriginalRaw {
		return p.content()
	}
	return decodeTransfer(p.hdr.get("Content-Transfer-Encoding"), p.body[:maxOriginalRaw])
}

// decodeTransfer undoes a Content-Transfer-Encoding (RFC 2045 section 6). Unknown encodings
// and 7bit, 8bit and binary leave the bytes as they are.
func decodeTransfer(cte string, b []byte) []byte {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		return decodeBase64(b)
	case "quoted-printable":
		return decodeQP(b)
	}
	return b
}

// decodeBase64 decodes leniently: characters outside the alphabet are skipped and decoding stops
// at the first padding, keeping what was decoded.
func decodeBase64(b []byte) []byte {
	clean := make([]byte, 0, len(b))
	for _, c := range b {
		if c == '=' {
			break
		}
		if b64val(c) >= 0 {
			clean = append(clean, c)
		}
	}
	if len(clean)%4 == 1 {
		clean = clean[:len(clean)-1]
	}
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
	n, _ := base64.RawStdEncoding.Decode(out, clean)
	return out[:n]
}

// decodeQP decodes quoted-printable leniently (RFC 2045 section 6.7): soft line breaks are
// removed, "=XX" is decoded, anything else is kept as written.
func decodeQP(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		i := bytes.IndexByte(b, '=')
		if i < 0 {
			out = append(out, b...)
			break
		}
		out = append(out, b[:i]...)
		b = b[i+1:]
		switch {
		case len(b) >= 1 && b[0] == '\n':
			b = b[1:]
		case len(b) >= 2 && b[0] == '\r' && b[1] == '\n':
			b = b[2:]
		case len(b) >= 2 && unhex(b[0]) >= 0 && unhex(b[1]) >= 0:
			out = append(out, byte(unhex(b[0])<<4|unhex(b[1])))
			b = b[2:]
		default:
			// "=" followed by trailing white space is also a soft break.
			if j := bytes.IndexByte(b, '\n'); j >= 0 && len(bytes.TrimSpace(b[:j])) == 0 {
				b = b[j+1:]
				continue
			}
			out = append(out, '=')
		}
	}
	return out
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return -1
}

// splitMultipart splits a multipart body into its parts' bytes (RFC 2046 section 5.1.1). It is
// lenient: a missing close delimiter ends the last part at the end of the body. It returns nil
// when the boundary does not occur.
func splitMultipart(body []byte, boundary string, maxParts int) [][]byte {
	if boundary == "" {
		return nil
	}
	nlDelim := []byte("\n--" + boundary)
	delimLen := len(nlDelim) - 1
	pos := findDelimiter(body, nlDelim, 0)
	if pos < 0 {
		return nil
	}
	var parts [][]byte
	for {
		after := body[pos+delimLen:]
		if bytes.HasPrefix(after, []byte("--")) {
			return parts
		}
		_, rest := cutLine(after)
		if rest == nil {
			return parts
		}
		start := len(body) - len(rest)
		next := findDelimiter(body, nlDelim, start)
		if parts == nil {
			parts = make([][]byte, 0, 4) // a bounce has two to four parts
		}
		if next < 0 {
			return append(parts, body[start:])
		}
		end := next
		if end > start && body[end-1] == '\n' {
			end--
		}
		parts = append(parts, body[start:end])
		if len(parts) >= maxParts {
			return parts
		}
		pos = next
	}
}

// findDelimiter returns the offset of the next line at or after from that is the delimiter
// (possibly followed by "--" or white space), or -1. nlDelim is "\n--boundary".
func findDelimiter(body, nlDelim []byte, from int) int {
	delim := nlDelim[1:]
	if from == 0 && bytes.HasPrefix(body, delim) && delimiterEnds(body[len(delim):]) {
		return 0
	}
	for {
		start := max(from-1, 0)
		j := bytes.Index(body[start:], nlDelim)
		if j < 0 {
			return -1
		}
		i := start + j + 1
		if delimiterEnds(body[i+len(delim):]) {
			return i
		}
		from = i + 1
	}
}

// delimiterEnds reports whether what follows a boundary makes it a delimiter line.
func delimiterEnds(b []byte) bool {
	if len(b) == 0 || bytes.HasPrefix(b, []byte("--")) {
		return true
	}
	line, _ := cutLine(b)
	return len(bytes.TrimRight(line, " \t")) == 0
}
