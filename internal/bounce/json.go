package bounce

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// This file writes an Event as a line of `rebound parse --format jsonl`: the
// keys file, position, message_id (of the original message), recipient, action, status,
// reply_code, diagnostic, remote_mta, reporting_mta, reason, type, hard, provider, rule,
// confidence, bounced_at, sender, subject, campaign, sending_domain, feedback_type and format,
// in that order. ID, Key, Idx, Address and AddressError are not part of it.

// MarshalJSON writes every field, with null for unknown (empty) strings and times, so that
// consumers see a fixed set of keys.
func (r Event) MarshalJSON() ([]byte, error) {
	return r.AppendJSON(make([]byte, 0, 1024)), nil
}

// AppendJSON appends the JSON object of r (as MarshalJSON writes it, without a newline) to b.
// It writes the object field by field rather than through reflection: `rebound parse` prints
// one per recipient.
func (r *Event) AppendJSON(b []byte) []byte {
	b = append(b, `{"file":`...)
	b = appendJSONString(b, r.File)
	b = append(b, `,"position":`...)
	b = appendJSONString(b, r.Position)
	b = append(b, `,"message_id":`...)
	b = appendJSONNull(b, r.OriginalMessageID)
	b = append(b, `,"recipient":`...)
	b = appendJSONString(b, r.Recipient)
	b = append(b, `,"action":`...)
	b = appendJSONNull(b, r.Action)
	b = append(b, `,"status":`...)
	b = appendJSONNull(b, r.Status)
	b = append(b, `,"reply_code":`...)
	b = appendJSONNull(b, r.ReplyCode)
	b = append(b, `,"diagnostic":`...)
	b = appendJSONNull(b, r.Diagnostic)
	b = append(b, `,"remote_mta":`...)
	b = appendJSONNull(b, r.RemoteMTA)
	b = append(b, `,"reporting_mta":`...)
	b = appendJSONNull(b, r.ReportingMTA)
	b = append(b, `,"reason":`...)
	b = appendJSONString(b, string(r.Reason))
	b = append(b, `,"type":`...)
	b = appendJSONString(b, string(r.Type))
	b = append(b, `,"hard":`...)
	b = strconv.AppendBool(b, r.Hard)
	b = append(b, `,"provider":`...)
	b = appendJSONString(b, r.Provider)
	b = append(b, `,"rule":`...)
	b = appendJSONString(b, r.Rule)
	b = append(b, `,"confidence":`...)
	b = appendJSONFloat(b, r.Confidence)
	b = append(b, `,"bounced_at":`...)
	if r.BouncedAt.IsZero() {
		b = append(b, "null"...)
	} else {
		b = append(b, '"')
		b = r.BouncedAt.UTC().AppendFormat(b, time.RFC3339)
		b = append(b, '"')
	}
	b = append(b, `,"sender":`...)
	b = appendJSONNull(b, r.Sender)
	b = append(b, `,"subject":`...)
	b = appendJSONNull(b, r.Subject)
	b = append(b, `,"campaign":`...)
	b = appendJSONNull(b, r.Campaign)
	b = append(b, `,"sending_domain":`...)
	b = appendJSONNull(b, r.SendingDomain)
	b = append(b, `,"feedback_type":`...)
	b = appendJSONNull(b, r.FeedbackType)
	b = append(b, `,"format":`...)
	b = appendJSONString(b, r.Format)
	return append(b, '}')
}

// appendJSONNull appends s as a JSON string, or null when it is empty (unknown).
func appendJSONNull(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendJSONString(b, s)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string (RFC 8259 section 7) the way encoding/json
// writes it without HTML escaping: quotes, backslashes and control characters escaped, invalid
// UTF-8 replaced by U+FFFD, and U+2028 and U+2029 escaped for JavaScript.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendJSONFloat appends f as encoding/json writes a float64 (ES6 number formatting).
// Confidences are finite; NaN and infinities, which JSON cannot hold, are written as 0.
func appendJSONFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, '0')
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}
