package dsn

import (
	"errors"
	"strings"
)

// ErrEmpty is returned for a message with no content.
var ErrEmpty = errors.New("empty message")

// errNoHeaders is returned when data does not start with a header section.
var errNoHeaders = errors.New("no headers: not an RFC 5322 message")

// Decode reads one message (RFC 5322, any line ending) and returns what it reports.
// A message that is not a bounce gives a Report of KindNotBounce and a nil error; an error
// means the message could not be decoded at all (it is empty, or does not start with a header).
// Decode does not keep data nor modify it; the Report does not refer to it.
//
// Work is bounded, so that a 50 MB message decodes in well under two seconds:
//   - MIME nesting is read to depth 20 and at most 1000 leaf parts (DefaultLimits, or the
//     Limits given to DecodeWith);
//   - a header section is read up to 2000 fields or 1 MiB (maxHeaderFields, maxHeaderBytes);
//   - detectors search the first 16 KiB (maxHead) and parse at most 256 KiB (maxText) of the
//     decoded bounce text; of a text part at most 1 MiB is decoded;
//   - only the first 1 MiB of an attached original is decoded, to read its header;
//   - at most 1000 recipients are kept (maxRecipients), and attached (forwarded) bounces are
//     followed two levels deep (maxForward).
func Decode(data []byte) (*Report, error) {
	return DecodeWith(data, DefaultLimits)
}

// DecodeWith is Decode with other limits on the MIME structure (rebound --max-mime-depth and
// --max-mime-parts).
func DecodeWith(data []byte, lim Limits) (*Report, error) {
	if len(data) == 0 {
		return nil, ErrEmpty
	}
	m := parseMessage(normalizeEOL(data), lim.orDefault())
	defer m.release()
	if len(m.hdr.fields) == 0 {
		return nil, errNoHeaders
	}
	r := &Report{
		MessageID: strings.Trim(m.hdr.get("Message-ID"), "<> \t"),
		From:      m.from,
		Subject:   m.subject,
		Date:      parseDate(m.hdr.get("Date")),
	}
	decodeInto(m, r, 0)
	return r, nil
}

// decodeInto decides what m is and fills r: a feedback report, a bounce (RFC 3464 delivery
// status, else an MTA's own text format, else the structure of its text), an auto-reply, or none
// of these.
func decodeInto(m *message, r *Report, depth int) {
	if isFeedback(m) && decodeARF(m, r) {
		finish(m, r)
		return
	}
	if decodeSES(m, r) {
		tidyRecipients(r)
		validStrings(r)
		return
	}
	if why := readReceipt(m); why != "" {
		r.Kind, r.NotBounceReason = KindNotBounce, why
		validStrings(r)
		return
	}
	if decodeBounce(m, r) {
		r.Kind = KindBounce
		finish(m, r)
		return
	}
	if decodeLooseFeedback(m, r) {
		finish(m, r)
		return
	}
	if why := autoReplyReason(m); why != "" {
		if c := challengeResponse(m); c != "" {
			r.Kind, r.NotBounceReason = KindNotBounce, c
			validStrings(r)
			return
		}
		decodeAutoReply(m, r, why)
		finish(m, r)
		return
	}
	if decodeForwarded(m, r, depth) {
		return
	}
	if decodeStructural(m, r) {
		finish(m, r)
		return
	}
	r.Kind = KindNotBounce
	if r.NotBounceReason == "" {
		r.NotBounceReason = notBounceReason(m)
	}
	validStrings(r)
}

// decodeBounce fills r.Recipients from the delivery-status parts and from the text of the
// first detector that recognises the message. It reports whether there is any recipient.
func decodeBounce(m *message, r *Report) bool {
	n := decodeStatusParts(m, r)
	if n == 0 && looksLikeBounce(m) {
		// Many MTAs write the RFC 3464 fields in the text instead of a delivery-status part.
		r.Recipients = textStatusBlock(m)
		n = len(r.Recipients)
	}
	d := detect(m)
	switch {
	case n > 0 && d != nil:
		r.Format = d.name
		mergeText(r, d.decode(m))
	case n > 0:
		r.Format = "rfc3464"
		textDiagnostics(m, r)
	case d != nil:
		if rs := d.decode(m); len(rs) > 0 {
			r.Format, r.Recipients = d.name, rs
		}
	}
	return len(r.Recipients) > 0
}

// finish completes a decoded report: the original message, recipient clean-up and hints.
func finish(m *message, r *Report) {
	if h, ok := findOriginal(m); ok {
		originalFromHeader(h, &r.Original)
	}
	tidyRecipients(r)
	validStrings(r)
}

// validStrings makes the free-text fields of r valid UTF-8.
func validStrings(r *Report) {
	r.From, r.Subject = validText(r.From), validText(r.Subject)
	o := &r.Original
	o.From, o.To, o.Subject = validText(o.From), validText(o.To), validText(o.Subject)
	for k, v := range o.Headers {
		o.Headers[k] = validText(v)
	}
	for i := range r.Recipients {
		rc := &r.Recipients[i]
		rc.Diagnostic, rc.Recipient = validText(rc.Diagnostic), validText(rc.Recipient)
	}
}

// maxForward bounds how many attached messages deep a bounce is looked for.
const maxForward = 2

// decodeForwarded decodes a bounce that arrives attached to another message: a relay or a
// gateway that forwards the DSN it received (message/rfc822 holding a multipart/report or a
// MAILER-DAEMON message). The inner report's recipients are taken; the outer message's own
// header fields stay as decoded.
func decodeForwarded(m *message, r *Report, depth int) bool {
	p := m.originalPart()
	if p == nil || depth >= maxForward || p.mtype != "message/rfc822" {
		return false
	}
	inner := parseMessage(p.content(), m.lim)
	defer inner.release()
	if inner.reportType != "delivery-status" && !isSystemSender(inner.from) {
		return false
	}
	ir := &Report{}
	decodeInto(inner, ir, depth+1)
	if ir.Kind != KindBounce {
		return false
	}
	r.Kind, r.Format, r.Recipients, r.Original = ir.Kind, ir.Format, ir.Recipients, ir.Original
	r.Evidence = ir.Evidence
	if r.ReportingMTA == "" {
		r.ReportingMTA, r.ArrivalDate = ir.ReportingMTA, ir.ArrivalDate
	}
	validStrings(r) // the outer message's own fields too
	return true
}

// notBounceReason explains, for `parse --all`, why m was not taken for a bounce.
func notBounceReason(m *message) string {
	if !looksLikeBounce(m) {
		return "no sign of a bounce: ordinary sender, return path and subject, no delivery report"
	}
	return "looks like a bounce, but no recipient found in a delivery status, a known format or where failed recipients stand"
}
