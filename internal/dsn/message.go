package dsn

import (
	"bytes"
	"slices"
	"strings"
	"sync"
)

// maxText bounds the decoded bounce text that detectors look at (the human-readable part
// before the returned message). MTAs write their explanation in the first few kilobytes; a
// limit keeps the work per message bounded whatever its size.
const maxText = 256 << 10

// message is a parsed bounce: its header, its leaf MIME parts and the text derived from them.
type message struct {
	lim        Limits
	hdr        header
	body       []byte
	parts      []part
	reportType string // report-type parameter of a multipart/report (RFC 6522 section 3), lower-case
	subject    string
	from       string

	text      []byte // decoded bounce text, see bounceText
	textDone  bool
	orig      header // header of the returned message, see findOriginal
	origDone  bool
	headStr   string // see head
	headDone  bool
	lines     lineIndex // see hasLine
	linesDone bool
	failText  *failureText // the failure part of the text, line by line: see failure

	senderDomain string // see systemSenderDomain
	senderDone   bool

	fields []field // the fields of the header sections read with m.parseHeader, see readHeader
}

// messagePool keeps released messages, so that their buffers (the lineIndex, parts and header
// fields) serve the next message instead of being allocated again.
var messagePool = sync.Pool{New: func() any { return new(message) }}

// maxPooledFields bounds the header fields buffer a pooled message keeps: a message with many
// more fields than a bounce has gives its buffers back to the garbage collector.
const maxPooledFields = 4096

// parseMessage splits data (LF line endings) into header and MIME parts. The caller may release
// the message when done with it.
func parseMessage(data []byte, lim Limits) *message {
	m := messagePool.Get().(*message)
	m.lim = lim
	m.hdr, m.body = m.parseHeader(data, true)
	m.subject = m.hdr.text("Subject")
	m.from = m.hdr.text("From")
	m.walk(m.hdr, m.body, 0)
	return m
}

// release clears m, which must no longer be used, and puts it back in messagePool. The header
// fields and parts kept for reuse no longer refer to the message bytes.
func (m *message) release() {
	if cap(m.fields) > maxPooledFields || cap(m.parts) > maxPooledFields {
		return
	}
	clear(m.fields)
	clear(m.parts)
	*m = message{fields: m.fields[:0], parts: m.parts[:0]}
	messagePool.Put(m)
}

// parseHeader is parseHeader with the fields kept in m's buffer.
func (m *message) parseHeader(b []byte, top bool) (header, []byte) {
	return readHeader(b, top, false, &m.fields)
}

// walk adds the leaf parts of the entity with header h and body b.
func (m *message) walk(h header, b []byte, depth int) {
	ct, ok := h.value("Content-Type")
	mt, params := contentType(unfold(ct))
	if !ok && depth > 0 {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") && depth < m.lim.MaxDepth {
		if rt := params.get("report-type"); rt != "" && m.reportType == "" {
			m.reportType = strings.ToLower(rt)
		}
		pieces := splitMultipart(b, params.get("boundary"), m.lim.MaxParts)
		if mt == "multipart/alternative" {
			pieces = preferPlain(pieces)
		}
		if pieces != nil {
			for _, p := range pieces {
				if len(m.parts) >= m.lim.MaxParts {
					return
				}
				ph, pb := m.parseHeader(p, false)
				m.walk(ph, pb, depth+1)
			}
			return
		}
		mt = "text/plain" // no boundary found: read the body as text
	}
	if len(m.parts) < m.lim.MaxParts {
		m.parts = append(m.parts, part{hdr: h, mtype: mt, params: params, body: b, depth: depth})
	}
}

// preferPlain returns, of the alternatives of a multipart/alternative (RFC 2046 section 5.1.4),
// the text/plain one alone when there is one, so that the bounce text is not read twice.
func preferPlain(pieces [][]byte) [][]byte {
	for _, p := range pieces {
		h, _ := parseHeader(p, false)
		if mt, _ := contentType(h.get("Content-Type")); mt == "text/plain" && h.has("Content-Type") {
			return [][]byte{p}
		}
	}
	return pieces
}

