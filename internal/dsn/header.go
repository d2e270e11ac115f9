package dsn

import (
	"bytes"
	"mime"
	"strings"
)

// Bounds on one header section: fields read, and bytes read (a longer section is cut there and
// the rest is read as body).
const (
	maxHeaderFields = 2000
	maxHeaderBytes  = 1 << 20
)

// field is one header field as written: name and raw value, which may contain folds ("\n" and
// white space, RFC 5322 section 2.2.3).
type field struct {
	name  []byte
	value []byte
}

// header is a parsed header section. It keeps slices of the message bytes and decodes values
// only when asked.
type header struct {
	fields []field
}

// parseHeader reads the header section at the start of b (LF line endings) and returns it and the
// body that follows the blank line. It is lenient: a line that is neither a field nor a fold ends
// the header section and starts the body, so that broken bounces still decode. When top is set,
// an mbox "From " envelope line and blank lines before the first field are skipped.
func parseHeader(b []byte, top bool) (header, []byte) {
	return readHeader(b, top, false, nil)
}

// parseOriginalHeader reads the header of a returned message, where MTAs and relays sometimes
// break folding: a line that is neither a field nor blank continues the previous field.
func parseOriginalHeader(b []byte) header {
	h, _ := readHeader(b, true, true, nil)
	return h
}

// readHeader implements parseHeader; loose reads non-field lines as continuations. When buf is
// not nil the fields are appended to *buf, a buffer shared by the header sections of one message
// (see message.fields), and the header refers to that part of it; else they get a slice of their
// own.
func readHeader(b []byte, top, loose bool, buf *[]field) (header, []byte) {
	var fields []field
	switch {
	case buf != nil:
		fields = *buf
	case top:
		fields = make([]field, 0, 32)
	default:
		fields = make([]field, 0, 6)
	}
	first := len(fields)
	if top {
		b = skipEnvelope(b)
	}
	fields, rest := readFields(b, loose, fields, first)
	if buf != nil {
		*buf = fields
	}
	n := len(fields)
	return header{fields: fields[first:n:n]}, rest
}

// readFields appends the fields of the header section at the start of b to fs, where the fields
// of this section start at index first, and returns fs and the body that follows.
func readFields(b []byte, loose bool, fs []field, first int) ([]field, []byte) {
	start := len(b)
	for len(b) > 0 {
		if start-len(b) > maxHeaderBytes {
			return fs, b
		}
		line, rest := cutLine(b)
		if isBlank(line) {
			return fs, rest
		}
		name, value, ok := splitField(line)
		n := len(fs) - first
		if line[0] == ' ' || line[0] == '\t' || !ok && loose && n > 0 {
			if n > 0 {
				f := &fs[len(fs)-1]
				// Extend the value to the end of this line: values are contiguous in b.
				f.value = f.value[:len(f.value)+1+len(line)]
			}
			b = rest
			continue
		}
		if !ok || n >= maxHeaderFields {
			return fs, b
		}
		fs = append(fs, field{name: name, value: value})
		b = rest
	}
	return fs, nil
}

// isBlank reports whether a line is empty or white space only.
func isBlank(line []byte) bool {
	for _, c := range line {
		if c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}

// skipEnvelope drops leading blank lines and mbox "From " / ">From " lines.
func skipEnvelope(b []byte) []byte {
	for len(b) > 0 {
		line, rest := cutLine(b)
		t := bytes.TrimSpace(line)
		if len(t) == 0 || bytes.HasPrefix(line, []byte("From ")) || bytes.HasPrefix(line, []byte(">From ")) {
			b = rest
			continue
		}
		return b
	}
	return b
}

// splitField splits "Name: value" into its parts. The value slice starts right after the colon
// and so keeps its relation with the following fold lines in the same buffer.
func splitField(line []byte) (name, value []byte, ok bool) {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return nil, nil, false
	}
	name = line[:i]
	for len(name) > 0 && (name[len(name)-1] == ' ' || name[len(name)-1] == '\t') {
		name = name[:len(name)-1]
	}
	if len(name) == 0 {
		return nil, nil, false
	}
	for _, c := range name {
		if c <= ' ' || c >= 0x7f {
			return nil, nil, false
		}
	}
	return name, line[i+1:], true
}

// cutLine returns the first line of b (without its LF) and what follows it.
func cutLine(b []byte) (line, rest []byte) {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i], b[i+1:]
	}
	return b, nil
}

// value returns the first value of the named field as written (with its folds), and whether
// the field exists.
func (h header) value(name string) ([]byte, bool) {
	for _, f := range h.fields {
		if equalFoldASCII(f.name, name) {
			return f.value, true
		}
	}
	return nil, false
}

// get returns the first value of the named field, unfolded and trimmed, or "".
func (h header) get(name string) string {
	if v, ok := h.value(name); ok {
		return unfold(v)
	}
	return ""
}

// has reports whether the named field is present.
func (h header) has(name string) bool {
	_, ok := h.value(name)
	return ok
}

// text returns the named field with RFC 2047 encoded words decoded.
func (h header) text(name string) string {
	return decodeWords(h.get(name))
}

// unfold joins folded lines with one space and trims the result (RFC 5322 section 2.2.3).
func unfold(v []byte) string {
	if bytes.IndexByte(v, '\n') < 0 {
		return string(bytes.TrimSpace(v))
	}
	var sb strings.Builder
	sb.Grow(len(v))
	for len(v) > 0 {
		line, rest := cutLine(v)
		line = bytes.TrimSpace(line)
		if len(line) > 0 {
			if sb.Len() > 0 {
				sb.WriteByte(' ')
			}
			sb.Write(line)
		}
		v = rest
	}
	return sb.String()
}

var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

// decodeWords decodes RFC 2047 encoded words; on failure it returns s unchanged.
func decodeWords(s string) string {
	if !strings.Contains(s, "=?") {
		return s
	}
	d, err := wordDecoder.DecodeHeader(s)
	if err != nil {
		return s
	}
	return d
}
