package dsn

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"sync"
	"unicode/utf8"

	gomessage "github.com/emersion/go-message"
	// Registers golang.org/x/text's converters as gomessage.CharsetReader: every charset
	// IANA names that x/text knows (ISO-8859-*, windows-125x, KOI8, GB*, Big5, EUC-*, ...).
	_ "github.com/emersion/go-message/charset"
)

// errCharset is returned by charsetReader for a charset it cannot convert.
var errCharset = errors.New("unsupported charset")

// normCharset returns a charset name lower-cased, without quotes and common aliases folded.
func normCharset(cs string) string {
	cs = strings.ToLower(strings.Trim(strings.TrimSpace(cs), `"'`))
	switch cs {
	case "", "us-ascii", "ascii", "utf8", "uft-8", "unicode-1-1-utf-8", "ansi_x3.4-1968", "us_ascii", "7bit", "8bit":
		return "utf-8"
	case "latin1", "latin-1", "iso8859-1", "iso_8859-1", "l1", "cp819":
		return "iso-8859-1"
	case "cp1252", "win-1252":
		return "windows-1252"
	case "utf7", "unicode-1-1-utf-7", "x-unicode-2-0-utf-7":
		return "utf-7"
	case "iso2022jp", "iso-2022-jp-2", "csiso2022jp", "x-iso-2022-jp":
		return "iso-2022-jp"
	case "sjis", "shift-jis", "x-sjis", "ms_kanji", "csshiftjis", "windows-31j", "cp932":
		return "shift_jis"
	case "eucjp", "x-euc-jp", "cseucpkdfmtjapanese":
		return "euc-jp"
	}
	return cs
}

// decodeCharset converts b from the named charset to UTF-8 through go-message's charset
// package (golang.org/x/text), with the package's own converters only where that has none
// (UTF-7). Bytes it cannot convert are made valid UTF-8 with replacement characters.
func decodeCharset(cs string, b []byte) []byte {
	cs = normCharset(cs)
	if cs == "utf-8" || isASCII(b) && cs != "utf-7" && cs != "iso-2022-jp" {
		return b
	}
	if !isASCII(b) && utf8.Valid(b) {
		// Mislabelled: already UTF-8 (text in another charset is rarely valid UTF-8, and
		// ISO-2022-JP never has 8-bit bytes).
		return b
	}
	if cs != "utf-7" {
		r, err := gomessage.CharsetReader(cs, bytes.NewReader(b))
		if err == nil {
			if out, err := io.ReadAll(io.LimitReader(r, int64(4*len(b)+16))); err == nil {
				return out
			}
		}
	}
	if conv := localDecoder(cs); conv != nil {
		return conv(b)
	}
	return bytes.ToValidUTF8(b, []byte("\uFFFD"))
}

// validText returns s with invalid UTF-8 sequences (raw 8-bit header text in an unknown
// charset) replaced by U+FFFD, so that reports always hold valid UTF-8.
func validText(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// charsetReader is the mime.WordDecoder hook: it converts with decodeCharset.
func charsetReader(cs string, input io.Reader) (io.Reader, error) {
	b, err := io.ReadAll(io.LimitReader(input, maxWordBytes))
	if err != nil {
		return nil, err
	}
	n := normCharset(cs)
	if n != "utf-8" && localDecoder(n) == nil && !convertible(n) {
		return nil, errCharset
	}
	return bytes.NewReader(decodeCharset(cs, b)), nil
}

// knownCharsets caches convertible's answers: asking go-message builds a decoder and its
// buffers (about 3 KB) every time. It keeps at most maxKnownCharsets names, since a message
// can name any charset.
var knownCharsets struct {
	sync.Mutex
	ok map[string]bool
}

const maxKnownCharsets = 100

// convertible reports whether go-message's charset package converts the (normalised) charset.
func convertible(cs string) bool {
	knownCharsets.Lock()
	ok, found := knownCharsets.ok[cs]
	knownCharsets.Unlock()
	if found {
		return ok
	}
	_, err := gomessage.CharsetReader(cs, bytes.NewReader(nil))
	ok = err == nil
	knownCharsets.Lock()
	if knownCharsets.ok == nil {
		knownCharsets.ok = make(map[string]bool)
	}
	if len(knownCharsets.ok) < maxKnownCharsets {
		knownCharsets.ok[cs] = ok
	}
	knownCharsets.Unlock()
	return ok
}

// maxWordBytes bounds one encoded header value.
const maxWordBytes = 64 << 10

// localDecoder returns the package's own converter for a charset x/text does not have, or nil.
func localDecoder(cs string) func([]byte) []byte {
	if cs == "utf-7" {
		return decodeUTF7
	}
	return nil
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// decodeUTF7 converts UTF-7 (RFC 2152) to UTF-8.
func decodeUTF7(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '+' {
			out = append(out, c)
			continue
		}
		j := i + 1
		for j < len(b) && b64val(b[j]) >= 0 {
			j++
		}
		if j == i+1 {
			out = append(out, '+') // "+-" is a plus sign
		} else {
			out = appendUTF16(out, b[i+1:j])
		}
		if j < len(b) && b[j] == '-' {
			j++
		}
		i = j - 1
	}
	return out
}

// appendUTF16 decodes modified base64 (no padding) UTF-16BE code units and appends them.
func appendUTF16(out, enc []byte) []byte {
	var bits, n uint32
	var hi rune
	for _, c := range enc {
		bits = bits<<6 | uint32(b64val(c))
		n += 6
		if n < 16 {
			continue
		}
		n -= 16
		u := rune(bits>>n) & 0xffff
		switch {
		case u >= 0xd800 && u < 0xdc00:
			hi = u
		case u >= 0xdc00 && u < 0xe000 && hi != 0:
			out = utf8.AppendRune(out, (hi-0xd800)<<10+(u-0xdc00)+0x10000)
			hi = 0
		default:
			out = utf8.AppendRune(out, u)
		}
	}
	return out
}

func b64val(c byte) int {
	switch {
	case c >= 'A' && c <= 'Z':
		return int(c - 'A')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 26
	case c >= '0' && c <= '9':
		return int(c-'0') + 52
	case c == '+':
		return 62
	case c == '/':
		return 63
	}
	return -1
}