// isOriginalType reports whether a media type carries the returned message or its headers
// (RFC 6522 section 3, RFC 6533 section 6.3).
func isOriginalType(mt string) bool {
	switch mt {
	case "message/rfc822", "message/rfc822-headers", "text/rfc822-headers", "message/global",
		"message/global-headers", "message/partial", "message/news", "text/rfc822", "message/rfc2822":
		return true
	}
	return false
}

// originalPart returns the first part that holds the returned message, or nil.
func (m *message) originalPart() *part {
	for i := range m.parts {
		if isOriginalType(m.parts[i].mtype) {
			return &m.parts[i]
		}
	}
	return nil
}

// bounceText returns the decoded human-readable text of the bounce: its text parts that come
// before the returned message, joined, at most maxText bytes. A text part that comes after the
// returned message (some MTAs attach their explanation last) is used when none precedes it.
// The text may share its bytes with a part's content or the message: it is read, never written.
func (m *message) bounceText() []byte {
	if m.textDone {
		return m.text
	}
	m.textDone = true
	var buf []byte
	seenOriginal := false
	for pass := 0; pass < 2 && len(buf) == 0; pass++ {
		for i := range m.parts {
			p := &m.parts[i]
			if isOriginalType(p.mtype) {
				seenOriginal = true
				if pass == 0 {
					break
				}
				continue
			}
			if !isTextType(p) || isAttachment(p) && len(m.parts) > 1 {
				continue
			}
			c := p.content()
			if len(buf)+len(c) > maxText {
				c = c[:maxText-len(buf)]
			}
			switch {
			case len(buf) == 0:
				// Most bounces have one text part: its content is the text, without a copy.
				// Clipped, so that a second part is appended to a new array, never into the
				// content (or the message bytes it may be).
				buf = slices.Clip(c)
			default:
				buf = append(buf, '\n')
				buf = append(buf, c...)
			}
			if len(buf) >= maxText {
				break
			}
		}
		if !seenOriginal {
			break
		}
	}
	m.text = buf
	return buf
}

// isTextType reports whether a part is human-readable text.
func isTextType(p *part) bool {
	return p.mtype == "text/plain" || p.mtype == "text/html" || p.mtype == "text" || p.mtype == "text/enriched" ||
		!strings.Contains(p.mtype, "/")
}

func isAttachment(p *part) bool {
	d := p.hdr.get("Content-Disposition")
	return len(d) >= 10 && strings.EqualFold(d[:10], "attachment")
}

// statusParts returns the machine-readable delivery-status parts (RFC 3464 section 2, RFC 6533
// section 6.2): message/delivery-status, message/global-delivery-status, and parts with other
// content types whose body is a delivery-status block.
func (m *message) statusParts() []*part {
	var out []*part
	for i := range m.parts {
		p := &m.parts[i]
		switch {
		case p.mtype == "message/delivery-status" || p.mtype == "message/global-delivery-status" ||
			p.mtype == "text/delivery-status":
			out = append(out, p)
		case isOriginalType(p.mtype) || p.mtype == "message/feedback-report":
		case looksLikeStatus(p.body):
			out = append(out, p)
		}
	}
	return out
}

// looksLikeStatus reports whether b starts like a delivery-status body: an RFC 3464 field
// among the first lines.
func looksLikeStatus(b []byte) bool {
	if len(b) > 2048 {
		b = b[:2048]
	}
	for i := 0; i < 4 && len(b) > 0; i++ {
		line, rest := cutLine(b)
		b = rest
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		for _, f := range []string{"reporting-mta:", "final-recipient:", "original-recipient:", "arrival-date:", "received-from-mta:", "x-postfix-queue-id:"} {
			if len(line) >= len(f) && equalFoldASCII(line[:len(f)], f) {
				return true
			}
		}
	}
	return false
}
