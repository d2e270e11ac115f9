package dsn

import (
	"bytes"
	"strings"
)

// The generic detector is the last resort for bounces from a mail system (MAILER-DAEMON,
// postmaster, "Mail Delivery ...") in a format no other detector knows. It is conservative: an
// address counts as a failed recipient only when a phrase that introduces failed recipients
// comes before it (on its line or on the line above), or when its line also carries an SMTP reply
// code or an enhanced status code. The addresses of the bounce's own sender and receiver are
// never taken.

var genericDetector = detector{name: "generic", match: matchGeneric, decode: decodeGeneric}

// recipientPhrases introduce failed recipients (lower-case).
var recipientPhrases = []string{
	"following address", "following recipient", "failed address", "failed recipient",
	"could not be delivered to", "could not deliver to", "did not reach", "delivery failed",
	"undeliverable to", "unable to deliver", "not delivered to", "delivery to the following",
	"mailbox is full", "mailbox full", "user unknown", "unknown user", "no such user",
	"does not exist", "was rejected", "permanent error", "delivery has failed",
}

func matchGeneric(m *message) bool {
	if !isSystemSender(m.from) && !m.fromHas("mail delivery") && !m.fromHas("mail.delivery") {
		return false
	}
	s := strings.ToLower(m.subject)
	for _, w := range []string{"undeliver", "deliver", "fail", "returned", "bounce", "error", "rejected", "non remis", "unzustellbar", "no entregado"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

func decodeGeneric(m *message) []Recipient {
	text := m.bounceText()
	if end := originalMarker(text); end >= 0 {
		text = lastLineCut(text[:end])
	}
	own := ownAddresses(m)
	var rs []Recipient
	var prev string
	lines(text, func(line []byte) bool {
		s := strings.TrimSpace(string(line))
		low := strings.ToLower(s)
		anchored := hasRecipientPhrase(low) || hasRecipientPhrase(prev) && strings.HasSuffix(strings.TrimRight(prev, " -|"), ":") ||
			hasRecipientPhrase(prev) && strings.Contains(prev, "follow")
		coded := findStatus(s) != "" || findReplyCode(s) != ""
		if s != "" {
			prev = low
		}
		if !anchored && !coded {
			return true
		}
		for _, a := range addressesOnLine(s) {
			if own[strings.ToLower(a)] || matchRecipient(rs, a) != nil {
				continue
			}
			rs = append(rs, newRecipient(a, s, "failed"))
		}
		return len(rs) < maxRecipients
	})
	return rs
}

func hasRecipientPhrase(low string) bool {
	for _, p := range recipientPhrases {
		if strings.Contains(low, p) {
			return true
		}
	}
	return false
}

// ownAddresses returns the lower-case addresses of the bounce's own header fields and of the
// returned message's sender: these are never failed recipients.
func ownAddresses(m *message) map[string]bool {
	own := map[string]bool{}
	for _, name := range []string{"From", "To", "Reply-To", "Sender", "Return-Path", "Cc"} {
		for _, a := range addressesIn(m.hdr.get(name)) {
			own[strings.ToLower(a)] = true
		}
	}
	if h, ok := findOriginal(m); ok {
		for _, name := range []string{"From", "Return-Path", "Sender", "Reply-To"} {
			for _, a := range addressesIn(h.get(name)) {
				own[strings.ToLower(a)] = true
			}
		}
	}
	return own
}

// addressesOnLine returns the mailbox addresses written on a line (outside URLs).
func addressesOnLine(s string) []string {
	var out []string
	for len(s) > 0 && len(out) < 16 {
		i := strings.IndexByte(s, '@')
		if i < 0 {
			break
		}
		start, end := wordAround(s, i)
		a := strings.Trim(s[start:end], ".'\"")
		if isAddress(a) && !bytes.Contains([]byte(s[max(0, start-8):start]), []byte("://")) && !strings.Contains(a, "/") {
			out = append(out, a)
		}
		s = s[end:]
	}
	return out
}
